"""The interface every ecosystem's version scheme implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True, kw_only=True)
class ParsedVersion:
    """What analysis needs to know about one version string."""

    text: str
    release: tuple[int, ...]  # numeric release segments (prerelease/local parts dropped)
    prerelease: bool
    sort_key: Any  # orders versions of one ecosystem (supports <, ==)


class Constraint(Protocol):
    text: str

    def admits(self, version: str) -> bool: ...

    def is_floor_only(self) -> bool: ...

    def floors(self) -> list[str]: ...


class Scheme(Protocol):
    name: str
    any_version: str  # how the ecosystem spells "no constraint"

    def parse(self, text: str) -> ParsedVersion: ...

    def constraint(self, text: str) -> Constraint: ...

    def ceiling_for(self, version: str) -> str:
        """A constraint that keeps `version`'s major line open to its newest minors."""
        ...

    def upper_bound(self, version: str) -> str:
        """The single clause that closes a floor above `version`'s major line."""
        ...

