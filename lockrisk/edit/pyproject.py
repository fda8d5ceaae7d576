"""Pins in a pyproject.toml, in the idiom of the tool that wrote the lock.

A package the project already names gets a ceiling on that requirement, wherever it
stands: PEP 621 `[project] dependencies` and optional dependencies, PEP 735
`[dependency-groups]`, `[tool.uv]` dependency lists, and Poetry's dependency tables
(string, inline-table and sub-table forms). `"requests"` becomes
`"requests>=2.31.0,<3"`, `"requests>=2.0"` becomes `"requests>=2.0,<3"`.

A package the project does not name gets a new requirement: for uv a
`[tool.uv] constraint-dependencies` entry (a constraint, not a new dependency); for
Poetry the group it belongs to, `[project] dependencies` or `[tool.poetry.dependencies]`.
A package installed only under environment markers keeps them in its pin.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lockrisk.comments import strip_comment
from lockrisk.edit import PIN_MARK, ManifestEdit, PinPlan, PinRequest, apply_edit, comment_block
from lockrisk.edit.tomlscan import KeyValue, Layout, StringLit, scan
from lockrisk.errors import LockriskError, VersionError
from lockrisk.names import pypi_key
from lockrisk.versions.pep440 import PYPI, PoetryConstraint

_POETRY_VALUE = re.compile(r"^tool\.poetry\.(?:dependencies|dev-dependencies|group\.[^.]+\.dependencies)\.(?P<name>[^.]+)"
                           r"(?P<version>\.version)?$")
_UV_LISTS = ("tool.uv.dev-dependencies", "tool.uv.constraint-dependencies", "tool.uv.override-dependencies")
_NOT_REGISTRY = ("git", "path", "url", "file")
_SAFE_ENTRY = re.compile(r"^[A-Za-z0-9 .,;:<>=!~*+()\[\]'\"_-]+$")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Spot:
    """One place where the project states a requirement on the package."""

    kind: str  # "pep508" or "poetry"
    line_at: int  # offset on the line above which the pin's comment goes
    lit: StringLit | None = None  # the string to extend (the PEP 508 entry, or Poetry's version)
    version_slot: int | None = None  # Poetry inline table without a version: where `version = ...` goes
    reason: str = ""  # non-empty: this place cannot be edited automatically


def _is_dependency_list(path: str) -> bool:
    return (path == "project.dependencies" or path.startswith(("project.optional-dependencies.", "dependency-groups."))
            or path in _UV_LISTS)


def _pep508_name(value: str) -> str | None:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", value)
    return m.group(1) if m else None


def _spots(layout: Layout, key: str) -> list[_Spot]:
    spots: list[_Spot] = []
    for kv in layout.values:
        if kv.kind == "array" and _is_dependency_list(kv.path):
            for lit in kv.items:
                name = _pep508_name(lit.value)
                if name is not None and pypi_key(name) == key:
                    spots.append(_Spot(kind="pep508", line_at=lit.start, lit=lit))
            continue
        m = _POETRY_VALUE.match(kv.path)
        if not m or pypi_key(m.group("name")) != key or m.group("name").lower() == "python":
            continue
        where = kv.key_start
        if m.group("version"):
            prefix = kv.path[: -len(".version")]
            elsewhere = any(v.path in (f"{prefix}.{k}" for k in _NOT_REGISTRY) for v in layout.values)
            spots.append(_Spot(kind="poetry", line_at=where, lit=kv.string,
                               reason="it comes from git or a path, not a registry" if elsewhere else
                               ("" if kv.string else "its version is not a plain string")))
        elif kv.kind == "string":
            spots.append(_Spot(kind="poetry", line_at=where, lit=kv.string))
        elif kv.kind == "inline":
            if any(k in kv.fields for k in _NOT_REGISTRY):
                spots.append(_Spot(kind="poetry", line_at=where, reason="it comes from git or a path, not a registry"))
            elif "version" in kv.fields:
                lit = kv.fields["version"]
                spots.append(_Spot(kind="poetry", line_at=where, lit=lit,
                                   reason="" if lit else "its version is not a plain string"))
            else:
                spots.append(_Spot(kind="poetry", line_at=where, version_slot=kv.value_start + 1))
        elif kv.kind == "array":
            spots.append(_Spot(kind="poetry", line_at=where,
                               reason="it lists several constraints by environment: add the ceiling to each by hand"))
        else:
            # a sub-table `[tool.poetry.dependencies.NAME]`: its keys are separate values
            continue
    return spots


def _pep508_edit(text: str, lit: StringLit, request: PinRequest, paren: bool) -> tuple[int, str] | str | None:
    """(offset, text to insert) for one PEP 508 entry; a string says why not; None: it already excludes the new version."""
    from packaging.requirements import InvalidRequirement, Requirement

    value = lit.value
    head, _, _ = value.partition(";")
    if "@" in head:
        return "it is a direct URL reference"
    try:
        req = Requirement(value)
    except InvalidRequirement:
        return "lockrisk cannot read that requirement"
    spec = req.specifier
    if spec and not spec.contains(request.new, prereleases=True):
        return None
    if spec and _has_ceiling(spec):
        return f"it already allows {request.new} with a ceiling of its own ({spec}): lower it by hand"
    inner = text[lit.start + 1:lit.end - 1]
    if not inner.startswith(head):
        return "the entry uses escape sequences lockrisk does not rewrite"
    cut = len(head.rstrip())
    if not spec:
        added = f" ({PYPI.ceiling_for(request.old)})" if paren else PYPI.ceiling_for(request.old)
    elif head.rstrip().endswith(")"):
        cut -= 1
        added = "," + PYPI.upper_bound(request.old)
    else:
        added = "," + PYPI.upper_bound(request.old)
    edited = value[:cut] + added + value[cut:]
    try:
        after = Requirement(edited)
    except InvalidRequirement:
        return "the ceiling could not be added to that requirement"
    if (pypi_key(after.name) != pypi_key(req.name) or str(after.marker) != str(req.marker)
            or not after.specifier.contains(request.old, prereleases=True)
            or after.specifier.contains(request.new, prereleases=True)):
        return "the ceiling could not be added to that requirement"
    return lit.start + 1 + cut, added


def _has_ceiling(spec) -> bool:
    return any(s.operator in ("<", "<=", "==", "===", "~=") for s in spec)


def _poetry_edit(lit: StringLit, request: PinRequest) -> tuple[int, int, str] | str | None:
    """(start, end, replacement) inside a Poetry version string; a string says why not; None: already excluded."""
    value = lit.value
    if "|" in value:
        return "its constraint is an either-or (||): add the ceiling by hand"
    if value.strip() in ("", "*"):
        return lit.start + 1, lit.end - 1, PYPI.ceiling_for(request.old)
    try:
        constraint = PoetryConstraint(value)
    except VersionError:
        return "lockrisk cannot read that constraint"
    if not constraint.admits(request.new):
        return None
    if not constraint.is_floor_only():
        return f"it already allows {request.new} with a ceiling of its own ({value}): lower it by hand"
    if "\\" in value or '"' in value or "'" in value:
        return "the constraint uses escape sequences lockrisk does not rewrite"
    joint = "" if value.rstrip().endswith(",") else ","
    end = lit.start + 1 + len(value.rstrip())
    return end, end, joint + PYPI.upper_bound(request.old)


def _marker_text(markers: str | None, quote: str) -> str | None | bool:
    """The markers normalised for a string quoted with `quote`; None when there are none, False when unsafe."""
    if not markers:
        return None
    from packaging.markers import InvalidMarker, Marker

    try:
        text = str(Marker(markers))
    except InvalidMarker:
        return False
    if "'" in text or "\\" in text:
        return False
    return text.replace('"', "'") if quote == '"' else text


def _style(layout: Layout) -> tuple[str, bool]:
    """The quote the file's dependency strings use, and whether it writes "name (spec)"."""
    items = [lit for kv in layout.values if kv.kind == "array" and _is_dependency_list(kv.path) for lit in kv.items]
    single = sum(1 for lit in items if lit.quote == "'")
    quote = "'" if items and single > len(items) - single else '"'
    paren = any(re.match(r"[A-Za-z0-9._-]+(\[[^\]]*\])? \(", lit.value) for lit in items)
    return quote, paren


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _indent(text: str, offset: int) -> str:
    start = _line_start(text, offset)
    return re.match(r"[ \t]*", text[start:]).group(0)  # type: ignore[union-attr]


def _marked(layout: Layout, line: int, name: str) -> bool:
    text = layout.text
    lo = layout.line_starts[max(line - 6, 0)]
    return f"{PIN_MARK} {name}:" in text[lo:layout.line_starts[line]]


def _replaces(text: str, edits: list[tuple[int, int, str]]) -> tuple[tuple[int, str], ...]:
    """Offset edits (each inside one line) as whole-line replacements."""
    lines = text.splitlines(keepends=True)
    starts = [0]
    for ln in lines:
        starts.append(starts[-1] + len(ln))
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    for start, end, new in edits:
        index = max(i for i in range(len(lines)) if starts[i] <= start)
        by_line.setdefault(index, []).append((start - starts[index], end - starts[index], new))
    out = []
    for index, changes in sorted(by_line.items()):
        line = lines[index].rstrip("\r\n")
        for start, end, new in sorted(changes, reverse=True):
            line = line[:start] + new + line[end:]
        out.append((index, line))
    return tuple(out)


def _verified(text: str, path: str, plan: PinPlan) -> PinPlan:
    """The plan, once the edited document still parses; otherwise a manual plan saying so."""
    from lockrisk.tomlload import loads

    if plan.edit is None:
        return plan
    try:
        loads(apply_edit(text, plan.edit), path)
    except LockriskError as exc:
        return PinPlan(status="manual", requirement=plan.requirement, line=plan.line,
                       reason=f"the edit would not parse ({exc.message})")
    return plan


def plan_pyproject_pin(text: str, path: str, request: PinRequest) -> PinPlan:
    from packaging.version import InvalidVersion, Version

    try:
        Version(request.old)
    except InvalidVersion:
        return PinPlan(status="manual", requirement="", reason=f"{request.old} is not a PEP 440 version")
    layout = scan(text)
    quote, paren = _style(layout)
    spots = _spots(layout, request.key)
    if not spots:
        return _verified(text, path, _new_entry(layout, request, quote, paren))
    edits: list[tuple[int, int, str]] = []
    anchors: list[int] = []  # lines of the places edited: the comment goes above the first
    blockers: list[str] = []
    held = 0
    for spot in spots:
        line = layout.line_of(spot.line_at) + 1
        if spot.reason:
            blockers.append(f"line {line}: {spot.reason}")
            continue
        if spot.version_slot is not None:
            edits.append((spot.version_slot, spot.version_slot, f' version = "{PYPI.ceiling_for(request.old)}",'))
            anchors.append(line - 1)
            continue
        assert spot.lit is not None
        result = _pep508_edit(text, spot.lit, request, paren) if spot.kind == "pep508" else _poetry_edit(spot.lit, request)
        if result is None:
            held += 1
        elif isinstance(result, str):
            blockers.append(f"line {line}: {result}")
        elif len(result) == 2:
            edits.append((result[0], result[0], result[1]))
            anchors.append(line - 1)
        else:
            edits.append(result)
            anchors.append(line - 1)
    first_line = layout.line_of(spots[0].line_at)
    if not edits:
        if held and not blockers:
            return PinPlan(status="pinned", requirement="", line=first_line + 1,
                           reason=f"pyproject.toml already keeps {request.name} below {request.new} (line {first_line + 1})")
        return PinPlan(status="manual", requirement=PYPI.ceiling_for(request.old), line=first_line + 1,
                       reason="; ".join(blockers))
    if blockers:
        return PinPlan(status="manual", requirement=PYPI.ceiling_for(request.old), line=first_line + 1,
                       reason="; ".join(blockers))
    replaces = _replaces(text, edits)
    anchor = anchors[0]
    comment = "" if _marked(layout, anchor, request.name) else comment_block(request.comment, _indent(
        text, layout.line_starts[anchor]))
    edited = dict(replaces)
    shown = comment + "\n".join(edited.get(anchor, text.splitlines()[anchor]).splitlines()) + "\n"
    requirement = _written_requirement(apply_edit(text, ManifestEdit(replaces=replaces)), request.key)
    plan = PinPlan(status="edit", requirement=requirement or PYPI.ceiling_for(request.old), line=anchor + 1,
                   text=shown, edit=ManifestEdit(replaces=replaces, inserts=((anchor, comment),) if comment else ()))
    return _verified(text, path, plan)


def _written_requirement(text: str, key: str) -> str:
    """The constraint the edited file states for `key` (first place), for messages."""
    for spot in _spots(scan(text), key):
        if spot.lit is None:
            continue
        if spot.kind == "poetry":
            return spot.lit.value
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            return str(Requirement(spot.lit.value).specifier)
        except InvalidRequirement:
            return ""
    return ""


def _entry(request: PinRequest, quote: str, paren: bool) -> str | None:
    ceiling = PYPI.ceiling_for(request.old)
    markers = _marker_text(request.markers, quote)
    if markers is False:
        return None
    spec = f" ({ceiling})" if paren else ceiling
    entry = f"{request.name}{spec}" + (f"; {markers}" if markers else "")
    if not _SAFE_ENTRY.match(entry) or quote in entry:
        return None
    return entry


def _new_entry(layout: Layout, request: PinRequest, quote: str, paren: bool) -> PinPlan:
    ceiling = PYPI.ceiling_for(request.old)
    refused = PinPlan(status="manual", requirement=ceiling,
                      reason=f"its environment markers cannot be written safely ({request.markers})")
    if request.lock_kind == "uv.lock":
        entry = _entry(request, quote, False)
        if entry is None:
            return refused
        kv = layout.value("tool.uv.constraint-dependencies")
        if kv is not None and kv.kind == "array":
            return _array_insertion(layout, kv, request, f"{quote}{entry}{quote}", ceiling)
        body = comment_block(request.comment, "") + f"constraint-dependencies = [\n    {quote}{entry}{quote},\n]\n"
        table = layout.table("tool.uv")
        if table is not None:
            return _after_table(layout, table.header_start, table.end, body, ceiling)
        text = layout.text
        lead = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        index = len(text.splitlines())
        return PinPlan(status="insert", requirement=ceiling, line=index + 1 + lead.count("\n"),
                       text="[tool.uv]\n" + body, edit=ManifestEdit(inserts=((index, lead + "[tool.uv]\n" + body),)))
    for group in request.groups:
        table = layout.table(f"tool.poetry.group.{group}.dependencies")
        if table is None and group == "dev":
            table = layout.table("tool.poetry.dev-dependencies")
        if table is not None:
            line = _table_line(request, ceiling)
            if line is None:
                return refused
            return _after_table(layout, table.header_start, table.end, comment_block(request.comment, "") + line,
                                ceiling)
    kv = layout.value("project.dependencies")
    if kv is not None and kv.kind == "array":
        entry = _entry(request, quote, paren)
        if entry is None:
            return refused
        return _array_insertion(layout, kv, request, f"{quote}{entry}{quote}", ceiling)
    table = layout.table("tool.poetry.dependencies")
    if table is not None:
        line = _table_line(request, ceiling)
        if line is None:
            return refused
        return _after_table(layout, table.header_start, table.end, comment_block(request.comment, "") + line, ceiling)
    return PinPlan(status="manual", requirement=ceiling,
                   reason="pyproject.toml has no dependency list to add it to ([project] dependencies or "
                          "[tool.poetry.dependencies])")


def _table_line(request: PinRequest, ceiling: str) -> str | None:
    markers = _marker_text(request.markers, '"')
    if markers is False:
        return None
    if markers:
        return f'{request.name} = {{ version = "{ceiling}", markers = "{markers}" }}\n'
    return f'{request.name} = "{ceiling}"\n'


def _after_table(layout: Layout, header: int, end: int, body: str, ceiling: str) -> PinPlan:
    """Insert `body` after the last line with content in the table that starts at `header`."""
    text = layout.text
    first = layout.line_of(header)
    last = layout.line_of(max(end - 1, header))
    lines = text.splitlines()
    index = first
    for j in range(min(last, len(lines) - 1), first, -1):
        stripped = lines[j].strip()
        if stripped and not stripped.startswith("#") and not stripped.startswith("["):
            index = j
            break
    return PinPlan(status="insert", requirement=ceiling, line=index + 2, text=body,
                   edit=ManifestEdit(inserts=((index + 1, body),)))


def _array_insertion(layout: Layout, kv: KeyValue, request: PinRequest, literal: str, ceiling: str) -> PinPlan:
    text = layout.text
    lines = text.splitlines()
    open_line = layout.line_of(kv.value_start)
    close_line = layout.line_of(kv.close)
    close_col = kv.close - layout.line_starts[close_line]
    before_close = lines[close_line][:close_col]
    if open_line == close_line or before_close.strip():
        # the closing bracket shares its line with content: add the entry just before it
        cut = len(before_close.rstrip())
        inner = text[kv.value_start + 1:kv.close].strip()
        joint = "" if not inner else (" " if before_close.rstrip().endswith((",", "[")) else ", ")
        new_line = lines[close_line][:cut] + joint + literal + lines[close_line][cut:]
        anchor = open_line if open_line == close_line else close_line
        comment = comment_block(request.comment, _indent(text, layout.line_starts[anchor]))
        return PinPlan(status="insert", requirement=ceiling, line=anchor + 1,
                       text=comment + new_line.strip() + "\n",
                       edit=ManifestEdit(replaces=((close_line, new_line),), inserts=((anchor, comment),)))
    content = [j for j in range(open_line + 1, close_line) if lines[j].strip() and not lines[j].lstrip().startswith("#")]
    indent = "    "
    replaces: tuple[tuple[int, str], ...] = ()
    if content:
        last = content[-1]
        indent = re.match(r"[ \t]*", lines[last]).group(0) or indent  # type: ignore[union-attr]
        end = len(strip_comment(lines[last]).rstrip())
        if not lines[last][:end].endswith((",", "[")):
            replaces = ((last, lines[last][:end] + "," + lines[last][end:]),)
    else:
        opening_end = len(strip_comment(lines[open_line]).rstrip())
        if not lines[open_line][:opening_end].endswith("["):
            return PinPlan(status="manual", requirement=ceiling, reason="the dependency list's layout is not one "
                                                                       "lockrisk can extend")
    body = comment_block(request.comment, indent) + f"{indent}{literal},\n"
    return PinPlan(status="insert", requirement=ceiling, line=close_line + 1, text=body,
                   edit=ManifestEdit(replaces=replaces, inserts=((close_line, body),)))

