"""The project's own requirements and their groups, from pyproject.toml.

Reads Poetry's `[tool.poetry.dependencies]`, `[tool.poetry.group.*.dependencies]` and
`[tool.poetry.dev-dependencies]`, PEP 621 `[project]` dependencies and
optional-dependencies, and PEP 735 `[dependency-groups]`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from lockrisk.errors import ParseError
from lockrisk.model import Requirement
from lockrisk.names import pypi_key
from lockrisk.tomlload import loads

MAIN = "main"
_PEP508_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


@dataclass(frozen=True, slots=True, kw_only=True)
class PyprojectRequirements:
    """The project's own requirements read from pyproject.toml, and the layout they came from."""

    requirements: tuple[Requirement, ...]
    layout: str  # "pep621", "poetry", "pep621+poetry" or "none"
    python: str | None = None  # requires-python, else Poetry's `python` dependency


def _pep508(text: str, group: str, line: int | None) -> Requirement | None:
    from packaging.requirements import InvalidRequirement
    from packaging.requirements import Requirement as Pep508

    try:
        req = Pep508(text)
    except InvalidRequirement:
        m = _PEP508_NAME.match(text)
        if not m:
            return None
        spec, _, marker = m.group(3).partition(";")
        return Requirement(name=m.group(1), key=pypi_key(m.group(1)), constraint=spec.strip().strip("()"),
                           markers=marker.strip() or None, groups=(group,), line=line)
    return Requirement(
        name=req.name,
        key=pypi_key(req.name),
        constraint=str(req.specifier),
        markers=str(req.marker) if req.marker else None,
        groups=(group,),
        line=line,
    )


def _poetry_entries(name: str, value: Any, group: str, line: int | None) -> list[Requirement]:
    entries = value if isinstance(value, list) else [value]
    out = []
    for entry in entries:
        if isinstance(entry, str):
            out.append(Requirement(name=name, key=pypi_key(name), constraint=entry.strip(), groups=(group,), line=line))
        elif isinstance(entry, dict):
            constraint = entry.get("version", "")
            markers = entry.get("markers") if isinstance(entry.get("markers"), str) else None
            python = entry.get("python")
            if isinstance(python, str) and python.strip() and not markers:  # `python = ">=3.10"`: only there
                markers = f'python_version "{python.strip()}"'
            out.append(
                Requirement(
                    name=name,
                    key=pypi_key(name),
                    constraint=constraint.strip() if isinstance(constraint, str) else "",
                    markers=markers,
                    optional=bool(entry.get("optional", False)),
                    groups=(group,),
                    line=line,
                )
            )
    return out


# a line that starts with a name (quoted or not) followed by what may follow a requirement's name: `name = ...`,
# `"name>=1.0",`, `"name[extra]"`, `name ; marker`
_LEADING_NAME = re.compile(r"""^[ \t]*["']?([A-Za-z0-9._-]+)(?=["']?\s*(?:=|[\[<>=!~;\s"']))""", re.M)


def _first_lines(text: str) -> dict[str, int]:
    """The first line each name leads, lowercased name -> 1-based line, in one pass over the text."""
    out: dict[str, int] = {}
    line, counted = 1, 0
    for m in _LEADING_NAME.finditer(text):
        name = m.group(1).lower()
        if name not in out:
            line += text.count("\n", counted, m.start())
            counted = m.start()
            out[name] = line
    return out


def read_pyproject(data: bytes, path: str) -> PyprojectRequirements:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("pyproject.toml is not UTF-8 text", path=path, line=1) from None
    text = text.removeprefix("\ufeff")  # a byte order mark is an encoding marker, as for lockfiles
    doc = loads(text, path)
    reqs: list[Requirement] = []
    layouts: list[str] = []

    python: str | None = None
    project = doc.get("project")
    if isinstance(project, dict):
        if isinstance(project.get("requires-python"), str):
            python = project["requires-python"].strip() or None
        deps = project.get("dependencies")
        if isinstance(deps, list):
            layouts.append("pep621")
            for item in deps:
                if isinstance(item, str) and (r := _pep508(item, MAIN, None)):
                    reqs.append(r)
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, items in optional.items():
                for item in items if isinstance(items, list) else []:
                    if isinstance(item, str) and (r := _pep508(item, f"extra:{extra}", None)):
                        reqs.append(r)

    poetry = doc.get("tool", {}).get("poetry") if isinstance(doc.get("tool"), dict) else None
    if isinstance(poetry, dict):
        deps = poetry.get("dependencies")
        if isinstance(deps, dict):
            layouts.append("poetry")
            if python is None and isinstance(deps.get("python"), str):
                python = deps["python"].strip() or None
            known = {r.key for r in reqs}
            for name, value in deps.items():
                if name.lower() == "python" or pypi_key(name) in known:
                    continue
                reqs.extend(_poetry_entries(name, value, MAIN, None))
        dev = poetry.get("dev-dependencies")
        if isinstance(dev, dict):
            for name, value in dev.items():
                reqs.extend(_poetry_entries(name, value, "dev", None))
        groups = poetry.get("group")
        if isinstance(groups, dict):
            for group, table in groups.items():
                gdeps = table.get("dependencies") if isinstance(table, dict) else None
                if isinstance(gdeps, dict):
                    for name, value in gdeps.items():
                        reqs.extend(_poetry_entries(name, value, str(group), None))

    dependency_groups = doc.get("dependency-groups")
    if isinstance(dependency_groups, dict):
        for group in dependency_groups:
            for item in _expand_group(dependency_groups, group, set()):
                if (r := _pep508(item, str(group), None)) is not None:
                    reqs.append(r)

    lines = _first_lines(text)  # best-effort line of each requirement, for annotations and edits
    located = tuple(
        Requirement(name=r.name, key=r.key, constraint=r.constraint, markers=r.markers, optional=r.optional,
                    groups=r.groups, line=lines.get(r.name.lower()))
        for r in reqs
    )
    return PyprojectRequirements(requirements=_merge_groups(located), layout="+".join(layouts) or "none",
                                 python=python)


def _expand_group(table: dict, group: str, seen: set[str]) -> list[str]:
    if group in seen:
        return []
    seen.add(group)
    out: list[str] = []
    for item in table.get(group, []) or []:
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict) and isinstance(item.get("include-group"), str):
            out.extend(_expand_group(table, item["include-group"], seen))
    return out


def _merge_groups(reqs: tuple[Requirement, ...]) -> tuple[Requirement, ...]:
    """One requirement per (key, constraint, markers), carrying every group that names it."""
    merged: dict[tuple[str, str, str | None], Requirement] = {}
    for r in reqs:
        k = (r.key, r.constraint, r.markers)
        if k in merged:
            prev = merged[k]
            merged[k] = Requirement(name=prev.name, key=prev.key, constraint=prev.constraint, markers=prev.markers,
                                    optional=prev.optional, groups=tuple(dict.fromkeys(prev.groups + r.groups)),
                                    line=prev.line)
        else:
            merged[k] = r
    return tuple(merged.values())
