"""`lockrisk audit`: what a full re-resolve of today's lockfile would move across a major.

A package is exposed when every requirement on it (its dependents' and the project's) is
floor-only. Online, the registry says whether a newer major already exists; those become
projected findings, weighed and given pins like any diff finding. Offline, the exposure
itself is the finding.
"""

from __future__ import annotations

from dataclasses import replace

from lockrisk.analyse import Finding, analyse_change
from lockrisk.diff import Change
from lockrisk.errors import VersionError
from lockrisk.graph import Graph
from lockrisk.model import Lockfile
from lockrisk.versions import scheme_for
from lockrisk.versions.jump import Jump, classify


def exposure(graph: Graph) -> tuple[list[str], int]:
    """Packages on which at least one requirement exists and none has a ceiling, and how many packages
    could not be judged because a range on them is not recorded."""
    scheme = scheme_for(graph.lockfile.ecosystem)
    out = []
    unjudged = 0
    for key in graph.packages:
        reqs = [e.requirement for e in graph.dependents(key)] + list(graph.direct.get(key, ()))
        if not reqs:
            continue
        if any(not r.recorded for r in reqs):
            unjudged += 1
            continue
        try:
            if all(scheme.constraint(r.constraint).is_floor_only() for r in reqs):
                out.append(key)
        except VersionError:
            continue
    return out, unjudged


def audit_findings(lockfile: Lockfile, lookup=None) -> tuple[list[Finding], list[str], list[str]]:
    """(findings, notes, names of the exposed packages the registry could not be asked about)."""
    graph = Graph.from_lockfile(lockfile)
    scheme = scheme_for(lockfile.ecosystem)
    keys, unjudged = exposure(graph)
    notes: list[str] = []
    if unjudged:
        notes.append(f"{unjudged} packages are required through edges whose version ranges {lockfile.kind or 'the lockfile'} "
                     "does not record: their exposure cannot be judged from the lockfile, only the project's own "
                     "requirements can")
    findings: list[Finding] = []
    if lookup is None:
        for key in keys:
            pkg = lockfile.packages[key]
            change = Change(key=key, name=pkg.name, lockfile=lockfile.path, old=pkg, new=pkg,
                            jump=Jump(kind="exposed", direction="none"))
            findings.append(analyse_change(change, graph))
        notes.append(f"offline: {len(keys)} packages have only floor requirements; whether a newer major exists "
                     "needs the registry (run without --offline)")
        return findings, notes, []
    from lockrisk.catalogue.load import calendar_versioned

    calendar = calendar_versioned(lockfile.ecosystem)
    facts = lookup.many((key, lockfile.packages[key], None) for key in keys)
    unchecked = [lockfile.packages[key].name for key in keys if key not in facts]
    for key in keys:
        pkg = lockfile.packages[key]
        f = facts.get(key)
        if f is None or f.latest is None:
            continue
        jump = classify(scheme.parse(pkg.version), scheme.parse(f.latest), calendar=key in calendar)
        if jump.kind != "major" or jump.direction != "up":
            continue
        projected = replace(pkg, version=f.latest, line=None)
        change = Change(key=key, name=pkg.name, lockfile=lockfile.path, old=pkg, new=projected, jump=jump,
                        projected=True)
        findings.append(replace(analyse_change(change, graph), registry=f))
    checked = len(keys) - len(unchecked)
    notes.append(f"{len(keys)} packages have only floor requirements; {checked} were checked against their registry "
                 f"and {len(findings)} of them already have a newer major")
    if unchecked:
        notes.append(f"{len(unchecked)} of {len(keys)} packages could not be checked (registry look-ups failed): "
                     f"{', '.join(unchecked[:8])}{' and more' if len(unchecked) > 8 else ''}; "
                     "this audit is incomplete")
    return findings, notes, unchecked
