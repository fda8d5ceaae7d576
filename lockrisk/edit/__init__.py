"""Minimal, atomic edits of a Gemfile or pyproject.toml for pins.

Planning is pure: a manifest's text and a PinRequest in, a PinPlan out. A plan either
edits the project's own requirement in place (`gem "puma"` -> `gem "puma", "~> 6.6"`),
inserts a new requirement, says the manifest already holds the ceiling, or explains why
it must be done by hand. Several pins for one file are planned one after another on the
text the previous one produced, so they compose. Applying re-reads the file, refuses when
it changed since it was read (and again just before the rename), keeps every other byte,
refuses a Gemfile that no longer parses, edits a symlink's target inside the project (never
one outside it, nor a FIFO or device), and replaces the file atomically.
"""

from __future__ import annotations

import difflib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lockrisk.errors import EditError

PlanStatus = Literal["insert", "edit", "pinned", "manual"]
PIN_MARK = "lockrisk pin"  # first comment line of every pin: "# lockrisk pin NAME: why"
REMOVE_MARK = "lockrisk remove-when:"  # last comment line: the condition `lockrisk pin --check` reads back


@dataclass(frozen=True, slots=True, kw_only=True)
class PinRequest:
    """What a pin must say: keep `name` at `old`'s major line (or below a broken release), with these comment lines
    above it."""

    ecosystem: str
    lock_kind: str  # "Gemfile.lock", "poetry.lock" or "uv.lock": decides the manifest idiom
    name: str
    key: str
    old: str
    new: str
    comment: tuple[str, ...]
    groups: tuple[str, ...] = ()  # non-runtime manifest groups the package is reached through
    markers: str | None = None  # environment markers the package is installed under
    read_back: bool = True  # read the edited manifest back to check the plan (always done before writing)
    below: str | None = None  # keep it under this version instead of under the next major line: the broken
    # minor or patch (concurrent-ruby 1.3.5), for a move that stayed inside its major line

    def ceiling(self) -> str:
        """The requirement a pin writes where there is none: `~> 2.5`, `>=2.5,<3`; `< 1.3.5` below a broken release."""
        return pin_ceiling(self.ecosystem, self.old, self.below)

    def upper(self) -> str:
        """The one clause added to a floor the project already wrote: `< 3`; `< 1.3.5` below a broken release."""
        from lockrisk.versions import scheme_for

        if self.below:
            return _below_clause(self.ecosystem, self.below)
        return scheme_for(self.ecosystem).upper_bound(self.old)


def _below_clause(ecosystem: str, below: str) -> str:
    """`< 1.3.5` in a Gemfile, `<1.3.5` in a pyproject.toml."""
    return f"< {below}" if ecosystem == "rubygems" else f"<{below}"


def pin_ceiling(ecosystem: str, old: str, below: str | None = None) -> str:
    """The requirement that keeps `old` and leaves out its next major line, or everything from `below` up."""
    from lockrisk.versions import scheme_for

    if below is None:
        return scheme_for(ecosystem).ceiling_for(old)
    if ecosystem == "rubygems":
        return _below_clause(ecosystem, below)
    from lockrisk.versions.pep440 import _floor

    floor = _floor(old)
    return (f">={floor}," if floor else "") + _below_clause(ecosystem, below)


@dataclass(frozen=True, slots=True, kw_only=True)
class ManifestEdit:
    """Line-level changes to one text: whole-line replacements, then insertions before a line."""

    replaces: tuple[tuple[int, str], ...] = ()  # (0-based line index, the new line without its ending)
    inserts: tuple[tuple[int, str], ...] = ()  # (0-based index the text goes before, newline-terminated text)


@dataclass(frozen=True, slots=True, kw_only=True)
class PinPlan:
    """What a pin would do to one manifest: an edit, an insertion, nothing needed, or why by hand."""

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
    unterminated = bool(lines) and not lines[-1].endswith(("\n", "\r"))
    if unterminated:
        lines[-1] += nl
    appended = any(index >= len(lines) for index, _ in edit.inserts)
    for index, new in edit.replaces:
        old = lines[index]
        lines[index] = new + old[len(old.rstrip("\r\n")):]
    for index, chunk in sorted(edit.inserts, key=lambda item: item[0], reverse=True):
        lines[index:index] = [ln + nl for ln in chunk.split("\n")[:-1]]
    out = "".join(lines)
    if unterminated and not appended:  # a file without a final newline keeps that shape unless lines were added at its end
        out = out[: -len(nl)]
    return out


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
    """Replace `path` with `new_text` atomically, unless it changed since `original` was read.

    A symlink has its target edited (the link stays a link) when the target lies inside the project
    directory; a link out of it, a FIFO, a device or a directory is refused without being read. A Gemfile
    must still parse (`ruby -c` on the temp file when ruby is on PATH, else the Ruby tokenizer's check),
    and the file is compared once more just before the rename, so a save made meanwhile is never lost."""
    from lockrisk.fsutil import atomic_write, still_holds

    shown = str(path)
    target = edit_target(path)
    still_holds(target, original, shown, when="since it was read")
    ruby = not path.name.endswith(".toml")  # Gemfile, gems.rb

    def check(temp: Path) -> None:
        if ruby:
            check_ruby_syntax(temp, shown, original)

    atomic_write(target, new_text.encode("utf-8"), expect=original, check=check, shown=shown)


def project_root(path: Path) -> Path:
    """The directory a manifest's symlink may point into: the git work tree holding it, else the current
    directory when the manifest is under it, else the manifest's own directory."""
    here = Path(os.path.abspath(path)).parent
    for folder in (here, *here.parents):
        if (folder / ".git").exists():
            return folder
    cwd = Path.cwd()
    if here == cwd or cwd in here.parents:
        return cwd
    return here


def edit_target(path: Path) -> Path:
    """The file an edit of `path` must replace: `path` itself, or the target of the symlink `path`."""
    shown = str(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise EditError("disappeared since it was read; nothing written", path=shown) from None
    if not stat.S_ISLNK(mode):
        return path
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        raise EditError("is a symlink to a missing file (or a loop of links); nothing written", path=shown) from None
    root = project_root(path).resolve()
    if target != root and root not in target.parents:
        raise EditError(f"is a symlink to a file outside the project directory {root}; nothing written", path=shown)
    return target


RUBY_CHECK_SECONDS = 30


def check_ruby_syntax(temp: Path, shown: str, original: bytes) -> None:
    """Refuse (EditError) the edited Gemfile in `temp` unless it parses: `ruby -c` when ruby is on PATH,
    otherwise the Ruby tokenizer's check (closed strings and heredocs, balanced brackets and blocks)."""
    import shutil

    ruby = shutil.which("ruby")
    problem = _ruby_c(ruby, temp) if ruby else _tokenizer_problem(temp.read_bytes())
    if problem is None:
        return
    how = "ruby -c" if ruby else "the Ruby tokenizer"
    if ruby:
        import tempfile

        with tempfile.TemporaryDirectory(prefix="lockrisk-") as folder:
            before = Path(folder) / "Gemfile"
            before.write_bytes(original)
            before_problem = _ruby_c(ruby, before)
    else:
        before_problem = _tokenizer_problem(original)
    if before_problem is not None:
        raise EditError(f"{how} rejects this Gemfile even before the edit ({problem}); nothing written", path=shown)
    raise EditError(f"the edit would not parse as Ruby ({how}: {problem}); nothing written", path=shown)


def _tokenizer_problem(data: bytes) -> str | None:
    from lockrisk.errors import ParseError
    from lockrisk.manifests.rubytokens import check_syntax

    try:
        check_syntax(data.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except ParseError as exc:
        return f"line {exc.line}: {exc.message}"
    return None


def _ruby_c(ruby: str, file: Path) -> str | None:
    """None when `ruby -c` accepts the file, else its first complaint on one line (the file named as "line")."""
    import subprocess

    env = {k: v for k, v in os.environ.items() if k not in ("RUBYOPT", "RUBYLIB")}
    name = os.path.abspath(file)
    try:
        proc = subprocess.run([ruby, "--disable=gems", "-c", name], capture_output=True, text=True, env=env,
                              timeout=RUBY_CHECK_SECONDS, errors="replace")
    except subprocess.TimeoutExpired:
        return f"ruby -c did not finish within {RUBY_CHECK_SECONDS} s"
    except OSError:
        return _tokenizer_problem(file.read_bytes())
    if proc.returncode == 0:
        return None
    first = next((ln for ln in proc.stderr.splitlines() if ln.strip()), f"exit status {proc.returncode}")
    first = first.replace(name + ":", "line ", 1).replace(name, "the Gemfile")
    return "".join(ch if ch.isprintable() else "?" for ch in first)[:200]
