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
    """Best of three, with the cycle collector paused as the CLI pauses it (a collection landing in one run
    and not the other made the ratio flaky)."""
    import gc

    best = float("inf")
    for _ in range(3):
        gc.collect()
        gc.disable()
        try:
            started = time.perf_counter()
            report = build_report("diff", [pair_from_files(old, new)])
            render(report, "json")
            render(report, "markdown")
            best = min(best, time.perf_counter() - started)
        finally:
            gc.enable()
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


@pytest.mark.parametrize("fmt", ["poetry", "uv"])
def test_pyproject_pins_read_the_manifest_a_bounded_number_of_times(fmt: str, tmp_path: Path, monkeypatch) -> None:
    """Counted: pins for a whole report are planned against one reading of pyproject.toml (the TOML document and
    its layout), plus the read-backs of the first pins; never one reading per pin."""
    from lockrisk import tomlload
    from lockrisk.edit import pyproject, tomlscan

    counts = {"loads": 0, "scan": 0}
    real_loads, real_scan = tomlload.loads, tomlscan.scan

    def loads(text, path):
        counts["loads"] += 1
        return real_loads(text, path)

    def scan(text):
        counts["scan"] += 1
        return real_scan(text)

    monkeypatch.setattr(tomlload, "loads", loads)
    monkeypatch.setattr(pyproject, "scan", scan)
    monkeypatch.setattr("lockrisk.pipeline.READ_BACK_LIMIT", 0)  # no read-backs: what is left is per-report work
    pyproject._doc.cache_clear()
    pyproject._layout.cache_clear()
    report = build_report("diff", [pair_from_files(*GENERATORS[fmt](tmp_path, 8000))])
    pins = [f.pin for f in report.findings if f.pin is not None]
    assert len(pins) >= 4 and all(p.action in ("edit", "insert") for p in pins), [p.action for p in pins]
    assert counts["loads"] <= 1 and counts["scan"] <= 1, (len(pins), counts)  # once per report, not per pin


@pytest.mark.parametrize("fmt", ["poetry", "uv"])
def test_python_lockfiles_are_read_in_one_pass(fmt: str, tmp_path: Path, monkeypatch) -> None:
    """Counted: a generated poetry.lock or uv.lock read whole is read by the one-pass reader, never handed to
    tomllib, and the lines it is handed grow with the file (each line is read once: a second pass would show
    here); read as the CLI reads it, the TOML reader sees a small part of it (the blocks in the tool's plain
    shape are read one match each)."""
    from lockrisk.parsers import load_path, locktoml, parse_lockfile, read_sibling_from_dir

    def refuse(*args, **kwargs):
        raise AssertionError("tomllib read a generated lockfile: the one-pass reader gave up on it")

    monkeypatch.setattr("lockrisk.tomlload._tomllib_loads", refuse)
    calls = {"lines": 0}
    real_run = locktoml._Reader.run

    def run(self):
        calls["lines"] += len(self.lines)
        return real_run(self)

    monkeypatch.setattr(locktoml._Reader, "run", run)
    sizes = []
    for n in (1000, 4000):
        _, new = GENERATORS[fmt](tmp_path / str(n), n)
        calls["lines"] = 0
        whole = parse_lockfile(new.read_bytes(), str(new), read_sibling_from_dir(new), filename=new.name, whole=True)
        whole_lines = calls["lines"]
        calls["lines"] = 0
        lockfile = load_path(new)  # as the CLI reads it: blocks in the tool's plain shape are one match each
        sizes.append((n, whole_lines))
        assert len(lockfile.packages) == len(whole.packages) == n
        assert calls["lines"] < whole_lines / 4, (calls["lines"], whole_lines)
    (_, small_lines), (_, large_lines) = sizes
    assert 3.0 < large_lines / small_lines < 5.0, sizes  # the time is watched by the test above, best of three
