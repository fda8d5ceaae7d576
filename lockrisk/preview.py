"""`lockrisk preview`: before an upgrade, run the ecosystem's own resolver in a scratch copy and review the result.

The manifest and lockfile are copied to a temporary directory (the user's files are never touched), the
requested change is applied there (`bundle lock --update rails`, `poetry lock`, `uv lock --upgrade-package`),
and the before/after pair is reviewed exactly as `lockrisk diff` reviews one. With `--pin-floated` the
suggested pins are added to the scratch manifest and the resolver runs again, until nothing risky floats
or a pin cannot resolve; `--write` then applies that set of pins to the real manifest.

The resolver runs with the user's own configuration and credentials (environment, ~/.bundle, Poetry and
uv settings), under a timeout; its failures become one error line carrying the resolver's last message.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from lockrisk.errors import ConfigError, LockriskError

MAX_ROUNDS = 6  # --pin-floated: resolve, pin, resolve again, at most this many times
# files the resolver reads beside the manifest (a Gemfile's gemspec, the Ruby version, local Bundler settings)
COMPANIONS = {"rubygems": (".ruby-version", ".tool-versions", "*.gemspec", ".bundle/config"),
              "pypi": (".python-version", "poetry.toml", "uv.toml", "README.md", "README.rst")}


class ResolverError(LockriskError):
    """The resolver failed, timed out or is not installed."""


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewOptions:
    """What `lockrisk preview` was asked to try."""

    packages: tuple[str, ...] = ()
    to: str | None = None
    all: bool = False
    pin_floated: bool = False
    write: bool = False
    lockfile: Path | None = None
    fmt: str | None = None
    fail_on: str | None = None
    pin_at: str | None = None
    offline: bool = False
    budget: float = 20.0
    timeout: float = 300.0
    cwd: Path | None = None


@dataclass(slots=True)
class Round:
    """One resolve in the scratch copy: the pins it carried and what the review found."""
    pins: list = field(default_factory=list)
    report: object = None


def resolver_commands(ecosystem: str, lock_name: str, packages: tuple[str, ...], everything: bool) -> list[list[str]]:
    """The resolver invocations for the requested change, in the ecosystem's own words."""
    if ecosystem == "rubygems":
        if everything or not packages:
            return [["bundle", "lock", "--update"]]
        return [["bundle", "lock", "--update", *packages]]
    if lock_name == "uv.lock":
        if everything or not packages:
            return [["uv", "lock", "--upgrade"]]
        return [["uv", "lock", *[arg for p in packages for arg in ("--upgrade-package", p)]]]
    if everything or not packages:
        return [["poetry", "update", "--lock", "--no-interaction"]]
    return [["poetry", "update", "--lock", "--no-interaction", *packages]]


def set_gem_requirement(text: str, name: str, constraint: str) -> str:
    """The Gemfile with `gem "name"`'s requirement replaced by `constraint` (one string per clause)."""
    from lockrisk.manifests.rubytokens import read_gemfile

    gemfile = read_gemfile(text)
    calls = [c for c in gemfile.calls if c.name == name]
    if len(calls) != 1:
        raise ConfigError(f"--to: the Gemfile has {len(calls) or 'no'} gem \"{name}\" call"
                          f"{'s' if len(calls) > 1 else ''}; change the requirement by hand")
    call = calls[0]
    if call.dynamic:
        raise ConfigError(f"--to: gem \"{name}\" takes its requirement from code; change it by hand")
    clauses = ", ".join(f'"{part.strip()}"' for part in constraint.split(",") if part.strip())
    if not clauses or any(ch in constraint for ch in "\"'\\#\n"):
        raise ConfigError(f"--to: {constraint!r} is not a requirement (say '~> 8.0' or '>= 8, < 9')")
    reqs = call.requirements
    if reqs:
        return text[:reqs[0].start] + clauses + text[reqs[-1].end:]
    name_end = call.args[0].end
    return text[:name_end] + ", " + clauses + text[name_end:]


def _copy_project(folder: Path, manifest: str, lock_name: str, ecosystem: str, scratch: Path) -> None:
    from lockrisk.inputs import read_regular

    for name in (manifest, lock_name):
        data = read_regular(folder / name, label=name)
        if data is None:
            raise ConfigError(f"no {name} beside the lockfile: preview needs both", path=str(folder / name))
        (scratch / name).write_bytes(data)
    for pattern in COMPANIONS[ecosystem]:
        for source in folder.glob(pattern):
            if source.is_file() and not source.is_symlink():
                target = scratch / source.relative_to(folder)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)


def _progress(label: str, stop: threading.Event) -> None:
    """A line that says the resolver is still working, on a terminal only."""
    started = time.monotonic()
    while not stop.wait(1.0):
        sys.stderr.write(f"\rlockrisk: {label}... {time.monotonic() - started:.0f} s")
        sys.stderr.flush()
    sys.stderr.write("\r" + " " * (len(label) + 24) + "\r")


def run_resolver(command: list[str], cwd: Path, timeout: float) -> None:
    """Run one resolver command; any failure is one ResolverError line with the resolver's last message."""
    from lockrisk.render.escape import plain

    shown = " ".join(command)
    if shutil.which(command[0]) is None:
        raise ResolverError(f"{command[0]} is not installed: preview runs the project's own resolver ({shown})")
    stop = threading.Event()
    ticker = None
    if sys.stderr.isatty():
        ticker = threading.Thread(target=_progress, args=(shown, stop), daemon=True)
        ticker.start()
    env = {**os.environ, "BUNDLE_GEMFILE": str(cwd / "Gemfile")} if command[0] == "bundle" else dict(os.environ)
    try:
        proc = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise ResolverError(f"{shown} did not finish within {timeout:g} s (--timeout)") from None
    finally:
        stop.set()
        if ticker is not None:
            ticker.join()
    if proc.returncode != 0:
        lines = [ln.strip() for ln in (proc.stderr + "\n" + proc.stdout).splitlines() if ln.strip()]
        last = next((ln for ln in reversed(lines) if not ln.startswith(("Run `bundle", "Fetching", "Resolving"))),
                    "no message")
        raise ResolverError(f"{shown} failed (exit {proc.returncode}): {plain(last)[:300]}")


def run_preview(options: PreviewOptions) -> int:
    from lockrisk.commands import check_severity, choose_format, emit, exit_status, find_lockfile
    from lockrisk.edit import apply_edit, plan_pin
    from lockrisk.parsers import ecosystem_of, manifest_name
    from lockrisk.pipeline import build_report, pair_from_files
    from lockrisk.render.escape import plain

    cwd = options.cwd or Path.cwd()
    fmt = choose_format(options.fmt, False)
    fail_on = check_severity(options.fail_on, "--fail-on", allow_none=True)
    lock_path = options.lockfile if options.lockfile is not None else find_lockfile(cwd)
    lock_path = lock_path if lock_path.is_absolute() else cwd / lock_path
    if options.to and len(options.packages) != 1:
        raise ConfigError("--to changes one package's requirement: name exactly one package")
    if not options.packages and not options.all:
        raise ConfigError("name the packages to update (preview rails), or --all for a full update")
    ecosystem = ecosystem_of(lock_path.name)
    from lockrisk.parsers import load_path

    original = load_path(lock_path, label=str(lock_path))
    manifest = manifest_name(original)
    from lockrisk.commands import is_offline, lookup_factory
    from lockrisk.config import load_settings

    settings = load_settings(None, lock_path.parent, [str(lock_path)])
    if options.pin_at:
        settings = replace(settings, pin_at=check_severity(options.pin_at, "--pin-at"))
    lookups = None if is_offline(options.offline) else lookup_factory(settings, budget=options.budget)
    if options.to and ecosystem != "rubygems":
        raise ConfigError("--to rewrites a Gemfile requirement; for pyproject.toml change the requirement in "
                          "the file and run preview with the package name")

    with tempfile.TemporaryDirectory(prefix="lockrisk-preview-") as tmp:
        scratch = Path(tmp)
        _copy_project(lock_path.parent, manifest, lock_path.name, ecosystem, scratch)
        scratch_manifest = scratch / manifest
        if options.to:
            text = scratch_manifest.read_text(encoding="utf-8")
            scratch_manifest.write_text(set_gem_requirement(text, options.packages[0], options.to), encoding="utf-8")
        applied: list = []  # pins added to the scratch manifest so far
        report = None
        for round_number in range(1, MAX_ROUNDS + 1):
            targets = options.packages + tuple(p.name for p in applied)
            commands = resolver_commands(ecosystem, lock_path.name, targets, options.all)
            for command in commands:
                run_resolver(command, scratch, options.timeout)
            pair = pair_from_files(lock_path, scratch / lock_path.name, str(lock_path),
                                   f"{lock_path.name} (after {'a full update' if options.all else ' '.join(options.packages)})")
            pair = replace(pair, manifest_label=manifest, manifest_bytes=scratch_manifest.read_bytes(),
                           manifest_file=scratch_manifest)
            ran = " && ".join(" ".join(c) for c in commands)
            report = build_report("preview", [pair], [f"previewed in a scratch copy: {ran}", *settings.notes],
                                  settings=settings, lookups=lookups)
            floated = [f.pin for f in report.findings if f.pin is not None and f.pin.writable]
            if not options.pin_floated or not floated:
                break
            text = scratch_manifest.read_text(encoding="utf-8")
            for pin in floated:
                plan = plan_pin(text, manifest, replace(pin.request, read_back=True))
                if plan.edit is not None and plan.status in ("insert", "edit"):
                    text = apply_edit(text, plan.edit)
                    applied.append(pin)
            scratch_manifest.write_text(text, encoding="utf-8")
            print(f"lockrisk: round {round_number}: pinned {', '.join(plain(p.name) for p in floated)} in the "
                  "scratch copy; resolving again", file=sys.stderr)
        else:
            raise ResolverError(f"still floating after {MAX_ROUNDS} rounds of pins: review the last plan by hand")
        emit(report, fmt, None, False)
        if applied:
            print(f"lockrisk: the resolver accepts these pins together: "
                  f"{'; '.join(plain(p.requirement_line()) for p in applied)}", file=sys.stderr)
            if options.write:  # planned again against the real manifest, as `pin --write` writes them
                from lockrisk.pin_command import apply_pins
                from lockrisk.inputs import read_regular

                real = lock_path.parent / manifest
                target = replace(pair, manifest_bytes=read_regular(real, label=manifest), manifest_file=real)
                written = apply_pins([target], applied, write=True)
                return max(written, exit_status(report, fail_on))
    return exit_status(report, fail_on)

