"""Reading lockfile versions from git: auto-detection, several lockfiles, the working tree."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from conftest import fixture


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=repo,
                   check=True, capture_output=True)


def copy_side(repo: Path, side: str) -> None:
    for eco, sub, names in (("rubygems", "app", ("Gemfile", "Gemfile.lock")),
                            ("pypi", "services/api", ("pyproject.toml", "poetry.lock"))):
        (repo / sub).mkdir(parents=True, exist_ok=True)
        for name in names:
            shutil.copy(fixture(eco, "incident", side, name), repo / sub / name)


def make_repo(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    copy_side(repo, "before")
    (repo / "README").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "before")
    copy_side(repo, "after")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "after")
    return repo


def test_finds_every_changed_lockfile_between_two_revisions(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "--format", "json"], cwd=repo)
    assert result.code == 0, result.err
    report = result.json()
    assert [lf["path"] for lf in report["lockfiles"]] == ["app/Gemfile.lock", "services/api/poetry.lock"]
    tops = {c["lockfile"]: c["name"] for c in reversed(report["changes"]) if c["severity"] in ("critical", "high")}
    assert report["changes"][0]["name"] == "connection_pool"
    assert tops["services/api/poetry.lock"] in ("sqlalchemy", "werkzeug")
    # groups were read from the manifests at the same revision
    pytest_change = next(c for c in report["changes"] if c["name"] == "pytest")
    assert pytest_change["tier"] == "test" and pytest_change["severity"] == "low"


def test_working_tree_is_the_default_head(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    # put the old lockfile back in the working tree: against HEAD~1 there is no change left
    shutil.copy(fixture("rubygems", "incident", "before", "Gemfile.lock"), repo / "app" / "Gemfile.lock")
    result = cli(["diff", "--base", "HEAD~1", "--format", "json", "app/Gemfile.lock"], cwd=repo)
    assert result.code == 0, result.err
    assert result.json()["changes"] == []
    assert result.json()["lockfiles"][0]["head"] == "working tree"


def test_paths_are_relative_to_where_the_command_runs(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "-f", "json", "poetry.lock"], cwd=repo / "services" / "api")
    assert result.code == 0, result.err
    assert [lf["path"] for lf in result.json()["lockfiles"]] == ["services/api/poetry.lock"]


def test_nothing_changed_says_so(cli, tmp_path: Path) -> None:
    repo = make_repo(tmp_path)
    result = cli(["diff", "--base", "HEAD", "--head", "HEAD", "-f", "text"], cwd=repo)
    assert result.code == 0
    assert "no risky changes found" in result.out
    assert "no Gemfile.lock, poetry.lock or uv.lock changed between HEAD and HEAD" in result.out


def test_a_new_lockfile_counts_every_package_as_added(cli, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "README").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "empty")
    shutil.copy(fixture("rubygems", "incident", "after", "Gemfile.lock"), repo / "Gemfile.lock")
    result = cli(["diff", "--base", "HEAD", "-f", "json"], cwd=repo)
    assert result.code == 0, result.err
    kinds = {c["jump"] for c in result.json()["changes"]}
    assert kinds == {"added"}
    assert any("is new in working tree" in n for n in result.json()["notes"])


def test_diff_against_a_base_reads_settings_from_the_base_unless_told_otherwise(cli, tmp_path, monkeypatch) -> None:
    """A branch that adds `[[ignore]]` for its own findings does not quiet `diff --base` either."""
    from test_ci import make_repo, git as commit_git

    repo, base = make_repo(tmp_path)
    (repo / ".lockrisk.toml").write_text('[[ignore]]\nname = "connection_pool"\nreason = "trust me"\n')
    commit_git(repo, "add", "-A")
    commit_git(repo, "commit", "-qm", "quiet please")
    monkeypatch.chdir(repo)
    trusted = cli(["diff", "--base", base, "--head", "HEAD", "-f", "json", "--fail-on", "high"])
    assert trusted.code == 1, trusted.err
    assert "connection_pool" in {c["name"] for c in trusted.json()["changes"] if c["severity"] == "critical"}
    assert any("--trusted-config base" in n for n in trusted.json()["notes"])
    local = cli(["diff", "--base", base, "--head", "HEAD", "-f", "json", "--trusted-config", "head"])
    ignored = [c for c in local.json()["changes"] if c["name"] == "connection_pool"]
    assert not ignored or ignored[0]["severity"] != "critical"
    bad = cli(["diff", "--base", base, "--trusted-config", "pr"])
    assert bad.code == 2 and "not base or head" in bad.err


def test_a_monorepo_reads_its_lockfiles_through_one_git_process(cli, tmp_path, monkeypatch) -> None:
    """Twenty changed lockfiles: the number of git processes does not grow with them (one cat-file --batch)."""
    import shutil
    import subprocess

    from conftest import fixture
    from test_ci import git as commit_git

    from lockrisk import gitsource

    repo = tmp_path / "mono"
    repo.mkdir()
    commit_git(repo, "init", "-q", "-b", "main")
    for side in ("before", "after"):
        for i in range(20):
            (repo / f"svc{i}").mkdir(exist_ok=True)
            for name in ("Gemfile", "Gemfile.lock"):
                shutil.copy(fixture("rubygems", "incident", side, name), repo / f"svc{i}" / name)
        commit_git(repo, "add", "-A")
        commit_git(repo, "commit", "-qm", side)
    started = []
    real_run, real_popen = subprocess.run, subprocess.Popen

    def run(args, *a, **k):
        if args and args[0] == "git":
            started.append(args[1])
        return real_run(args, *a, **k)

    class Popen(real_popen):
        def __init__(self, args, *a, **k):
            if args and args[0] == "git":
                started.append(args[1])
            super().__init__(args, *a, **k)

    monkeypatch.setattr(gitsource.subprocess, "run", run)
    monkeypatch.setattr(gitsource.subprocess, "Popen", Popen)
    monkeypatch.chdir(repo)
    result = cli(["diff", "--base", "HEAD~1", "--head", "HEAD", "-f", "json", "--fail-on", "none"])
    assert result.code == 0, result.err
    assert len(result.json()["lockfiles"]) == 20
    # one batch reader for the lockfiles and one for the base revision's settings; the rest is a fixed
    # handful of rev-parse and diff calls (git show per file used to start 80 processes here)
    assert started.count("cat-file") <= 2 and "show" not in started, started
    assert len(started) < 20, started
