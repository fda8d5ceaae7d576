"""Pins in a Gemfile, planned on its Ruby tokens (lockrisk.manifests.rubytokens; the Gemfile is never executed).

A gem the Gemfile already names gets its `gem` call edited in place: `gem "puma"` becomes
`gem "puma", "~> 6.6"`, and a floor such as `gem "pg", ">= 1.1"` gains a ceiling,
`gem "pg", ">= 1.1", "< 2"`; the new string goes right after the name or the last requirement
string, wherever the call's arguments run (over lines, in parentheses, before options, groups
and trailing comments, which stay as they were). A gem the Gemfile does not name gets a new
line at a top-level statement boundary: in the runtime section, or with `group:` when only
non-runtime groups reach it; never inside a heredoc, a string, `=begin`/`=end` or after `__END__`.

Every plan is checked before it is offered: the edited text is read again and must still read
as Ruby as far as the original did, keep every heredoc, =begin block and __END__ section
byte for byte, and have the new requirement inside the right call's arguments. A plan that
fails the check, or a Gemfile too dynamic to edit safely, becomes a "manual" plan with the reason.
"""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass

from lockrisk.edit import PIN_MARK, ManifestEdit, PinPlan, PinRequest, apply_edit, comment_block
from lockrisk.errors import VersionError
from lockrisk.manifests.rubytokens import GemCall, Gemfile, read_gemfile, source_options
from lockrisk.versions.rubygems import GemRequirement


@dataclass(frozen=True, slots=True)
class _Lines:
    """The text split as apply_edit splits it, with each line's start offset."""

    lines: list[str]  # with their endings
    starts: list[int]

    @classmethod
    def of(cls, text: str) -> "_Lines":
        lines = text.splitlines(keepends=True)
        starts, offset = [], 0
        for line in lines:
            starts.append(offset)
            offset += len(line)
        return cls(lines, starts)

    def index(self, offset: int) -> int:
        """0-based index of the line holding `offset` (the last line for the end of a text without a final newline)."""
        return min(max(bisect.bisect_right(self.starts, offset) - 1, 0), max(len(self.lines) - 1, 0))

    def starting_at(self, offset: int) -> int:
        """0-based index of the line a new line inserted at `offset` (a line start, or the end) goes before."""
        if not self.lines or offset >= self.starts[-1] + len(self.lines[-1]):
            return len(self.lines)
        return self.index(offset)

    def body(self, index: int) -> str:
        return self.lines[index].rstrip("\r\n")

    def indent(self, index: int) -> str:
        line = self.lines[index]
        return line[:len(line) - len(line.lstrip(" \t"))]


@dataclass(frozen=True, slots=True)
class _Index:
    """What planning needs from one Gemfile, built once per text: a diff with hundreds of pins plans them all
    against the same Gemfile, so nothing here is rescanned per pin."""

    gemfile: Gemfile
    split: _Lines
    calls_by_name: dict[str, list[GemCall]]
    unnamed: GemCall | None  # the first `gem` call whose name is code, not a string
    quote: str  # the quote the Gemfile's gem names use
    last_top: int | None  # end of the last top-level gem call
    last_runtime: int | None  # end of the last top-level gem call without a group option
    last_source: int | None  # end of the last `source` statement
    boundaries: list[int]  # sorted line starts where a top-level statement may begin


@functools.lru_cache(maxsize=4)
def _index(text: str) -> _Index:
    gemfile = read_gemfile(text)
    by_name: dict[str, list[GemCall]] = {}
    unnamed = None
    names = set()
    last_top = last_runtime = None
    for c in gemfile.calls:
        if c.name is None:
            unnamed = unnamed or c
            continue
        by_name.setdefault(c.name, []).append(c)
        names.add(text[c.args[0].start])
        if c.top_level:
            last_top = c.end
            if not {"group", "groups"} & set(c.option_keys):
                last_runtime = c.end
    sources = [s for s in gemfile.statements if s.head == "source"]
    return _Index(gemfile=gemfile, split=_Lines.of(text), calls_by_name=by_name, unnamed=unnamed,
                  quote="'" if "'" in names and '"' not in names else '"', last_top=last_top,
                  last_runtime=last_runtime, last_source=sources[-1].end if sources else None,
                  boundaries=sorted(gemfile.boundaries))


def _value(call: GemCall, position: int) -> str:
    return call.args[position].tokens[0].value or ""


def _requirements(call: GemCall) -> tuple[str, ...]:
    return tuple(arg.tokens[0].value or "" for arg in call.requirements)


def _quote(text: str, call: GemCall) -> str:
    q = text[call.args[0].start]
    return q if q in "\"'" else '"'


def _marked(lines: list[str], index: int, name: str) -> bool:
    return any(f"{PIN_MARK} {name}:" in lines[j] for j in range(max(index - 6, 0), index))


def _manual(requirement: str, line: int | None, reason: str) -> PinPlan:
    return PinPlan(status="manual", requirement=requirement, line=line, reason=reason)


def plan_gemfile_pin(text: str, request: PinRequest) -> PinPlan:
    index = _index(text)
    gemfile, split = index.gemfile, index.split
    calls = index.calls_by_name.get(request.name, [])
    if not calls:
        return _new_line(text, index, request)
    ceiling = request.ceiling()
    insertions: list[tuple[int, str]] = []  # (offset, text)
    wanted: list[tuple[str, ...]] = []
    written: list[str] = []
    blockers: list[str] = []
    held = 0
    for call in calls:
        where = f"line {split.index(call.start) + 1}"
        current_reqs = _requirements(call)
        wanted.append(current_reqs)
        if source_options(call, gemfile.git_sources):
            blockers.append(f"{where} takes it from git or a path, not a registry")
            continue
        if call.dynamic:
            blockers.append(f"{where} gives its requirement as code, not a string")
            continue
        current = ", ".join(current_reqs)
        try:
            req = GemRequirement(current)
        except VersionError:
            blockers.append(f"{where} has a requirement lockrisk cannot read ({current})")
            continue
        if not req.admits(request.new):
            held += 1
            continue
        if not req.is_floor_only():
            blockers.append(f"{where} already allows {request.new} with a ceiling of its own ({current}): "
                            "lower it by hand")
            continue
        added = request.upper() if current_reqs else ceiling
        q = _quote(text, call)
        insertions.append((call.insert_at, f", {q}{added}{q}"))
        wanted[-1] = current_reqs + (added,)
        written.append(", ".join([*current_reqs, added]))
    first = calls[0]
    first_line = split.index(first.start)
    if not insertions:
        if held and not blockers:
            return PinPlan(status="pinned", requirement=", ".join(_requirements(first)), line=first_line + 1,
                           reason=f"the Gemfile already keeps {request.name} below {request.new} (line {first_line + 1})")
        return _manual(ceiling, first_line + 1, "; ".join(blockers))
    if blockers:
        return _manual(ceiling, first_line + 1, "; ".join(blockers))
    return _in_place(text, gemfile, split, request, calls, insertions, wanted, written[0], ceiling)


def _in_place(text: str, gemfile: Gemfile, split: _Lines, request: PinRequest, calls: list[GemCall],
              insertions: list[tuple[int, str]], wanted: list[tuple[str, ...]], requirement: str,
              ceiling: str) -> PinPlan:
    by_line: dict[int, list[tuple[int, str]]] = {}
    for offset, added in insertions:
        index = split.index(offset)
        by_line.setdefault(index, []).append((offset - split.starts[index], added))
    replaces = []
    for index, adds in sorted(by_line.items()):
        body = split.body(index)
        for column, added in sorted(adds, reverse=True):
            body = body[:column] + added + body[column:]
        replaces.append((index, body))
    first = calls[0]
    first_line = split.index(first.start)
    inserts: tuple[tuple[int, str], ...] = ()
    comment = ""
    if not _marked(split.lines, first_line, request.name):
        line_start = split.starts[first_line]
        if not (line_start == 0 or text[line_start - 1] == "\n") or not gemfile.in_code(line_start):
            return _manual(ceiling, first_line + 1,
                           f"line {first_line + 1} starts inside a string, heredoc or continued line, so the pin's "
                           "comment has nowhere to go: pin it by hand")
        comment = comment_block(request.comment, split.indent(first_line))
        inserts = ((first_line, comment),)
    edit = ManifestEdit(replaces=tuple(replaces), inserts=inserts)
    problem = _check(text, gemfile, edit, request.name, wanted, top_level_new=False) if request.read_back else ""
    if problem:
        return _manual(ceiling, first_line + 1, problem)
    edited = dict(replaces)
    last_line = split.index(max(first.end - 1, first.start))
    shown = comment + "".join(edited.get(i, split.body(i)) + "\n" for i in range(first_line, last_line + 1))
    return PinPlan(status="edit", requirement=requirement, line=first_line + 1, text=shown, edit=edit)


def _shape(problem: str | None) -> str | None:
    return None if problem is None else re.sub(r"[0-9]+", "N", problem)


def _check(text: str, before: Gemfile, edit: ManifestEdit, name: str, wanted: list[tuple[str, ...]], *,
           top_level_new: bool) -> str:
    """Why the edit would not do what it says ("" when it would): read the edited text back as Ruby."""
    after_text = apply_edit(text, edit)
    after = read_gemfile(after_text)
    if _shape(after.problem) != _shape(before.problem):  # no new trouble (a line opened on may have moved)
        return (f"the edited Gemfile would not read as Ruby (line {after.problem_line}: {after.problem}): "
                "pin it by hand")
    if after.protected != before.protected:
        return "the edit would change a heredoc, =begin block or __END__ section: pin it by hand"
    calls = [c for c in after.calls if c.name == name]
    if [_requirements(c) for c in calls] != wanted:
        return "the new requirement would not land inside the gem call's arguments: pin it by hand"
    if top_level_new and not any(c.top_level for c in calls):
        return "the new gem line would not be at the top level of the Gemfile: pin it by hand"
    return ""


def _gem_call(name: str, ceiling: str, groups: tuple[str, ...], quote: str) -> str:
    q = quote
    call = f"gem {q}{name}{q}, {q}{ceiling}{q}"
    symbols = [g for g in groups if re.fullmatch(r"[a-z_][a-z0-9_]*", g)]
    if len(symbols) == 1:
        call += f", group: :{symbols[0]}"
    elif symbols:
        call += ", groups: [" + ", ".join(f":{g}" for g in symbols) + "]"
    return call


def _anchor(index: _Index, request: PinRequest) -> int | None:
    """The offset the new line goes after: the last runtime gem (the last gem of all for a group-only pin),
    else the last `source`; None for the end of the Gemfile."""
    if request.groups and index.last_top is not None:
        return index.last_top
    if index.last_runtime is not None:
        return index.last_runtime
    if index.last_top is not None:
        return index.last_top
    return index.last_source


def _new_line(text: str, index: _Index, request: PinRequest) -> PinPlan:
    gemfile, split = index.gemfile, index.split
    ceiling = request.ceiling()
    if gemfile.unread_from is not None:  # the rest of the file may name the gem
        return _manual(ceiling, gemfile.problem_line,
                       f"the Gemfile does not read as Ruby from line {gemfile.problem_line} ({gemfile.problem}), "
                       f"so lockrisk cannot tell whether it names {request.name}: pin it by hand")
    if index.unnamed is not None:
        line = split.index(index.unnamed.start) + 1
        return _manual(ceiling, line, f"line {line} names a gem with code, not a string, so lockrisk cannot tell "
                                      f"whether it is {request.name}: pin it by hand")
    quote = index.quote
    after = _anchor(index, request)
    places = index.boundaries
    if after is None:
        chosen = places[-1] if places else None
    else:
        k = bisect.bisect_left(places, after)  # boundaries are line starts: only the end of the text equals `after`
        chosen = places[k] if k < len(places) else None
    if chosen is None:
        line = split.index(after) + 1 if after is not None else len(split.lines)
        return _manual(ceiling, line, f"no line after line {line} starts a new top-level statement: pin it by hand")
    at = split.starting_at(chosen)
    body = comment_block(request.comment, "") + _gem_call(request.name, ceiling, request.groups, quote) + "\n"
    edit = ManifestEdit(inserts=((at, "\n" + body),))
    problem = (_check(text, gemfile, edit, request.name, [(ceiling,)], top_level_new=True)
               if request.read_back else "")
    if problem:
        return _manual(ceiling, at + 1, problem)
    return PinPlan(status="insert", requirement=ceiling, line=at + 2, text=body, edit=edit)
