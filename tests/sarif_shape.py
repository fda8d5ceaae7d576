"""The parts of the SARIF 2.1.0 schema lockrisk's output uses, checked without a schema library.

`bench/sarif_schema.py` validates the same documents against the official schema when it is at hand.
"""

from __future__ import annotations

import re

_URI_REFERENCE = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]*")
LEVELS = {"none", "note", "warning", "error"}


def problems(doc: dict) -> list[str]:
    out: list[str] = []
    if doc.get("version") != "2.1.0":
        out.append("version is not 2.1.0")
    runs = doc.get("runs")
    if not isinstance(runs, list) or not runs:
        return out + ["runs is not a non-empty array"]
    for run in runs:
        driver = run.get("tool", {}).get("driver", {})
        if not isinstance(driver.get("name"), str):
            out.append("tool.driver.name is not a string")
        rules = driver.get("rules", [])
        ids = [r.get("id") for r in rules]
        if len(set(ids)) != len(ids) or not all(isinstance(i, str) for i in ids):
            out.append("rule ids are not unique strings")
        for result in run.get("results", []):
            if result.get("level") not in LEVELS:
                out.append(f"level {result.get('level')!r}")
            if not isinstance(result.get("message", {}).get("text"), str):
                out.append("message.text is not a string")
            index = result.get("ruleIndex")
            if not isinstance(index, int) or index < 0 or index >= len(ids) or ids[index] != result.get("ruleId"):
                out.append(f"ruleIndex {index} does not name {result.get('ruleId')}")
            for loc in result.get("locations", []):
                physical = loc.get("physicalLocation", {})
                uri = physical.get("artifactLocation", {}).get("uri")
                if not isinstance(uri, str) or not _URI_REFERENCE.fullmatch(uri):
                    out.append(f"artifactLocation.uri is not a URI reference: {uri!r}")
                line = physical.get("region", {}).get("startLine")
                if not isinstance(line, int) or line < 1:
                    out.append(f"region.startLine {line!r}")
            prints = result.get("partialFingerprints", {})
            if not all(isinstance(k, str) and isinstance(v, str) for k, v in prints.items()):
                out.append("partialFingerprints values are not strings")
    return out
