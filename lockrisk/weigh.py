"""Weigh each finding by runtime blast radius, not version distance.

The score is a sum of points, each with the reason that earned it:

| rule | points |
|---|---|
| major jump (0.x: a change of the left-most non-zero segment) | +30, +5 per extra major crossed (at most +10) |
| downgrade across a major | +10 |
| source changed (registry -> git, git revision moved) | +20 |
| prerelease on either side | +5 |
| transitive (the project never asked for it) | +10 |
| floated (no requirement excludes the old version; for a direct dependency, its own requirement has no ceiling) | +15 |
| direct and the project's own requirement excludes the old version (intended) | -20 |
| floor-only: no requirement on it has a ceiling | +10 |
| tier: runtime-critical +20, runtime +5, build -5, test/development/docs -10 | |
| a known breakage matches a locked dependent | +40 |
| runtime dependents | +2 each, at most +10 |

Levels: critical >= 90, high >= 65, medium >= 50, low >= 20, else info. Caps by tier:
test and development at most low, build at most medium, docs always info. A major
jump is at least low (docs: info); minor, patch, calendar, added and removed moves
are info. An ignore from the project settings makes a finding info, with its reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from lockrisk.analyse import Finding
from lockrisk.catalogue.load import Breakage, breakages, tiers
from lockrisk.errors import VersionError
from lockrisk.graph import Graph
from lockrisk.report import SEVERITIES, severity_rank
from lockrisk.versions import scheme_for

THRESHOLDS = (("critical", 90), ("high", 65), ("medium", 50), ("low", 20))
TIER_POINTS = {"runtime-critical": 20, "runtime": 5, "build": -5, "test": -10, "development": -10, "docs": -10}
TIER_CAP = {"test": "low", "development": "low", "build": "medium", "docs": "info"}

# Gemfile / Poetry group names that never run in production, and the tier they imply.
_GROUP_TIERS = {
    "test": "test", "tests": "test", "testing": "test", "spec": "test", "ci": "test", "system_test": "test",
    "development": "development", "dev": "development", "lint": "development", "linters": "development",
    "linting": "development", "rubocop": "development", "typing": "development", "types": "development",
    "mypy": "development", "mdl": "development", "tools": "development", "debug": "development",
    "docs": "docs", "doc": "docs", "documentation": "docs",
    "assets": "build", "build": "build",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Reason:
    code: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Assessment:
    tier: str
    severity: str
    score: int
    reasons: tuple[Reason, ...]
    known_breakage: Breakage | None = None
    tier_source: str = "catalogue"  # catalogue, group, settings or default
    groups: tuple[str, ...] = ()  # manifest groups it is reached through, when none of them is a runtime group


def group_tier(group: str) -> str | None:
    """The non-runtime tier a manifest group implies, or None for a runtime group."""
    g = group.lower()
    if g.startswith("extra:"):
        return None
    if g in _GROUP_TIERS:
        return _GROUP_TIERS[g]
    if g.startswith("test"):
        return "test"
    return None


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

    def non_runtime_tier(self, key: str) -> str | None:
        """The tier implied by groups when `key` is reachable only from non-runtime groups."""
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


def _severity_for(score: int) -> str:
    for name, floor in THRESHOLDS:
        if score >= floor:
            return name
    return "info"


def _cap(severity: str, cap: str) -> str:
    return severity if severity_rank(severity) >= severity_rank(cap) else cap


def match_breakage(finding: Finding, graph: Graph) -> tuple[Breakage, str] | None:
    """A known breakage for this move whose dependent is locked at an affected version."""
    change = finding.change
    if change.new is None:
        return None
    ecosystem = graph.lockfile.ecosystem
    scheme = scheme_for(ecosystem)
    for b in breakages():
        if b.ecosystem != ecosystem or b.package != change.key:
            continue
        try:
            if not scheme.constraint(b.versions).admits(change.new.version):
                continue
            dependent = graph.packages.get(b.dependent)
            if dependent is None or not scheme.constraint(b.dependent_versions).admits(dependent.version):
                continue
        except VersionError:
            continue
        return b, dependent.version
    return None


def _list(items: list[str], limit: int = 4) -> str:
    shown = items[:limit]
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(shown) + more


def assess(finding: Finding, graph: Graph, reach: Reachability, settings=None) -> Assessment:
    change = finding.change
    jump = change.jump
    manifest = "Gemfile" if graph.lockfile.ecosystem == "rubygems" else "pyproject.toml"
    key = change.key
    reasons: list[Reason] = []
    score = 0
    reached_groups: tuple[str, ...] = ()

    # tier: settings, then groups, then catalogue, then runtime by default
    catalogue = tiers(graph.lockfile.ecosystem)
    override = settings.catalogue.get(change.name) or settings.catalogue.get(key) if settings else None
    only_tier = reach.non_runtime_tier(key)
    if override is not None:
        tier, tier_source, tier_text = override.tier, "settings", override.reason
    elif only_tier is not None:
        roots = [r for r in reach.roots_by_tier.get(only_tier, []) if key in graph.reachable_from([r])]
        package = graph.packages.get(key)
        via = [g for r in roots for g in reach.root_groups.get(r, ())] or list(package.groups if package else ())
        reached_groups = tuple(dict.fromkeys(g for g in via if group_tier(g) is not None))
        tier, tier_source = only_tier, "group"
        tier_text = f"only reachable from {only_tier} dependencies" + (f" ({_list(roots, 3)})" if roots else "")
        known_entry = catalogue.get(key)
        if known_entry is not None and known_entry.tier in TIER_CAP and known_entry.tier != only_tier:
            # the catalogue is more specific about a non-runtime package (pytest in a "dev" group is a test tool)
            tier, tier_text = known_entry.tier, f"{known_entry.reason}; {tier_text}"
    elif key in catalogue:
        tier, tier_source, tier_text = catalogue[key].tier, "catalogue", catalogue[key].reason
    else:
        tier, tier_source = "runtime", "default"
        tier_text = "not in the catalogue; on a runtime path" if reach.known else "not in the catalogue"

    old_v = change.old.version if change.old else None
    new_v = change.new.version if change.new else None
    major = jump.kind == "major"
    if major:
        score += 30
        if jump.initial_development:
            reasons.append(Reason(code="jump", text=f"0.x breaking change: {old_v} -> {new_v} (on 0.x every minor may break)"))
        else:
            crossed = f"crosses {jump.majors_crossed} majors" if jump.majors_crossed > 1 else "a major version jump"
            reasons.append(Reason(code="jump", text=f"{old_v} -> {new_v}: {crossed}"))
        score += min(5 * max(jump.majors_crossed - 1, 0), 10)
        if jump.direction == "down":
            score += 10
            reasons.append(Reason(code="downgrade", text=f"downgrade across a major: {old_v} -> {new_v}; code written for {old_v} meets an older API"))
    elif jump.kind == "source":
        score += 20
        reasons.append(Reason(code="source", text=f"same version, new code: {change.old.source.describe()} -> {change.new.source.describe()}"))  # type: ignore[union-attr]
    elif jump.kind == "exposed":
        reasons.append(Reason(code="exposed", text="exposed: a full re-resolve takes whatever major its registry "
                                                   "publishes next, since no requirement on it has a ceiling"))
    if jump.prerelease and jump.kind not in ("added", "removed"):
        score += 5
        reasons.append(Reason(code="prerelease", text="a prerelease is involved"))

    significant = major or jump.kind in ("source", "exposed")
    if significant:
        if not finding.direct:
            score += 10
            reasons.append(Reason(code="transitive", text=f"transitive: nobody in the {manifest} asked for it"))
            if finding.forced:
                reasons.append(Reason(code="forced", text="forced: " + "; ".join(finding.forced_by[:3])))
            elif finding.unrecorded:
                score += 5
                reasons.append(Reason(code="unrecorded", text=f"forced or floated is unknown: the lockfile does not record the ranges {_list(list(finding.unrecorded))} declare"))
            elif jump.kind == "exposed":
                score += 15  # nothing would stop the move: the same risk as a float, not yet happened
            else:
                score += 15
                reasons.append(Reason(code="floated", text=f"floated: nothing in the new lockfile excludes {old_v}; the resolver moved it because nothing stopped it"))
        else:
            own = ", ".join(r.constraint or "any version" for r in finding.direct_requirements)
            if finding.forced and any(s.startswith(manifest) for s in finding.forced_by):
                score -= 20
                reasons.append(Reason(code="direct", text=f"direct: the {manifest} asks for {own} (intended)"))
            elif finding.forced:
                reasons.append(Reason(code="forced", text="forced: " + "; ".join(finding.forced_by[:3])))
                reasons.append(Reason(code="direct", text=f"direct: the {manifest} asks for {own}, which {old_v} also meets"))
            elif not finding.own_floor_only:
                reasons.append(Reason(code="direct", text=f"direct: the {manifest} allows it with a ceiling of its own ({own})"))
            else:
                score += 15
                if jump.kind != "exposed":  # an exposure has its own reason: nothing has moved yet
                    reasons.append(Reason(code="floated", text=f"floated: the {manifest} asks for {own}, with no "
                                                               f"ceiling; the resolver moved it from {old_v} because "
                                                               "nothing stopped it"))
        if finding.floor_only:
            score += 10
            reqs = [f"{d.name} {d.requirement}" for d in finding.dependents]
            reqs += [f"{manifest} {r.constraint or 'any'}" for r in finding.direct_requirements]
            reasons.append(Reason(code="floor-only", text=f"every requirement on it is a floor with no ceiling: {_list(reqs)}"))

    score += TIER_POINTS[tier] if significant else 0
    tier_label = {"runtime-critical": "runtime-critical", "runtime": "runtime", "build": "build-time only",
                  "test": "test-only", "development": "development-only", "docs": "docs-only"}[tier]
    consequence = {"test": "; a break would fail loudly in CI", "development": "; a break stays on developer machines",
                   "docs": "; a break only affects documentation builds", "build": "; a break fails the build, not production"}.get(tier, "")
    if re.search(r"\b(CI|production)\b", tier_text):
        consequence = ""  # the catalogue's own reason already says where a break would show
    reasons.append(Reason(code="tier", text=f"{tier_label}: {tier_text}{consequence}"))

    known = None
    if significant:
        m = match_breakage(finding, graph)
        if m is not None:
            known, locked = m
            score += 40
            fix = f"; fixed in {known.dependent} {known.fixed_in}" if known.fixed_in else ""
            reasons.insert(0, Reason(code="known-breakage",
                                     text=f"known breakage: {known.summary} ({known.dependent} {locked} is locked{fix})"))
        runtime_deps = [d.name for d in finding.dependents if reach.is_runtime(_dep_key(graph, d.name))]
        if runtime_deps and tier not in ("test", "development", "docs"):
            score += min(2 * len(runtime_deps), 10)
            reasons.append(Reason(code="dependents", text=f"{len(runtime_deps)} runtime dependent{'s' if len(runtime_deps) != 1 else ''}: {_list(runtime_deps)}"))

    if significant:
        severity = _severity_for(score)
        if tier in TIER_CAP:
            severity = _cap(severity, TIER_CAP[tier])
        if severity == "info" and tier != "docs":
            severity = "low"
    else:
        severity = "info"

    if settings is not None:
        ignore = settings.active_ignore(change.name, key, change.lockfile)
        if ignore is not None:
            until = f" until {ignore.until.isoformat()}" if ignore.until else ""
            reasons.insert(0, Reason(code="ignored", text=f"ignored by project settings{until}: {ignore.reason}"))
            severity = "info"
    assert severity in SEVERITIES
    reasons.sort(key=lambda r: _reason_rank(r, tier))
    return Assessment(tier=tier, severity=severity, score=score, reasons=tuple(reasons), known_breakage=known,
                      tier_source=tier_source, groups=reached_groups)


_REASON_ORDER = ("ignored", "known-breakage", "exposed", "tier-receding", "floated", "forced", "unrecorded", "direct", "downgrade",
                 "source", "floor-only", "tier", "dependents", "transitive", "jump", "prerelease", "family")


def _reason_rank(reason: Reason, tier: str) -> int:
    """Most telling first: what makes it matter (or recede) before what merely describes the move."""
    code = "tier-receding" if reason.code == "tier" and tier in TIER_CAP else reason.code
    return _REASON_ORDER.index(code) if code in _REASON_ORDER else len(_REASON_ORDER)


def _dep_key(graph: Graph, name: str) -> str:
    if graph.lockfile.ecosystem == "pypi":
        from lockrisk.names import pypi_key

        return pypi_key(name)
    return name


def fold_families(findings: list[Finding], graph: Graph) -> list[Finding]:
    """Fold packages that moved in lockstep with a changed direct dependency through exact requirements.

    rails pins actionpack `= 8.1.3`, actionpack pins actionview `= 8.1.3`, ...: all of them
    become members of one `rails` family finding.
    """
    scheme = scheme_for(graph.lockfile.ecosystem)
    changed = {f.key: f for f in findings if f.change.new is not None and f.change.old is not None}
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

    members_of: dict[str, list[str]] = {}
    claimed: set[str] = set()
    heads = sorted((f for f in findings if f.direct and f.key in changed), key=lambda f: f.key)
    for head in heads:
        stack, seen = [head.key], {head.key}
        while stack:
            for child in exact_children(stack.pop()):
                if child not in seen and child not in claimed:
                    seen.add(child)
                    stack.append(child)
        members = sorted(seen - {head.key})
        if members:
            members_of[head.key] = members
            claimed.update(members)
    out = []
    for f in findings:
        if f.key in claimed:
            continue
        if f.key in members_of:
            f = replace(f, family=f.name, family_members=tuple(changed[m].name for m in members_of[f.key]))
        out.append(f)
    return out


def weigh_findings(findings: list[Finding], graph: Graph, settings=None) -> list[Finding]:
    reach = Reachability(graph)
    folded = fold_families(findings, graph)
    out = []
    for f in folded:
        a = assess(f, graph, reach, settings)
        if f.family_members:
            reasons = a.reasons + (Reason(code="family", text=f"moved in lockstep with {len(f.family_members)} packages it pins exactly: {_list(list(f.family_members), 6)}"),)
            a = replace(a, reasons=reasons)
        out.append(replace(f, assessment=a))
    return out
