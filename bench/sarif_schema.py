"""Validate lockrisk's SARIF against the official SARIF 2.1.0 JSON schema.

    python bench/sarif_schema.py SCHEMA.json [LOCKFILE_PAIR_DIR ...]

SCHEMA.json is `sarif-2.1/schema/sarif-schema-2.1.0.json` from the OASIS SARIF specification
repository (https://github.com/oasis-tcs/sarif-spec); `jsonschema` must be importable. Without
pair directories it validates every pair of the shared sweep corpus and the fixtures' pairs.
Each directory holds before/ and after/ with one lockfile each.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lockrisk.parsers import LOCKFILE_NAMES  # noqa: E402
from lockrisk.pipeline import build_report, pair_from_files  # noqa: E402
from lockrisk.render import render  # noqa: E402


def pairs(dirs: list[Path]):
    for d in dirs:
        for name in LOCKFILE_NAMES:
            before, after = d / "before" / name, d / "after" / name
            if before.is_file() and after.is_file():
                yield before, after


def main(argv: list[str]) -> int:
    import jsonschema

    schema = json.loads(Path(argv[0]).read_text())
    validator = jsonschema.Draft7Validator(schema)
    dirs = [Path(a) for a in argv[1:]]
    if not dirs:
        dirs = [p.parent for p in (ROOT.parent / "shared" / "corpus").rglob("before")] + \
               [p.parent for p in (ROOT / "fixtures").rglob("before")]
    checked = failed = 0
    for before, after in pairs(sorted(set(dirs))):
        try:
            report = build_report("diff", [pair_from_files(before, after)])
        except Exception as exc:  # a malformed fixture is not a SARIF question
            print(f"skip {before.parent.parent}: {type(exc).__name__}")
            continue
        errors = list(validator.iter_errors(json.loads(render(report, "sarif"))))
        checked += 1
        if errors:
            failed += 1
            print(f"{after}: {errors[0].message[:200]}")
    print(f"{checked} SARIF documents validated, {failed} invalid")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
