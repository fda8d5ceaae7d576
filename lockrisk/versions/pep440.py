"""PEP 440 versions (via packaging) and Poetry/PEP 440 constraints.

A Poetry constraint is a union (`||`) of alternatives; each alternative is an AND of
clauses, which may use Poetry's caret, tilde and wildcard forms. Each alternative is
turned into a packaging SpecifierSet, so PEP 440 ordering rules come from packaging.
"""

from __future__ import annotations

import functools
import re

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from lockrisk.errors import VersionError
from lockrisk.versions.scheme import ParsedVersion

_CLAUSE = re.compile(r"(===|==|!=|<=|>=|~=|<|>|\^|~|=)?\s*([^\s,|<>=!~^]+)")
_LEGACY_NUM = re.compile(r"\d+")


@functools.lru_cache(maxsize=8192)
def pep440_version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _legacy_release(text: str) -> tuple[int, ...]:
    return tuple(int(n) for n in _LEGACY_NUM.findall(text.split("+")[0])) or (0,)


@functools.total_ordering
class _Key:
    """Orders PEP 440 versions; legacy (non-PEP 440) versions sort before all of them, by their numbers."""

    __slots__ = ("v", "legacy")

    def __init__(self, text: str) -> None:
        self.v = pep440_version(text)
        self.legacy = _legacy_release(text) if self.v is None else ()

    def _tuple(self) -> tuple:
        return (0, self.legacy, None) if self.v is None else (1, (), self.v)

    def __lt__(self, other: "_Key") -> bool:
        a, b = self._tuple(), other._tuple()
        if a[0] != b[0]:
            return a[0] < b[0]
        return a[1] < b[1] if a[0] == 0 else a[2] < b[2]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self._tuple() == other._tuple()

    def __hash__(self) -> int:
        return hash(self._tuple())


def _release_parts(text: str) -> list[int]:
    v = pep440_version(text)
    if v is not None:
        return list(v.release)
    return list(_legacy_release(text))


def _fmt(parts: list[int] | tuple[int, ...]) -> str:
    return ".".join(str(p) for p in parts)


def _caret_upper(parts: list[int]) -> list[int]:
    if parts[0] != 0 or len(parts) == 1:
        return [parts[0] + 1]
    if parts[1] != 0 or len(parts) == 2:
        return [0, parts[1] + 1]
    return [0, 0, parts[2] + 1]


def _clause_specifiers(op: str | None, ver: str) -> list[str]:
    """Translate one Poetry/PEP 440 clause into PEP 440 specifier strings."""
    if ver in ("*", "x", "X", "*.*") or ver.lower().startswith("latest"):
        return []
    wildcard = ver.endswith((".*", ".x", ".X"))
    if wildcard:
        base = ver[:-2]
        if op in (None, "=", "=="):
            return [f"=={base}.*"]
        if op == "!=":
            return [f"!={base}.*"]
        ver = base
    if op in (None, "="):
        return [f"=={ver}"]
    if op == "^":
        parts = _release_parts(ver)
        return [f">={ver}", f"<{_fmt(_caret_upper(parts))}"]
    if op == "~":
        parts = _release_parts(ver)
        upper = [parts[0], parts[1] + 1] if len(parts) >= 2 else [parts[0] + 1]
        return [f">={ver}", f"<{_fmt(upper)}"]
    if op == "~=":
        if len(_release_parts(ver)) < 2:
            return [f">={ver}"]
        return [f"~={ver}"]
    return [f"{op}{ver}"]


class PoetryConstraint:
    """A union of PEP 440 specifier sets parsed from Poetry or PEP 440 syntax."""

    __slots__ = ("text", "alternatives", "_admitted")

    def __init__(self, text: str) -> None:
        self.text = text.strip()
        alternatives: list[SpecifierSet] = []
        for alt in re.split(r"\|\|?", self.text) if self.text else [""]:
            specs: list[str] = []
            alt = alt.strip()
            pos = 0
            while pos < len(alt):
                if alt[pos] in " ,\t":
                    pos += 1
                    continue
                m = _CLAUSE.match(alt, pos)
                if not m or m.end() == pos:
                    raise VersionError(f"{self.text!r} is not a valid version constraint")
                specs.extend(_clause_specifiers(m.group(1), m.group(2)))
                pos = m.end()
            try:
                alternatives.append(SpecifierSet(",".join(specs)))
            except InvalidSpecifier:
                raise VersionError(f"{self.text!r} is not a valid version constraint") from None
        self.alternatives = tuple(alternatives)
        self._admitted: dict[str, bool] = {}

    def admits(self, version: str) -> bool:
        known = self._admitted.get(version)
        if known is None:
            if len(self._admitted) > 4096:
                self._admitted.clear()
            known = self._admitted[version] = self._admits(version)
        return known

    def _admits(self, version: str) -> bool:
        v = pep440_version(version)
        if v is None:
            return self._admits_legacy(version)
        return any(alt.contains(v, prereleases=True) for alt in self.alternatives)

    def _admits_legacy(self, version: str) -> bool:
        key = _legacy_release(version)
        for alt in self.alternatives:
            ok = True
            for spec in alt:
                bound = _legacy_release(spec.version.rstrip(".*"))
                cmp = (key > bound) - (key < bound)
                ok = ok and {
                    "==": cmp == 0, "===": cmp == 0, "!=": cmp != 0, "<": cmp < 0, "<=": cmp <= 0,
                    ">": cmp > 0, ">=": cmp >= 0, "~=": cmp >= 0,
                }.get(spec.operator, True)
            if ok:
                return True
        return False

    def is_floor_only(self) -> bool:
        return any(not _has_ceiling(alt) for alt in self.alternatives)

    def floors(self) -> list[str]:
        """The versions its lower bounds name, across every alternative."""
        return [s.version for alt in self.alternatives for s in alt if s.operator in (">=", ">", "~=", "==")
                and not s.version.endswith(".*")]

    def __repr__(self) -> str:
        return f"PoetryConstraint({self.text!r})"


def _has_ceiling(alt: SpecifierSet) -> bool:
    return any(s.operator in ("<", "<=", "==", "===", "~=") for s in alt)


@functools.lru_cache(maxsize=4096)
def _constraint(text: str) -> PoetryConstraint:
    """Constraints repeat across a lockfile (">=1.0" thousands of times): each is parsed once."""
    return PoetryConstraint(text)


def _floor(version: str) -> str | None:
    """The version a `>=` clause can name: local labels dropped (`1.13.1+cu117` -> `1.13.1`, which a
    specifier cannot carry), a legacy version reduced to its release numbers."""
    v = pep440_version(version)
    if v is not None:
        return v.public
    rel = _release_parts(version)
    return ".".join(str(n) for n in rel) if rel else None


class Pep440Scheme:
    name = "pypi"
    any_version = "*"

    def parse(self, text: str) -> ParsedVersion:
        v = pep440_version(text)
        if v is None:
            return ParsedVersion(text=text, release=_legacy_release(text), prerelease=False, sort_key=_Key(text))
        return ParsedVersion(text=text, release=tuple(v.release), prerelease=v.is_prerelease, sort_key=_Key(text))

    def constraint(self, text: str) -> PoetryConstraint:
        return _constraint(text)

    def ceiling_for(self, version: str) -> str:
        floor = _floor(version)
        return (f">={floor}," if floor else "") + self.upper_bound(version)

    def upper_bound(self, version: str) -> str:
        """The clause that closes a floor above `version`'s major line: "<3", or "<0.25" on 0.x."""
        rel = _release_parts(version) or [0]
        if rel[0] == 0 and len(rel) >= 3 and rel[1] == 0:
            return f"<0.0.{rel[2] + 1}"
        if rel[0] == 0 and len(rel) >= 2:
            return f"<0.{rel[1] + 1}"
        return f"<{rel[0] + 1}"


PYPI = Pep440Scheme()

__all__ = ["PYPI", "PoetryConstraint", "Specifier", "pep440_version"]


def locked_order(version: str):
    """A sort key for locked versions: a missing version (a dynamic local project) below every other."""
    return (1, PYPI.parse(version).sort_key) if version else (0, ())
