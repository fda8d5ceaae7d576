"""SARIF 2.1.0 for code scanning: one rule per finding kind, results at lockfile lines."""

from __future__ import annotations

import json
from typing import Any

from lockrisk import __version__
from lockrisk.analyse import Finding
from lockrisk.render import describe
from lockrisk.render.escape import plain
from lockrisk.report import Report

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVEL = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "none"}
RULES = {
    "floated-major": "A transitive package crossed a major version although no requirement forced it",
    "forced-major": "A transitive package crossed a major version because a dependent requires it",
    "direct-major": "A dependency the project declares crossed a major version",
    "major-downgrade": "A package moved down across a major version",
    "source-change": "A package kept its version but its source or git revision changed",
    "move-with-evidence": "A package moved within its major version, and evidence says the move can break",
}
SECURITY_SEVERITY = {"critical": "9.0", "high": "7.0", "medium": "5.0", "low": "3.0", "info": "0.0"}


def rule_for(f: Finding) -> str:
    j = f.change.jump
    if j.kind == "source":
        return "source-change"
    if j.kind != "major":
        return "move-with-evidence"
    if j.direction == "down":
        return "major-downgrade"
    if f.direct:
        return "direct-major"
    return "forced-major" if f.forced else "floated-major"


def artifact_uri(path: str) -> str:
    """A SARIF artifact URI: relative paths percent-encoded (spaces, '%', '#', '?', newlines), absolute ones as file URIs."""
    from pathlib import PurePosixPath, PureWindowsPath
    from urllib.parse import quote

    posix = path.replace("\\", "/") if PureWindowsPath(path).drive else path
    if posix.startswith("/") or PureWindowsPath(path).drive:
        return "file://" + ("" if posix.startswith("/") else "/") + quote(posix, safe="/:")
    return quote(PurePosixPath(posix).as_posix(), safe="/")


def _result(f: Finding, rule_ids: list[str]) -> dict[str, Any]:
    sev = describe.severity(f) or "info"
    rule = rule_for(f)
    line = f.change.new.line if f.change.new is not None and f.change.new.line else 1
    reasons = describe.top_reasons(f, 5)
    text = plain(f"{f.name} {describe.versions(f)}: {describe.jump(f)}, {describe.origin(f)}")
    if reasons:
        text += ". " + plain("; ".join(reasons))
    return {
        "ruleId": rule,
        "ruleIndex": rule_ids.index(rule),
        "level": LEVEL.get(sev, "warning"),
        "message": {"text": text},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": artifact_uri(f.change.lockfile)},
                                            "region": {"startLine": line}}}],
        "partialFingerprints": {"lockrisk/v1": f"{f.change.lockfile}:{f.key}:{describe.versions(f)}"},
        "properties": {"severity": sev, "score": f.assessment.score if f.assessment else 0,
                       "security-severity": SECURITY_SEVERITY.get(sev, "0.0")},
    }


def render_sarif(report: Report) -> str:
    rule_ids = list(RULES)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "lockrisk",
                "version": __version__,
                "rules": [{"id": rid, "name": rid, "shortDescription": {"text": text},
                           "fullDescription": {"text": text}, "defaultConfiguration": {"level": "warning"}}
                          for rid, text in RULES.items()],
            }},
            "results": [_result(f, rule_ids) for f in report.notable()],
        }],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
