"""Can a moved package stay at its old version? Answered from both lockfiles.

A move is *forced* when the old version cannot live with what the new lockfile must
hold. That happens in two ways:

- a requirement in the new lockfile excludes the old version directly (a dependent's
  range, or the project's own requirement); or
- the old version's own recorded requirements (read from the old lockfile) need
  something the new lockfile can no longer give: holding rack-session at 1.0.2 needs
  `rack < 3`, but the Gemfile asks for `rack ~> 3.0`.

The second case is followed transitively: holding A back may need B held back too,
which is fine unless something firm in the new lockfile excludes B's old version.
Firm means the project's own requirements and the requirements of every package that
is not itself being held back (packages added by the change included).

Only unconditional requirements count: one limited to some environments (a marker, an
optional extra) or whose range the lockfile does not record cannot prove a conflict.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from lockrisk.errors import VersionError
from lockrisk.graph import Graph
from lockrisk.model import Package, Requirement
from lockrisk.versions import scheme_for
from lockrisk.versions.scheme import Scheme

MAX_HELD = 200  # packages followed for one question: bounds the work on hostile or huge graphs


@dataclass(frozen=True, slots=True, kw_only=True)
class HoldCheck:
    """The answer for one package: can its old version stay, and if not, why."""

    possible: bool
    blockers: tuple[str, ...] = ()  # direct exclusions: "sidekiq 8.1.0 requires connection_pool >= 3"
    chains: tuple[str, ...] = ()  # transitive conflicts, each naming the whole chain
    also_held: tuple[str, ...] = ()  # "rack 2.2.8": what has to move back with it
    causes: tuple[str, ...] = ()  # keys of the moved packages the old version's own requirements exclude: those
    # whose holding back meets a conflict (rack for rack-session 1.0.2: it needs rack < 3, and the Gemfile asks for
    # ~> 3.0), else every one it would have to hold back (protobuf for an exporter that needs protobuf < 5)


@functools.lru_cache(maxsize=1 << 16)  # hubs are asked about by every change that holds a dependent of theirs
def _admits(scheme: Scheme, constraint: str, version: str) -> bool | None:
    try:
        return scheme.constraint(constraint).admits(version)
    except VersionError:
        return None


def _counts(req: Requirement) -> bool:
    """A requirement that can prove a conflict: recorded, unconditional, not optional."""
    return req.recorded and not req.optional and not (req.markers or "").strip()


def _excluding(graph: Graph, scheme: Scheme, key: str, version: str) -> list:
    """The dependents of `key` whose requirement (one that can prove a conflict) excludes `version`: a hub's
    thousands of dependents are read once per version asked about, not once per move that holds it."""
    memo = graph.memo.setdefault("hold-excluding", {})
    found = memo.get((key, version))
    if found is None:
        found = memo[(key, version)] = [
            edge for edge in graph.dependents(key)
            if _counts(edge.requirement) and _admits(scheme, edge.requirement.constraint, version) is False]
    return found


def _show(scheme: Scheme, constraint: str) -> str:
    return constraint or scheme.any_version


def check_hold(key: str, old: Package, new_graph: Graph, old_graph: Graph, manifest: str) -> HoldCheck:
    """Whether `old` (the package's version in the old lockfile) could stay in the new lockfile."""
    scheme = scheme_for(new_graph.lockfile.ecosystem)
    held: dict[str, Package] = {key: old}
    via: dict[str, tuple[str, Requirement]] = {}  # held key -> (the held package that needs it, its requirement)
    work = [key]
    while work and len(held) < MAX_HELD:
        holder = held[work.pop()]
        for req in holder.requires:
            if not _counts(req) or req.key in held:
                continue
            current = new_graph.packages.get(req.key)
            if current is not None and _admits(scheme, req.constraint, current.version) is not False:
                continue
            previous = old_graph.packages.get(req.key)
            if previous is None or _admits(scheme, req.constraint, previous.version) is not True:
                continue  # nothing known that satisfies it: no proof either way
            held[req.key] = previous
            via[req.key] = (holder.key, req)
            work.append(req.key)

    blockers: list[str] = []
    chains: list[str] = []
    causes: list[str] = []
    for held_key, package in held.items():
        conflicts: list[str] = []
        for req in new_graph.direct.get(held_key, ()):
            if req.recorded and _admits(scheme, req.constraint, package.version) is False:
                conflicts.append(f"the {manifest} asks for {package.name} {_show(scheme, req.constraint)}")
        for edge in _excluding(new_graph, scheme, held_key, package.version):
            parent = edge.parent
            if parent.key not in held and not _brought_by(parent.key, held, new_graph, old_graph):
                conflicts.append(f"{parent.name} {parent.version} requires {package.name} "
                                 f"{_show(scheme, edge.requirement.constraint)}")
        if not conflicts:
            continue
        if held_key == key:
            blockers += conflicts
        else:
            chains.append(f"{_chain(key, held_key, held, via, scheme)}, but {' and '.join(conflicts[:2])}")
            causes.append(_first_step(key, held_key, via))
    also = tuple(f"{p.name} {p.version}" for k, p in held.items() if k != key)
    if not causes:  # it could stay, but only by holding back moves its old version cannot live with
        causes = _crowding(key, via, held, new_graph, scheme)
    return HoldCheck(possible=not blockers and not chains, blockers=tuple(blockers), chains=tuple(chains),
                     also_held=also, causes=tuple(dict.fromkeys(causes)))


def _brought_by(key: str, held: dict[str, Package], new_graph: Graph, old_graph: Graph) -> bool:
    """Whether `key` is new to the lockfile and only the new versions of held packages (or packages they alone
    brought) require it: holding them back drops it, so it cannot be what keeps them from staying. jekyll 4 brings
    kramdown-parser-gfm, which requires kramdown ~> 2.0; that does not stop jekyll 3.8 from staying."""
    seen: set[str] = set()
    work = [key]
    while work:
        k = work.pop()
        if k in seen:
            continue
        seen.add(k)
        if k in held:
            continue
        if k in old_graph.packages or k in new_graph.direct or len(seen) > MAX_HELD:
            return False
        edges = new_graph.dependents(k)
        if not edges or len(work) + len(edges) > MAX_HELD:
            return False  # nothing brings it, or too much to tell: it stands as a conflict
        work.extend(edge.parent.key for edge in edges)
    return True


def _crowding(root: str, via: dict[str, tuple[str, Requirement]], held: dict[str, Package], new_graph: Graph,
              scheme: Scheme) -> list[str]:
    """The moves holding `root` back would undo, nearest first. A move the root's own new version forced is its
    consequence, not its cause, so the walk looks past it: an OTLP exporter 1.11.1 pins opentelemetry-proto 1.11.1
    exactly, and holding the exporter at 1.27.0 needs opentelemetry-proto 1.27.0, which needs protobuf < 5: protobuf
    crowded it out, not the proto package that moved with it."""
    below: dict[str, list[str]] = {}
    for k, (parent, _) in via.items():
        below.setdefault(parent, []).append(k)
    out: list[str] = []
    level, steps = [root], 0
    while level and steps < MAX_HELD:
        deeper: list[str] = []
        for parent in level:
            now = new_graph.packages.get(parent)
            needs = {r.key: r for r in now.requires if _counts(r)} if now is not None else {}
            for k in below.get(parent, ()):
                req = needs.get(k)
                if req is not None and _admits(scheme, req.constraint, held[k].version) is False:
                    deeper.append(k)  # its new version pins this one's move: look at what holding it needs
                else:
                    out.append(k)
        level, steps = deeper, steps + 1
    return out


def _first_step(root: str, target: str, via: dict[str, tuple[str, Requirement]]) -> str:
    """The package the root's own requirement names on the way down to `target`."""
    key, steps = target, 0
    while key in via and via[key][0] != root and steps < MAX_HELD:
        key, steps = via[key][0], steps + 1
    return key


def _chain(root: str, target: str, held: dict[str, Package], via: dict[str, tuple[str, Requirement]],
           scheme: Scheme) -> str:
    """'holding A at 1.0 needs B < 2, and holding B at 1.5 needs C < 3' from the root down to `target`."""
    steps: list[str] = []
    key = target
    while key != root and key in via and len(steps) < MAX_HELD:
        parent, req = via[key]
        steps.append(f"holding {held[parent].name} at {held[parent].version} needs {held[key].name} "
                     f"{_show(scheme, req.constraint)}")
        key = parent
    return ", and ".join(reversed(steps))
