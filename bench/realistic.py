"""Realistic generated lockfile pairs: a manifest beside the lock, hub packages with wide fan-in, test and
development groups, floor-only edges and many majors, in all three formats.

    python bench/realistic.py [--sizes 1000,10000,100000] [--formats gem,poetry,uv] [--repeat 3] [--no-tools]

Each pair is diffed end to end (`lockrisk diff --offline -f json`) three times; the median, the peak memory
and the ratio between sizes are printed, next to the ecosystem's own tool reading the same new lockfile
whole (Bundler's LockfileParser, `uv tree --frozen`, `poetry show --tree`), when it is installed, as a
ratio from the same run. The same generator feeds tests/test_scaling.py at small sizes.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HUBS = 40  # packages nearly everything depends on (activesupport, rack, typing-extensions)


def _plan(n: int, seed: int):
    """Names, versions before/after, dependencies (floor-only mostly) and the direct set with its groups."""
    rng = random.Random(seed)
    names = [f"pkg{i:06d}" for i in range(n)]
    before = {name: (rng.randint(1, 9), rng.randint(0, 20), rng.randint(0, 30)) for name in names}
    after = dict(before)
    for name in names:
        roll = rng.random()
        if roll < 0.05:
            after[name] = (before[name][0] + 1, 0, 0)  # a major
        elif roll < 0.25:
            after[name] = (before[name][0], before[name][1] + 1, 0)  # a minor
    deps: dict[str, list[tuple[str, str]]] = {}
    for i, name in enumerate(names):
        chosen = set()
        for _ in range(rng.randint(0, 4)):
            target = names[rng.randrange(HUBS)] if rng.random() < 0.5 or i <= HUBS else names[rng.randrange(i)]
            if target != name:
                chosen.add(target)
        deps[name] = [(t, f">= {before[t][0]}.0" if rng.random() < 0.7 else f"~> {before[t][0]}.{before[t][1]}")
                      for t in sorted(chosen)]
    direct_count = max(5, n // 50)
    direct = names[-direct_count:]
    groups = {name: ("test" if k % 7 == 0 else "development" if k % 11 == 0 else "default")
              for k, name in enumerate(direct)}
    return names, before, after, deps, groups


def _v(t) -> str:
    return ".".join(map(str, t))


def gem_pair(folder: Path, n: int, seed: int = 1) -> tuple[Path, Path]:
    names, before, after, deps, groups = _plan(n, seed)

    def lock(versions) -> str:
        out = ["GEM", "  remote: https://rubygems.example/", "  specs:"]
        for name in names:
            out.append(f"    {name} ({_v(versions[name])})")
            out += [f"      {d} ({r})" for d, r in deps[name]]
        out += ["", "PLATFORMS", "  ruby", "", "DEPENDENCIES"] + [f"  {name}" for name in sorted(groups)]
        return "\n".join(out + ["", "BUNDLED WITH", "   2.5.0", ""])

    gemfile = ['source "https://rubygems.example"', ""]
    for group in ("default", "test", "development"):
        members = [n_ for n_, g in groups.items() if g == group]
        if group == "default":
            gemfile += [f'gem "{m}"' for m in members]
        else:
            gemfile += [f"group :{group} do"] + [f'  gem "{m}"' for m in members] + ["end"]
    for side, versions in (("before", before), ("after", after)):
        (folder / side).mkdir(parents=True, exist_ok=True)
        (folder / side / "Gemfile.lock").write_text(lock(versions))
        (folder / side / "Gemfile").write_text("\n".join(gemfile) + "\n")
    return folder / "before" / "Gemfile.lock", folder / "after" / "Gemfile.lock"


def poetry_pair(folder: Path, n: int, seed: int = 1) -> tuple[Path, Path]:
    names, before, after, deps, groups = _plan(n, seed)

    def lock(versions) -> str:
        out = []
        for name in names:
            group = groups.get(name, "default")
            out.append(f'[[package]]\nname = "{name}"\nversion = "{_v(versions[name])}"\ndescription = ""\n'
                       f'optional = false\npython-versions = ">=3.9"\ngroups = ["{"main" if group == "default" else "dev"}"]\n'
                       f'files = [\n    {{file = "{name}-{_v(versions[name])}-py3-none-any.whl", hash = "sha256:{"0" * 64}"}},\n]\n')
            if deps[name]:
                out.append("\n[package.dependencies]\n" + "".join(
                    f'{d} = "{">=" + r[3:] if r.startswith(">=") else "^" + r[3:]}"\n' for d, r in deps[name]))
            out.append("\n")
        return "".join(out) + '[metadata]\nlock-version = "2.1"\npython-versions = "^3.10"\ncontent-hash = "x"\n'

    main = [m for m, g in groups.items() if g == "default"]
    dev = [m for m, g in groups.items() if g != "default"]
    pyproject = ('[tool.poetry]\nname = "app"\nversion = "0.1.0"\ndescription = ""\nauthors = []\n\n'
                 '[tool.poetry.dependencies]\npython = "^3.10"\n' + "".join(f'{m} = "*"\n' for m in main)
                 + '\n[tool.poetry.group.dev.dependencies]\n' + "".join(f'{m} = "*"\n' for m in dev))
    for side, versions in (("before", before), ("after", after)):
        (folder / side).mkdir(parents=True, exist_ok=True)
        (folder / side / "poetry.lock").write_text(lock(versions))
        (folder / side / "pyproject.toml").write_text(pyproject)
    return folder / "before" / "poetry.lock", folder / "after" / "poetry.lock"


def uv_pair(folder: Path, n: int, seed: int = 1) -> tuple[Path, Path]:
    names, before, after, deps, groups = _plan(n, seed)
    main = [m for m, g in groups.items() if g == "default"]
    dev = [m for m, g in groups.items() if g != "default"]

    def lock(versions) -> str:
        out = ['version = 1\nrevision = 3\nrequires-python = ">=3.10"\n\n',
               '[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\ndependencies = [\n'
               + "".join(f'    {{ name = "{m}" }},\n' for m in main) + "]\n\n[package.dev-dependencies]\ndev = [\n"
               + "".join(f'    {{ name = "{m}" }},\n' for m in dev) + "]\n\n[package.metadata]\nrequires-dist = [\n"
               + "".join(f'    {{ name = "{m}" }},\n' for m in main) + "]\n\n"]
        for name in names:
            out.append(f'[[package]]\nname = "{name}"\nversion = "{_v(versions[name])}"\n'
                       'source = { registry = "https://pypi.example/simple" }\n')
            if deps[name]:
                out.append("dependencies = [\n" + "".join(f'    {{ name = "{d}" }},\n' for d, _ in deps[name]) + "]\n")
            out.append(f'wheels = [\n    {{ url = "https://files.example/{name}-{_v(versions[name])}-py3-none-any.whl", hash = "sha256:{"0" * 64}" }},\n]\n\n')
        return "".join(out)

    pyproject = ('[project]\nname = "app"\nversion = "0.1.0"\nrequires-python = ">=3.10"\ndependencies = [\n'
                 + "".join(f'    "{m}",\n' for m in main) + ']\n\n[dependency-groups]\ndev = [\n'
                 + "".join(f'    "{m}",\n' for m in dev) + "]\n")
    for side, versions in (("before", before), ("after", after)):
        (folder / side).mkdir(parents=True, exist_ok=True)
        (folder / side / "uv.lock").write_text(lock(versions))
        (folder / side / "pyproject.toml").write_text(pyproject)
    return folder / "before" / "uv.lock", folder / "after" / "uv.lock"


GENERATORS = {"gem": gem_pair, "poetry": poetry_pair, "uv": uv_pair}


TOOL_LIMIT = 120.0  # seconds one run of the ecosystem's own tool may take before it is reported as "> limit"
BUNDLER_PARSE = (
    'require "tmpdir"; d = Dir.mktmpdir; File.write(File.join(d, "Gemfile"), ""); '
    'ENV["BUNDLE_GEMFILE"] = File.join(d, "Gemfile"); require "bundler"; '
    "Bundler::LockfileParser.new(File.read(ARGV[0]))"
)


def compiled() -> None:
    """Write the bytecode of every lockrisk module first, as installing the package does: a run with stale or
    missing .pyc files (PYTHONDONTWRITEBYTECODE, a fresh edit) would time the compiler, not lockrisk."""
    import compileall

    compileall.compile_dir(str(ROOT / "lockrisk"), quiet=1)


def _tool(name: str) -> str | None:
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else shutil.which(name)


def tool_command(fmt: str, lock: Path) -> tuple[list[str], dict[str, str]] | None:
    """The ecosystem's own tool doing comparable work on the same lockfile (reading it whole and walking its
    graph): Bundler's LockfileParser, `uv tree`, `poetry show --tree`; None when the tool is not installed."""
    if fmt == "gem":
        ruby = shutil.which("ruby")
        return ([ruby, "-e", BUNDLER_PARSE, str(lock)], {}) if ruby else None
    if fmt == "uv":
        uv = _tool("uv")
        return ([uv, "tree", "--frozen", "--offline", "--directory", str(lock.parent)], {}) if uv else None
    poetry = _tool("poetry")
    if poetry is None:
        return None
    env = {"POETRY_VIRTUALENVS_CREATE": "false", "POETRY_CACHE_DIR": str(lock.parent / ".poetry-cache")}
    return [poetry, "show", "--tree", "--no-ansi", "--no-interaction", "--directory", str(lock.parent)], env


def tool_time(fmt: str, lock: Path, repeat: int) -> float | str | None:
    """Median whole-process seconds of the ecosystem's tool, "> N s" past TOOL_LIMIT, None without the tool."""
    found = tool_command(fmt, lock)
    if found is None:
        return None
    cmd, extra = found
    times = []
    for _ in range(repeat):
        started = time.monotonic()
        try:
            proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, **extra}, timeout=TOOL_LIMIT)
        except subprocess.TimeoutExpired:
            return f"> {TOOL_LIMIT:.0f} s"
        if proc.returncode != 0:
            return None
        times.append(time.monotonic() - started)
    return statistics.median(times)


def _lockrisk() -> list[str]:
    """The command as users run it: the installed `lockrisk` script when there is one (it peaks lower in memory
    than `python -m lockrisk`, which keeps the module being run alive), else the module."""
    script = Path(sys.executable).with_name("lockrisk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "lockrisk"]


def measure(old: Path, new: Path, repeat: int = 3) -> tuple[float, float]:
    """Median seconds and peak MB of `lockrisk diff --offline -f json` over `repeat` runs."""
    times, peaks = [], []
    # the peak is read by GNU time in a small process of its own: a child forked from this one (which holds the
    # generated text) would count this process's memory as its own
    timer = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    for _ in range(repeat):
        started = time.monotonic()
        proc = subprocess.run([*timer, *_lockrisk(), "diff", str(old), str(new), "--offline",
                               "-f", "json", "--deadline", "0"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True)
        times.append(time.monotonic() - started)
        last = proc.stderr.strip().splitlines()[-1:] if timer else []
        peaks.append(int(last[0]) / 1024 if last and last[0].isdigit() else float("nan"))
        if proc.returncode not in (0, 1):
            raise SystemExit(f"lockrisk failed on {new}: {proc.stderr[-500:]}")
    return statistics.median(times), max(peaks)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--formats", default="gem,poetry,uv")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-tools", action="store_true", help="skip the ecosystem tools' timings")
    opts = parser.parse_args(argv)
    sizes = [int(s) for s in opts.sizes.split(",")]
    compiled()
    print(f"{'format':8} {'packages':>9} {'lock MB':>8} {'median s':>9} {'peak MB':>8} {'x time vs previous':>19} "
          f"{'own tool s':>11} {'lockrisk / tool':>16}")
    for fmt in opts.formats.split(","):
        previous = None
        for n in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                old, new = GENERATORS[fmt](Path(tmp), n)
                seconds, peak = measure(old, new, opts.repeat)
                tool = None if opts.no_tools else tool_time(fmt, new, opts.repeat)
                ratio = f"{seconds / previous:.1f}" if previous else ""
                shown = "n/a" if tool is None else tool if isinstance(tool, str) else f"{tool:.2f}"
                versus = f"{seconds / tool:.2f}" if isinstance(tool, float) else ""
                print(f"{fmt:8} {n:9d} {new.stat().st_size / 1e6:8.1f} {seconds:9.2f} {peak:8.0f} {ratio:>19} "
                      f"{shown:>11} {versus:>16}", flush=True)
                previous = seconds
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
