"""The dependency graph of one lockfile, with reverse edges."""

from __future__ import annotations

from dataclasses import dataclass

from lockrisk.model import Lockfile, Package, Requirement


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """A locked package's requirement on another, seen from the package required."""

    parent: Package
    requirement: Requirement


MAX_CHAIN = 10  # real chains are a handful of links; hostile ones are cut
ELIDED = "…"


class Graph:
    """Forward and reverse edges keyed by canonical name."""

    def __init__(self, lockfile: Lockfile) -> None:
        self.lockfile = lockfile
        self.packages = lockfile.packages
        # upwards: (parent, requirement) per key, read the first time any key's dependents are asked about (the
        # old side of a pair never is), made into sorted edges the first time that key is asked about (a report
        # asks about the packages that moved, not about every package of a large lockfile)
        self._parent_lists: dict[str, list[tuple[Package, Requirement]]] | None = None
        self._edges: dict[str, list[Edge]] = {}
        # downwards, a key locked at several versions requires what any of them does
        self._requires: dict[str, tuple[Requirement, ...]] = {
            key: tuple(dict.fromkeys(r for p in lockfile.entries(key) for r in p.requires)) for key in lockfile.forks}
        self.names = {p.key: p.name for p in lockfile.packages.values()}
        self.direct: dict[str, list[Requirement]] = {}
        for req in lockfile.direct:
            self.direct.setdefault(req.key, []).append(req)
        self._up: dict[str, str] | None = None
        self.memo: dict = {}  # answers analyses remember about this graph (it never changes)

    @classmethod
    def from_lockfile(cls, lockfile: Lockfile) -> "Graph":
        return cls(lockfile)

    @property
    def _parents(self) -> dict[str, list[tuple[Package, Requirement]]]:
        parents = self._parent_lists
        if parents is None:
            parents = self._parent_lists = {}
            for package in self.lockfile.all_packages():  # every fork is a parent in its own right
                for req in package.requires:
                    found = parents.get(req.key)
                    if found is None:
                        parents[req.key] = [(package, req)]
                    else:
                        found.append((package, req))
        return parents

    def dependents(self, key: str, version: str | None = None) -> list[Edge]:
        """Locked packages that require `key`, each with its requirement, sorted by name.

        With `version`, where `key` is locked at several versions: only the edges that reach that entry
        (uv.lock names the version an edge goes to; an edge that names none reaches every entry).
        """
        edges = self._edges.get(key)
        if edges is None:
            edges = [Edge(parent=p, requirement=r) for p, r in self._parents.get(key, ())]
            edges.sort(key=lambda e: (e.parent.key, e.requirement.constraint))
            self._edges[key] = edges
        if version is None or key not in self.lockfile.forks:
            return edges
        return [e for e in edges if e.requirement.locked_version in (None, version)]

    def requires(self, key: str) -> tuple[Requirement, ...]:
        """What the package locked under `key` requires (every fork's requirements, where it has several)."""
        found = self._requires.get(key)
        if found is not None:
            return found
        package = self.packages.get(key)
        return package.requires if package is not None else ()

    def is_direct(self, key: str) -> bool:
        return key in self.direct

    def _root_rank(self, key: str):
        """Among direct requirements at the same distance, the one that declares the most requirements wins
        (rails over a small plugin that also requires activesupport); then the name, alphabetically."""
        return (len(self.requires(key)), [-ord(ch) for ch in key])

    def _up_links(self) -> dict[str, str]:
        """For every package that reaches a direct requirement: the next key on its shortest chain up.

        One breadth-first pass down from every direct requirement at once, so chains for all findings
        cost one walk of the graph, not one walk each (a ring of 9,000 packages took minutes).
        """
        if self._up is not None:
            return self._up
        up: dict[str, str] = {}
        root: dict[str, str] = {}
        level = sorted(k for k in self.direct if k in self.packages)
        for key in level:
            up[key], root[key] = "", key
        while level:
            offers: dict[str, list[str]] = {}
            for key in level:
                for req in self.requires(key):
                    if req.key in root or req.key not in self.packages:
                        continue
                    offers.setdefault(req.key, []).append(key)
            for child, parents in offers.items():
                best = max(parents, key=lambda k: (self._root_rank(root[k]), [-ord(ch) for ch in k]))
                up[child], root[child] = best, root[best]
            level = sorted(offers)
        self._up = up
        return up

    def _shortest_up(self, start: str) -> list[str] | None:
        """Shortest chain of keys from `start` up to a direct requirement, start first."""
        links = self._up_links()
        if start not in links:
            return None
        chain = [start]
        while links[chain[-1]]:
            chain.append(links[chain[-1]])
        return chain

    def chains_to_direct(self, key: str, limit: int = 12, depth: int = MAX_CHAIN) -> list[list[str]]:
        """Chains from `key` up to the project's direct requirements, one through each dependent.

        Each chain lists canonical keys from the package itself to a direct requirement,
        e.g. ["connection_pool", "sidekiq"]; the package alone when it is itself direct.
        A chain longer than `depth` keeps its first links and its top, with ELIDED between: a
        lockfile built as one long chain would otherwise cost the square of its length.
        """
        chains: list[list[str]] = []
        if self.is_direct(key):
            chains.append([key])
        for edge in self.dependents(key):
            if len(chains) >= limit:
                break
            up = self._shortest_up(edge.parent.key)
            if up is not None:
                chain = [key, *up]
                if len(chain) > depth:
                    chain = [*chain[:depth - 2], f"{ELIDED} {len(chain) - depth + 1} more", chain[-1]]
                if chain not in chains:
                    chains.append(chain)
        return chains

    def reachable_from(self, roots: list[str]) -> set[str]:
        """Every key reachable downwards from `roots` (the roots included)."""
        seen: set[str] = set()
        stack = list(roots)
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            stack.extend(r.key for r in self.requires(key) if r.key not in seen)
        return seen
