"""Hostile shapes at the size they were found: wall time, peak memory and output size of each command.

    python bench/dos.py [--scale 1.0] [SHAPE ...]

Each shape (tests/hostile_shapes.py) runs `diff -f json`, `diff -f markdown`, `pin --patch` and `ci` (with a
job summary and the comment off) in a child process; the bar is under 10 s and under 500 MB each.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from hostile_shapes import SHAPES  # noqa: E402


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=b", "-c", "user.email=b@example.invalid", *args], cwd=repo,
                   check=True, capture_output=True)


def _ci_repo(work: Path, old: Path, new: Path) -> tuple[Path, dict[str, str]]:
    repo = work / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    for side in (old, new):
        for f in side.parent.iterdir():
            (repo / f.name).write_bytes(f.read_bytes())
        _git(repo, "add", "-A")
        _git(repo, "commit", "-qm", side.parent.name, "--allow-empty")
    base = subprocess.run(["git", "rev-parse", "HEAD~1"], cwd=repo, capture_output=True, text=True).stdout.strip()
    event = work / "event.json"
    event.write_text(json.dumps({"number": 1, "pull_request": {"number": 1, "base": {"sha": base}}}))
    (work / "summary.md").write_text("")
    (work / "output.txt").write_text("")
    env = {"GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": "acme/app",
           "GITHUB_STEP_SUMMARY": str(work / "summary.md"), "GITHUB_OUTPUT": str(work / "output.txt"),
           "RUNNER_TEMP": str(work), "LOCKRISK_COMMENT": "false", "LOCKRISK_SARIF": "out.sarif"}
    return repo, env


def measure(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, int, int]:
    """Seconds, peak MB of the child, bytes printed, exit status."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen([sys.executable, "-m", "lockrisk", *args], cwd=cwd, env=env, stdout=out,
                                stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.monotonic() - started
        size = out.seek(0, 2)
    return elapsed, usage.ru_maxrss / 1024, size, os.waitstatus_to_exitcode(status)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("shapes", nargs="*", default=list(SHAPES))
    opts = parser.parse_args(argv)
    env = {**os.environ, "LOCKRISK_OFFLINE": "1", "PYTHONPATH": str(ROOT)}
    worst = 0.0
    print(f"{'shape':22} {'command':16} {'seconds':>8} {'peak MB':>8} {'output':>10} exit")
    for name in opts.shapes:
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            old, new = SHAPES[name](work / "pair", opts.scale)
            runs = [("diff json", ["diff", str(old), str(new), "-f", "json"], work, env),
                    ("diff markdown", ["diff", str(old), str(new), "-f", "markdown"], work, env),
                    ("pin --patch", ["pin", str(old), str(new), "--patch"], work, env)]
            repo, ci_env = _ci_repo(work, old, new)
            runs.append(("ci", ["ci"], repo, {**env, **ci_env}))
            for label, args, cwd, run_env in runs:
                seconds, peak, size, code = measure(args, cwd, run_env)
                worst = max(worst, seconds)
                print(f"{name:22} {label:16} {seconds:8.2f} {peak:8.0f} {size:10d} {code}")
            summary = (work / "summary.md").stat().st_size
            print(f"{name:22} {'(job summary)':16} {'':8} {'':8} {summary:10d}")
    resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"slowest: {worst:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
