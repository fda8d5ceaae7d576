"""Hostile shapes end in time and in memory, with outputs cut to their limits (bench/dos.py runs them full size)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hostile_shapes import SHAPES

ROOT = Path(__file__).resolve().parent.parent
SCALE = {"big-ring": 0.2, "forced-ring": 0.2, "long-chain": 0.5, "many-findings": 0.25, "long-lines": 1.0,
         "backtracking-gemfile": 1.0, "wide-pyproject": 1.0, "many-markers": 0.5}


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """The real command in a child process (its peak memory shows in RUSAGE_CHILDREN): result and seconds."""
    started = time.monotonic()
    child_env = {**os.environ, "LOCKRISK_OFFLINE": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    result = subprocess.run([sys.executable, "-m", "lockrisk", *map(str, args)], cwd=cwd, env=child_env,
                            capture_output=True, text=True, timeout=120)
    return result, time.monotonic() - started


@pytest.mark.parametrize("shape", list(SHAPES))
def test_hostile_shapes_end_in_time_with_bounded_output(shape: str, tmp_path: Path) -> None:
    import resource

    old, new = SHAPES[shape](tmp_path / "pair", SCALE[shape])
    for fmt in ("json", "markdown"):
        result, seconds = run(["diff", old, new, "-f", fmt], tmp_path)
        assert result.returncode in (0, 1), result.stderr
        assert seconds < 10, (shape, fmt, seconds)
        assert len(result.stdout) < 40_000_000
        if fmt == "json":  # cut or not, no move drops out: each is a finding or shown inside one
            from lockrisk.diff import diff_lockfiles
            from lockrisk.parsers import load_path

            changes = json.loads(result.stdout)["changes"]
            shown = {c["name"] for c in changes} | {m for c in changes for m in c["family_members"]}
            assert {c.name for c in diff_lockfiles(load_path(old), load_path(new))} <= shown, shape
    patch, seconds = run(["pin", old, new, "--patch"], tmp_path)
    assert patch.returncode in (0, 1) and seconds < 10, patch.stderr
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far
    assert peak_mb < 500, peak_mb


def test_a_huge_review_keeps_every_output_under_its_limit(tmp_path: Path) -> None:
    """12,000 findings: the job summary stays under GitHub's 1 MiB, the log and the annotations are cut."""
    from test_ci import actions_env, git, outputs

    from lockrisk.github.outputs import SUMMARY_LIMIT

    old, new = SHAPES["many-findings"](tmp_path / "pair", 1.0)
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for side in (old, new):
        (repo / "poetry.lock").write_bytes(side.read_bytes())
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", side.parent.name)
    base = git(repo, "rev-parse", "HEAD~1")
    env = actions_env(tmp_path, base, LOCKRISK_COMMENT="false", LOCKRISK_SARIF="out.sarif")
    result, seconds = run(["ci"], repo, env)
    assert result.returncode == 1, result.stderr
    assert seconds < 20
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert len(summary.encode()) < SUMMARY_LIMIT and "more findings are not shown here" in summary
    assert summary.count("<details>") == summary.count("</details>")
    annotations = [ln for ln in result.stdout.splitlines() if ln.startswith(("::error", "::warning", "::notice file"))]
    assert len(annotations) == 50 and "more findings are not annotated" in result.stdout
    assert len(result.stdout) < 700_000
    assert outputs(tmp_path)["findings"] == "12000"
    report = json.loads(Path(outputs(tmp_path)["report"]).read_text())
    assert len(report["changes"]) == 12000  # the JSON report keeps everything


def test_a_family_of_hundreds_is_named_in_part(tmp_path: Path) -> None:
    """A head with hundreds of moves inside it names a dozen of them in text and markdown, and counts the rest;
    the JSON lists every one."""
    old, new = SHAPES["forced-ring"](tmp_path / "pair", 0.05)
    report = json.loads(run(["diff", old, new, "-f", "json"], tmp_path)[0].stdout)
    (head,) = [c for c in report["changes"] if len(c["family_members"]) > 100]
    more = len(head["family_members"]) - 12
    text = run(["diff", old, new], tmp_path)[0].stdout
    assert f"family of {len(head['family_members'])}: " in text and f" and {more} more" in text
    assert max(len(line) for line in text.splitlines()) < 400
    markdown = run(["diff", old, new, "-f", "markdown"], tmp_path)[0].stdout
    assert "Moved with it (pinned exactly, or forced by its move): " in markdown and f" and {more} more" in markdown
