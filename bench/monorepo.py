"""A monorepo commit that changes many lockfiles, diffed in git mode.

    python bench/monorepo.py [--lockfiles 50] [--gems 130] [--repeat 5]

Builds a throwaway git repository with N services, each with a Gemfile and a Gemfile.lock from the
realistic generator (bench/realistic.py), commits them, moves every lockfile in a second commit, and
times `lockrisk diff --base HEAD~1 --head HEAD --offline -f json` end to end (median of the runs),
next to the git processes alone: one `git cat-file --batch` reading every blob, as lockrisk does.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from realistic import compiled, gem_pair  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
GIT_ENV = {"GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.invalid", "GIT_COMMITTER_NAME": "bench",
           "GIT_COMMITTER_EMAIL": "bench@example.invalid", "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_CONFIG_NOSYSTEM": "1"}


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


def build(repo: Path, lockfiles: int, gems: int) -> None:
    git(repo, "init", "-q", "-b", "main")
    pairs = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(lockfiles):
            pairs.append(gem_pair(Path(tmp) / str(i), gems, seed=i + 1))
        for side in (0, 1):
            for i, pair in enumerate(pairs):
                service = repo / f"svc{i:03d}"
                service.mkdir(exist_ok=True)
                for name in ("Gemfile", "Gemfile.lock"):
                    shutil.copy(pair[side].parent / name, service / name)
            git(repo, "add", "-A")
            git(repo, "commit", "-qm", "before" if side == 0 else "after")


def lockrisk() -> list[str]:
    script = Path(sys.executable).with_name("lockrisk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lockrisk"]


def timed(cmd: list[str], cwd: Path, repeat: int, stdin: str | None = None) -> float:
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        proc = subprocess.run(cmd, cwd=cwd, input=stdin, capture_output=True, text=True,
                              env={**os.environ, **GIT_ENV, "PYTHONPATH": str(ROOT)})
        times.append(time.monotonic() - started)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{cmd[0]} failed: {proc.stderr[-500:]}")
    return statistics.median(times)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lockfiles", type=int, default=50)
    parser.add_argument("--gems", type=int, default=130)
    parser.add_argument("--repeat", type=int, default=5)
    opts = parser.parse_args(argv)
    compiled()
    with tempfile.TemporaryDirectory() as tmp:
        repo = Path(tmp) / "mono"
        repo.mkdir()
        build(repo, opts.lockfiles, opts.gems)
        changed = [p for p in git(repo, "diff", "--name-only", "HEAD~1", "HEAD").splitlines() if p.endswith(".lock")]
        seconds = timed([*lockrisk(), "diff", "--base", "HEAD~1", "--head", "HEAD", "--offline", "-f", "json",
                         "--fail-on", "none"], repo, opts.repeat)
        blobs = "".join(f"{rev}:{path}\n" for path in changed for rev in ("HEAD~1", "HEAD"))
        git_only = timed(["git", "cat-file", "--batch"], repo, opts.repeat, stdin=blobs)
    print(f"{len(changed)} changed lockfiles ({opts.gems} gems each): lockrisk diff in git mode {seconds:.2f} s "
          f"(median of {opts.repeat}); reading their {2 * len(changed)} blobs with one git cat-file --batch: "
          f"{git_only:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
