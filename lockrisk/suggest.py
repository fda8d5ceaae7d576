"""Pin suggestions: the ceiling the ecosystem forgot, written in its own idiom.

Pure functions: they take findings and the manifest text, and return suggestions
with the exact lines to insert. `lockrisk.edit` applies them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from lockrisk.analyse import Finding
from lockrisk.render.escape import plain
from lockrisk.report import severity_rank
from lockrisk.versions import scheme_for
from lockrisk.versions.jump import major_line

PIN_MARK = "lockrisk pin"
REMOVE_MARK = "lockrisk remove-when:"
_GEM_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_PY_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PinSuggestion:
    ecosystem: str
    name: str
    file: str
    line: int | None  # where the new lines start in the edited file (1-based)
    text: str  # the lines to insert (comment + requirement), newline-terminated
    requirement: str  # the ceiling constraint, e.g. "~> 2.5"
    command: str
    remove_when: str
    blocked_by: str | None = None
    alternatives: tuple[str, ...] = ()
    edit: Any = None  # lockrisk.edit.Insertion, when the manifest could be read
    notes: tuple[str, ...] = field(default_factory=tuple)

    def summary(self) -> str:
        if self.blocked_by:
            return f"no pin: {self.blocked_by}"
        return f"{self.requirement_line()}  then: {self.command}"

    def requirement_line(self) -> str:
        return [ln for ln in self.text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")][-1].strip()

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "text": self.text, "requirement": self.requirement,
                "command": self.command, "remove_when": self.remove_when, "blocked_by": self.blocked_by,
                "alternatives": list(self.alternatives), "notes": list(self.notes)}

    def markdown_lines(self) -> list[str]:
        from lockrisk.render.escape import markdown, markdown_code

        if self.blocked_by:
            out = [f"**No safe pin**: {markdown(self.blocked_by)}"]
            out += [f"- {markdown(a)}" for a in self.alternatives]
            return out
        lang = "ruby" if self.ecosystem == "rubygems" else "toml"
        fence = "````" if "```" in self.text else "```"
        return [f"**Suggested pin** in <code>{markdown_code(self.file)}</code>"
                + (f" (line {self.line})" if self.line else "") + ":", "",
                f"{fence}{lang}", self.text.rstrip("\n"), fence, "",
                f"then run <code>{markdown_code(self.command)}</code>"]


def _safe(text: str) -> str:
    """Untrusted text for a comment line in a manifest: one line, no control characters."""
    return plain(text).replace("\u23ce", " ")


def _remove_when(f: Finding, scheme) -> tuple[str, str]:
    """(machine-checkable condition or "", human sentence)."""
    kb = f.assessment.known_breakage if f.assessment is not None else None
    new_major = "?"
    if f.change.new is not None:
        new_major = ".".join(str(n) for n in major_line(scheme.parse(f.change.new.version)))
    if kb is not None and kb.fixed_in:
        return f"{kb.dependent} >= {kb.fixed_in}", f"remove once {kb.dependent} >= {kb.fixed_in} is locked"
    return "", f"remove once every dependent supports {new_major}.x"


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


def suggest_pin(f: Finding, *, manifest_path: str, manifest_text: str | None, tool_version: str | None = None,
                ecosystem: str, lock_kind: str = "") -> PinSuggestion:
    scheme = scheme_for(ecosystem)
    old = f.change.old.version if f.change.old else ""
    new = f.change.new.version if f.change.new else ""
    ceiling = scheme.ceiling_for(old)
    condition, remove_sentence = _remove_when(f, scheme)
    command = relock_command(lock_kind or ("Gemfile.lock" if ecosystem == "rubygems" else "poetry.lock"), f.name,
                             tool_version)

    blocked: list[str] = []
    alternatives: list[str] = []
    c = scheme.constraint(ceiling)
    for d in f.dependents:
        if d.admits_old is False:
            blocked.append(f"{d.name} {d.version} requires {d.requirement}")
            alternatives.append(f"hold {d.name} back to a release that accepts {f.name} {old}")
    for reason in f.forced_by:
        if "changed its requirement" in reason or reason.startswith(("Gemfile", "pyproject")):
            blocked.append(reason)
    valid_name = (_GEM_NAME if ecosystem == "rubygems" else _PY_NAME).match(f.name) is not None
    if not valid_name:
        blocked.append(f"{f.name!r} is not a valid package name to write into a manifest")
    if not c.admits(old):
        blocked.append(f"the ceiling {ceiling} does not admit {old}")
    if blocked:
        alternatives.append(f"or move forward: keep {f.name} {new} and fix the code that breaks")
        return PinSuggestion(ecosystem=ecosystem, name=f.name, file=manifest_path, line=None, text="", requirement=ceiling,
                             command=command, remove_when=remove_sentence, blocked_by="; ".join(blocked),
                             alternatives=tuple(alternatives))

    who = ", ".join(f"{d.name} {d.requirement}" for d in f.dependents) or "the project"
    how = "moved in through" if f.unrecorded else "floated in through"
    ceiling_note = " (no ceiling)" if f.floor_only else ""
    if f.change.jump.kind == "exposed":
        comment = [f"{PIN_MARK} {f.name}: nothing caps it ({who}); a re-resolve could take any new major."]
    elif f.change.projected:
        comment = [f"{PIN_MARK} {f.name}: {new} is out and nothing caps it ({who})."]
    else:
        comment = [f"{PIN_MARK} {f.name}: {new} {how} {who}{ceiling_note}."]
    kb = f.assessment.known_breakage if f.assessment is not None else None
    if kb is not None:
        comment.append(f"{kb.summary} ({kb.source})")
    if f.registry is not None and f.registry.latest_in_major:
        comment.append(f"{ceiling} keeps {f.registry.latest_in_major}, the newest release of the old line, available.")
    comment.append(f"{REMOVE_MARK} {condition}" if condition else f"{REMOVE_MARK} manual: {remove_sentence}")
    comment = [_safe(line) for line in comment]

    from lockrisk.edit import plan_gemfile_pin, plan_pyproject_pin

    groups = f.assessment.groups if f.assessment is not None else ()
    if ecosystem == "rubygems":
        edit = plan_gemfile_pin(manifest_text, manifest_path, f.name, ceiling, comment, groups) if manifest_text is not None else None
    else:
        edit = plan_pyproject_pin(manifest_text, manifest_path, f.name, ceiling, comment, groups) if manifest_text is not None else None
    if edit is None:
        from lockrisk.edit import render_pin_lines

        text = render_pin_lines(ecosystem, f.name, ceiling, comment, groups)
        return PinSuggestion(ecosystem=ecosystem, name=f.name, file=manifest_path, line=None, text=text,
                             requirement=ceiling, command=command, remove_when=remove_sentence,
                             notes=(f"{manifest_path} could not be read: add the lines by hand",))
    notes: tuple[str, ...] = ()
    if f.unrecorded:
        notes = (f"the lockfile does not record which {f.name} versions {', '.join(f.unrecorded)} accept: "
                 f"`{command}` refuses the pin if one of them needs {new}",)
    return PinSuggestion(ecosystem=ecosystem, name=f.name, file=manifest_path, line=edit.line, text=edit.text,
                         requirement=ceiling, command=command, remove_when=remove_sentence, edit=edit, notes=notes)


def wants_pin(f: Finding, pin_at: str) -> bool:
    """Floated (or forced) major moves at or above the threshold that the project did not ask for."""
    if f.assessment is None:
        return False
    if f.change.jump.kind == "exposed":
        return severity_rank(f.assessment.severity) <= severity_rank(pin_at)
    if f.change.jump.kind != "major" or f.change.jump.direction != "up":
        return False
    if f.direct and f.forced:
        return False  # the project asked for it
    return severity_rank(f.assessment.severity) <= severity_rank(pin_at)
