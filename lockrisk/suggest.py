"""Pin suggestions: the ceiling the ecosystem forgot, written in its own idiom.

Pure functions: they take findings and the manifest text, and return suggestions
with the exact lines to insert. `lockrisk.edit` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from lockrisk.analyse import Finding
from lockrisk.edit import PIN_MARK, REMOVE_MARK, pin_ceiling
from lockrisk.errors import VersionError
from lockrisk.evidence import breaks_inside_its_line, line_text, name_list
from lockrisk.render.escape import plain
from lockrisk.versions import scheme_for

_GEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PY_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")

PinAction = Literal["insert", "edit", "pinned", "manual", "blocked"]


@dataclass(frozen=True, slots=True, kw_only=True)
class PinSuggestion:
    """What lockrisk proposes for one finding, and whether it can write it.

    `action` is "insert" (a new requirement), "edit" (a ceiling on the project's own
    requirement), "pinned" (the manifest already holds it back), "manual" (a ceiling is right
    but the manifest cannot be edited automatically: `blocked_by` says why) or "blocked" (no
    ceiling can resolve: `blocked_by` names what needs the new version).
    """

    ecosystem: str
    name: str
    key: str
    lockfile: str
    file: str
    action: PinAction
    line: int | None  # where the pin starts in the edited file (1-based)
    text: str  # the lines as they will read (comment + requirement), newline-terminated
    requirement: str  # the constraint the manifest ends up with, e.g. "~> 2.5"
    command: str
    remove_when: str
    markers: str | None = None
    blocked_by: str | None = None
    alternatives: tuple[str, ...] = ()
    request: Any = None  # lockrisk.edit.PinRequest: planned again against the file when writing
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def writable(self) -> bool:
        return self.action in ("insert", "edit")

    def summary(self) -> str:
        if self.action == "blocked":
            return f"no pin: {self.blocked_by}"
        if self.action == "manual":
            return f"pin by hand ({self.requirement}): {self.blocked_by}"
        if self.action == "pinned":
            return f"already pinned ({self.notes[0] if self.notes else self.requirement})"
        return f"{self.requirement_line()}  then: {self.command}"

    def requirement_line(self) -> str:
        code = [ln for ln in self.text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
        return code[-1].strip() if code else self.requirement

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "key": self.key, "lockfile": self.lockfile, "file": self.file,
                "action": self.action, "line": self.line, "text": self.text, "requirement": self.requirement,
                "markers": self.markers, "command": self.command, "remove_when": self.remove_when,
                "blocked_by": self.blocked_by, "alternatives": list(self.alternatives), "notes": list(self.notes)}

    def markdown_lines(self) -> list[str]:
        from lockrisk.render.escape import markdown, markdown_code

        if self.action == "blocked":
            out = [f"**No safe pin**: {markdown(self.blocked_by)}"]
            out += [f"- {markdown(a)}" for a in self.alternatives]
            return out
        if self.action == "manual":
            return [f"**Pin by hand** in <code>{markdown_code(self.file)}</code>: "
                    f"<code>{markdown_code(self.requirement)}</code> ({markdown(self.blocked_by)})"]
        if self.action == "pinned":
            return [f"**Already pinned** in <code>{markdown_code(self.file)}</code>"
                    + (f": {markdown(self.notes[0])}" if self.notes else "")]
        lang = "ruby" if self.ecosystem == "rubygems" else "toml"
        longest = max((len(run) for run in re.findall(r"`+", self.text)), default=0)
        fence = "`" * max(3, longest + 1)  # a fence no run of backticks in the text can close
        verb = "Suggested ceiling" if self.action == "edit" else "Suggested pin"
        return [f"**{verb}** in <code>{markdown_code(self.file)}</code>"
                + (f" (line {self.line})" if self.line else "") + ":", "",
                f"{fence}{lang}", self.text.rstrip("\n"), fence, "",
                f"then run <code>{markdown_code(self.command)}</code>"]


def _safe(text: str) -> str:
    """Untrusted text for a comment line in a manifest: one line, no control characters."""
    return plain(text).replace("\u23ce", " ")


def below_bound(f: Finding, ecosystem: str) -> str | None:
    """For a move that stayed inside its major line and carries certain evidence against it: the version a pin
    keeps it under (the new version, or the first broken release the catalogue names between the two). None for a
    move into a new major line, which a ceiling on the old line holds back."""
    change = f.change
    if not breaks_inside_its_line(f):
        return None
    bound = change.new.version  # type: ignore[union-attr]
    kb = f.assessment.known_breakage
    if kb is not None:
        scheme, gap = scheme_for(ecosystem), " " if ecosystem == "rubygems" else ""
        try:
            inside = scheme.constraint(f">{gap}{change.old.version}, <={gap}{bound}")  # type: ignore[union-attr]
            for v in scheme.constraint(kb.versions).floors():
                if inside.admits(v) and scheme.constraint(f"<{gap}{bound}").admits(v):
                    bound = v  # the first broken release after the old version
        except VersionError:
            pass
    return bound


_GEM_RELEASE = re.compile(r"[0-9]+(?:\.[0-9A-Za-z]+)*")


def writable_version(ecosystem: str, version: str) -> str | None:
    """The version as a pin may write it (lockfile text comes from strangers): PEP 440's normal form, or a plain
    RubyGems version; None for anything else."""
    if ecosystem == "rubygems":
        return version if _GEM_RELEASE.fullmatch(version) else None
    from packaging.version import InvalidVersion, Version

    try:
        return str(Version(version))
    except InvalidVersion:
        return None


def _remove_when(f: Finding, scheme, below: str | None = None) -> tuple[str, str]:
    """(machine-checkable condition or "", human sentence)."""
    kb = f.assessment.known_breakage if f.assessment is not None else None
    line = line_text(scheme.parse(f.change.new.version)) if f.change.new is not None else "?"
    if kb is not None and kb.fixed_in and kb.dependent is not None:
        return f"{kb.dependent} >= {kb.fixed_in}", f"remove once {kb.dependent} >= {kb.fixed_in} is locked"
    if below is not None:
        if kb is not None and kb.fixed_in:
            return "", f"remove once the project can take {f.name} {kb.fixed_in}, which fixes it"
        return "", f"remove once a {f.name} release from {below} on works for the project"
    if f.direct and not f.dependents:
        return "", f"remove once the project works with {f.name} {line}"
    return "", f"remove once every dependent supports {f.name} {line}"


def poetry_lock_command(tool_version: str | None) -> str:
    if tool_version and tool_version.split(".")[0] == "1":
        return "poetry lock --no-update"
    return "poetry lock"


def relock_command(lock_kind: str, name: str, tool_version: str | None) -> str:
    """The command that re-resolves only `name` after the pin is added."""
    if lock_kind == "uv.lock":
        return f"uv lock --upgrade-package {name}"
    if lock_kind == "poetry.lock":
        return poetry_lock_command(tool_version)
    return f"bundle lock --update {name}"


def _blocked(f: Finding, ecosystem: str, scheme, ceiling: str) -> tuple[list[str], list[str]]:
    """Why no ceiling can work for this finding, and the real choices left."""
    old = f.change.old.version if f.change.old else ""
    new = f.change.new.version if f.change.new else ""
    blocked: list[str] = []
    alternatives: list[str] = []
    for pkg in (f.change.old, f.change.new):
        if pkg is not None and pkg.source.kind != "registry":
            blocked.append(f"{f.name} comes from {pkg.source.describe()}, not a registry: pin its revision instead")
            break
    for d in f.dependents:
        if d.admits_old is False:
            alternatives.append(f"hold {d.name} back to a release that accepts {f.name} {old}")
    blocked += list(f.forced_by)
    if (_GEM_NAME if ecosystem == "rubygems" else _PY_NAME).match(f.name) is None:
        blocked.append(f"{f.name!r} is not a valid package name to write into a manifest")
    if not scheme.constraint(ceiling).admits(old):
        blocked.append(f"the ceiling {ceiling} does not admit {old}")
    if blocked:
        alternatives.append(f"or move forward: keep {f.name} {new} and fix the code that breaks")
    return list(dict.fromkeys(blocked)), alternatives


COMMENT_DEPENDENTS = 5  # dependents a pin's comment names


def _comment(f: Finding, ceiling: str, condition: str, remove_sentence: str, below: str | None = None) -> tuple[str, ...]:
    new = f.change.new.version if f.change.new else ""
    # a hub has hundreds of dependents: the comment names a few (the finding lists them all)
    who = name_list([f"{d.name} {d.requirement}" for d in f.dependents], COMMENT_DEPENDENTS) or "the project"
    how = "moved in through" if f.unrecorded else "floated in through"
    ceiling_note = " (no ceiling)" if f.floor_only else ""
    if f.direct and f.change.jump.kind != "exposed" and not f.change.projected:
        own = ", ".join(r.constraint for r in f.direct_requirements if r.constraint)
        why = f"this requirement ({own}) has no ceiling" if own else "this requirement names no version"
        verb = "does" if len(f.dependents) == 1 else "do"
        others = f"; {who} {verb} not cap it either" if f.dependents else ""
        comment = [f"{PIN_MARK} {f.name}: {new} floated in because {why}{others}."]
    elif f.change.jump.kind == "exposed":
        comment = [f"{PIN_MARK} {f.name}: nothing caps it ({who}); a re-resolve could take any new major."]
    elif f.change.projected:
        comment = [f"{PIN_MARK} {f.name}: {new} is out and nothing caps it ({who})."]
    else:
        comment = [f"{PIN_MARK} {f.name}: {new} {how} {who}{ceiling_note}."]
    kb = f.assessment.known_breakage if f.assessment is not None else None
    if kb is not None:
        comment.append(f"{kb.summary} ({kb.source})")
    if f.registry is not None and f.registry.latest_in_major and not below:
        comment.append(f"{ceiling} keeps {f.registry.latest_in_major}, the newest release of the old line, available.")
    comment.append(f"{REMOVE_MARK} {condition}" if condition else f"{REMOVE_MARK} manual: {remove_sentence}")
    return tuple(_safe(line) for line in comment)


def suggest_pin(f: Finding, *, manifest_path: str, manifest_text: str | None, tool_version: str | None = None,
                ecosystem: str, lock_kind: str = "", read_back: bool = True) -> PinSuggestion:
    from lockrisk.edit import PinRequest, plan_pin

    scheme = scheme_for(ecosystem)
    old = f.change.old.version if f.change.old else ""
    new = f.change.new.version if f.change.new else ""
    below = below_bound(f, ecosystem)
    written = writable_version(ecosystem, below) if below is not None else None
    condition, remove_sentence = _remove_when(f, scheme, below)
    lock_kind = lock_kind or ("Gemfile.lock" if ecosystem == "rubygems" else "poetry.lock")
    command = relock_command(lock_kind, f.name, tool_version)
    common = dict(ecosystem=ecosystem, name=f.name, key=f.key, lockfile=f.change.lockfile, file=manifest_path,
                  command=command, remove_when=remove_sentence, markers=f.markers)

    if below is not None and written is None:
        return PinSuggestion(**common, action="blocked", line=None, text="", requirement="",
                             blocked_by=f"{below!r} is not a version lockrisk writes into a manifest")
    below = written
    ceiling = pin_ceiling(ecosystem, old, below)
    blocked, alternatives = _blocked(f, ecosystem, scheme, ceiling)
    if blocked:
        return PinSuggestion(**common, action="blocked", line=None, text="", requirement=ceiling,
                             blocked_by="; ".join(blocked), alternatives=tuple(alternatives))

    groups = f.assessment.groups if f.assessment is not None else ()
    request = PinRequest(ecosystem=ecosystem, lock_kind=lock_kind, name=f.name, key=f.key, old=old, new=new,
                         comment=_comment(f, ceiling, condition, remove_sentence, below), groups=groups,
                         markers=f.markers, read_back=read_back, below=below)
    notes: list[str] = []
    if f.unrecorded:
        notes.append(f"the lockfile does not record which {f.name} versions {', '.join(f.unrecorded)} accept: "
                     f"`{command}` refuses the pin if one of them needs {new}")
    if f.also_held:
        notes.append(f"holding {f.name} at {old} also takes back: {', '.join(f.also_held)}")
    if manifest_text is None:
        return PinSuggestion(**common, action="manual", line=None, text="", requirement=ceiling,
                             blocked_by=f"{manifest_path} could not be read", request=request, notes=tuple(notes))
    plan = plan_pin(manifest_text, manifest_path, request)
    if plan.status == "pinned":
        notes.insert(0, plan.reason)
    return PinSuggestion(**common, action=plan.status, line=plan.line, text=plan.text,
                         requirement=plan.requirement or ceiling,
                         blocked_by=plan.reason if plan.status == "manual" else None,
                         request=request, notes=tuple(notes))
