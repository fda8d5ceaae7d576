"""Work grows linearly: four times the packages may cost at most about four times the time (with slack for
noise), on the realistic generator bench/realistic.py uses at full size. A square anywhere fails this."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from realistic import GENERATORS  # noqa: E402

from lockrisk.pipeline import build_report, pair_from_files  # noqa: E402
from lockrisk.render import render  # noqa: E402


def _seconds(old: Path, new: Path) -> float:
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        report = build_report("diff", [pair_from_files(old, new)])
        render(report, "json")
        render(report, "markdown")
        best = min(best, time.perf_counter() - started)
    return best


@pytest.mark.parametrize("fmt", sorted(GENERATORS))
def test_four_times_the_packages_costs_about_four_times_the_time(fmt: str, tmp_path: Path) -> None:
    small = _seconds(*GENERATORS[fmt](tmp_path / "small", 2000))
    large = _seconds(*GENERATORS[fmt](tmp_path / "large", 8000))
    assert large / small < 7.0, f"{fmt}: 1,000 packages {small:.3f} s, 4,000 packages {large:.3f} s"


def test_work_per_finding_does_not_grow_with_the_lockfile(tmp_path: Path, monkeypatch) -> None:
    """Counted, not timed: the Gemfile is tokenised a bounded number of times however many pins are planned,
    and group reachability is one search per tier, not one per finding and root."""
    from lockrisk.graph import Graph
    from lockrisk.manifests import rubytokens

    counts = {"tokenize": 0, "reachable_from": 0}
    real_tokenize, real_reach = rubytokens.tokenize, Graph.reachable_from

    def tokenize(text):
        counts["tokenize"] += 1
        return real_tokenize(text)

    def reachable_from(self, roots):
        counts["reachable_from"] += 1
        return real_reach(self, roots)

    monkeypatch.setattr(rubytokens, "tokenize", tokenize)
    monkeypatch.setattr(Graph, "reachable_from", reachable_from)
    seen = []
    for n in (1000, 4000):
        counts.update(tokenize=0, reachable_from=0)
        rubytokens.read_gemfile.cache_clear()
        report = build_report("diff", [pair_from_files(*GENERATORS["gem"](tmp_path / str(n), n))])
        pins = sum(1 for f in report.findings if f.pin is not None)
        seen.append((n, pins, dict(counts)))
    (_, small_pins, small), (_, large_pins, large) = seen
    assert large_pins > 60 and large_pins > small_pins  # enough pins that per-pin work would show
    assert large["tokenize"] <= 60, seen  # read once, plus the read-backs of the first 50 pins
    assert large["reachable_from"] <= 4 and small["reachable_from"] <= 4, seen  # runtime + each non-runtime tier
