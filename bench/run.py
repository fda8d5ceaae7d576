"""Benchmarks: `lockrisk diff` end to end next to Bundler's own parser, and CLI start-up.

Run with `make bench` (or `python bench/run.py`). Generated lockfiles go to bench/out/.
Prints a markdown table to paste into the README. The first row is the largest real Gemfile.lock pair
in ../shared/corpus: `lockrisk diff` on the pair, whole process, against Bundler parsing ONE of the two
files, whole process too (Ruby's start-up and `require "bundler"` included, as lockrisk's Python start-up
is), and the ratio of the two from the same run. Then the largest real uv.lock and poetry.lock pairs whose
new side `uv tree --frozen` and `poetry show --tree` can read on this machine, against those tools.
"""

from __future__ import annotations

import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))  # realistic.py: the ecosystem tools' command lines
OUT = HERE / "out"
CORPUS = ROOT.parent / "shared" / "corpus"
ORACLE = ROOT / "tests" / "oracle" / "bundler_dump.rb"
_SCRIPT = Path(sys.executable).with_name("lockrisk")
LOCKRISK = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "lockrisk"]  # as users run it
WHOLE_PROCESS_BUNDLER = (
    'require "tmpdir"; d = Dir.mktmpdir; File.write(File.join(d, "Gemfile"), ""); '
    'ENV["BUNDLE_GEMFILE"] = File.join(d, "Gemfile"); require "bundler"; '
    "Bundler::LockfileParser.new(File.read(ARGV[0]))"
)


def generate_gemfile_lock(n: int, seed: int, bump: bool) -> str:
    """A Gemfile.lock of n gems, each requiring up to 3 earlier gems; `bump` moves 5% of them."""
    rng = random.Random(seed)
    names = [f"gem{i:06d}" for i in range(n)]
    versions = {name: (rng.randint(0, 9), rng.randint(0, 20), rng.randint(0, 30)) for name in names}
    if bump:
        rng2 = random.Random(seed + 1)
        for name in rng2.sample(names, max(1, n // 20)):
            a, b, c = versions[name]
            versions[name] = (a + 1, 0, 0) if rng2.random() < 0.3 else (a, b + 1, 0)
    deps: dict[str, list[tuple[str, str]]] = {}
    rng3 = random.Random(seed + 2)
    for i, name in enumerate(names):
        picks = rng3.sample(range(i), min(i, rng3.randint(0, 3)))
        deps[name] = [(names[j], rng3.choice(["", ">= 1.0", "~> 2.1", ">= 0.5, < 12"])) for j in sorted(picks)]
    lines = ["GEM", "  remote: https://rubygems.example/", "  specs:"]
    for name in names:
        lines.append(f"    {name} ({'.'.join(map(str, versions[name]))})")
        for dep, req in deps[name]:
            lines.append(f"      {dep} ({req})" if req else f"      {dep}")
    lines += ["", "PLATFORMS", "  ruby", "", "DEPENDENCIES"]
    lines += [f"  {name}" for name in names[-max(1, n // 10):]]
    lines += ["", "BUNDLED WITH", "   2.6.2", ""]
    return "\n".join(lines)


def timed(cmd: list[str], repeat: int = 3, ok: tuple[int, ...] = (0,), cwd: Path = ROOT) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=cwd)
        times.append(time.perf_counter() - start)
        if proc.returncode not in ok:
            raise SystemExit(f"{cmd[0]} exited with {proc.returncode}")
    return statistics.median(times)


def parse_time(path: Path, repeat: int = 3) -> float:
    sys.path.insert(0, str(ROOT))
    from lockrisk.parsers import load_path

    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        load_path(path)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


BUNDLER_LIMIT = 120.0


def bundler_time(path: Path) -> float | str | None:
    """Median of 3 runs of Bundler's parser; a run over BUNDLER_LIMIT seconds is reported as such."""
    if not shutil.which("ruby"):
        return None
    script = (
        'require "tmpdir"; require "fileutils"; d = Dir.mktmpdir; File.write(File.join(d, "Gemfile"), ""); '
        'ENV["BUNDLE_GEMFILE"] = File.join(d, "Gemfile"); require "bundler"; t = File.read(ARGV[0]); '
        "s = Process.clock_gettime(Process::CLOCK_MONOTONIC); Bundler::LockfileParser.new(t); "
        "puts Process.clock_gettime(Process::CLOCK_MONOTONIC) - s; FileUtils.remove_entry(d)"
    )
    runs = []
    for _ in range(3):
        try:
            proc = subprocess.run(["ruby", "-e", script, str(path)], capture_output=True, text=True,
                                  timeout=BUNDLER_LIMIT)
        except subprocess.TimeoutExpired:
            return f"> {BUNDLER_LIMIT:.0f} s"
        if proc.returncode != 0:
            return None
        runs.append(float(proc.stdout.strip()))
    return statistics.median(runs)


def fmt(seconds: float | str | None) -> str:
    if seconds is None:
        return "n/a"
    if isinstance(seconds, str):
        return seconds
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def largest_corpus_pair() -> tuple[Path, Path] | None:
    """The real Gemfile.lock pair with the largest new side, anywhere in the corpus (chosen cases and sweep)."""
    afters = [p for p in CORPUS.rglob("after/Gemfile.lock") if (p.parent.parent / "before" / "Gemfile.lock").exists()]
    if not afters:
        return None
    largest = max(afters, key=lambda p: (p.stat().st_size, str(p)))
    return largest.parent.parent / "before" / "Gemfile.lock", largest


def python_pairs() -> list[tuple[str, Path, Path, list[str], dict[str, str]]]:
    """For poetry.lock and uv.lock: the largest real pair whose new side the tool itself can read here (with
    its pyproject.toml beside it; a project that needs a Python this machine lacks is passed over)."""
    import tempfile

    from realistic import tool_command

    out = []
    for name, fmt_name in (("uv.lock", "uv"), ("poetry.lock", "poetry")):
        afters = sorted((p for p in CORPUS.rglob(f"after/{name}")
                         if (p.parent.parent / "before" / name).exists() and (p.parent / "pyproject.toml").exists()),
                        key=lambda p: (-p.stat().st_size, str(p)))
        for after in afters[:40]:
            work = Path(tempfile.mkdtemp(prefix="lockrisk-bench-"))  # the tool may write beside the lock
            for f in (name, "pyproject.toml"):
                shutil.copy(after.parent / f, work / f)
            found = tool_command(fmt_name, work / name)
            if found is None:
                break
            cmd, env = found
            proc = subprocess.run(cmd, capture_output=True, env={**os.environ, **env}, timeout=120)
            if proc.returncode == 0:
                out.append((name, after.parent.parent / "before" / name, after, cmd, env))
                break
    return out


def main() -> None:
    from realistic import compiled

    OUT.mkdir(exist_ok=True)
    compiled()
    rows = []
    startup = timed([*LOCKRISK, "--version"], repeat=7)
    pair = largest_corpus_pair()
    if pair is not None and shutil.which("ruby"):
        before, after = pair
        # both run from the project's own folder, as a user would (not from this repository's, whose
        # pyproject.toml mentions lockrisk and would be read for settings)
        ours_runs, bundler_runs = [], []
        for _ in range(21):  # interleaved, so a noisy moment weighs on both
            ours_runs.append(timed([*LOCKRISK, "diff", str(before), str(after), "--offline", "--format", "json"],
                                   repeat=1, ok=(0, 1), cwd=after.parent))
            bundler_runs.append(timed(["ruby", "-e", WHOLE_PROCESS_BUNDLER, str(after)], repeat=1, cwd=after.parent))
        ours, bundler = statistics.median(ours_runs), statistics.median(bundler_runs)
        print(f"largest real pair: {after.parent.parent.relative_to(CORPUS)} ({after.stat().st_size / 1024:.0f} KiB)\n"
              f"| `lockrisk diff` on the pair (whole process) | Bundler parsing one file (whole process) | ratio |\n"
              f"|---|---|---|\n| {fmt(ours)} | {fmt(bundler)} | {ours / bundler:.2f} |\n")
    for name, before, after, cmd, env in python_pairs():
        ours_runs, tool_runs = [], []
        for _ in range(11):
            ours_runs.append(timed([*LOCKRISK, "diff", str(before), str(after), "--offline", "--format", "json"],
                                   repeat=1, ok=(0, 1), cwd=after.parent))
            start = time.perf_counter()
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env={**os.environ, **env})
            tool_runs.append(time.perf_counter() - start)
        ours, tool = statistics.median(ours_runs), statistics.median(tool_runs)
        print(f"largest real {name} pair the tool reads here: {after.parent.parent.relative_to(CORPUS)} "
              f"({after.stat().st_size / 1024:.0f} KiB)\n"
              f"| `lockrisk diff` on the pair | `{' '.join(Path(cmd[0]).name if i == 0 else c for i, c in enumerate(cmd[:3]))}` "
              f"on the new side | ratio |\n|---|---|---|\n| {fmt(ours)} | {fmt(tool)} | {ours / tool:.2f} |\n")
    cases: list[tuple[str, Path, Path]] = []
    for n in (1_000, 10_000):  # 100,000 and other formats: bench/realistic.py
        d = OUT / f"gen-{n}"
        for side, bump in (("before", False), ("after", True)):
            (d / side).mkdir(parents=True, exist_ok=True)
            (d / side / "Gemfile.lock").write_text(generate_gemfile_lock(n, 7, bump))
        cases.append((f"generated: {n:,} gems", d / "before" / "Gemfile.lock", d / "after" / "Gemfile.lock"))
    for label, before, after in cases:
        size = after.stat().st_size
        diff = timed([*LOCKRISK, "diff", str(before), str(after), "--offline", "--format", "json"], repeat=3,
                     ok=(0, 1))
        rows.append((label, f"{size / 1024:,.0f} KiB", fmt(diff), fmt(parse_time(after)), fmt(bundler_time(after))))
        print(" | ".join(rows[-1]), file=sys.stderr, flush=True)

    print(f"CLI start-up (`lockrisk --version`): {fmt(startup)}\n")
    print("| lockfile | size | `lockrisk diff` (end to end) | our parser | Bundler::LockfileParser (in process) |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
