"""A seeded, bounded fuzzer: mutated real-shaped lockfile pairs through `lockrisk diff -f sarif` and `pin --patch`.

Every case must end in one of three ways: a report (exit 0 or 1) whose SARIF has the schema's shape, or one
located error line (`lockrisk: error: FILE[:LINE]: ...`, exit 2). Never an internal error, never a hang.
LOCKRISK_FUZZ_CASES (default 300) and LOCKRISK_FUZZ_SEED (default 1) widen or move the search.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import time
from pathlib import Path

from sarif_shape import problems

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
CASES = int(os.environ.get("LOCKRISK_FUZZ_CASES", "300"))
SEED = int(os.environ.get("LOCKRISK_FUZZ_SEED", "1"))
LOCATED = re.compile(r"^lockrisk: error: \S.*?(:\d+)?: \S")

TOKENS = ["(", ")", "!", "[[package]]", "\x00", "\"", "'", "\\", "=", ">= ", "~> ", "\r", "\t", "    ", "      ",
          "GEM", "  specs:", "PATH", "GIT", "  revision: ", "DEPENDENCIES", "BUNDLED WITH", "[package.dependencies]",
          "version = ", "name = ", "source = { registry = \"https://pypi.example/simple\" }", "{", "}", "[", "]",
          "\u202e", "é", "\ufeff", "9" * 40, "1.0.0+local", "0.0.0", "-", ",", "#", "\n\n", "::error::x", "@x"]


def _pairs() -> list[tuple[Path, Path]]:
    pairs = []
    for before in sorted(FIXTURES.rglob("before")):
        if "layouts" in before.parts or "hostile" in before.parts:
            continue
        for lock in sorted(before.glob("*.lock")):
            after = before.parent / "after" / lock.name
            if after.is_file():
                pairs.append((lock, after))
    return pairs


def _mutate(data: bytes, rng: random.Random, donor: bytes) -> bytes:
    lines = data.split(b"\n")
    for _ in range(rng.randint(1, 4)):
        if not lines:
            lines = [b""]
        i = rng.randrange(len(lines))
        kind = rng.randrange(8)
        if kind == 0:
            del lines[i]
        elif kind == 1:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 2:
            token = rng.choice(TOKENS).encode()
            pos = rng.randint(0, len(lines[i]))
            lines[i] = lines[i][:pos] + token + lines[i][pos:]
        elif kind == 3 and lines[i]:
            pos = rng.randrange(len(lines[i]))
            lines[i] = lines[i][:pos] + bytes([rng.randrange(256)]) + lines[i][pos + 1:]
        elif kind == 4:
            lines = lines[: rng.randint(0, len(lines))]
        elif kind == 5:
            donor_lines = donor.split(b"\n")
            lines.insert(i, donor_lines[rng.randrange(len(donor_lines))])
        elif kind == 6:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        else:
            lines[i] = lines[i] * rng.randint(2, 50)
    return b"\n".join(lines)


def test_mutated_lockfiles_never_crash_hang_or_lose_their_location(cli, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    pairs = _pairs()
    assert len(pairs) >= 10
    outcomes = {"report": 0, "located": 0}
    failures: list[str] = []
    for case in range(CASES):
        old, new = rng.choice(pairs)
        donor = rng.choice(pairs)[1].read_bytes()
        work = tmp_path / f"case{case}"
        for side, source in (("before", old), ("after", new)):
            (work / side).mkdir(parents=True)
            for sibling in source.parent.iterdir():  # manifests travel with their lockfile
                if sibling.is_file():
                    shutil.copy(sibling, work / side / sibling.name)
        target = work / rng.choice(["before", "after", "after"]) / new.name
        if target.is_file():
            target.write_bytes(_mutate(target.read_bytes(), rng, donor))
        started = time.monotonic()
        args = ["diff", work / "before" / old.name, work / "after" / new.name]
        result = cli([*args, "-f", "sarif", "--fail-on", "none"])
        patch = cli(["pin", *args[1:], "--patch"]) if case % 3 == 0 else result
        elapsed = time.monotonic() - started
        what = f"case {case} ({old.parent.parent.name}/{old.name}, seed {SEED})"
        if elapsed > 5:
            failures.append(f"{what}: {elapsed:.1f} s")
        for r in (result, patch):
            if r.code == 2:
                lines = r.err.splitlines()
                if len(lines) != 1 or "internal error" in r.err or not LOCATED.match(lines[0]):
                    failures.append(f"{what}: {r.err.strip()[:300]}")
            elif r.code not in (0, 1):
                failures.append(f"{what}: exit {r.code}: {r.err.strip()[:300]}")
        if result.code in (0, 1):
            outcomes["report"] += 1
            shape = problems(json.loads(result.out))
            if shape:
                failures.append(f"{what}: SARIF {shape[:3]}")
        else:
            outcomes["located"] += 1
        shutil.rmtree(work)
    assert not failures, "\n".join(failures[:20])
    assert outcomes["report"] > CASES // 10 and outcomes["located"] > CASES // 10, outcomes  # both paths exercised
