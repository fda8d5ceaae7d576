"""uv.lock (`version = 1`, any revision).

uv records which packages depend on which, but for registry and git packages it does
not record the version ranges: those edges are kept with `recorded=False`. The
project's own requirements, with their ranges, are in the root package's
`[package.metadata]` (`requires-dist`, `requires-dev`).
"""

from __future__ import annotations

import re
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

from lockrisk.errors import ParseError
from lockrisk.model import Lockfile, Package, Requirement, Source
from lockrisk.names import pypi_key
from lockrisk.parsers.blocks import NotShared, Reuse, lock_document, merged, to_read
from lockrisk.parsers.common import header_lines, split_forks, wheel_tags
from lockrisk.parsers.locktoml import BASIC_CHAR

_PACKAGE_HEADER = re.compile(r"^\[\[(package|distribution)\]\]\s*$", re.M)
_LOCAL = ("editable", "virtual", "directory", "path")
_PLAIN = (str, type(None))


def _source(raw: Any, registries: dict[str, Source]) -> Source:
    """Where an entry comes from; `registries` holds one Source per index URL seen in this lockfile, shared by
    every package from it."""
    if not isinstance(raw, dict):
        return Source(kind="registry")
    if "registry" in raw:
        url = str(raw["registry"])
        found = registries.get(url)
        if found is None:
            found = registries[url] = Source(kind="registry", url=url)
        return found
    if "git" in raw:
        parts = urlsplit(str(raw["git"]))
        query = parse_qs(parts.query)
        ref = next((f"{k} {v[0]}" for k in ("tag", "branch", "rev") if (v := query.get(k))), None)
        url = parts._replace(query="", fragment="").geturl()
        return Source(kind="git", url=url, revision=parts.fragment or None, ref=ref)
    if "url" in raw:
        return Source(kind="url", url=str(raw["url"]))
    for key in _LOCAL:
        if key in raw:
            return Source(kind="directory" if key != "path" else "path", url=str(raw[key]), ref=key)
    return Source(kind="registry")


def _edges(items: Any, index: int, table: str, path: str, line: int | None,
           same: dict[tuple, Requirement]) -> list[Requirement]:
    """The edges one dependency list records (errors point at the package's header line; the edges carry no
    line of their own). `same` keeps one Requirement per distinct edge: most are written many times."""
    if not isinstance(items, list):
        raise ParseError(f"package[{index}].{table}: expected a list of tables", path=path, line=line)
    out = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str):
            raise ParseError(f"package[{index}].{table}: expected {{ name = ... }} tables", path=path, line=line)
        version = item.get("version")
        marker = item.get("marker")
        edge = (name, marker, version) if isinstance(marker, _PLAIN) and isinstance(version, _PLAIN) else None
        found = same.get(edge) if edge else None
        if found is None:
            found = Requirement(name=name, key=pypi_key(name), constraint="", markers=marker, recorded=False,
                                    locked_version=version if isinstance(version, str) else None)
            if edge:
                same[edge] = found
        out.append(found)
    return out


def _declared(items: Any, group: str, line: int | None) -> list[Requirement]:
    out = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and isinstance(item.get("name"), str):
            marker = item.get("marker")
            extra_group = group
            if isinstance(marker, str) and (m := re.fullmatch(r"extra == '([^']+)'", marker.strip())):
                extra_group, marker = f"extra:{m.group(1)}", None
            out.append(Requirement(name=item["name"], key=pypi_key(item["name"]),
                                   constraint=str(item.get("specifier", "")), markers=marker,
                                   groups=(extra_group,), line=line))
    return out


def parse_uv_lock(data: bytes, path: str, reuse: Reuse | None = None) -> Lockfile:
    """Read a uv.lock; with `reuse`, the blocks it shares with the other side of a pair stand for the packages
    read there (see `lockrisk.parsers.blocks`)."""
    text, doc, wheels = lock_document(data, path, reuse)
    schema = doc.get("version")
    raw_packages = doc.get("package", doc.get("distribution"))
    if not isinstance(schema, int) or not isinstance(raw_packages, list):
        raise ParseError("not a uv.lock: no integer `version` and [[package]] list", path=path, line=1)
    notes = ["uv.lock records no version ranges for registry packages: floor-only and forced are judged "
             "from the project's own requirements only"]
    if schema != 1:
        notes.append(f"{path}: unknown uv.lock version {schema}; reading it as version 1")
    members = set()
    manifest = doc.get("manifest")
    if isinstance(manifest, dict) and isinstance(manifest.get("members"), list):
        members = {pypi_key(str(m)) for m in manifest["members"]}

    headers = header_lines(text, _PACKAGE_HEADER)
    registries: dict[str, Source] = {}
    entries: dict[str, list[Package]] = {}
    direct: list[Requirement] = []
    same: dict[tuple, Requirement] = {}
    if reuse is not None and any(p.key in members for p in reuse.shared.values()):
        raise NotShared  # a workspace member on this side: read as the project, not as a package
    for index, raw, at, line in to_read(raw_packages, headers, reuse, entries):
        where = f"package[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise ParseError(f"{where}.name: expected a string", path=path, line=line)
        name = raw["name"]
        key = pypi_key(name)
        source = _source(raw.get("source"), registries)
        is_project = key in members or (source.ref in ("editable", "virtual") and source.url == ".")
        if is_project:
            meta = raw.get("metadata", {}) if isinstance(raw.get("metadata"), dict) else {}
            direct += _declared(meta.get("requires-dist"), "main", line)
            dev = meta.get("requires-dev", {})
            if isinstance(dev, dict):
                for group, items in dev.items():
                    direct += _declared(items, str(group), line)
            continue
        version = raw.get("version", "")  # none: a local project whose version is computed when it is built
        if not isinstance(version, str):
            raise ParseError(f"{where}.version: expected a string", path=path, line=line)
        requires = _edges(raw.get("dependencies", []), index, "dependencies", path, line, same)
        for table in ("optional-dependencies", "dev-dependencies"):
            extra = raw.get(table, {})
            if isinstance(extra, dict):
                for items in extra.values():
                    requires += _edges(items, index, table, path, line, same)
        entries.setdefault(key, []).append(
            Package(name=name, key=key, version=version, source=source, requires=tuple(requires),
                    wheels=wheels.get(at) if at else None, fork=_fork_markers(raw.get("resolution-markers")),
                    line=line))
    if reuse is not None:
        entries = merged(entries, reuse)
    packages, forks = split_forks(entries)
    requires_python = doc.get("requires-python")
    return Lockfile(path=path, ecosystem="pypi", format_version=f"{schema}.{doc.get('revision', 1)}",
                    python_range=requires_python if isinstance(requires_python, str) else None,
                    tool_version=None, packages=packages, forks=forks, direct=tuple(direct), notes=tuple(notes),
                    kind="uv.lock")


def _fork_markers(raw: Any) -> str | None:
    """`resolution-markers = ["a", "b"]` as one marker expression, `(a) or (b)`."""
    if not isinstance(raw, list):
        return None
    markers = [m.strip() for m in raw if isinstance(m, str) and m.strip()]
    if len(markers) == 1:
        return markers[0]
    return " or ".join(f"({m})" for m in markers) or None


_TEXT = rf"{BASIC_CHAR}*"  # a basic string's content with no escape: the value as written
# A registry package block exactly as uv writes it when it has no forks, extras or escapes: one match reads it;
# any other block goes to the TOML reader.
_BLOCK = re.compile(
    r"\[\[package\]\]\n"
    rf'name = "({_TEXT})"\n'
    rf'version = "({_TEXT})"\n'
    rf'source = \{{ registry = "({_TEXT})" \}}\n'
    rf'(?:dependencies = \[\n((?:    \{{ name = "{_TEXT}"(?:, marker = "{_TEXT}")? \}},\n)*)\]\n)?'
    r"(?:sdist = \{.*\}\n)?"
    r"(?:wheels = \[\n((?:[ \t]+\{[^\[\]\n]*\},?[ \t]*\n)*)\]\n)?"
    r"\n*"
)
_EDGE = re.compile(rf'    \{{ name = "({_TEXT})"(?:, marker = "({_TEXT})")? \}},\n')


def block_reader() -> Callable[[str, int], Package | None]:
    """Reads one registry package block in the plain shape uv writes (see `_BLOCK`) into the package
    `parse_uv_lock` would make of it, or None for any other block. A test compares the two readings on every
    uv.lock in the corpus and in fixtures."""
    same: dict[tuple, Requirement] = {}
    registries: dict[str, Source] = {}
    tag_sets: dict[frozenset[str], frozenset[str]] = {}

    def read(block: str, line: int) -> Package | None:
        m = _BLOCK.fullmatch(block)
        if m is None:
            return None
        name, version, registry, deps, wheels = m.groups()
        requires: list[Requirement] = []
        for item in _EDGE.finditer(deps) if deps else ():
            dep, marker = item.groups()  # marker None when the item names none
            edge = (dep, marker, None)
            found = same.get(edge)
            if found is None:
                found = same[edge] = Requirement(name=dep, key=pypi_key(dep), constraint="", markers=marker,
                                                 recorded=False)
            requires.append(found)
        source = registries.get(registry)
        if source is None:
            source = registries[registry] = Source(kind="registry", url=registry)
        tags: frozenset[str] | None = None
        if wheels is not None:
            frozen = frozenset(wheel_tags(wheels))
            tags = tag_sets.setdefault(frozen, frozen)
        return Package(name=name, key=pypi_key(name), version=version, source=source, requires=tuple(requires),
                       wheels=tags, line=line)

    return read
