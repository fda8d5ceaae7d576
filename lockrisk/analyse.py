"""Explain each change: who requires it, how loosely, and whether the move was forced."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

from lockrisk.diff import Change
from lockrisk.errors import VersionError
from lockrisk.graph import Graph
from lockrisk.hold import check_hold
from lockrisk.model import Requirement
from lockrisk.versions import scheme_for
from lockrisk.versions.scheme import Constraint, Scheme


UNRECORDED = "(range not recorded)"


@dataclass(frozen=True, slots=True, kw_only=True)
class Dependent:
    """A locked package that requires the moved one, with what its requirement says about the move."""

    name: str
    version: str
    requirement: str  # as written; a bare name shows as the ecosystem's "any" (">= 0", "*")
    floor_only: bool
    admits_old: bool | None = None  # does this requirement still allow the old version?
    markers: str | None = None  # the requirement applies only in these environments


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One move, with who pulls it in, how loosely, and (once weighed) its assessment and pin."""

    change: Change
    direct: bool
    forced: bool
    forced_by: tuple[str, ...]  # who excludes the old version ("sidekiq >= 8", "Gemfile ~> 8.1")
    intended_by: tuple[str, ...] = ()  # the project's own requirement changed to let the new version in
    unrecorded: tuple[str, ...] = ()  # dependents whose range the lockfile does not record (uv.lock)
    floor_only: bool
    dependents: tuple[Dependent, ...]
    direct_requirements: tuple[Requirement, ...]  # the project's own requirements on it
    paths: tuple[tuple[str, ...], ...]  # chains of names from the package up to the manifest
    markers: str | None = None  # the environments the package is installed in (None: always)
    own_floor_only: bool = True  # none of the project's own requirements on it has a ceiling
    also_held: tuple[str, ...] = ()  # what would have to move back with it to keep the old version
    forced_through: tuple[str, ...] = ()  # keys of moved packages the old version's own requirements exclude
    family: str | None = None
    family_members: tuple[str, ...] = ()
    assessment: Any = None  # lockrisk.weigh.Assessment, filled by weigh
    pin: Any = None  # lockrisk.suggest.PinSuggestion, filled by suggest
    registry: Any = None  # lockrisk.registry facts, filled online
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def key(self) -> str:
        return self.change.key

    @property
    def intended(self) -> bool:
        return bool(self.intended_by)

    @property
    def name(self) -> str:
        return self.change.name


def _constraint(scheme: Scheme, text: str) -> Constraint | None:
    try:
        return scheme.constraint(text)
    except VersionError:
        return None


def _admits(c: Constraint | None, version: str) -> bool | None:
    if c is None:
        return None
    try:
        return c.admits(version)
    except VersionError:
        return None


@functools.lru_cache(maxsize=1 << 14)  # a hub's thousands of dependents mostly write the same few ranges
def _judged(scheme: Scheme, text: str, old_version: str | None) -> tuple[bool, bool | None]:
    """(floor-only, admits the old version) of one requirement's range."""
    c = _constraint(scheme, text)
    return (c.is_floor_only() if c is not None else False), (_admits(c, old_version) if old_version else None)


def manifest_label(graph: Graph) -> str:
    return "Gemfile" if graph.lockfile.ecosystem == "rubygems" else "pyproject.toml"


def applies_when(key: str, graph: Graph) -> str | None:
    """The environment markers under which `key` is installed, or None when it always is.

    The lockfile's own record wins (poetry 2.1 `markers`); otherwise, when every requirement
    on the package carries a marker, the package is only there under one of them.
    """
    package = graph.packages.get(key)
    if package is not None and package.markers:
        return package.markers
    reqs = [e.requirement for e in graph.dependents(key)] + list(graph.direct.get(key, ()))
    markers: list[str] = []
    for req in reqs:
        marker = (req.markers or "").strip()
        if not marker:
            return None
        markers.append(marker)
    unique = list(dict.fromkeys(markers))
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else " or ".join(f"({m})" for m in unique)


def analyse_change(change: Change, graph: Graph, old_graph: Graph | None = None) -> Finding:
    """Dependents with their requirements, forced or floated, floor-only, and chains to the manifest."""
    scheme = scheme_for(graph.lockfile.ecosystem)
    old_version = change.old.version if change.old else None
    dependents: list[Dependent] = []
    forced_by: list[str] = []
    intended_by: list[str] = []
    floor_flags: list[bool] = []
    entry = change.new or change.old
    for edge in graph.dependents(change.key, entry.version if change.fork and entry else None):
        text = edge.requirement.constraint
        if not edge.requirement.recorded:
            dependents.append(Dependent(name=edge.parent.name, version=edge.parent.version,
                                        requirement=UNRECORDED, floor_only=False, admits_old=None,
                                        markers=edge.requirement.markers))
            continue
        floor, admits_old = _judged(scheme, text, old_version)
        dependents.append(Dependent(name=edge.parent.name, version=edge.parent.version,
                                    requirement=text or scheme.any_version,
                                    floor_only=floor, admits_old=admits_old, markers=edge.requirement.markers))
        floor_flags.append(floor)
        if admits_old is False:
            forced_by.append(f"{edge.parent.name} {edge.parent.version} requires {text}")
    label = manifest_label(graph)
    own = tuple(graph.direct.get(change.key, ()))
    own_flags: list[bool] = []
    for req in own:
        c = _constraint(scheme, req.constraint)
        own_flags.append(c.is_floor_only() if c is not None else False)
        floor_flags.append(own_flags[-1])
        if old_version and _admits(c, old_version) is False:
            forced_by.append(f"{label} requires {req.constraint}")
    new_version = change.new.version if change.new else None
    if old_graph is not None and new_version and own:
        for req in old_graph.direct.get(change.key, ()):
            c = _constraint(scheme, req.constraint)
            if _admits(c, new_version) is False and req.constraint not in {r.constraint for r in own}:
                now = ", ".join(r.constraint or scheme.any_version for r in own)
                intended_by.append(f"{label} changed its requirement from {req.constraint} to {now}")
    moved = change.jump.kind not in ("added", "removed", "source")
    also_held: tuple[str, ...] = ()
    forced_through: tuple[str, ...] = ()
    if moved and old_graph is not None and change.old is not None and change.new is not None:
        hold = check_hold(change.key, change.old, graph, old_graph, label)
        forced_by.extend(hold.chains)
        also_held = hold.also_held if hold.possible else ()
        forced_through = hold.causes
    names = graph.names
    paths = tuple(
        tuple([*(names.get(k, k) for k in chain), label]) for chain in graph.chains_to_direct(change.key)
    )
    return Finding(
        change=change,
        direct=bool(own),
        forced=bool(forced_by) and moved,
        forced_by=tuple(forced_by),
        intended_by=tuple(intended_by) if moved else (),
        floor_only=bool(floor_flags) and all(floor_flags),
        dependents=tuple(dependents),
        direct_requirements=own,
        paths=paths,
        markers=(entry.fork if change.fork and entry and entry.fork else
                 applies_when(change.key, graph) if change.new is not None else None),
        own_floor_only=all(own_flags),
        also_held=also_held,
        forced_through=forced_through,
        unrecorded=tuple(d.name for d in dependents if d.requirement == UNRECORDED),
    )


def analyse(changes: list[Change], graph: Graph, old_graph: Graph | None = None) -> list[Finding]:
    return [analyse_change(c, graph, old_graph) for c in changes]
