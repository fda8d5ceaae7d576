"""Weigh each finding by its evidence and the package's place in the project.

Severity is decided by a small table, not a sum (the evidence kinds and their levels are listed
in lockrisk.evidence):

1. Collect the evidence for the move; the strongest level among the pieces that weigh is the
   severity. With none (a minor, patch or calendar move nothing speaks against) it is info.
2. Corroboration: two independent kinds at high or above make it one level higher (critical at most);
   `undeclared` and `predates` state one fact and count once.
3. Tier: the project's own groups decide first (a package reachable only from test groups is
   test-only, one on a runtime path is runtime whatever the catalogue says), then the catalogue,
   else runtime. Test and development cap the severity at low, build at medium, docs at info.
4. An active ignore from the project settings makes it info, with its reason.
5. Moves another move caused are folded into its finding (packages a changed direct dependency pins
   exactly, or, through a range uv.lock does not record, that moved from its very old version to its very
   new one; transitive packages whose old version a changed package's new version no longer admits, or
   whose old version no longer admits a changed package's new version, looking past the moves that
   package's own new version forced):
   it shows their weighing evidence, each line naming the member, and takes the strongest severity
   among itself and them.

`score` only orders findings of the same severity: level, then certain breakage the tier capped (a
catalogued breakage of a test tool leads the other low findings; a mere risk estimate does not),
then tier, where a package the project itself requires on a runtime path counts one tier step more when it
moved (its own code calls it, and no upstream test suite covers that code), then how much evidence, then how many
runtime dependents, then the size of the move (a major before a minor when nothing else tells them apart).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lockrisk.analyse import Dependent, Finding, manifest_label
from lockrisk.catalogue.load import Breakage, breakages, tiers
from lockrisk.evidence import (LEVELS, Evidence, name_list, new_dependency_evidence, platform_evidence, ruby_evidence,
                               runtime_evidence, support_evidence)
from lockrisk.errors import VersionError
from lockrisk.graph import Graph
from lockrisk.report import SEVERITIES, severity_rank
from lockrisk.versions import scheme_for

TIER_CAP = {"test": "low", "development": "low", "build": "medium", "docs": "info"}
MOVE_ORDER_BONUS = {"major": 6, "source": 4, "calver": 3, "minor": 3}  # with equal evidence, the bigger move first
TIER_ORDER_BONUS = {"runtime-critical": 20, "runtime": 10, "build": 5, "test": 2, "development": 2, "docs": 0}
DIRECT_ORDER_BONUS = 10  # one tier step: a runtime package the project's own code calls
LEVEL_SCORE = {"critical": 400, "high": 300, "medium": 200, "low": 100, "info": 0}
# kinds that state one fact two ways do not corroborate each other: a dependent that never declared
# support for the new line and one released before it existed both say "it never knew this line"
SAME_FACT = {"predates": "undeclared"}

# Gemfile / Poetry / PEP 735 group names that never run in production, and the tier they imply. Names are
# compared lowercased with "_" and "." as "-" (PEP 735 normalizes group names that way). A group whose name
# says nothing is runtime: PEP 735 groups may hold a web application's or a data project's runtime set.
_GROUP_TIERS = {
    "test": "test", "tests": "test", "testing": "test", "spec": "test", "ci": "test", "system-test": "test",
    "coverage": "test",
    "development": "development", "dev": "development", "lint": "development", "linters": "development",
    "linting": "development", "rubocop": "development", "typing": "development", "types": "development",
    "mypy": "development", "mdl": "development", "tools": "development", "debug": "development",
    "type-checking": "development", "typecheck": "development", "format": "development",
    "formatting": "development", "pre-commit": "development", "benchmark": "development",
    "benchmarks": "development", "bench": "development", "perf": "development", "profiling": "development",
    "prof": "development", "style": "development", "vscode": "development", "editor": "development",
    "docs": "docs", "doc": "docs", "documentation": "docs", "markdown-docs": "docs",
    "assets": "build", "build": "build",
}

_TEST_WORDS = frozenset({"test", "tests", "testing", "spec", "specs"})  # a word of a group's name that says test


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    """A finding's weight: its severity, the tier it runs in and the evidence behind them."""

    tier: str
    severity: str
    score: int
    evidence: tuple[Evidence, ...] = ()
    known_breakage: Breakage | None = None
    tier_source: str = "catalogue"  # catalogue, group, settings or default
    groups: tuple[str, ...] = ()  # manifest groups it is reached through, when none of them is a runtime group

    @property
    def reasons(self) -> tuple[Evidence, ...]:
        """The evidence, strongest first: each piece's `text` is its plain words, `kind` its code."""
        return self.evidence


def group_tier(group: str) -> str | None:
    """The non-runtime tier a manifest group implies, or None for a runtime group."""
    g = group.lower().replace("_", "-").replace(".", "-")
    if g.startswith("extra:"):
        return None
    if g in _GROUP_TIERS:
        return _GROUP_TIERS[g]
    if g.startswith("test") or not _TEST_WORDS.isdisjoint(g.split("-")):  # formula-test, integration-tests
        return "test"
    return None


UPWARD_LIMIT = 5000  # packages one finding's walk up to its group roots may visit


class Reachability:
    """Which packages run in production, from the manifest groups of the direct requirements."""

    def __init__(self, graph: Graph) -> None:
        lockfile = graph.lockfile
        self.known = bool(lockfile.direct) and any(r.groups for r in lockfile.direct)
        runtime_roots: list[str] = []
        other_roots: dict[str, list[str]] = {}
        for req in lockfile.direct:
            tiers_of = [group_tier(g) for g in req.groups] or [None]
            if any(t is None for t in tiers_of):
                runtime_roots.append(req.key)
            else:
                for t in tiers_of:
                    other_roots.setdefault(t, []).append(req.key)  # type: ignore[arg-type]
        self.runtime = graph.reachable_from(runtime_roots)
        self.by_tier = {t: graph.reachable_from(keys) for t, keys in other_roots.items()}
        self.roots_by_tier = other_roots
        self.root_groups = {req.key: req.groups for req in lockfile.direct}
        self.packages = lockfile.packages
        self.graph = graph
        self._tiers: dict[str, str | None] = {}

    def roots_reaching(self, key: str, tier: str, limit: int = UPWARD_LIMIT) -> list[str]:
        """The direct requirements of `tier` that reach `key`, nearest first: one bounded walk up the
        dependents (a search down from every root, for every finding, cost the square of the graph)."""
        roots = set(self.roots_by_tier.get(tier, ()))
        found: list[str] = [key] if key in roots else []
        seen = {key}
        level = [key]
        while level and len(seen) < limit:
            upper: list[str] = []
            for k in level:
                for edge in self.graph.dependents(k):
                    parent = edge.parent.key
                    if parent not in seen:
                        seen.add(parent)
                        upper.append(parent)
                        if parent in roots:
                            found.append(parent)
            level = upper
        return found

    def non_runtime_tier(self, key: str) -> str | None:
        """The tier implied by groups when `key` is reachable only from non-runtime groups (asked about for
        every move and each of its dependents: answered once per package)."""
        try:
            return self._tiers[key]
        except KeyError:
            found = self._tiers[key] = self._non_runtime_tier(key)
            return found

    def _non_runtime_tier(self, key: str) -> str | None:
        package = self.packages.get(key)
        if package is not None and package.groups:
            lock_tiers = [group_tier(g) for g in package.groups]
            if all(t is not None for t in lock_tiers):
                return sorted(lock_tiers, key=_TIER_ORDER.index)[0]  # type: ignore[arg-type]
        if not self.known or key in self.runtime:
            return None
        for tier in _TIER_ORDER:
            if key in self.by_tier.get(tier, ()):
                return tier
        return None

    def is_runtime(self, key: str) -> bool:
        return self.non_runtime_tier(key) is None


_TIER_ORDER = ("build", "test", "development", "docs")


def _cap(severity: str, cap: str) -> str:
    return severity if severity_rank(severity) >= severity_rank(cap) else cap


def match_breakage(finding: Finding, graph: Graph) -> tuple[Breakage, str | None] | None:
    """A known breakage for this move: the new version is affected and, when the entry names one, the
    package it breaks with is locked at an affected version. Any move can match, not only majors."""
    change = finding.change
    if change.new is None:
        return None
    ecosystem = graph.lockfile.ecosystem
    scheme = scheme_for(ecosystem)
    for b in breakages(graph.lockfile.ecosystem):
        if b.ecosystem != ecosystem or b.package != change.key:
            continue
        if change.old is not None:
            try:
                if scheme.constraint(b.versions).admits(change.old.version):
                    continue  # already affected before this change: not what it brought
            except VersionError:
                continue
        try:
            if not scheme.constraint(b.versions).admits(change.new.version):
                continue
            if b.dependent is None:
                return b, None
            dependent = graph.packages.get(b.dependent)
            if dependent is None or not scheme.constraint(b.dependent_versions or "").admits(dependent.version):
                continue
        except VersionError:
            continue
        return b, dependent.version
    return None


def _tier(finding: Finding, graph: Graph, reach: Reachability, settings) -> tuple[str, str, str, tuple[str, ...]]:
    """(tier, where it came from, why, the non-runtime groups it is reached through)."""
    change = finding.change
    key = change.key
    catalogue = tiers(graph.lockfile.ecosystem)
    override = settings.catalogue.get(change.name) or settings.catalogue.get(key) if settings else None
    if override is not None:
        return override.tier, "settings", override.reason, ()
    only_tier = reach.non_runtime_tier(key)
    entry = catalogue.get(key)
    if only_tier is not None:
        roots = reach.roots_reaching(key, only_tier)
        package = graph.packages.get(key)
        via = [g for r in roots for g in reach.root_groups.get(r, ())] or list(package.groups if package else ())
        groups = tuple(dict.fromkeys(g for g in via if group_tier(g) is not None))
        text = f"only reachable from {only_tier} dependencies" + (f" ({name_list(roots, 3)})" if roots else "")
        if entry is not None and entry.tier in TIER_CAP and entry.tier != only_tier:
            # the catalogue is more specific about a non-runtime package (pytest in a "dev" group is a test tool)
            return entry.tier, "group", f"{entry.reason}; {text}", groups
        return only_tier, "group", text, groups
    runtime_groups = [g for r in graph.direct.get(key, ()) for g in r.groups if group_tier(g) is None]
    if entry is not None and entry.tier in TIER_CAP and runtime_groups:
        # the project's own groups beat the catalogue: it asks for the package where production runs
        return "runtime", "group", (f"{entry.reason}, but the {manifest_label(graph)} asks for it in its "
                                    f"{runtime_groups[0]} group, which runs in production"), ()
    if entry is not None:
        return entry.tier, "catalogue", entry.reason, ()
    return "runtime", "default", "not in the catalogue; on a runtime path" if reach.known else "not in the catalogue", ()


def collect_evidence(finding: Finding, graph: Graph, manifest: str,
                     old_graph: Graph | None = None) -> tuple[list[Evidence], Breakage | None]:
    """Every piece of evidence about this move, offline and (when looked up) from the registry."""
    change = finding.change
    jump = change.jump
    lock = graph.lockfile.kind or "lockfile"
    old_v = change.old.version if change.old else None
    new_v = change.new.version if change.new else None
    out: list[Evidence] = []
    known = None
    if change.new is not None and jump.kind != "exposed":
        m = match_breakage(finding, graph)
        if m is not None:
            known, locked = m
            if known.dependent is None:
                detail = f"fixed in {known.fixed_in}" if known.fixed_in else "no fixed release named"
            else:
                fix = f"; fixed in {known.dependent} {known.fixed_in}" if known.fixed_in else ""
                detail = f"{known.dependent} {locked} is locked{fix}"
            out.append(Evidence(kind="known-breakage", source=known.source, level="critical",
                                text=f"known breakage: {known.summary} ({detail})"))
    out += runtime_evidence(finding, graph)
    if finding.registry is not None:
        out += registry_evidence(finding, graph)
    out += platform_evidence(finding, graph)
    out += new_dependency_evidence(finding, graph, old_graph)
    if jump.kind == "major" and jump.direction == "up":
        out += support_evidence(finding, graph, manifest)
    elif jump.kind == "major" and jump.direction == "down":
        if finding.forced:
            out.append(Evidence(kind="forced", source=lock, level="context",
                                text="forced: " + "; ".join(finding.forced_by[:3])))
        out.append(Evidence(kind="downgrade", source=lock, level="medium",
                            text=f"downgrade across a major: {old_v} -> {new_v}; code written for {old_v} meets an "
                                 "older API"))
    elif jump.kind == "source":
        assert change.old is not None and change.new is not None
        out.append(Evidence(kind="source", source=lock, level="medium",
                            text=f"same version, new code: {change.old.source.describe()} -> "
                                 f"{change.new.source.describe()}"))
    elif jump.kind == "exposed":
        out.append(Evidence(kind="exposed", source=lock, level="low",
                            text="exposed: a full re-resolve takes whatever major its registry publishes next, since "
                                 "no requirement on it has a ceiling"))
    return out, known


def registry_evidence(finding: Finding, graph: Graph) -> list[Evidence]:
    """What the registry said about the new version (lockrisk.registry.facts fills `finding.registry`)."""
    r = finding.registry
    change = finding.change
    out: list[Evidence] = []
    if graph.lockfile.ecosystem == "rubygems":
        out += ruby_evidence(finding, graph, r.required_ruby, "registry (Compact Index ruby:)")
    elif r.requires_python and change.new is not None and not change.new.requires_python:
        from dataclasses import replace as _replace

        moved = _replace(finding, change=_replace(change, new=_replace(change.new, requires_python=r.requires_python)))
        out += [_replace(e, source="registry (Requires-Python)") for e in runtime_evidence(moved, graph)]
    if change.new is not None and change.new.version in r.yanked:
        out.append(Evidence(kind="yanked", source="registry", level="high",
                            text=f"{change.name} {change.new.version} is no longer served: the registry withdrew it"))
    if r.predates:
        out.append(Evidence(kind="predates", source="registry", level="high", text="; ".join(r.predates)))
    if r.hotfix:
        out.append(Evidence(kind="hotfix", source="registry", level="medium", text=r.hotfix))
    if r.age_days is not None and r.age_days <= 3 and change.new is not None and not change.projected:
        out.append(Evidence(kind="fresh", source="registry", level="low",
                            text=f"{change.name} {change.new.version} is {r.age_days} day"
                                 f"{'s' if r.age_days != 1 else ''} old: regressions surface in the first days"))
    if r.alternative:
        out.append(Evidence(kind="newer-dependent", source="registry", level="context", text=r.alternative))
    return out


def decide(evidence: list[Evidence], tier: str) -> str:
    """The decision table: the strongest level, one up when two kinds corroborate, capped by the tier."""
    weighing = [e for e in evidence if e.level in LEVELS]
    if not weighing:
        return "info"
    severity = min((e.level for e in weighing), key=LEVELS.index)
    strong = {SAME_FACT.get(e.kind, e.kind) for e in weighing if LEVELS.index(e.level) <= LEVELS.index("high")}
    if len(strong) >= 2 and severity != "critical":
        severity = LEVELS[LEVELS.index(severity) - 1]
    if tier in TIER_CAP:
        severity = _cap(severity, TIER_CAP[tier])
    return severity


_SAYS_WHERE = re.compile(r"\b(CI|production)\b")


def assess(finding: Finding, graph: Graph, reach: Reachability, settings=None,
           old_graph: Graph | None = None) -> Assessment:
    change = finding.change
    manifest = manifest_label(graph)
    tier, tier_source, tier_text, reached_groups = _tier(finding, graph, reach, settings)
    evidence, known = collect_evidence(finding, graph, manifest, old_graph)
    severity = decide(evidence, tier)

    tier_label = {"runtime-critical": "runtime-critical", "runtime": "runtime", "build": "build-time only",
                  "test": "test-only", "development": "development-only", "docs": "docs-only"}[tier]
    consequence = {"test": "; a break would fail loudly in CI", "development": "; a break stays on developer machines",
                   "docs": "; a break only affects documentation builds", "build": "; a break fails the build, not production"}.get(tier, "")
    if _SAYS_WHERE.search(tier_text):
        consequence = ""  # the catalogue's own reason already says where a break would show
    evidence.append(Evidence(kind="tier", source="project groups" if tier_source == "group" else tier_source,
                             level="context", text=f"{tier_label}: {tier_text}{consequence}"))
    weighing = [e for e in evidence if e.level in LEVELS and e.level != "info"]
    runtime_deps = [d.name for d in finding.dependents if reach.is_runtime(_dep_key(graph, d.name))]
    if weighing and runtime_deps and tier not in TIER_CAP:
        evidence.append(Evidence(kind="dependents", source=graph.lockfile.kind or "lockfile", level="context",
                                 text=f"{len(runtime_deps)} runtime dependent{'s' if len(runtime_deps) != 1 else ''}: "
                                      f"{name_list(runtime_deps)}"))
    if settings is not None:
        ignore = settings.active_ignore(change.name, change.key, change.lockfile)
        if ignore is not None:
            until = f" until {ignore.until.isoformat()}" if ignore.until else ""
            evidence.insert(0, Evidence(kind="ignored", source=settings.path or "settings", level="context",
                                        text=f"ignored by project settings{until}: {ignore.reason}"))
            severity = "info"
    assert severity in SEVERITIES
    evidence.sort(key=lambda e: _evidence_rank(e, tier))
    certain = [e for e in evidence if e.kind in ("known-breakage", "runtime")]
    uncapped = decide(certain, "runtime") if tier in TIER_CAP else severity
    score = (LEVEL_SCORE[severity] + LEVEL_SCORE[uncapped] // 4 + TIER_ORDER_BONUS[tier] + 3 * min(len(weighing), 5)
             + min(len(runtime_deps), 5) + MOVE_ORDER_BONUS.get(change.jump.kind, 0)
             + (DIRECT_ORDER_BONUS if finding.direct and tier not in TIER_CAP and change.jump.kind != "exposed" else 0))
    return Assessment(tier=tier, severity=severity, score=score, evidence=tuple(evidence),
                      known_breakage=known, tier_source=tier_source, groups=reached_groups)


def _evidence_rank(e: Evidence, tier: str) -> tuple[int, int]:
    """Strongest first; an ignore and a receding tier lead, context follows what it explains."""
    if e.kind == "ignored":
        return (-2, 0)
    if e.kind == "tier" and tier in TIER_CAP:
        return (-1, 0)
    if e.level in LEVELS:
        return (LEVELS.index(e.level), 0)
    return (len(LEVELS), _CONTEXT_ORDER.index(e.kind) if e.kind in _CONTEXT_ORDER else len(_CONTEXT_ORDER))


_CONTEXT_ORDER = ("forced", "newer-dependent", "tier", "dependents", "family")


def _dep_key(graph: Graph, name: str) -> str:
    if graph.lockfile.ecosystem == "pypi":
        from lockrisk.names import pypi_key

        return pypi_key(name)
    return name


def fold_families(findings: list[Finding], graph: Graph) -> list[Finding]:
    """Fold into a changed package (the head) the moves it caused, once every finding is weighed.

    - Lockstep: rails pins actionpack `= 8.1.3`, actionpack pins actionview `= 8.1.3`, ...: all of them are
      members of one `rails` family. Where the lockfile does not record the range (uv.lock), a package it
      requires that moved from its very old version to its very new one is a member too (a release train).
    - Forced: a transitive package whose old version another changed package's new version no longer admits
      (boto3 1.36.2 requires botocore `>=1.36.2,<1.37.0`; prawn 2.5.0 requires pdf-core `~> 0.10.0`), or whose
      old version no longer admits another changed package's new version (rack-session 1.0 needs rack < 3, and
      rack moved to 3) moved because of it, directly or through another forced move; it cannot be held back
      alone, only with the package that forced it (revert it, cap it), so the move is shown there. A direct
      dependency is never folded this way: the project names it.

    The head keeps its own tier and gains its members' weighing evidence, each line naming the member; its
    severity is the strongest among its own and its members' (decision table, rule 5).
    """
    scheme = scheme_for(graph.lockfile.ecosystem)
    changed: dict[str, Finding] = {}  # per package, the move that stands for it: where a fork gives it several,
    # the one to the entry the lockfile holds for the package (its newest)
    for f in findings:
        if (f.change.new is not None and f.change.old is not None and not f.change.projected
                and f.change.jump.kind != "exposed"
                and (f.key not in changed or f.change.new is graph.packages.get(f.key))):
            changed[f.key] = f
    exact_ops = ("=", "==", "===")

    def exact_children(key: str) -> list[str]:
        package = graph.packages.get(key)
        if package is None:
            return []
        out = []
        for r in package.requires:
            text = r.constraint.strip()
            if r.key in changed and any(text.startswith(op) and not text.startswith(("=>",)) for op in exact_ops) and "," not in text:
                try:
                    if scheme.constraint(text).admits(graph.packages[r.key].version):
                        out.append(r.key)
                except (VersionError, KeyError):
                    continue
        return out

    def train_children(key: str) -> list[str]:
        """Packages it requires through an edge whose range the lockfile does not record (uv.lock) that moved from
        its very old version to its very new one: one release train (opentelemetry-distro 0.62b1 -> 0.64b0 with
        opentelemetry-instrumentation 0.62b1 -> 0.64b0)."""
        package, f = graph.packages.get(key), changed.get(key)
        if package is None or f is None:
            return []
        old, new = f.change.old.version, f.change.new.version  # type: ignore[union-attr]
        out = []
        for r in package.requires:
            c = changed.get(r.key)
            if (not r.recorded and c is not None and r.key != key and c.change.old.version == old  # type: ignore[union-attr]
                    and c.change.new.version == new):  # type: ignore[union-attr]
                out.append(r.key)
        return out

    owner: dict[str, str] = {}  # member key -> head key
    lockstep: set[str] = set()
    trains: set[str] = set()  # lockstep members reached only through unrecorded ranges: same versions, no pin seen
    heads = sorted((f for f in changed.values() if f.direct), key=lambda f: f.key)
    for head in heads:
        if head.key in owner:
            continue
        stack, seen = [head.key], {head.key}
        while stack:
            key = stack.pop()
            pinned = exact_children(key)
            for child in pinned + train_children(key):
                if child not in seen and child not in owner:
                    seen.add(child)
                    stack.append(child)
                    if child not in pinned:
                        trains.add(child)
        for member in seen - {head.key}:
            owner[member] = head.key
            lockstep.add(member)
    tops: dict[str, str | None] = {}
    for key in sorted(changed):
        f = changed[key]
        if f.direct or key in owner or not (f.forced or f.forced_through):
            continue
        found = tops[key] if key in tops else _forcing_mover(f, changed, owner, graph, tops)
        if found is not None and found != key:
            owner[key] = found
    _settle(owner)
    members_of: dict[str, list[Finding]] = {}
    for key in sorted(owner, key=lambda k: (k not in lockstep, k)):
        members_of.setdefault(owner[key], []).append(changed[key])
    out = []
    for f in findings:
        if f.key in owner and (f.key in lockstep or changed.get(f.key) is f):
            continue  # a forced member is that one move: another entry of the package (a fork added) stays
        members = members_of.get(f.key)
        if members and changed.get(f.key) is f:  # the move that caused them, not every entry of its package (a
            # fork's other entries moved for their own environments)
            f = _with_members(f, members, lockstep, trains, graph)
        out.append(f)
    return out


FORCING_LIMIT = 64  # findings one walk up the forcing dependents may visit


def _settle(owner: dict[str, str]) -> None:
    """Point every member at a head that is no one's member. Two moves can each be the other's cause (a-lib 1.1
    requires b-lib >= 2, and a-lib 1.0 needed b-lib < 2): where following the heads comes back to a member, or
    runs past FORCING_LIMIT, that member stays a finding of its own, so no move ever drops out of the report."""
    for key in sorted(owner):
        head, steps = owner[key], 0
        while head in owner and head != key and steps < FORCING_LIMIT:
            head, steps = owner[head], steps + 1
        if head == key or head in owner:
            del owner[key]
        else:
            owner[key] = head


def _forcing_mover(f: Finding, changed: dict[str, Finding], owner: dict[str, str], graph: Graph,
                   tops: dict[str, str | None]) -> str | None:
    """The move that forced this one: up through the changed dependents that no longer admit the old version,
    nearest first, to one that nothing moved by force (a direct dependency always ends the walk); None when
    no changed package forced it. Bounded by FORCING_LIMIT steps; a cycle ends where it closes. `tops`
    remembers the answer for every package a walk passed, so each package's dependents are read once."""
    node, seen, path = f, {f.key}, []
    found: str | None = None
    while len(seen) < FORCING_LIMIT:
        parent = None
        for d in node.dependents:
            if d.admits_old is False:
                key = _dep_key(graph, d.name)
                if key in changed and key not in seen:
                    parent = changed[key]
                    break
        if parent is None:  # its old version cannot live with another move: rack-session 1 needs rack < 3 (unless
            # its own new version forced that move, which the project did not ask for: elasticsearch 7.5 pins
            # elasticsearch-api 7.5 exactly; the Gemfile's rack ~> 3.0 is still rack-session 2's cause)
            parent = next((changed[k] for k in node.forced_through if k in changed and k not in seen
                           and (changed[k].direct or not _forced_by(changed[k], node.key, graph))), None)
        if parent is None:
            break
        if parent.key in owner:
            found = owner[parent.key]
            break
        if parent.key in tops:
            found = tops[parent.key] or parent.key
            break
        seen.add(parent.key)
        path.append(parent)
        node = parent
        if parent.direct or not parent.forced:
            break
    if found is None and node is not f:
        found = node.key
    tops[f.key] = found
    for p in path:
        if p.key != found and not p.direct and p.forced:
            tops[p.key] = found
    return found


def _forced_by(f: Finding, key: str, graph: Graph) -> bool:
    """Whether the new version of the package `key` excludes the old version of `f`'s package."""
    return any(d.admits_old is False and _dep_key(graph, d.name) == key for d in f.dependents)


def _with_members(head: Finding, members: list[Finding], lockstep: set[str], trains: set[str],
                  graph: Graph) -> Finding:
    """The head's finding carrying its members: their weighing evidence, each line naming the member, and the
    strongest severity that evidence calls for. A lockstep member's `declared` is left out: the head pins it
    exactly, which the family line already says; so is a release-train member's `unrecorded`: its range is
    unknown, but it moved from the head's very version to its very version."""
    a = head.assessment
    lock = graph.lockfile.kind or "lockfile"
    evidence = list(a.evidence)
    severity, score = a.severity, a.score
    known = a.known_breakage
    for m in members:
        if m.assessment.severity == "info":
            continue  # nothing weighs against it, or the project settings ignore it
        pieces = [e for e in m.assessment.evidence if e.level in LEVELS and e.level != "info"
                  and not (m.key in lockstep and e.kind == "declared") and not (m.key in trains and e.kind == "unrecorded")]
        if not pieces:
            continue
        moved = f"{m.name} {m.change.old.version} -> {m.change.new.version}"  # type: ignore[union-attr]
        evidence.extend(e if e.text.startswith(f"{m.name} ") else replace(e, text=f"{moved}: {e.text}") for e in pieces)
        level = decide(pieces, m.assessment.tier)
        if severity_rank(level) < severity_rank(severity):
            severity = level
        score = max(score, m.assessment.score)
        known = known or m.assessment.known_breakage
    pinned = [m.name for m in members if m.key in lockstep and m.key not in trains]
    train = [m.name for m in members if m.key in trains]
    forced = [m for m in members if m.key not in lockstep]
    required: dict[str, list[str]] = {}  # who requires them ("" for the head itself) -> members
    crowded: list[str] = []
    for m in forced:
        moved = f"{m.name} {m.change.new.version}"  # type: ignore[union-attr]
        by = _required_by(m, graph)
        if by is None:
            crowded.append(moved)
        else:
            required.setdefault("" if _dep_key(graph, by.name) == head.key else f"{by.name} {by.version}",
                                []).append(moved)
    if pinned:
        evidence.append(Evidence(kind="family", source=lock, level="context",
                                 text=f"moved in lockstep with {len(pinned)} packages it pins exactly: "
                                      f"{name_list(pinned, 6)}"))
    if train:
        move = f"{head.change.old.version} -> {head.change.new.version}"  # type: ignore[union-attr]
        evidence.append(Evidence(kind="family", source=lock, level="context",
                                 text=f"one release train: {name_list(train, 6)} moved {move} with it "
                                      f"({lock} does not record whether it pins {_them(train)} exactly)"))
    for by, names in sorted(required.items(), key=lambda item: item[0] != ""):
        text = (f"its new version requires {name_list(names, 6)}, which moved with it" if not by
                else f"{name_list(names, 6)} moved with it through {by}, which requires {_them(names)}")
        evidence.append(Evidence(kind="family", source=lock, level="context",
                                 text=f"{text}: reverting or capping it holds {_them(names)} back too"))
    if crowded:
        theirs = "their old versions cannot" if len(crowded) > 1 else "its old version cannot"
        evidence.append(Evidence(kind="family", source=lock, level="context",
                                 text=f"{name_list(crowded, 6)} moved with it: {theirs} live with what it brought in; "
                                      f"reverting or capping it holds {_them(crowded)} back too"))
    evidence.sort(key=lambda e: _evidence_rank(e, a.tier))
    assessment = replace(a, severity=severity, score=score, evidence=tuple(evidence), known_breakage=known)
    return replace(head, family=head.name, family_members=tuple(m.name for m in members), assessment=assessment)


def _them(members: list[str]) -> str:
    return "them" if len(members) > 1 else "it"


def _required_by(m: Finding, graph: Graph) -> Dependent | None:
    """The changed dependent whose new requirement moved a forced member, or None when its own old version's needs
    moved it (it could not live with what the head brought in)."""
    return next((d for d in m.dependents if d.admits_old is False), None)


def weigh_findings(findings: list[Finding], graph: Graph, settings=None, old_graph: Graph | None = None) -> list[Finding]:
    reach = Reachability(graph)
    weighed = [replace(f, assessment=assess(f, graph, reach, settings, old_graph)) for f in findings]
    return fold_families(weighed, graph)
