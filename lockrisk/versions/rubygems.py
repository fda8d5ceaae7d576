"""RubyGems versions (Gem::Version) and requirements (Gem::Requirement)."""

from __future__ import annotations

import functools
import re

from lockrisk.errors import VersionError
from lockrisk.versions.scheme import ParsedVersion

_VALID = re.compile(r"^\s*[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?\s*$")
_SEGMENT = re.compile(r"[0-9]+|[a-zA-Z]+")
_CLAUSE = re.compile(r"^\s*(=|!=|>=|<=|>|<|~>)?\s*(\S+)\s*$")


@functools.total_ordering
class GemVersion:
    """A RubyGems version: segments compare numerically, letters mark prereleases."""

    __slots__ = ("text", "segments", "canonical")

    def __init__(self, text: str) -> None:
        raw = text.strip() or "0"
        if not _VALID.match(raw):
            raise VersionError(f"{text!r} is not a valid gem version")
        self.text = raw
        raw = raw.replace("-", ".pre.")
        self.segments: tuple[int | str, ...] = tuple(
            int(s) if s.isdigit() else s.lower() for s in _SEGMENT.findall(raw)
        )
        first_string = next((i for i, s in enumerate(self.segments) if isinstance(s, str)), len(self.segments))
        numeric = list(self.segments[:first_string])
        letters = list(self.segments[first_string:])
        while numeric and numeric[-1] == 0:
            numeric.pop()
        while letters and letters[-1] == 0:
            letters.pop()
        self.canonical: tuple[int | str, ...] = tuple(numeric + letters)

    @property
    def prerelease(self) -> bool:
        return any(isinstance(s, str) for s in self.segments)

    @property
    def release_segments(self) -> tuple[int, ...]:
        out: list[int] = []
        for s in self.segments:
            if isinstance(s, str):
                break
            out.append(s)
        return tuple(out)

    def release(self) -> "GemVersion":
        if not self.prerelease:
            return self
        return GemVersion(".".join(str(s) for s in self.release_segments) or "0")

    def bump(self) -> "GemVersion":
        segs = list(self.segments)
        while any(isinstance(s, str) for s in segs):
            segs.pop()
        if len(segs) > 1:
            segs.pop()
        segs[-1] = int(segs[-1]) + 1
        return GemVersion(".".join(str(s) for s in segs))

    def _cmp(self, other: "GemVersion") -> int:
        a, b = self.canonical, other.canonical
        for i in range(max(len(a), len(b))):
            x = a[i] if i < len(a) else 0
            y = b[i] if i < len(b) else 0
            if x == y:
                continue
            if isinstance(x, str) and not isinstance(y, str):
                return -1
            if not isinstance(x, str) and isinstance(y, str):
                return 1
            return -1 if x < y else 1  # type: ignore[operator]
        return 0

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GemVersion) and self._cmp(other) == 0

    def __lt__(self, other: "GemVersion") -> bool:
        return self._cmp(other) < 0

    def __hash__(self) -> int:
        return hash(self.canonical)

    def __repr__(self) -> str:
        return f"GemVersion({self.text!r})"

    def __str__(self) -> str:
        return self.text


@functools.lru_cache(maxsize=1 << 17)  # a version object per distinct version in the largest lockfiles
def gem_version(text: str) -> GemVersion:
    return GemVersion(text)


class GemRequirement:
    """A list of ANDed clauses such as `~> 2.5, >= 2.5.3`; empty means `>= 0`."""

    __slots__ = ("text", "clauses", "_answers")

    def __init__(self, text: str) -> None:
        self._answers: dict[str, bool] = {}  # version -> admitted: hubs are asked about again and again
        self.text = text.strip()
        clauses: list[tuple[str, GemVersion]] = []
        for part in self.text.split(","):
            if not part.strip():
                continue
            m = _CLAUSE.match(part)
            if not m:
                raise VersionError(f"{part.strip()!r} is not a valid gem requirement")
            clauses.append((m.group(1) or "=", GemVersion(m.group(2))))
        self.clauses: tuple[tuple[str, GemVersion], ...] = tuple(clauses) or ((">=", GemVersion("0")),)

    def admits(self, version: str) -> bool:
        known = self._answers.get(version)
        if known is not None:
            return known
        v = gem_version(version)
        answer = all(_satisfies(v, op, r) for op, r in self.clauses)
        if len(self._answers) >= 4096:  # bounded: a hostile lockfile cannot grow it without end
            self._answers.clear()
        self._answers[version] = answer
        return answer

    def is_floor_only(self) -> bool:
        return not any(op in ("=", "<", "<=", "~>") for op, _ in self.clauses)

    def floors(self) -> list[str]:
        """The versions its lower bounds name (`>= 2.2.5` -> 2.2.5); none for a bare requirement."""
        return [v.text for op, v in self.clauses if op in (">=", ">", "~>") and v.text != "0"]

    def __repr__(self) -> str:
        return f"GemRequirement({self.text!r})"


def _satisfies(v: GemVersion, op: str, r: GemVersion) -> bool:
    match op:
        case "=":
            return v == r
        case "!=":
            return v != r
        case ">":
            return v > r
        case "<":
            return v < r
        case ">=":
            return v >= r
        case "<=":
            return v <= r
        case "~>":
            return v >= r and v.release() < r.bump()
    raise VersionError(f"unknown requirement operator {op!r}")


@functools.lru_cache(maxsize=8192)
def _requirement(text: str) -> GemRequirement:
    """Requirements repeat across a lockfile (">= 0" thousands of times): each is parsed once."""
    return GemRequirement(text)


class RubyGemsScheme:
    name = "rubygems"
    any_version = ">= 0"

    def parse(self, text: str) -> ParsedVersion:
        v = gem_version(text)
        return ParsedVersion(text=text, release=v.release_segments, prerelease=v.prerelease, sort_key=_SortKey(v))

    def constraint(self, text: str) -> GemRequirement:
        return _requirement(text)

    def ceiling_for(self, version: str) -> str:
        rel = gem_version(version).release_segments or (0,)
        if rel[0] == 0 and len(rel) >= 3 and rel[1] == 0:
            # 0.0.x: every release may break, so stay on this one: ~> 0.0.55.0 is >= 0.0.55, < 0.0.56
            return f"~> 0.0.{rel[2]}.0"
        if rel[0] == 0 and len(rel) >= 2:
            # 0.x: each minor may break, so keep patches only: ~> 0.24.0
            return f"~> 0.{rel[1]}.0"
        if len(rel) >= 2:
            return f"~> {rel[0]}.{rel[1]}"
        return f"~> {rel[0]}.0"

    def upper_bound(self, version: str) -> str:
        """The clause that closes a floor above `version`'s major line: "< 3", or "< 0.25" on 0.x."""
        rel = gem_version(version).release_segments or (0,)
        if rel[0] == 0 and len(rel) >= 3 and rel[1] == 0:
            return f"< 0.0.{rel[2] + 1}"
        if rel[0] == 0 and len(rel) >= 2:
            return f"< 0.{rel[1] + 1}"
        return f"< {rel[0] + 1}"


class _SortKey:
    """Wraps GemVersion so ParsedVersion.sort_key orders correctly."""

    __slots__ = ("v",)

    def __init__(self, v: GemVersion) -> None:
        self.v = v

    def __lt__(self, other: "_SortKey") -> bool:
        return self.v < other.v

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _SortKey) and self.v == other.v

    def __hash__(self) -> int:
        return hash(self.v)


RUBYGEMS = RubyGemsScheme()
