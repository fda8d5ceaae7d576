"""Minimal, atomic edits of a Gemfile or pyproject.toml for pins.

Planning is pure: a manifest's text and a PinRequest in, a PinPlan out. A plan either
edits the project's own requirement in place (`gem "puma"` -> `gem "puma", "~> 6.6"`),
inserts a new requirement, says the manifest already holds the ceiling, or explains why
it must be done by hand. Several pins for one file are planned one after another on the
text the previous one produced, so they compose. Applying re-reads the file, refuses when
it changed since it was read, keeps every other byte, and replaces the file atomically.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lockrisk.errors import EditError

PlanStatus = Literal["insert", "edit", "pinned", "manual"]
PIN_MARK = "lockrisk pin"  # first comment line of every pin: "# lockrisk pin NAME: why"
REMOVE_MARK = "lockrisk remove-when:"  # last comment line: the condition `lockrisk pin --check` reads back


@dataclass(frozen=True, slots=True, kw_only=True)
class PinRequest:
    """What a pin must say: keep `name` at `old`'s major line, with these comment lines above it."""

    ecosystem: str
    lock_kind: str  # "Gemfile.lock", "poetry.lock" or "uv.lock": decides the manifest idiom
    name: str
    key: str
    old: str
    new: str
    comment: tuple[str, ...]
    groups: tuple[str, ...] = ()  # non-runtime manifest groups the package is reached through
    markers: str | None = None  # environment markers the package is installed under


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestEdit:
    """Line-level changes to one text: whole-line replacements, then insertions before a line."""

    replaces: tuple[tuple[int, str], ...] = ()  # (0-based line index, the new line without its ending)
    inserts: tuple[tuple[int, str], ...] = ()  # (0-based index the text goes before, newline-terminated text)


@dataclass(frozen=True, slots=True, kw_only=True)
class PinPlan:
    status: PlanStatus
    requirement: str  # the constraint the manifest ends up with, e.g. "~> 6.6" or ">= 6.0, < 7"
    line: int | None = None  # 1-based line of the first changed line in the edited file
    text: str = ""  # the comment and requirement lines as they will read, newline-terminated
    edit: ManifestEdit | None = None
    reason: str = ""  # pinned / manual: what is already there, or why it cannot be done automatically


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def apply_edit(text: str, edit: ManifestEdit) -> str:
    """The edited text: replacements keep each line's ending; insertions go in from the bottom up."""
    nl = newline_of(text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += nl
    for index, new in edit.replaces:
        old = lines[index]
        lines[index] = new + old[len(old.rstrip("\r\n")):]
    for index, chunk in sorted(edit.inserts, key=lambda item: item[0], reverse=True):
        lines[index:index] = [ln + nl for ln in chunk.split("\n")[:-1]]
    return "".join(lines)


def comment_block(comment: tuple[str, ...], indent: str) -> str:
    return "".join(f"{indent}# {c}\n" for c in comment)


def unified_diff(path: str, before: str, after: str) -> str:
    return "".join(difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                        fromfile=f"a/{path}", tofile=f"b/{path}"))


def plan_pin(text: str, path: str, request: PinRequest) -> PinPlan:
    """The plan for one pin in the manifest `text` (a Gemfile or a pyproject.toml)."""
    if request.ecosystem == "rubygems":
        from lockrisk.edit.gemfile import plan_gemfile_pin

        return plan_gemfile_pin(text, request)
    from lockrisk.edit.pyproject import plan_pyproject_pin

    return plan_pyproject_pin(text, path, request)


def write_if_unchanged(path: Path, original: bytes, new_text: str) -> None:
    """Replace `path` with `new_text` atomically, unless it changed since `original` was read."""
    from lockrisk.fsutil import atomic_write

    try:
        current = path.read_bytes()
    except FileNotFoundError:
        raise EditError("disappeared since it was read; nothing written", path=str(path)) from None
    if current != original:
        raise EditError("changed since it was read; nothing written (run lockrisk pin again)", path=str(path))
    atomic_write(path, new_text.encode("utf-8"))
