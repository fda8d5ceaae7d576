"""From lockfile pairs to a Report: parse, graph, diff, analyse (and weigh when available).

This is the one place that strings the stages together; the CLI and the GitHub
command both call it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from lockrisk.analyse import Finding, analyse
from lockrisk.diff import diff_lockfiles
from lockrisk.errors import LockriskError
from lockrisk.evidence import breaks_inside_its_line
from lockrisk.graph import Graph
from lockrisk.inputs import read_regular
from lockrisk.model import Lockfile
from lockrisk.parsers import load_path, manifest_name, parse_lockfile, read_lockfile_bytes
from lockrisk.report import LockfileSummary, Report, severity_rank
from lockrisk.weigh import weigh_findings


@dataclass(frozen=True, slots=True, kw_only=True)
class LockfilePair:
    """The old and new sides of one lockfile, with the manifest beside the new one."""

    path: str  # how the lockfile is named in the report
    old: Lockfile
    new: Lockfile
    base: str
    head: str
    manifest_label: str = ""  # the Gemfile / pyproject.toml beside the new lockfile
    manifest_bytes: bytes | None = None
    manifest_file: Path | None = None  # where that manifest lives in the working tree


def shown_path(path: str) -> str:
    """A path as reports show it: bytes that are not UTF-8 (kept by surrogateescape) become `\\xNN`."""
    if path.isascii():
        return path  # nothing to show differently (the escaping module is not even loaded)
    from lockrisk.render.escape import undecoded_bytes

    return undecoded_bytes(path)


def pair_from_files(old: Path, new: Path, old_label: str | None = None, new_label: str | None = None) -> LockfilePair:
    old_label, new_label = shown_path(old_label or str(old)), shown_path(new_label or str(new))
    old_data = read_lockfile_bytes(old, old_label)
    new_data = read_lockfile_bytes(new, new_label)
    try:
        b = load_path(new, new_label, data=new_data)
    except LockriskError:
        load_path(old, old_label, data=old_data)  # a fault in the old side is reported first
        raise
    a = load_path(old, old_label, data=old_data, beside=(b, new_data))  # reads only what the new side lacks
    if a.ecosystem != b.ecosystem:
        raise LockriskError(f"cannot compare a {a.ecosystem} lockfile with a {b.ecosystem} one", path=new_label)
    name = manifest_name(b)
    manifest = new.parent / name
    label = str(Path(new_label).parent / name)
    data = read_regular(manifest, label=label) if manifest.exists() else None
    return LockfilePair(path=new_label, old=a, new=b, base=old_label, head=new_label, manifest_label=label,
                        manifest_bytes=data, manifest_file=manifest)


def _short(commit: str) -> str:
    return "none" if not commit.strip("0") else commit[:12]


def pairs_from_git(cwd: Path, base: str, head: str | None, paths: list[str]) -> tuple[list[LockfilePair], list[str]]:
    """Lockfile pairs between two revisions (head None = the working tree), and notes.

    A lockfile removed in one folder while another format's lockfile of the same ecosystem
    appears there (poetry.lock -> uv.lock) is one migration, compared package by package.
    """
    from lockrisk.gitsource import GitRepo
    from lockrisk.parsers import ecosystem_of

    repo = GitRepo(cwd)
    base_commit = repo.resolve(base)
    head_commit = repo.resolve(head) if head else None
    head_label = head or "working tree"
    notes: list[str] = []
    if paths:
        relpaths = [repo.relative(p) for p in paths]
    else:
        relpaths = repo.lockfiles_changed(base_commit, head_commit)
        if not relpaths:
            notes.append(f"no Gemfile.lock, poetry.lock or uv.lock changed between {base} and {head_label}")
        for sub, old_commit, new_commit in repo.submodules_moved(base_commit, head_commit):
            notes.append(f"submodule {shown_path(sub)} moved ({_short(old_commit)} -> {_short(new_commit)}): lockfiles inside "
                         "a submodule are not reviewed here; run lockrisk in that repository")

    def reader(commit: str | None, parent: str) -> Callable[[str], bytes | None]:
        if commit is None:
            return lambda name: repo.read_worktree(parent + name)
        return lambda name: repo.show(commit, parent + name)

    sides: dict[str, tuple[bytes | None, bytes | None]] = {}
    for rel in relpaths:
        old_data = repo.show(base_commit, rel)
        new_data = repo.show(head_commit, rel) if head_commit else repo.read_worktree(rel)
        if old_data is None and new_data is None:
            raise LockriskError(f"not found at {base} nor in {head_label}", path=rel)
        sides[rel] = (old_data, new_data)
    migrations: dict[str, str] = {}  # new lockfile -> the removed one it replaces
    for rel, (old_data, new_data) in sides.items():
        if old_data is not None or new_data is None:
            continue
        folder, name = _split(rel)
        for other, (other_old, other_new) in sides.items():
            other_folder, other_name = _split(other)
            if (other_new is None and other_old is not None and other_folder == folder and other_name != name
                    and ecosystem_of(other_name) == ecosystem_of(name) and other not in migrations.values()):
                migrations[rel] = other
                break

    pairs = []
    for rel, (old_data, new_data) in sides.items():
        folder, name = _split(rel)
        label = shown_path(rel)
        if new_data is None:
            if rel not in migrations.values():
                notes.append(f"{label} was deleted in {head_label}")
            continue
        new_lock = parse_lockfile(new_data, label, reader(head_commit, folder), filename=name)
        old_rel = migrations.get(rel, rel)
        if old_rel != rel:
            old_data = sides[old_rel][0]
        if old_data is None:
            notes.append(f"{label} is new in {head_label}: every package counts as added")
            old_lock = Lockfile(path=label, ecosystem=new_lock.ecosystem, format_version=None, packages={})
        else:
            old_lock = parse_lockfile(old_data, f"{shown_path(old_rel)}@{base}", reader(base_commit, folder),
                                      filename=_split(old_rel)[1], beside=(new_lock, new_data))
        manifest = manifest_name(new_lock)
        pairs.append(LockfilePair(path=label, old=old_lock, new=new_lock,
                                  base=base if old_rel == rel else f"{shown_path(old_rel)}@{base}",
                                  head=head_label, manifest_label=shown_path(folder + manifest),
                                  manifest_bytes=reader(head_commit, folder)(manifest),
                                  manifest_file=repo.root / (folder + manifest)))
    return pairs, notes


def _split(rel: str) -> tuple[str, str]:
    """('services/api/', 'uv.lock') for 'services/api/uv.lock'."""
    folder, _, name = rel.rpartition("/")
    return (folder + "/" if folder else ""), name


def findings_for(pair: LockfilePair, settings=None, lookup=None) -> list[Finding]:
    """The weighed findings of one pair; with a registry `lookup`, its facts become evidence too."""
    graph = Graph.from_lockfile(pair.new)
    old_graph = Graph.from_lockfile(pair.old)
    changes = diff_lockfiles(pair.old, pair.new)
    findings = analyse(changes, graph, old_graph)
    if lookup is not None:
        findings = look_up(findings, graph, lookup)
    weighed = weigh_findings(findings, graph, settings=settings, old_graph=old_graph)
    if lookup is not None:
        from lockrisk.commands import add_alternatives

        weighed = add_alternatives(weighed, lookup, pair.new)
    return attach_pins(weighed, pair, settings.pin_at if settings is not None else "high")


def look_up(findings: list[Finding], graph: Graph, lookup) -> list[Finding]:
    """Registry facts for every package that moved (and, for a new major line, its dependents' release dates)."""
    from dataclasses import replace

    wanted = []
    for f in findings:
        if f.change.old is None or f.change.new is None or f.change.jump.kind == "source":
            continue
        dependents: tuple = ()
        if f.change.jump.kind == "major" and f.change.jump.direction == "up":
            dependents = tuple(e.parent for e in graph.dependents(f.key))
        wanted.append((f.key, f.change.old, f.change.new.version, dependents))
    facts = lookup.many(wanted)
    return [replace(f, registry=facts[f.key]) if f.key in facts else f for f in findings]


READ_BACK_LIMIT = 50
READ_BACK_BYTES = 128 * 1024  # manifest text read back at planning time, over all pins of one report


def wants_pin(f: Finding, pin_at: str) -> bool:
    """Floated (or forced) major moves at or above the threshold that the project did not ask for, and moves inside
    a major line at or above it that certainly break (a catalogued breakage, a runtime they cannot install on, a
    yank): those are kept below the broken release."""
    if f.assessment is None:
        return False
    if f.change.jump.kind == "exposed" or breaks_inside_its_line(f):
        return severity_rank(f.assessment.severity) <= severity_rank(pin_at)
    if f.change.jump.kind != "major" or f.change.jump.direction != "up":
        return False
    if f.direct and (f.forced or f.intended):
        return False  # the project asked for it
    if f.direct and not f.own_floor_only:
        return False  # the project's own ceiling already allows the new major: its decision
    return severity_rank(f.assessment.severity) <= severity_rank(pin_at)


def attach_pins(findings: list[Finding], pair: LockfilePair, pin_at: str) -> list[Finding]:
    """A pin suggestion under every floated finding at or above `pin_at`."""
    if not any(wants_pin(f, pin_at) for f in findings):
        return findings  # nothing to pin: the pin code is not even loaded
    from dataclasses import replace

    from lockrisk.suggest import suggest_pin

    text = None
    if pair.manifest_bytes is not None:
        try:
            text = pair.manifest_bytes.decode("utf-8")
        except UnicodeDecodeError:
            text = None
    out = []
    planned = 0
    for f in findings:
        if wants_pin(f, pin_at):
            # each suggestion's edit is read back for the first READ_BACK_LIMIT pins, and no more than
            # READ_BACK_BYTES of manifest in all; every pin is read back before it is written, so a large
            # manifest with hundreds of pins costs no square
            read_back = planned < READ_BACK_LIMIT and planned * len(text or "") < READ_BACK_BYTES
            pin = suggest_pin(f, manifest_path=pair.manifest_label or manifest_name(pair.new), manifest_text=text,
                              tool_version=pair.new.tool_version, ecosystem=pair.new.ecosystem,
                              lock_kind=pair.new.kind, read_back=read_back)
            planned += 1
            f = replace(f, pin=pin)
        out.append(f)
    return out


def pair_notes(pair: LockfilePair) -> list[str]:
    """What the pair as a whole says: a lockfile format migration, registry switches."""
    from lockrisk.diff import registry_moves

    notes = []
    if pair.old.packages and pair.old.kind and pair.new.kind and pair.old.kind != pair.new.kind:
        notes.append(f"{pair.path}: migrated from {pair.old.kind} to {pair.new.kind}; compared package by package "
                     "(name and version), whatever each format records")
    return notes + [f"{pair.path}: {note}" for note in registry_moves(pair.old, pair.new)]


def build_report(command: str, pairs: list[LockfilePair], notes: list[str] | None = None, settings=None,
                 lookups: Callable | None = None) -> Report:
    """`lookups(new, old)` gives a registry Lookup for a lockfile pair when look-ups are on (None: offline)."""
    findings: list[Finding] = []
    all_notes: list[str] = list(notes or [])
    summaries = []
    for pair in pairs:
        lookup = lookups(pair.new, pair.old) if lookups is not None else None
        try:
            findings.extend(findings_for(pair, settings, lookup))
        except LockriskError as exc:  # a version or constraint from the lockfile: say which lockfile
            raise exc.at(path=pair.path) from None
        if lookup is not None:
            all_notes.extend(n for n in lookup.notes if n not in all_notes)
        for note in (*pair.old.notes, *pair.new.notes, *pair_notes(pair)):
            if note not in all_notes:
                all_notes.append(note)
        summaries.append(LockfileSummary(path=pair.path, ecosystem=pair.new.ecosystem, base=pair.base,
                                         head=pair.head, packages_before=len(pair.old.packages),
                                         packages_after=len(pair.new.packages)))
    findings = order_findings(findings)
    return Report(command=command, lockfiles=tuple(summaries), findings=tuple(findings), notes=tuple(all_notes))


_KIND_ORDER = {"major": 0, "source": 1, "calver": 2, "minor": 3, "patch": 4, "added": 5, "removed": 6, "none": 7}


def order_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then by score; unweighed findings by kind of move.

    Among weighed findings of one lockfile equal in severity and score, a move that one of the others
    depends on comes after them: when a lock does not record the ranges that would prove it was forced
    (uv.lock), the package that depends on it is still the likelier cause of both moves, and the one to
    hold back first.
    """
    ordered = sorted(findings, key=_order)
    out: list[Finding] = []
    i = 0
    while i < len(ordered):
        tie = _tie(ordered[i])
        j = i + 1
        while tie is not None and j < len(ordered) and _tie(ordered[j]) == tie:
            j += 1
        out.extend(_dependents_first(ordered[i:j]) if j - i > 1 else ordered[i:j])
        i = j
    return out


def _tie(f: Finding):
    if f.assessment is None:
        return None
    return severity_rank(f.assessment.severity), f.assessment.score, f.change.lockfile


def _dependents_first(group: list[Finding]) -> list[Finding]:
    names = {f.change.name for f in group}
    return sorted(group, key=lambda f: any(d.name in names and d.name != f.change.name for d in f.dependents))


def _order(f: Finding):
    if f.assessment is not None:
        return (severity_rank(f.assessment.severity), -f.assessment.score, f.change.lockfile, f.key)
    return (_KIND_ORDER.get(f.change.jump.kind, 9), f.direct, f.change.lockfile, f.key)
