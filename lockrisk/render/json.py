"""The JSON report: a versioned contract (see docs/json-report.md)."""

from __future__ import annotations

import json
from typing import Any

from lockrisk.redact import redact
from lockrisk.analyse import Finding
from lockrisk.report import Report


COMPACT_ABOVE = 500  # findings; a report this large is read by programs, not people


def _source(package) -> dict[str, Any] | None:
    if package is None:
        return None
    s = package.source
    return {"kind": s.kind, "url": redact(s.url) if s.url else s.url, "revision": s.revision, "ref": s.ref}


def finding_to_dict(f: Finding) -> dict[str, Any]:
    c = f.change
    out: dict[str, Any] = {
        "name": c.name,
        "key": c.key,
        "lockfile": c.lockfile,
        "line": c.new.line if c.new else (c.old.line if c.old else None),
        "from": c.old.version or None if c.old else None,
        "to": c.new.version or None if c.new else None,
        "fork": c.fork,
        "jump": c.jump.kind,
        "direction": c.jump.direction,
        "majors_crossed": c.jump.majors_crossed,
        "prerelease": c.jump.prerelease,
        "initial_development": c.jump.initial_development,
        "source_changed": c.source_changed,
        "source_from": _source(c.old),
        "source_to": _source(c.new),
        "direct": f.direct,
        "forced": f.forced,
        "forced_by": list(f.forced_by),
        "intended": f.intended,
        "intended_by": list(f.intended_by),
        "unrecorded": list(f.unrecorded),
        "floor_only": f.floor_only,
        "markers": f.markers,
        "dependents": [
            {"name": d.name, "version": d.version, "requirement": d.requirement,
             "floor_only": d.floor_only, "admits_old": d.admits_old, "markers": d.markers}
            for d in f.dependents
        ],
        "direct_requirements": [
            {"requirement": r.constraint, "groups": list(r.groups), "markers": r.markers}
            for r in f.direct_requirements
        ],
        "also_held": list(f.also_held),
        "paths": [list(p) for p in f.paths],
        "family": f.family,
        "family_members": list(f.family_members),
    }
    a = f.assessment
    if a is not None:
        out.update(
            {
                "tier": a.tier,
                "severity": a.severity,
                "score": a.score,
                "reasons": [{"code": r.kind, "text": r.text} for r in a.reasons],
                "evidence": [e.to_dict() for e in a.evidence],
                "known_breakage": a.known_breakage.to_dict() if a.known_breakage else None,
            }
        )
    if f.pin is not None:
        out["pin"] = f.pin.to_dict()
    if f.registry is not None:
        out["registry"] = f.registry.to_dict()
    return out


def report_to_dict(report: Report, *, changes: bool = True) -> dict[str, Any]:
    return {
        "schema": report.schema,
        "command": report.command,
        "highest_severity": report.highest_severity,
        "lockfiles": [
            {"path": s.path, "ecosystem": s.ecosystem, "base": s.base, "head": s.head,
             "packages_before": s.packages_before, "packages_after": s.packages_after}
            for s in report.lockfiles
        ],
        **({"changes": [finding_to_dict(f) for f in report.findings]} if changes else {}),
        "unchecked": list(report.unchecked),
        "notes": list(report.notes),
    }


def render_json(report: Report) -> str:
    import sys

    if len(report.findings) <= COMPACT_ABOVE or sys.stdout.isatty():
        return json.dumps(report_to_dict(report), indent=2, ensure_ascii=False) + "\n"
    # large reports: compact, which Python encodes in C (indented output takes its slow path), a batch of changes
    # at a time, so the dictionaries of every change are never all held at once (and the encoder, set up anew on
    # every call, is not set up once per change)
    encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
    head = report_to_dict(report, changes=False)
    tail = {"unchecked": head.pop("unchecked"), "notes": head.pop("notes")}
    parts = [encode(head)[:-1], ',"changes":[']
    findings = report.findings
    parts.append(",".join(encode([finding_to_dict(f) for f in findings[at:at + ENCODE_BATCH]])[1:-1]
                          for at in range(0, len(findings), ENCODE_BATCH)))
    parts += ["],", encode(tail)[1:], "\n"]
    return "".join(parts)


ENCODE_BATCH = 256  # changes encoded in one call
