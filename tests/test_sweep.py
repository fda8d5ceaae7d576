"""Every command, in every format, on every real before/after pair in ../shared/corpus.

The pairs are real lockfile histories exactly as projects committed them (`sweep/`: consecutive
commits of 15 projects; `rubygems/`, `pypi/`: chosen upgrades). For each pair, in process:

- `diff` as table (80 and 200 columns), text, json, markdown and sarif;
- `why` for every package the change moved or added;
- `pin` printed, as json, as a patch, and written into a scratch copy of the manifest (then again,
  which must change nothing);
- `audit --offline` on the new lockfile;
- `lockrisk ci` in a temporary git repository with a simulated GitHub Actions environment.

Nothing may crash (exit 2 or an internal error), no pin may be empty, and every written manifest
must still be valid: TOML that parses with each pin readable by packaging, and Gemfiles that pass
`ruby -c` where Ruby is installed. Set LOCKRISK_SWEEP_STATS=FILE to get the figures as JSON.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import responses

from conftest import CORPUS, requires_corpus
from test_ci import actions_env, git, outputs

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

pytestmark = requires_corpus

LOCKS = ("Gemfile.lock", "poetry.lock", "uv.lock")
STATS: dict = {"pairs": 0, "commands": 0, "pins": 0, "written": 0, "seconds": 0.0, "high_or_above": []}


def _cases() -> list[Path]:
    return sorted(meta.parent for meta in CORPUS.rglob("meta.toml")) if CORPUS.is_dir() else []


def _lock(side: Path) -> Path:
    return next(side / name for name in LOCKS if (side / name).is_file())


@pytest.fixture(scope="module", autouse=True)
def _figures():
    yield
    target = os.environ.get("LOCKRISK_SWEEP_STATS")
    if target:
        import statistics

        loud = STATS["high_or_above"]
        figures = {k: v for k, v in STATS.items() if k != "high_or_above"}
        if loud:
            figures.update(high_or_above_median=statistics.median(loud), high_or_above_max=max(loud),
                           pairs_with_any_high=sum(1 for n in loud if n))
        Path(target).write_text(json.dumps(figures, indent=2) + "\n")


class Runner:
    """Runs the command line in process and fails on any crash, saying which command it was."""

    def __init__(self, cli, case: str) -> None:
        self.cli, self.case = cli, case

    def __call__(self, args: list, cwd: Path | None = None, ok: tuple[int, ...] = (0,)):
        result = self.cli([str(a) for a in args], cwd=cwd)
        STATS["commands"] += 1
        shown = " ".join(str(a) for a in args)
        assert "internal error" not in result.err, f"{self.case}: lockrisk {shown}: {result.err}"
        assert result.code in ok, f"{self.case}: lockrisk {shown} exited {result.code}: {result.err}"
        return result


def _pyproject_requirements(doc: dict, name: str) -> list[str]:
    """Every constraint the pyproject states for `name`, as PEP 440 specifier text."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    key = canonicalize_name(name)
    found: list[str] = []
    lists = [doc.get("project", {}).get("dependencies", [])]
    lists += list(doc.get("project", {}).get("optional-dependencies", {}).values())
    lists += list(doc.get("dependency-groups", {}).values())
    uv = doc.get("tool", {}).get("uv", {})
    lists += [uv.get(k, []) for k in ("constraint-dependencies", "dev-dependencies", "override-dependencies")]
    for items in lists:
        for item in items:
            if isinstance(item, str) and canonicalize_name(Requirement(item).name) == key:
                found.append(str(Requirement(item).specifier))
    poetry = doc.get("tool", {}).get("poetry", {})
    tables = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    tables += [g.get("dependencies", {}) for g in poetry.get("group", {}).values()]
    for table in tables:
        for dep, value in table.items():
            if canonicalize_name(dep) == key:
                found.append(value if isinstance(value, str) else value.get("version", "") if isinstance(value, dict) else "")
    return found


def _check_written_pyproject(case: str, path: Path, pins: list[dict], locks: tuple[dict, dict]) -> None:
    from packaging.specifiers import SpecifierSet

    doc = tomllib.loads(path.read_text(encoding="utf-8"))  # still TOML
    for pin in pins:
        old, new = locks[0][pin["key"]], locks[1][pin["key"]]
        specs = [SpecifierSet(s) for s in _pyproject_requirements(doc, pin["name"])]
        assert specs, f"{case}: the pin for {pin['name']} is not in {path.name}"
        assert any(not s.contains(new, prereleases=True) for s in specs), f"{case}: {pin['name']} {new} still allowed"
        assert all(s.contains(old, prereleases=True) for s in specs), f"{case}: {pin['name']} {old} not allowed"


def _git_repo(root: Path, case: Path, rel: str) -> tuple[Path, str]:
    """A repository whose two commits hold the pair's before and after files at the lockfile's real path."""
    repo = root / "repo"
    folder = repo / Path(rel).parent
    folder.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    for side in ("before", "after"):
        for item in (case / side).iterdir():
            shutil.copy(item, folder / item.name)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", side)
    return repo, git(repo, "rev-parse", "HEAD~1")


@pytest.mark.parametrize("case", _cases(), ids=lambda p: str(p.relative_to(CORPUS)))
def test_every_command_on_a_real_pair(case: Path, cli, tmp_path: Path, monkeypatch) -> None:
    started = time.perf_counter()
    name = str(case.relative_to(CORPUS))
    run = Runner(cli, name)
    work = tmp_path / "pair"
    shutil.copytree(case / "before", work / "before")
    shutil.copytree(case / "after", work / "after")
    lock = _lock(work / "after").name
    before, after = f"before/{_lock(work / 'before').name}", f"after/{lock}"
    manifest = work / "after" / ("Gemfile" if lock == "Gemfile.lock" else "pyproject.toml")

    # diff, every format
    report = run(["diff", before, after, "-f", "json"], cwd=work).json()
    # every move is in the report: as a finding of its own or inside the finding of the move that caused it
    from lockrisk.diff import diff_lockfiles
    from lockrisk.parsers import load_path

    moves = {c.name for c in diff_lockfiles(load_path(work / before), load_path(work / after))}
    shown = {c["name"] for c in report["changes"]} | {m for c in report["changes"] for m in c["family_members"]}
    assert moves <= shown, sorted(moves - shown)
    notable = [c for c in report["changes"] if c["severity"] != "info"]
    loud = [c for c in report["changes"] if c["severity"] in ("critical", "high")]
    STATS["high_or_above"].append(len(loud))
    for change in loud:  # nothing is high without evidence that calls for it
        assert any(e["level"] in ("critical", "high") for e in change["evidence"]), f"{name}: {change['name']}"
    for width in (80, 200):
        monkeypatch.setenv("COLUMNS", str(width))
        table = run(["diff", before, after, "-f", "table"], cwd=work).out
        for change in notable:  # names are never folded mid-word: whole, or cut with an ellipsis
            shown = change["name"]
            assert shown in table or re.search(re.escape(shown[:8]) + r"\S*…", table), f"{name}: {shown} split"
    text = run(["diff", before, after, "-f", "text"], cwd=work).out
    assert text.startswith(after)
    markdown = run(["diff", before, after, "-f", "markdown"], cwd=work).out
    assert "**lockrisk**" in markdown.splitlines()[0]
    sarif = json.loads(run(["diff", before, after, "-f", "sarif"], cwd=work).out)
    assert sarif["version"] == "2.1.0" and len(sarif["runs"][0]["results"]) == len(notable)

    # why, for every package the change moved or added (one call names them all)
    moved = [c for c in report["changes"] if c["to"] is not None]
    if moved:
        names = list(dict.fromkeys(c["name"] for c in moved))  # a forked package moves once per fork
        out = run(["why", *names, after, "-f", "text"], cwd=work).out
        for change in moved:
            assert f"\n{change['name']} {change['to']}  (" in "\n" + out, f"{name}: why {change['name']}"
        entries = run(["why", *names, after, "-f", "json"], cwd=work).json()
        entries = entries if isinstance(entries, list) else [entries]
        assert [e["name"] for e in entries] == names
        locked = {(e["name"], v) for e in entries for v in [e["version"], *(f["version"] for f in e.get("forks", ()))]}
        assert {(c["name"], c["to"]) for c in moved} <= locked

    # pin: printed, json, patch, written (twice)
    run(["pin", before, after], cwd=work)
    pins = run(["pin", before, after, "-f", "json", "--pin-at", "low"], cwd=work).json()["pins"]
    STATS["pins"] += len(pins)
    for pin in pins:
        assert pin["name"] and pin["action"] in ("insert", "edit", "pinned", "manual", "blocked"), pin
        if pin["action"] in ("insert", "edit"):
            assert pin["text"].strip() and pin["requirement"], f"{name}: empty pin for {pin['name']}"
        else:
            assert pin["blocked_by"] or pin["notes"], f"{name}: {pin['name']} {pin['action']} without a reason"
    run(["pin", before, after, "--patch", "--pin-at", "low"], cwd=work, ok=(0, 1))
    original = manifest.read_bytes() if manifest.is_file() else None
    run(["pin", before, after, "--write", "--pin-at", "low"], cwd=work, ok=(0, 1))
    if original is not None and manifest.read_bytes() != original:
        STATS["written"] += 1
        written = manifest.read_bytes()
        if lock == "Gemfile.lock":
            if shutil.which("ruby"):
                check = subprocess.run(["ruby", "-c", str(manifest)], capture_output=True, text=True)
                assert check.returncode == 0, f"{name}: written Gemfile: {check.stderr}"
        else:
            versions = tuple({c["key"]: c[side] for c in report["changes"]} for side in ("from", "to"))
            writable = [p for p in pins if p["action"] in ("insert", "edit")]
            _check_written_pyproject(name, manifest, writable, versions)
        run(["pin", before, after, "--write", "--pin-at", "low"], cwd=work, ok=(0, 1))
        assert manifest.read_bytes() == written, f"{name}: a second --write changed the manifest"

    # audit, offline
    run(["audit", after, "--offline", "-f", "text"], cwd=work)

    # the Action: git mode, a pull_request event, the GitHub API answering on the wire
    meta = tomllib.loads((case / "meta.toml").read_text())
    rel = meta.get("lockfile") or lock
    repo, base = _git_repo(tmp_path, case, rel)
    env = actions_env(tmp_path, base)
    from lockrisk.ci import run_ci

    api = env["GITHUB_API_URL"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as wire:
        wire.get(re.compile(re.escape(api) + r"/repos/.*/comments.*"), json=[])
        posted = wire.post(re.compile(re.escape(api) + r"/repos/.*/comments"), json={"html_url": "x"}, status=201)
        code = run_ci(env=env, cwd=repo, sleep=lambda s: None)
    STATS["commands"] += 1
    assert code in (0, 1), name
    got = outputs(tmp_path)
    ci_report = json.loads(Path(got["report"]).read_text())
    assert [lf["path"] for lf in ci_report["lockfiles"]] == [rel]
    assert len(ci_report["changes"]) == len(report["changes"])
    assert (tmp_path / "summary.md").read_text().strip()
    assert len(posted.calls) == (1 if int(got["findings"]) else 0)
    STATS["pairs"] += 1
    STATS["seconds"] += time.perf_counter() - started
