"""Load and validate the catalogue data files (once per process)."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockrisk.errors import LockriskError

TIERS = ("runtime-critical", "runtime", "build", "test", "development", "docs")
ECOSYSTEMS = ("rubygems", "pypi")


class CatalogueError(LockriskError):
    """A catalogue data file is invalid (a packaging bug, caught by the tests)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class TierEntry:
    """Where a package runs, from the catalogue, and why."""

    tier: str
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Breakage:
    """A catalogued breakage: which release of which package broke what, with its public source."""

    ecosystem: str
    package: str
    versions: str
    dependent: str | None  # the locked package whose versions it breaks; None: the release is broken on its own
    dependent_versions: str | None
    fixed_in: str | None
    summary: str
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "package": self.package,
            "versions": self.versions,
            "dependent": self.dependent,
            "dependent_versions": self.dependent_versions,
            "fixed_in": self.fixed_in,
            "summary": self.summary,
            "source": self.source,
        }


@functools.lru_cache(maxsize=None)
def _read(name: str) -> dict[str, Any]:
    from lockrisk.tomlload import loads

    return loads((Path(__file__).parent / name).read_text(encoding="utf-8"), f"lockrisk/catalogue/{name}")


@functools.lru_cache(maxsize=None)
def tiers(ecosystem: str) -> dict[str, TierEntry]:
    if ecosystem not in ECOSYSTEMS:
        raise CatalogueError(f"unknown ecosystem {ecosystem!r}")
    name = f"{ecosystem}.toml"
    doc = _read(name)
    if doc.get("schema") != 1 or doc.get("ecosystem") != ecosystem:
        raise CatalogueError("expected schema = 1 and a matching ecosystem", path=name)
    out: dict[str, TierEntry] = {}
    for key, value in doc.get("packages", {}).items():
        if not isinstance(value, dict) or value.get("tier") not in TIERS:
            raise CatalogueError(f"packages.{key}: tier must be one of {', '.join(TIERS)}", path=name)
        reason = value.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise CatalogueError(f"packages.{key}: needs a reason", path=name)
        if ecosystem == "pypi":
            from lockrisk.names import pypi_key

            if pypi_key(key) != key:
                raise CatalogueError(f"packages.{key}: pypi keys must be normalized ({pypi_key(key)})", path=name)
        out[key] = TierEntry(tier=value["tier"], reason=reason.strip())
    return out


@functools.lru_cache(maxsize=None)
def breakages(ecosystem: str | None = None) -> tuple[Breakage, ...]:
    """The catalogued breakages (of one ecosystem: only its version rules are loaded to check them)."""
    from lockrisk.versions import scheme_for

    doc = _read("breakages.toml")
    if doc.get("schema") != 1:
        raise CatalogueError("expected schema = 1", path="breakages.toml")
    out = []
    for i, raw in enumerate(doc.get("breakage", [])):
        where = f"breakage[{i}]"
        for field in ("ecosystem", "package", "versions", "summary", "source"):
            if not isinstance(raw.get(field), str) or not raw[field].strip():
                raise CatalogueError(f"{where}.{field}: expected a non-empty string", path="breakages.toml")
        if ("dependent" in raw) != ("dependent_versions" in raw):
            raise CatalogueError(f"{where}: dependent and dependent_versions go together", path="breakages.toml")
        if raw["ecosystem"] not in ECOSYSTEMS:
            raise CatalogueError(f"{where}.ecosystem: unknown {raw['ecosystem']!r}", path="breakages.toml")
        if ecosystem is not None and raw["ecosystem"] != ecosystem:
            continue
        if not raw["source"].startswith("https://"):
            raise CatalogueError(f"{where}.source: expected an https link", path="breakages.toml")
        scheme = scheme_for(raw["ecosystem"])
        try:
            scheme.constraint(raw["versions"])
            if "dependent_versions" in raw:
                scheme.constraint(raw["dependent_versions"])
            if raw.get("fixed_in") is not None:
                scheme.parse(str(raw["fixed_in"]))
        except LockriskError as exc:
            raise CatalogueError(f"{where}: {exc.message}", path="breakages.toml") from None
        out.append(Breakage(
            ecosystem=raw["ecosystem"], package=raw["package"], versions=raw["versions"],
            dependent=raw.get("dependent"), dependent_versions=raw.get("dependent_versions"),
            fixed_in=str(raw["fixed_in"]) if raw.get("fixed_in") is not None else None,
            summary=raw["summary"].strip(), source=raw["source"],
        ))
    return tuple(out)


@functools.lru_cache(maxsize=None)
def ruby_stdlib() -> frozenset[str]:
    """Names of the gems that ship with Ruby (default and bundled gems)."""
    doc = _read("ruby_stdlib.toml")
    names = doc.get("names")
    if doc.get("schema") != 1 or not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise CatalogueError("expected schema = 1 and a list of names", path="ruby_stdlib.toml")
    return frozenset(names)


@functools.lru_cache(maxsize=None)
def calendar_versioned(ecosystem: str) -> frozenset[str]:
    """Keys of the packages whose first version number is a two-digit year (calendar.toml)."""
    doc = _read("calendar.toml")
    entries = doc.get(ecosystem)
    if doc.get("schema") != 1 or not isinstance(entries, dict):
        raise CatalogueError(f"expected schema = 1 and a [{ecosystem}] table", path="calendar.toml")
    for key, value in entries.items():
        if not isinstance(value, dict) or not isinstance(value.get("scheme"), str) or \
                not str(value.get("source", "")).startswith("https://"):
            raise CatalogueError(f"{ecosystem}.{key}: needs a scheme and an https source", path="calendar.toml")
    return frozenset(entries)
