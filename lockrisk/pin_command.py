"""The `pin` command: ceilings for the floated moves, shown, written as a patch or into the manifest, and
`pin --check`, which finds pins whose removal condition now holds. Loaded only when `pin` runs."""

from __future__ import annotations

import sys
from dataclasses import dataclass, replace
from pathlib import Path

from lockrisk.commands import EXIT_FINDINGS, EXIT_OK, check_severity, check_text_json, find_lockfile, lockfile_pairs
from lockrisk.errors import ConfigError, LockriskError
from lockrisk.inputs import read_regular

PINS_SCHEMA = "lockrisk/pins-v1"


@dataclass(frozen=True, slots=True, kw_only=True)
class PinOptions:
    """What `lockrisk pin` was asked to do."""

    paths: list[str]
    base: str | None = None
    head: str | None = None
    patch: bool = False
    write: bool = False
    check: bool = False
    pin_at: str | None = None
    fmt: str | None = None
    config: Path | None = None
    cwd: Path | None = None


def run_pin(options: PinOptions) -> int:
    """Print, diff or write the suggested pins; with --check, find pins whose removal condition holds."""
    from lockrisk.config import load_settings
    from lockrisk.pipeline import build_report

    cwd = options.cwd or Path.cwd()
    if options.check:
        return run_pin_check(options, cwd)
    if options.patch and options.write:
        raise ConfigError("choose --patch or --write, not both")
    fmt = check_text_json(options.fmt, "pin")
    pairs, notes = lockfile_pairs(options.paths, options.base, options.head, cwd)
    settings = load_settings(options.config, cwd, [p.path for p in pairs])
    if options.pin_at:
        settings = replace(settings, pin_at=check_severity(options.pin_at, "--pin-at"))
    report = build_report("pin", pairs, notes + list(settings.notes), settings=settings)
    pins = [f.pin for f in report.findings if f.pin is not None]
    if fmt == "json":
        import json

        sys.stdout.write(json.dumps({"schema": PINS_SCHEMA, "pins": [p.to_dict() for p in pins],
                                     "notes": list(report.notes)}, indent=2) + "\n")
        return EXIT_OK
    if not options.patch and not options.write:
        sys.stdout.write(pins_text(pins, report.notes))
        return EXIT_OK
    return apply_pins(pairs, pins, write=options.write)


def pins_text(pins, notes) -> str:
    from lockrisk.render.escape import plain

    if not pins:
        return "no pins to suggest: nothing floated across a major at or above the pin threshold\n"
    out = []
    for p in pins:
        if p.action == "blocked":
            out.append(f"{plain(p.name)}: no safe pin: {plain(p.blocked_by)}")
            out += [f"  - {plain(a)}" for a in p.alternatives]
        elif p.action == "manual":
            out.append(f"{plain(p.name)}: pin by hand in {plain(p.file)} ({plain(p.requirement)}): {plain(p.blocked_by)}")
        elif p.action == "pinned":
            out.append(f"{plain(p.name)}: already pinned: {plain(p.notes[0] if p.notes else p.file)}")
        else:
            where = f"{plain(p.file)}:{p.line}" if p.line else plain(p.file)
            verb = "edit" if p.action == "edit" else "add to"
            out.append(f"{plain(p.name)}: {verb} {where}:")
            out += ["  " + plain(line) for line in p.text.strip("\n").splitlines()]
            out.append(f"  then run: {p.command}")
            out += [f"  note: {plain(n)}" for n in p.notes]
        out.append("")
    return "\n".join(out)


def apply_pins(pairs, pins, *, write: bool) -> int:
    """Write (or show as a patch) every pin that can be written; list the rest. Exit 1 when any could not."""
    from lockrisk.edit import apply_edit, plan_pin, unified_diff, write_if_unchanged
    from lockrisk.render.escape import plain

    failed: list[tuple[object, str]] = []
    by_file: dict[str, list] = {}
    for p in pins:
        if p.request is None or p.action in ("blocked", "manual"):
            failed.append((p, p.blocked_by or "no pin could be planned"))
        elif p.action == "pinned":
            print(f"lockrisk: {plain(p.name)}: already pinned: {plain(p.notes[0] if p.notes else p.file)}",
                  file=sys.stderr)
        else:
            by_file.setdefault(p.file, []).append(p)
    sources = {pair.manifest_label: pair for pair in pairs}
    for label, file_pins in by_file.items():
        pair = sources[label]
        original = pair.manifest_bytes
        text = original.decode("utf-8")
        edited = text
        written = []
        for p in file_pins:  # each planned on the text the previous pins produced, so they compose
            plan = plan_pin(edited, label, replace(p.request, read_back=True))
            if plan.status in ("insert", "edit") and plan.edit is not None:
                edited = apply_edit(edited, plan.edit)
                written.append(p)
            elif plan.status == "pinned":
                print(f"lockrisk: {plain(p.name)}: already pinned: {plain(plan.reason)}", file=sys.stderr)
            else:
                failed.append((p, plan.reason or "the manifest could not be edited"))
        if not written:
            continue
        _check_still_parses(label, pair.new.ecosystem, edited, text)
        if write:
            write_if_unchanged(pair.manifest_file, original, edited)
            names = ", ".join(plain(p.name) for p in written)
            commands = sorted({p.command for p in written})
            print(f"lockrisk: pinned {names} in {plain(label)}; now run: {' && '.join(commands)}", file=sys.stderr)
        else:
            sys.stdout.write(unified_diff(label, text, edited))
    for p, why in failed:
        print(f"lockrisk: {plain(p.name)}: not pinned: {plain(why)}", file=sys.stderr)
    if not by_file and not failed:
        print("lockrisk: nothing to change", file=sys.stderr)
    return EXIT_FINDINGS if failed else EXIT_OK


def _check_still_parses(label: str, ecosystem: str, edited: str, original: str) -> None:
    """The edited manifest still reads as TOML, or as Ruby as far as the tokenizer can tell (a Gemfile that
    did not read as Ruby before the edit is not blamed on it)."""
    from lockrisk.errors import EditError, ParseError

    if ecosystem == "rubygems":
        from lockrisk.manifests.rubytokens import check_syntax

        try:
            check_syntax(original)
        except ParseError:
            return
        try:
            check_syntax(edited)
        except ParseError as exc:
            raise EditError(f"the edit would not parse ({exc.message}); nothing written", path=label,
                            line=exc.line) from None

    if ecosystem == "pypi":
        from lockrisk.tomlload import loads

        try:
            loads(edited.removeprefix("\ufeff"), label)  # a BOM is kept as written; TOML itself has none
        except LockriskError as exc:
            raise EditError(f"the edit would not parse ({exc.message}); nothing written", path=label) from None


def run_pin_check(options: PinOptions, cwd: Path) -> int:
    """Pins whose removal condition now holds in the current lockfile."""
    from lockrisk.parsers import load_path, manifest_name
    from lockrisk.render.escape import plain
    from lockrisk.stale import find_stale_pins
    from lockrisk.suggest import relock_command

    if len(options.paths) > 1:
        raise ConfigError("--check takes one lockfile")
    lock_path = cwd / options.paths[0] if options.paths else find_lockfile(cwd)
    lockfile = load_path(lock_path, label=options.paths[0] if options.paths else lock_path.name)
    name = manifest_name(lockfile)
    manifest = lock_path.parent / name
    if not manifest.is_file():
        raise LockriskError("no manifest beside the lockfile to check for pins", path=str(manifest))
    stale, kept = find_stale_pins((read_regular(manifest) or b"").decode("utf-8", errors="replace"), lockfile)
    label = str(Path(options.paths[0]).parent / name) if options.paths else name
    for pin in kept:
        print(f"{label}:{pin.line}: {plain(pin.name)}: keep ({plain(pin.status)})")
    for pin in stale:
        print(f"{label}:{pin.line}: {plain(pin.name)}: stale: {plain(pin.status)}; remove the pin "
              f"(lines {pin.line}-{pin.end_line}) and run "
              + relock_command(lockfile.kind, pin.name, lockfile.tool_version))
    if not stale and not kept:
        print("no lockrisk pins found")
    return EXIT_FINDINGS if stale else EXIT_OK
