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

import copy
import functools
import re
from dataclasses import dataclass
from typing import Any

from lockrisk.edit import PIN_MARK, ManifestEdit, PinPlan, PinRequest, apply_edit, comment_block
from lockrisk.edit.tomlscan import BOM, KeyValue, Layout, StringLit, Table, scan
from lockrisk.errors import LockriskError, VersionError
from lockrisk.names import pypi_key
from lockrisk.versions.pep440 import PoetryConstraint

_PART = r'(?:"(?:[^"\\]|\\.)*"|[^."]+)'  # one key of a path from tomlscan.join_path
_POETRY_VALUE = re.compile(rf"^tool\.poetry\.(?:dependencies|dev-dependencies|group\.{_PART}\.dependencies)"
                           rf"\.(?P<name>{_PART})(?P<version>\.version)?$")
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
    slot_comma: bool = True  # the inline table has other fields: `version = ...` needs a comma after it
    reason: str = ""  # non-empty: this place cannot be edited automatically


def _reads_poetry(lock_kind: str) -> bool:
    """Poetry reads its own tables; uv reads `[tool.uv]` instead (both read PEP 621 and PEP 735)."""
    return lock_kind != "uv.lock"


def _is_dependency_list(path: str, lock_kind: str) -> bool:
    if path == "project.dependencies" or (lock_kind == "uv.lock" and path in _UV_LISTS):
        return True
    for prefix in ("project.optional-dependencies.", "dependency-groups."):
        if path.startswith(prefix):
            return re.fullmatch(_PART, path[len(prefix):]) is not None
    return False


def _unquote(part: str) -> str:
    return part[1:-1].replace('\\"', '"') if part.startswith('"') else part


def _pep508_name(value: str) -> str | None:
    m = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", value)
    return m.group(1) if m else None


def _lit_reason(lit: StringLit | None) -> str:
    if lit is None:
        return "its version is not a plain string"
    if lit.multiline:
        return "it is written as a multi-line string"
    return ""


def _spots(layout: Layout, key: str, lock_kind: str) -> list[_Spot]:
    """Every place the tool reads a requirement on `key` from, in file order."""
    return list(_spot_index(layout.text, lock_kind).get(key, ()))


@functools.lru_cache(maxsize=8)
def _spot_index(text: str, lock_kind: str) -> dict[str, list[_Spot]]:
    """The places of every package in one pass over the layout (pins for a whole report ask one manifest)."""
    layout = _layout(text)
    index: dict[str, list[_Spot]] = {}
    paths = {v.path for v in layout.values}
    for kv in layout.values:
        if kv.in_array_table:
            continue  # an `[[array.of.tables]]` entry: no dependency table the tools read
        if kv.kind == "array" and _is_dependency_list(kv.path, lock_kind):
            for lit in kv.items:
                name = _pep508_name(lit.value)
                if name is not None:
                    index.setdefault(pypi_key(name), []).append(
                        _Spot(kind="pep508", line_at=lit.start, lit=lit, reason=_lit_reason(lit)))
            continue
        m = _POETRY_VALUE.match(kv.path) if _reads_poetry(lock_kind) else None
        if not m or _unquote(m.group("name")).lower() == "python":
            continue
        spot = _poetry_spot(layout, kv, m, paths)
        if spot is not None:
            index.setdefault(pypi_key(_unquote(m.group("name"))), []).append(spot)
    return index


def _poetry_spot(layout: Layout, kv: KeyValue, m: re.Match[str], paths: set[str]) -> _Spot | None:
    where = kv.key_start
    if m.group("version"):
        if kv.nested:
            return None  # the `version` of an inline table: the table itself is the spot
        prefix = kv.path[: -len(".version")]
        elsewhere = any(f"{prefix}.{k}" in paths for k in _NOT_REGISTRY)
        return _Spot(kind="poetry", line_at=where, lit=kv.string,
                     reason="it comes from git or a path, not a registry" if elsewhere else _lit_reason(kv.string))
    if kv.kind == "string":
        return _Spot(kind="poetry", line_at=where, lit=kv.string, reason=_lit_reason(kv.string))
    if kv.kind == "inline":
        if any(k in kv.fields for k in _NOT_REGISTRY):
            return _Spot(kind="poetry", line_at=where, reason="it comes from git or a path, not a registry")
        if "version" in kv.fields:
            lit = kv.fields["version"]
            return _Spot(kind="poetry", line_at=where, lit=lit, reason=_lit_reason(lit))
        return _Spot(kind="poetry", line_at=where, version_slot=kv.value_start + 1, slot_comma=bool(kv.fields))
    if kv.kind == "array":
        return _Spot(kind="poetry", line_at=where,
                     reason="it lists several constraints by environment: add the ceiling to each by hand")
    if kv.kind == "other" and kv.string is None and layout.text.startswith(("\"", "'"), kv.value_start):
        return _Spot(kind="poetry", line_at=where, reason="its version string is not closed")
    if kv.kind == "other":
        return _Spot(kind="poetry", line_at=where, reason="its version is not a string")
    return None  # a sub-table `[tool.poetry.dependencies.NAME]`: its keys are separate values


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
        added = f" ({request.ceiling()})" if paren else request.ceiling()
    elif head.rstrip().endswith(")"):
        cut -= 1
        added = "," + request.upper()
    else:
        added = "," + request.upper()
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


def _poetry_edit(text: str, lit: StringLit, request: PinRequest) -> tuple[int, int, str] | str | None:
    """(start, end, replacement) inside a Poetry version string; a string says why not; None: already excluded."""
    value = lit.value
    if "|" in value:
        return "its constraint is an either-or (||): add the ceiling by hand"
    if lit.escaped or text[lit.start + 1:lit.end - 1] != value:
        return "the constraint uses escape sequences lockrisk does not rewrite"
    if value.strip() in ("", "*"):
        return lit.start + 1, lit.end - 1, request.ceiling()
    try:
        constraint = PoetryConstraint(value)
    except VersionError:
        return "lockrisk cannot read that constraint"
    if not constraint.admits(request.new):
        return None
    if not constraint.is_floor_only():
        return f"it already allows {request.new} with a ceiling of its own ({value}): lower it by hand"
    joint = "" if value.rstrip().endswith(",") else ","
    end = lit.start + 1 + len(value.rstrip())
    return end, end, joint + request.upper()


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


def _style(layout: Layout, lock_kind: str) -> tuple[str, bool]:
    """The quote the file's dependency strings use, and whether it writes "name (spec)"."""
    return _style_of(layout.text, lock_kind)


@functools.lru_cache(maxsize=8)
def _style_of(text: str, lock_kind: str) -> tuple[str, bool]:
    layout = _layout(text)
    items = [lit for kv in layout.values if kv.kind == "array" and not kv.in_array_table
             and _is_dependency_list(kv.path, lock_kind) for lit in kv.items if not lit.multiline]
    single = sum(1 for lit in items if lit.quote == "'")
    quote = "'" if items and single > len(items) - single else '"'
    paren = any(re.match(r"[A-Za-z0-9._-]+(\[[^\]]*\])? \(", lit.value) for lit in items)
    return quote, paren


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _indent(text: str, offset: int) -> str:
    start = _line_start(text, offset)
    return re.match(r"[ \t]*", text[start:start + 200]).group(0)  # type: ignore[union-attr]


def _marked(layout: Layout, line: int, name: str) -> bool:
    text = layout.text
    lo = layout.line_starts[max(line - 6, 0)]
    return f"{PIN_MARK} {name}:" in text[lo:layout.line_starts[line]]


def _replaces(layout: Layout, edits: list[tuple[int, int, str]]) -> tuple[tuple[int, str], ...]:
    """Offset edits (each inside one line) as whole-line replacements."""
    text = layout.text
    by_line: dict[int, list[tuple[int, int, str]]] = {}
    for start, end, new in edits:
        index = layout.line_of(start)
        base = layout.line_starts[index]
        by_line.setdefault(index, []).append((start - base, end - base, new))
    out = []
    for index, changes in sorted(by_line.items()):
        stop = layout.line_starts[index + 1] if index + 1 < len(layout.line_starts) else len(text)
        line = text[layout.line_starts[index]:stop].rstrip("\r\n")
        for start, end, new in sorted(changes, reverse=True):
            line = line[:start] + new + line[end:]
        out.append((index, line))
    return tuple(out)


def _line_text(layout: Layout, index: int) -> str:
    stop = layout.line_starts[index + 1] if index + 1 < len(layout.line_starts) else len(layout.text)
    return layout.text[layout.line_starts[index]:stop].rstrip("\r\n")


# --- what the tools read: tomllib's view, to check the scanner and every edit -----------------------------

def _declared(doc: dict[str, Any], key: str, lock_kind: str) -> list[tuple[str, Any]]:
    """(where, value) for every requirement on `key` that the locking tool reads from the document."""
    return list(_declared_all(doc, lock_kind).get(key, ()))


def _declared_all(doc: dict[str, Any], lock_kind: str) -> dict[str, list[tuple[str, Any]]]:
    """What `_declared` says for every key, in one pass over the document."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for where, container in _containers(doc, lock_kind):
        if isinstance(container, list):
            for item in container:
                if isinstance(item, str) and (n := _pep508_name(item)) is not None:
                    out.setdefault(pypi_key(n), []).append((where, item))
        else:
            for name, value in container.items():
                if name.lower() != "python":
                    out.setdefault(pypi_key(name), []).append((where, value))
    return out


@functools.lru_cache(maxsize=8)
def _declared_in(text: str, path: str, lock_kind: str) -> dict[str, list[tuple[str, Any]]]:
    return _declared_all(_doc(text, path), lock_kind)


def _containers(doc: dict[str, Any], lock_kind: str) -> list[tuple[str, list | dict]]:
    """The dependency lists (PEP 508 strings) and Poetry tables (name -> constraint) the tool reads."""
    def table(obj: Any, *path: str) -> Any:
        for part in path:
            obj = obj.get(part) if isinstance(obj, dict) else None
        return obj

    found: list[tuple[str, Any]] = [("project.dependencies", table(doc, "project", "dependencies"))]
    for base, path in (("project.optional-dependencies", ("project", "optional-dependencies")),
                       ("dependency-groups", ("dependency-groups",))):
        groups = table(doc, *path)
        if isinstance(groups, dict):
            found += [(f"{base}.{name}", items) for name, items in groups.items()]
    if lock_kind == "uv.lock":
        found += [(path, table(doc, *path.split("."))) for path in _UV_LISTS]
    else:
        found += [(f"tool.poetry.{name}", table(doc, "tool", "poetry", name))
                  for name in ("dependencies", "dev-dependencies")]
        groups = table(doc, "tool", "poetry", "group")
        if isinstance(groups, dict):
            found += [(f"tool.poetry.group.{name}.dependencies", table(group, "dependencies"))
                      for name, group in groups.items()]
    return [(where, c) for where, c in found
            if (isinstance(c, list) and not where.startswith("tool.poetry."))
            or (isinstance(c, dict) and where.startswith("tool.poetry."))]


def _holds(value: Any, request: PinRequest, pep508: bool) -> bool:
    """Whether one declaration keeps the package below `request.new`."""
    if pep508:
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            return not Requirement(value).specifier.contains(request.new, prereleases=True)
        except InvalidRequirement:
            return False
    if isinstance(value, dict):
        value = value.get("version")
    if not isinstance(value, str) or "|" in value:
        return False
    try:
        return not PoetryConstraint(value).admits(request.new)
    except VersionError:
        return False


def _without(doc: Any, key: str, lock_kind: str) -> Any:
    """A copy of the document without the requirements on `key` the tool reads, and without empty tables/lists."""
    doc = copy.deepcopy(doc)
    for _, container in _containers(doc, lock_kind):
        if isinstance(container, list):
            container[:] = [item for item in container if not (
                isinstance(item, str) and (n := _pep508_name(item)) is not None and pypi_key(n) == key)]
        else:
            for name in [n for n in container if pypi_key(n) == key and n.lower() != "python"]:
                del container[name]
    return _pruned(doc)


def _pruned(obj: Any) -> Any:
    stack = [obj]
    order = []
    while stack:  # iterative: a hostile document may nest deeply
        item = stack.pop()
        order.append(item)
        stack.extend(v for v in (item.values() if isinstance(item, dict) else item if isinstance(item, list) else ())
                     if isinstance(v, (dict, list)))
    for item in reversed(order):  # children before parents
        if isinstance(item, dict):
            for k in [k for k, v in item.items() if isinstance(v, (dict, list)) and not v]:
                del item[k]
    return obj


@functools.lru_cache(maxsize=8)
def _doc(text: str, path: str) -> dict[str, Any]:
    """The document (callers never change it: `_without` works on a copy). Pins for a whole report are planned
    against one pyproject.toml, so it is read once."""
    from lockrisk.tomlload import loads

    return loads(text, path)


@functools.lru_cache(maxsize=8)
def _layout(text: str) -> Layout:
    return scan(text)


def _verified(text: str, path: str, request: PinRequest, plan: PinPlan) -> PinPlan:
    """The plan, once the edited document parses, the pin is in every place the tool reads, and nothing else moved."""
    if plan.edit is None:
        return plan

    def refused(reason: str) -> PinPlan:
        return PinPlan(status="manual", requirement=plan.requirement, line=plan.line, reason=reason)

    try:
        after = _doc(apply_edit(text, plan.edit), path)
    except LockriskError as exc:
        return refused(f"the edit would not parse ({exc.message})")
    before = _doc(text, path)
    declared = _declared(after, request.key, request.lock_kind)
    if not declared:
        return refused(f"the edit would not reach a table {_tool(request)} reads: add the ceiling by hand")
    if not all(_holds(v, request, not where.startswith("tool.poetry.")) for where, v in declared):
        return refused(f"the edit would not keep {request.name} below {request.new} everywhere {_tool(request)} "
                       "reads it: add the ceiling by hand")
    if _without(before, request.key, request.lock_kind) != _without(after, request.key, request.lock_kind):
        return refused("the edit would change more than the requirement (the layout misled lockrisk): "
                       "add the ceiling by hand")
    return plan


def _tool(request: PinRequest) -> str:
    return "uv" if request.lock_kind == "uv.lock" else "Poetry"


# --- planning ----------------------------------------------------------------------------------------------

def plan_pyproject_pin(text: str, path: str, request: PinRequest) -> PinPlan:
    from packaging.version import InvalidVersion, Version

    try:
        Version(request.old)
    except InvalidVersion:  # a legacy version (`1.0.custom`): planned by the release it starts with
        from dataclasses import replace

        from lockrisk.versions.pep440 import _floor

        stand_in = _floor(request.old) if request.old else None
        if not stand_in:
            return PinPlan(status="manual", requirement="", reason=f"{request.old} is not a PEP 440 version")
        request = replace(request, old=stand_in)
    ceiling = request.ceiling() if request.old else ""
    if text.startswith(BOM):
        return PinPlan(status="manual", requirement=ceiling,
                       reason="pyproject.toml starts with a byte order mark, which TOML readers such as Python's "
                              "tomllib reject: save it as UTF-8 without one, then pin again")
    try:
        _doc(text, path)  # a document that does not parse gets no plan
    except LockriskError as exc:
        return PinPlan(status="manual", requirement=ceiling, reason=exc.message)
    layout = _layout(text)
    spots = _spots(layout, request.key, request.lock_kind)
    declared = list(_declared_in(text, path, request.lock_kind).get(request.key, ()))  # the document read once
    if len(declared) != len(spots):
        places = ", ".join(dict.fromkeys(where for where, _ in declared))
        return PinPlan(status="manual", requirement=ceiling,
                       reason=f"{request.name} is declared in a form lockrisk cannot edit ({places}): "
                              "add the ceiling by hand")
    quote, paren = _style(layout, request.lock_kind)
    plan = _new_entry(layout, request, quote, paren) if not spots else _edit_spots(layout, spots, request, paren)
    return _verified(text, path, request, plan) if request.read_back else plan


def _edit_spots(layout: Layout, spots: list[_Spot], request: PinRequest, paren: bool) -> PinPlan:
    text = layout.text
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
            slot = f' version = "{request.ceiling()}"' + ("," if spot.slot_comma else " ")
            edits.append((spot.version_slot, spot.version_slot, slot))
            anchors.append(line - 1)
            continue
        assert spot.lit is not None
        result = (_pep508_edit(text, spot.lit, request, paren) if spot.kind == "pep508"
                  else _poetry_edit(text, spot.lit, request))
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
        return PinPlan(status="manual", requirement=request.ceiling(), line=first_line + 1,
                       reason="; ".join(blockers))
    if blockers:
        return PinPlan(status="manual", requirement=request.ceiling(), line=first_line + 1,
                       reason="; ".join(blockers))
    replaces = _replaces(layout, edits)
    anchor = anchors[0]
    comment = "" if _marked(layout, anchor, request.name) else comment_block(request.comment, _indent(
        text, layout.line_starts[anchor]))
    edited = dict(replaces)
    shown = comment + edited.get(anchor, _line_text(layout, anchor)) + "\n"
    requirement = _written_after(layout, spots, edits, request)
    return PinPlan(status="edit", requirement=requirement or request.ceiling(), line=anchor + 1,
                   text=shown, edit=ManifestEdit(replaces=replaces, inserts=((anchor, comment),) if comment else ()))


def _written_after(layout: Layout, spots: list[_Spot], edits: list[tuple[int, int, str]], request: PinRequest) -> str:
    """The constraint the first place states once `edits` are made, worked out from that place alone: reading the
    whole edited file again for every pin would cost a pass over the manifest per finding."""
    text = layout.text
    for spot in spots:
        if spot.version_slot is not None:
            if any(start == spot.version_slot for start, _, _ in edits):
                return request.ceiling()  # the `version = "..."` just written
            continue
        lit = spot.lit
        if lit is None:
            continue
        # only a one-line literal without escapes is ever edited (the others are refused above, as blockers), so
        # its text between the quotes is its value and the edits apply to it as written
        inside = sorted(e for e in edits if lit.start < e[0] and e[1] < lit.end)
        value = lit.value
        if inside:
            body, done = [], lit.start + 1
            for start, end, added in inside:
                body.append(text[done:start] + added)
                done = end
            value = "".join(body) + text[done:lit.end - 1]
        if spot.kind == "poetry":
            return value
        from packaging.requirements import InvalidRequirement, Requirement

        try:
            return str(Requirement(value).specifier)
        except InvalidRequirement:
            return ""
    return ""


def _entry(request: PinRequest, quote: str, paren: bool) -> str | None:
    ceiling = request.ceiling()
    markers = _marker_text(request.markers, quote)
    if markers is False:
        return None
    spec = f" ({ceiling})" if paren else ceiling
    entry = f"{request.name}{spec}" + (f"; {markers}" if markers else "")
    if not _SAFE_ENTRY.match(entry) or quote in entry:
        return None
    return entry


def _new_entry(layout: Layout, request: PinRequest, quote: str, paren: bool) -> PinPlan:
    ceiling = request.ceiling()
    refused = PinPlan(status="manual", requirement=ceiling,
                      reason=f"its environment markers cannot be written safely ({request.markers})")
    if request.lock_kind == "uv.lock":
        entry = _entry(request, quote, False)
        if entry is None:
            return refused
        kv = layout.value("tool.uv.constraint-dependencies")
        if kv is not None and kv.kind == "array":
            return _array_insertion(layout, kv, request, f"{quote}{entry}{quote}", ceiling)
        if kv is not None:
            return PinPlan(status="manual", requirement=ceiling,
                           reason="[tool.uv] constraint-dependencies is not a list lockrisk can extend")
        body = comment_block(request.comment, "") + f"constraint-dependencies = [\n    {quote}{entry}{quote},\n]\n"
        table = layout.table("tool.uv")
        if table is not None:
            return _after_table(layout, table, body, ceiling)
        return _new_table(layout, "[tool.uv]\n" + body, ceiling)
    for group in request.groups:
        table = layout.table(f"tool.poetry.group.{group}.dependencies")
        if table is None and group == "dev":
            table = layout.table("tool.poetry.dev-dependencies")
        if table is not None:
            return _table_entry(layout, table, request, ceiling, refused)
    kv = layout.value("project.dependencies")
    table = layout.table("tool.poetry.dependencies")
    # Poetry reads [project] dependencies only when the list holds something; an empty one (next to a
    # [tool.poetry.dependencies] table that does) leaves the table in charge, and one entry added to the
    # list would take the table's place
    legacy = table is not None and any(v.path.rsplit(".", 1)[-1] != "python" for v in layout.table_values(table))
    if kv is not None and kv.kind == "array" and not (legacy and kv.last_end < 0):
        entry = _entry(request, quote, paren)
        if entry is None:
            return refused
        return _array_insertion(layout, kv, request, f"{quote}{entry}{quote}", ceiling)
    if table is not None:
        return _table_entry(layout, table, request, ceiling, refused)
    return PinPlan(status="manual", requirement=ceiling,
                   reason="pyproject.toml has no dependency list to add it to ([project] dependencies or a "
                          "[tool.poetry.dependencies] table)")


def _table_entry(layout: Layout, table: Table, request: PinRequest, ceiling: str, refused: PinPlan) -> PinPlan:
    """A new `name = "..."` line, with its comment, at the end of a Poetry dependency table."""
    line = _table_line(request, ceiling)
    if line is None:
        return refused
    return _after_table(layout, table, comment_block(request.comment, "") + line, ceiling)


def _table_line(request: PinRequest, ceiling: str) -> str | None:
    markers = _marker_text(request.markers, '"')
    if markers is False:
        return None
    if markers:
        return f'{request.name} = {{ version = "{ceiling}", markers = "{markers}" }}\n'
    return f'{request.name} = "{ceiling}"\n'


def _new_table(layout: Layout, body: str, ceiling: str) -> PinPlan:
    """Append a table at the end of the document, one blank line after the last content."""
    text = layout.text
    index = len(layout.line_starts) - (1 if text.endswith("\n") or not text else 0)
    lead = "" if not text.strip() else ("\n" if _line_text(layout, index - 1).strip() else "")
    return PinPlan(status="insert", requirement=ceiling, line=index + 1 + lead.count("\n"), text=body,
                   edit=ManifestEdit(inserts=((index, lead + body),)))


def _after_table(layout: Layout, table: Table, body: str, ceiling: str) -> PinPlan:
    """Insert `body` on the line after the last key/value written in `table` (after its header when empty)."""
    end = layout.table_end(table)
    index = layout.line_of(max(end - 1, table.header_start)) + 1
    return PinPlan(status="insert", requirement=ceiling, line=index + 1, text=body,
                   edit=ManifestEdit(inserts=((index, body),)))


def _array_insertion(layout: Layout, kv: KeyValue, request: PinRequest, literal: str, ceiling: str) -> PinPlan:
    """Add `literal` as the last element of the array `kv`, in the array's own layout."""
    text = layout.text
    open_line = layout.line_of(kv.value_start)
    close_line = layout.line_of(kv.close)
    before_close = text[layout.line_starts[close_line]:kv.close]
    if open_line == close_line or before_close.strip():
        # the closing bracket shares its line with content: add the entry just before it
        if kv.last_end < 0:
            edit = (kv.close, kv.close, literal)
        elif kv.comma_after_last:
            edit = (kv.close, kv.close, ("" if text[kv.close - 1] in " \t" else " ") + literal)
        else:
            edit = (kv.last_end, kv.last_end, ", " + literal)
        replaces = _replaces(layout, [edit])
        anchor = open_line if open_line == close_line else close_line
        comment = comment_block(request.comment, _indent(text, layout.line_starts[anchor]))
        shown = dict(replaces).get(anchor, _line_text(layout, anchor))
        return PinPlan(status="insert", requirement=ceiling, line=anchor + 1,
                       text=comment + shown.strip() + "\n",
                       edit=ManifestEdit(replaces=replaces, inserts=((anchor, comment),)))
    indent = "    "
    replaces: tuple[tuple[int, str], ...] = ()
    if kv.last_end >= 0:
        indent = _indent(text, kv.last_end - 1) or indent
        if not kv.comma_after_last:
            replaces = _replaces(layout, [(kv.last_end, kv.last_end, ",")])
    else:
        indent = _indent(text, layout.line_starts[open_line]) + "    "
    body = comment_block(request.comment, indent) + f"{indent}{literal},\n"
    return PinPlan(status="insert", requirement=ceiling, line=close_line + 1, text=body,
                   edit=ManifestEdit(replaces=replaces, inserts=((close_line, body),)))
