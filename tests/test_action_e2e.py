"""action.yml itself, run the way a runner runs it: its steps interpreted in order (`uses:` steps stood in
for), `${{ }}` expressions evaluated, each `run:` executed by bash with the environment the runner gives,
against a real git repository shaped like a Rails pull request and a GitHub API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import fixture
from fake_github import FakeGitHub
from test_ci import git

ROOT = Path(__file__).resolve().parent.parent
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="the action's steps run in bash")


class Runner:
    """The parts of a GitHub runner a composite action meets."""

    def __init__(self, tmp: Path, repo: Path, api: str, inputs: dict[str, str]) -> None:
        self.action = yaml.safe_load((ROOT / "action.yml").read_text())
        self.tmp, self.repo, self.api = tmp, repo, api
        self.inputs = {name: str(spec.get("default", "")) for name, spec in self.action["inputs"].items()}
        self.inputs.update(inputs)
        self.steps: dict[str, dict[str, str]] = {}
        self.log = ""

    def value(self, expression: str) -> str:
        scope, _, rest = expression.partition(".")
        if scope == "inputs":
            return self.inputs.get(rest, "")
        if scope == "steps":
            step, _, output = rest.partition(".outputs.")
            return self.steps.get(step, {}).get(output, "")
        if scope == "github":
            return {"action_path": str(ROOT), "token": "t0ken"}[rest]
        if scope == "runner":
            return {"os": "Linux", "arch": "X64"}[rest]
        raise AssertionError(f"expression the test runner does not know: {expression}")

    def evaluate(self, text: str) -> str:
        def one(m: re.Match[str]) -> str:
            expr = m.group(1)
            cmp = re.fullmatch(r"(\S+)\s*(==|!=)\s*'([^']*)'", expr)
            if cmp:
                equal = self.value(cmp.group(1)) == cmp.group(3)
                return "true" if equal == (cmp.group(2) == "==") else "false"
            return self.value(expr)
        return EXPR.sub(one, text)

    def condition(self, text: str) -> bool:
        return self.evaluate(text if "${{" in text else "${{ " + text + " }}") == "true"

    def stand_in(self, step: dict) -> dict[str, str]:
        """What a `uses:` step leaves behind: setup-python's outputs, a cache that restores the environment."""
        name = step["uses"].split("@")[0]
        if name == "actions/setup-python":
            return {"python-path": sys.executable, "python-version": "3.12.0"}
        if name == "actions/cache":
            target = Path(self.evaluate(step["with"]["path"]))
            if not target.exists():
                target.symlink_to(Path(sys.prefix), target_is_directory=True)  # the restored environment
            assert self.evaluate(step["with"]["key"]).count("-") >= 4
            return {"cache-hit": "true"}
        raise AssertionError(f"no stand-in for {name}")

    def run(self, env: dict[str, str]) -> int:
        status = 0
        for index, step in enumerate(self.action["runs"]["steps"]):
            sid = step.get("id", f"step{index}")
            if "if" in step and not self.condition(step["if"]):
                continue
            if "uses" in step:
                self.steps[sid] = self.stand_in(step)
                continue
            output = self.tmp / f"output-{sid}.txt"
            output.write_text("")
            step_env = {**env, "GITHUB_OUTPUT": str(output)}
            step_env.update({k: self.evaluate(str(v)) for k, v in step.get("env", {}).items()})
            assert "${{" not in step["run"]  # the runner would splice it into the script: never done
            proc = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=self.repo, env=step_env,
                                  capture_output=True, text=True, timeout=120)
            self.log += proc.stdout + proc.stderr
            self.steps[sid] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
            if proc.returncode != 0:
                status = proc.returncode
                break
        return status

    def outputs(self) -> dict[str, str]:
        return {name: self.evaluate(spec["value"]) for name, spec in self.action["outputs"].items()}


def _rails_pull_request(tmp: Path) -> tuple[Path, str]:
    """A Rails app whose Gemfile says `gem "puma"` (no version): the update floats puma 5 -> 6 beside the
    transitive connection_pool 2 -> 3."""
    repo = tmp / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for side in ("before", "after"):
        gemfile = fixture("rubygems", "incident", side, "Gemfile").read_text()
        lock = fixture("rubygems", "incident", side, "Gemfile.lock").read_text()
        (repo / "Gemfile").write_text(gemfile.replace('gem "puma", ">= 5.0"', 'gem "puma"'))
        lock = lock.replace("\n  puma (>= 5.0)\n", "\n  puma\n")
        if side == "before":
            lock = lock.replace("    puma (6.6.1)\n", "    puma (5.6.9)\n")
        (repo / "Gemfile.lock").write_text(lock)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", side)
        if side == "before":
            base = git(repo, "rev-parse", "HEAD")
    return repo, base


def _environment(tmp: Path, api: str, base: str) -> dict[str, str]:
    event = tmp / "event.json"
    event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7, "base": {"sha": base}}}))
    summary = tmp / "summary.md"
    summary.write_text("")
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "SYSTEMROOT", "TMPDIR")}
    return {**keep, "GITHUB_ACTIONS": "true", "GITHUB_ACTION_PATH": str(ROOT), "RUNNER_TEMP": str(tmp),
            "GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": "acme/shop",
            "GITHUB_API_URL": api, "GITHUB_SERVER_URL": "https://github.example", "GITHUB_RUN_ID": "42",
            "GITHUB_WORKFLOW": "lockrisk", "GITHUB_JOB": "review", "GITHUB_STEP_SUMMARY": str(summary),
            "LOCKRISK_CACHE_DIR": str(tmp / "cache")}


def test_the_action_on_a_rails_pull_request_creates_updates_and_resolves_one_comment(tmp_path: Path) -> None:
    repo, base = _rails_pull_request(tmp_path)
    with FakeGitHub() as api:
        for i in range(120):  # a busy pull request: the listing pages
            api.comments.append({"id": i + 1, "body": f"comment {i}", "url": f"{api.api}/c/{i + 1}",
                                 "html_url": "h", "user": {"login": f"user{i}"}})
        api.next_id = 121
        inputs = {"offline": "true", "fail-on": "high"}

        first = Runner(tmp_path, repo, api.api, inputs)
        assert first.run(_environment(tmp_path, api.api, base)) == 1, first.log
        assert re.search(r"^lockrisk \d", first.log, re.M)  # the action prints its own version
        lock_lines = (repo / "Gemfile.lock").read_text().splitlines()
        for name, version in (("connection_pool", "3.0.2"), ("puma", "6.6.1")):
            line = lock_lines.index(f"    {name} ({version})") + 1
            assert re.search(rf"^::(error|warning|notice) file=Gemfile.lock,line={line},", first.log, re.M), name
        summary = (tmp_path / "summary.md").read_text()
        assert "connection_pool" in summary and "puma" in summary
        outputs = first.outputs()
        assert outputs["highest-severity"] == "critical" and int(outputs["findings"]) >= 2
        assert json.loads(Path(outputs["report"]).read_text())["schema"] == "lockrisk/report-v1"
        ours = [c for c in api.comments if c["body"].startswith("<!-- lockrisk:report")]
        assert len(ours) == 1 and "connection_pool" in ours[0]["body"]

        (repo / "README.md").write_text("a second push\n")  # same lockfiles: the comment is kept in place
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "second push")
        second = Runner(tmp_path, repo, api.api, inputs)
        assert second.run(_environment(tmp_path, api.api, base)) == 1, second.log
        ours = [c for c in api.comments if c["body"].startswith("<!-- lockrisk:report")]
        assert len(ours) == 1 and api.posts == 1

        for name in ("Gemfile", "Gemfile.lock"):  # the third push takes the update back
            (repo / name).write_bytes(subprocess.run(["git", "show", f"{base}:{name}"], cwd=repo,
                                                     capture_output=True, check=True).stdout)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", "revert the update")
        third = Runner(tmp_path, repo, api.api, inputs)
        assert third.run(_environment(tmp_path, api.api, base)) == 0, third.log
        ours = [c for c in api.comments if c["body"].startswith("<!-- lockrisk:report")]
        assert len(ours) == 1 and "resolved" in ours[0]["body"] and api.posts == 1
        assert len(api.comments) == 121  # nobody else's comment was touched
