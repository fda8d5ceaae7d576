"""`lockrisk ci` end to end: a temporary repository, a simulated Actions environment, the GitHub API on the wire."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import responses

from conftest import fixture
from lockrisk.ci import run_ci
from lockrisk.github.comment import MARKER

API = "https://github.example/api/v3"  # a GitHub Enterprise Server style API root
COMMENTS = f"{API}/repos/acme/shop/issues/7/comments"
BOT = {"login": "github-actions[bot]", "type": "Bot"}  # who the workflow token writes as


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args], cwd=repo,
                          check=True, capture_output=True, text=True).stdout.strip()


def make_repo(tmp_path: Path, after: str = "after") -> tuple[Path, str]:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name in ("Gemfile", "Gemfile.lock"):
        shutil.copy(fixture("rubygems", "incident", "before", name), repo / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "before")
    base = git(repo, "rev-parse", "HEAD")
    for name in ("Gemfile", "Gemfile.lock"):
        shutil.copy(fixture("rubygems", "incident", after, name), repo / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "after", "--allow-empty")
    return repo, base


def actions_env(tmp_path: Path, base: str, **extra: str) -> dict[str, str]:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"number": 7, "pull_request": {"number": 7, "base": {"sha": base},
                                                               "head": {"sha": "f" * 40}}}))
    env = {
        "GITHUB_EVENT_PATH": str(event), "GITHUB_EVENT_NAME": "pull_request", "GITHUB_REPOSITORY": "acme/shop",
        "GITHUB_API_URL": API, "GITHUB_SERVER_URL": "https://github.example", "GITHUB_RUN_ID": "42",
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
        "RUNNER_TEMP": str(tmp_path), "LOCKRISK_GITHUB_TOKEN": "t0ken-value",
        "LOCKRISK_OFFLINE": "true",  # the action's `offline` input; online runs replay the registry on the wire
    }
    (tmp_path / "summary.md").write_text("")
    (tmp_path / "output.txt").write_text("")
    env.update(extra)
    return env


def outputs(tmp_path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (tmp_path / "output.txt").read_text().splitlines())


def no_sleep(seconds: float) -> None:
    pass


@responses.activate(assert_all_requests_are_fired=True)
def test_pull_request_run_writes_summary_annotations_outputs_and_comment(tmp_path: Path, capsys) -> None:
    repo, base = make_repo(tmp_path)
    responses.get(COMMENTS, json=[])
    created = responses.post(COMMENTS, json={"html_url": "https://github.example/acme/shop/pull/7#c1"}, status=201)
    env = actions_env(tmp_path, base, LOCKRISK_SARIF="out.sarif")
    code = run_ci(env=env, cwd=repo, sleep=no_sleep)
    out, err = capsys.readouterr()
    assert code == 1  # connection_pool is critical, fail-on defaults to high
    assert "lockrisk: connection_pool 2.5.5 -> 3.0.2 in Gemfile.lock is critical (fail-on: high)" in err
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("🟥 **lockrisk**: ")
    assert "<code>connection\\_pool</code>" in summary and "gem \"connection_pool\", \"~> 2.5\"" in summary
    line = next(i for i, ln in enumerate((repo / "Gemfile.lock").read_text().splitlines(), 1)
                if ln == "    connection_pool (3.0.2)")
    assert re.search(rf"^::error file=Gemfile.lock,line={line},title=lockrisk critical%3A connection_pool", out, re.M)
    assert re.search(r"^::notice file=Gemfile.lock,line=\d+,title=lockrisk low%3A minitest", out, re.M)
    got = outputs(tmp_path)
    assert got["highest-severity"] == "critical" and got["findings"] == "3"
    report = json.loads(Path(got["report"]).read_text())
    assert report["changes"][0]["name"] == "connection_pool"
    body = json.loads(created.calls[0].request.body)["body"]
    assert body.startswith(MARKER + "\n") and len(body) <= 65536
    assert created.calls[0].request.headers["Authorization"] == "Bearer t0ken-value"
    assert "t0ken-value" not in out + err + summary
    sarif = json.loads((repo / "out.sarif").read_text())
    assert sarif["version"] == "2.1.0"
    result = sarif["runs"][0]["results"][0]
    assert result["ruleId"] == "floated-major" and result["level"] == "error"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == line
    rule_ids = [r["id"] for r in sarif["runs"][0]["tool"]["driver"]["rules"]]
    assert all(rule_ids[r["ruleIndex"]] == r["ruleId"] for r in sarif["runs"][0]["results"])


@responses.activate(assert_all_requests_are_fired=True)
def test_finds_its_comment_on_a_later_page_and_updates_it(tmp_path: Path, capsys) -> None:
    repo, base = make_repo(tmp_path)
    page2 = f"{API}/repositories/1/issues/7/comments?per_page=100&page=2"
    responses.get(COMMENTS, json=[{"body": "looks good", "url": f"{API}/c/1"}] * 100,
                  headers={"Link": f'<{page2}>; rel="next"'})
    responses.get(page2, json=[{"body": f"{MARKER}\nold report", "url": f"{API}/repos/acme/shop/issues/comments/99",
                                "html_url": "x", "id": 99, "user": BOT}])
    patched = responses.patch(f"{API}/repos/acme/shop/issues/comments/99", json={"html_url": "y"})
    assert run_ci(env=actions_env(tmp_path, base), cwd=repo, sleep=no_sleep) == 1
    assert json.loads(patched.calls[0].request.body)["body"].startswith(MARKER)
    assert "pull-request comment updated" in capsys.readouterr().out


@responses.activate(assert_all_requests_are_fired=True)
def test_a_clean_push_rewrites_the_comment_as_resolved(tmp_path: Path) -> None:
    repo, base = make_repo(tmp_path, after="before")  # the second commit puts nothing risky in
    responses.get(COMMENTS, json=[{"body": f"{MARKER}\nold report", "url": f"{API}/c/5", "html_url": "x", "id": 5,
                                   "user": BOT}])
    patched = responses.patch(f"{API}/c/5", json={"html_url": "x"})
    assert run_ci(env=actions_env(tmp_path, base), cwd=repo, sleep=no_sleep) == 0
    assert "resolved" in json.loads(patched.calls[0].request.body)["body"]
    assert outputs(tmp_path)["highest-severity"] == "none"


@responses.activate(assert_all_requests_are_fired=True)
def test_no_comment_is_created_when_nothing_is_risky(tmp_path: Path) -> None:
    repo, base = make_repo(tmp_path, after="before")
    responses.get(COMMENTS, json=[])
    assert run_ci(env=actions_env(tmp_path, base), cwd=repo, sleep=no_sleep) == 0


@pytest.mark.parametrize("status", [403, 404])
@responses.activate(assert_all_requests_are_fired=True)
def test_read_only_token_falls_back_to_the_summary(tmp_path: Path, capsys, status: int) -> None:
    repo, base = make_repo(tmp_path)
    responses.get(COMMENTS, json=[])
    responses.post(COMMENTS, json={"message": "Resource not accessible by integration"}, status=status)
    code = run_ci(env=actions_env(tmp_path, base, LOCKRISK_FAIL_ON="critical"), cwd=repo, sleep=no_sleep)
    out = capsys.readouterr().out
    assert code == 1  # the finding still fails the step; the 403 itself never does
    notices = [ln for ln in out.splitlines() if ln.startswith("::notice::lockrisk: the token cannot comment")]
    assert len(notices) == 1 and f"HTTP {status}" in notices[0]
    assert "connection_pool" in (tmp_path / "summary.md").read_text()


@responses.activate(assert_all_requests_are_fired=True)
def test_server_errors_and_rate_limits_are_retried(tmp_path: Path) -> None:
    repo, base = make_repo(tmp_path)
    waits: list[float] = []
    responses.get(COMMENTS, status=502)
    responses.get(COMMENTS, status=403, json={"message": "You have exceeded a secondary rate limit"},
                  headers={"Retry-After": "3"})
    responses.get(COMMENTS, json=[])
    responses.post(COMMENTS, status=500)
    created = responses.post(COMMENTS, json={"html_url": "z"}, status=201)
    assert run_ci(env=actions_env(tmp_path, base, LOCKRISK_FAIL_ON="critical"), cwd=repo, sleep=waits.append) == 1
    assert len(created.calls) == 1
    assert waits == [1.0, 3.0, 1.0]


def test_files_mode_needs_no_git_and_no_token(tmp_path: Path, capsys) -> None:
    env = actions_env(tmp_path, "0" * 40, LOCKRISK_COMMENT="false", LOCKRISK_FAIL_ON="critical",
                      LOCKRISK_FILES=f"{fixture('pypi', 'incident', 'before', 'poetry.lock')} "
                                     f"{fixture('pypi', 'incident', 'after', 'poetry.lock')}")
    assert run_ci(env=env, cwd=tmp_path) == 0
    assert outputs(tmp_path)["highest-severity"] == "high"


def test_missing_base_is_a_clear_error(cli, tmp_path: Path, monkeypatch) -> None:
    for key in ("GITHUB_EVENT_PATH", "LOCKRISK_BASE", "LOCKRISK_FILES"):
        monkeypatch.delenv(key, raising=False)
    result = cli(["ci"], cwd=tmp_path)
    assert result.code == 2
    assert result.err == ("lockrisk: error: no base revision: set the `base` input, or run on a pull_request "
                          "event\n")


def test_comment_budget_keeps_the_verdict_and_points_to_the_summary() -> None:
    from lockrisk.pipeline import build_report, pair_from_files
    from lockrisk.render.markdown import render_comment

    pair = pair_from_files(fixture("rubygems", "incident", "before", "Gemfile.lock"),
                           fixture("rubygems", "incident", "after", "Gemfile.lock"))
    report = build_report("ci", [pair])
    full = render_comment(report, limit=65536, full_report_url="https://github.example/run/1")
    short = render_comment(report, limit=900, full_report_url="https://github.example/run/1")
    assert len(short) <= 900 < len(full)
    assert short.startswith("🟥 **lockrisk**") and "https://github.example/run/1" in short


def test_job_summary_stays_under_its_cap() -> None:
    from lockrisk.pipeline import build_report, pair_from_files
    from lockrisk.render.markdown import SUMMARY_MARGIN, render_markdown, render_summary

    pair = pair_from_files(fixture("hostile", "before", "poetry.lock"), fixture("hostile", "after", "poetry.lock"))
    report = build_report("ci", [pair])
    full = render_markdown(report)
    limit = len(full.encode()) // 2
    cut = render_summary(report, limit_bytes=limit)
    assert len(cut.encode()) <= limit
    assert cut.startswith(full.splitlines()[0]) and "cut to stay under the size limit" in cut
    assert cut.count("<details>") == cut.count("</details>")  # cut between whole blocks
    assert render_summary(report, limit_bytes=len(full.encode()) + SUMMARY_MARGIN) == full


IGNORE_IT = '[[ignore]]\nname = "connection_pool"\nreason = "trust me"\n'


def test_a_pull_request_cannot_switch_off_its_own_review(tmp_path: Path, capsys) -> None:
    repo, base = make_repo(tmp_path)
    (repo / ".lockrisk.toml").write_text(IGNORE_IT + 'fail-on = "none"\n')  # added by the pull request itself
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "quiet please")
    code = run_ci(env=actions_env(tmp_path, base, LOCKRISK_COMMENT="false"), cwd=repo, sleep=no_sleep)
    out, err = capsys.readouterr()
    assert code == 1  # the head's settings are not read: connection_pool is still critical
    assert "connection_pool 2.5.5 -> 3.0.2 in Gemfile.lock is critical" in err
    assert outputs(tmp_path)["highest-severity"] == "critical"
    assert "settings are read from the base revision" in out


def test_settings_already_on_the_base_branch_apply(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    for name in ("Gemfile", "Gemfile.lock"):
        shutil.copy(fixture("rubygems", "incident", "before", name), repo / name)
    (repo / ".lockrisk.toml").write_text(IGNORE_IT)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "before, with reviewed settings")
    base = git(repo, "rev-parse", "HEAD")
    for name in ("Gemfile", "Gemfile.lock"):
        shutil.copy(fixture("rubygems", "incident", "after", name), repo / name)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "after")
    env = actions_env(tmp_path, base, LOCKRISK_COMMENT="false", LOCKRISK_FAIL_ON="critical")
    assert run_ci(env=env, cwd=repo, sleep=no_sleep) == 0
    report = json.loads(Path(outputs(tmp_path)["report"]).read_text())
    cp = next(c for c in report["changes"] if c["name"] == "connection_pool")
    assert cp["severity"] == "info" and cp["evidence"][0]["kind"] == "ignored"


@responses.activate(assert_all_requests_are_fired=False)
def test_registries_the_pull_request_introduces_are_never_contacted(tmp_path: Path, capsys) -> None:
    repo, base = make_repo(tmp_path)
    lock = repo / "Gemfile.lock"
    lock.write_text(lock.read_text().replace("https://rubygems.example/", "https://collector.attacker.example/"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "point the registry elsewhere")
    # only the base's registry may be asked: anything else would fail this test (nothing is registered for it).
    # connection_pool's listing succeeds, so the release dates of its dependents (now named with the new
    # registry) are wanted next: exactly the requests the pull request must not be able to redirect
    from test_registry import play

    play(responses.mock, "rubygems", "success")
    responses.add(responses.GET, re.compile(r"https://rubygems\.example/.*"), status=404, body="not here")
    env = actions_env(tmp_path, base, LOCKRISK_COMMENT="false", LOCKRISK_OFFLINE="false")
    run_ci(env=env, cwd=repo, sleep=no_sleep)
    assert all("attacker" not in call.request.url for call in responses.calls)
    report = json.loads(Path(outputs(tmp_path)["report"]).read_text())
    cp = next(c for c in report["changes"] if c["name"] == "connection_pool")
    assert cp["registry"]["latest"] == "3.0.2"  # asked where the base revision's lockfile says
    assert cp["registry"]["predates"] == []  # its dependents, named with the new registry, were not asked


def runner_commands(stdout: str) -> list[str]:
    """Workflow commands as the Actions runner finds them: `::cmd ...::` at a line's start, the legacy
    `##[cmd]` anywhere in a line, and nothing between `::stop-commands::TOKEN` and `::TOKEN::`."""
    found, stopped = [], None
    for line in stdout.splitlines():
        if stopped is not None:
            if line.strip() == f"::{stopped}::":
                stopped = None
            continue
        modern = re.match(r"^\s*::([A-Za-z-]+)(?: [^:]*)?::(.*)$", line)
        legacy = re.search(r"##\[([A-Za-z-]+)\](.*)$", line)
        command, rest = (modern.group(1), modern.group(2)) if modern else (legacy.group(1), legacy.group(2)) if legacy else (None, "")
        if command == "stop-commands":
            stopped = rest.strip()
        elif command:
            found.append(command)
    return found


def test_names_and_paths_cannot_suppress_or_forge_annotations(tmp_path: Path, capsys) -> None:
    repo = tmp_path / "repo"
    folder = repo / "::stop-commands::x"
    folder.mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    hostile = "    ::stop-commands::pwn (1.0.0)\n      connection_pool\n    ##[error]forged (1.0.0)\n      connection_pool\n"
    for side in ("before", "after"):
        for name in ("Gemfile", "Gemfile.lock"):
            text = fixture("rubygems", "incident", side, name).read_text()
            if name == "Gemfile.lock":
                text = text.replace("\n    connection_pool (", "\n" + hostile + "    connection_pool (", 1)
            (folder / name).write_text(text)
        git(repo, "add", "-A")
        git(repo, "commit", "-qm", side)
    base = git(repo, "rev-parse", "HEAD~1")
    code = run_ci(env=actions_env(tmp_path, base, LOCKRISK_COMMENT="false"), cwd=repo, sleep=no_sleep)
    out, err = capsys.readouterr()
    assert code == 1
    assert "::stop-commands::pwn" in out.replace("\u200b", "")  # the name is shown, just inert
    commands = runner_commands(out) + runner_commands(err)
    report = json.loads(Path(outputs(tmp_path)["report"]).read_text())
    annotated = [c for c in report["changes"] if c["severity"] in ("critical", "high", "medium", "low")]
    assert sorted(commands) == sorted({"critical": "error", "high": "error", "medium": "warning", "low": "notice"}
                                      [c["severity"]] for c in annotated)


@responses.activate(assert_all_requests_are_fired=True)
def test_a_strangers_marker_comment_is_left_alone(tmp_path: Path) -> None:
    repo, base = make_repo(tmp_path)
    responses.get(f"{API}/user", status=403, json={"message": "Resource not accessible by integration"})
    forged = {"body": f"{MARKER}\nall clear, merge away", "url": f"{API}/c/3", "id": 3, "user": {"login": "mallory"}}
    responses.get(COMMENTS, json=[forged])
    created = responses.post(COMMENTS, json={"html_url": "z"}, status=201)
    assert run_ci(env=actions_env(tmp_path, base), cwd=repo, sleep=no_sleep) == 1
    assert len(created.calls) == 1  # our own comment; the stranger's is neither edited nor deleted
    assert all(call.request.method in ("GET", "POST") for call in responses.calls)


@responses.activate(assert_all_requests_are_fired=True)
def test_a_post_answered_502_after_it_landed_is_not_repeated(tmp_path: Path) -> None:
    repo, base = make_repo(tmp_path)
    responses.get(f"{API}/user", json={"login": "lockrisk-bot"})
    responses.get(COMMENTS, json=[])
    responses.post(COMMENTS, status=502)  # the gateway timed out, but the comment was written
    landed = {"body": f"{MARKER}\nreport", "url": f"{API}/c/8", "id": 8, "html_url": "h", "user": {"login": "lockrisk-bot"}}
    responses.get(COMMENTS, json=[landed])
    waits: list[float] = []
    assert run_ci(env=actions_env(tmp_path, base), cwd=repo, sleep=waits.append) == 1
    assert [c.request.method for c in responses.calls] == ["GET", "GET", "POST", "GET"]


@responses.activate(assert_all_requests_are_fired=True)
def test_overlapping_runs_leave_one_comment(tmp_path: Path) -> None:
    repo, base = make_repo(tmp_path)
    responses.get(f"{API}/user", status=403)
    two = [{"body": f"{MARKER}\nrun {i}", "url": f"{API}/c/{i}", "id": i, "html_url": "h", "user": BOT} for i in (11, 10)]
    responses.get(COMMENTS, json=two)
    deleted = responses.delete(f"{API}/c/11", status=204)
    patched = responses.patch(f"{API}/c/10", json={"html_url": "h"})
    assert run_ci(env=actions_env(tmp_path, base), cwd=repo, sleep=no_sleep) == 1
    assert len(deleted.calls) == 1 and len(patched.calls) == 1  # the oldest stays and carries this run's report


@pytest.mark.parametrize("post_502_every", [0, 3])
def test_a_hundred_overlapping_runs_leave_exactly_one_comment(post_502_every: int) -> None:
    """Runs that start together all see no comment and all post; each then converges on the oldest."""
    import threading

    from fake_github import FakeGitHub
    from lockrisk.github.comment import make_session, upsert_comment

    with FakeGitHub(post_502_every=post_502_every) as api:
        start = threading.Barrier(100)
        results: list[str] = []

        def run(i: int) -> None:
            session = make_session("t0ken")
            start.wait()
            result = upsert_comment(session, api_url=api.api, repository="acme/shop", number=7,
                                    body=f"report of run {i}", resolved_body="resolved", sleep=lambda s: None)
            results.append(result.action if result.action != "failed" else result.message)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert len(results) == 100 and set(results) <= {"created", "updated", "unchanged"}, results
        assert api.posts > 1  # the runs really overlapped
        assert len(api.comments) == 1, [c["id"] for c in api.comments]
        assert api.comments[0]["body"].startswith(MARKER + "\nreport of run ")


def test_api_answers_of_the_wrong_type_leave_every_other_output_in_place(tmp_path: Path) -> None:
    from fake_github import FakeGitHub

    repo, base = make_repo(tmp_path)
    with FakeGitHub(wrong_types=True) as api:
        env = actions_env(tmp_path, base, GITHUB_API_URL=api.api)
        assert run_ci(env=env, cwd=repo, sleep=no_sleep) == 1
    assert outputs(tmp_path)["highest-severity"] == "critical"
    assert "connection_pool" in (tmp_path / "summary.md").read_text()


PARTS = ["JSON report", "SARIF file", "text report in the log", "annotations", "job summary", "pull-request comment",
         "step outputs"]


@pytest.mark.parametrize("broken", PARTS)
def test_a_part_that_fails_leaves_every_other_part_in_place(tmp_path: Path, capsys, monkeypatch, broken: str) -> None:
    """One failing output is named in the log (and the summary); the others are still produced; exit 2."""
    from fake_github import FakeGitHub
    from lockrisk import render as render_module

    repo, base = make_repo(tmp_path)
    extra = {"LOCKRISK_SARIF": "out.sarif"}
    if broken == "JSON report":
        extra["LOCKRISK_REPORT"] = str(tmp_path / "missing-folder" / "report.json")
    if broken == "SARIF file":
        extra["LOCKRISK_SARIF"] = "missing-folder/out.sarif"
    if broken in ("text report in the log", "annotations"):
        real = render_module.render
        fmt = "text" if broken.startswith("text") else "annotations"

        def failing(report, f, **kw):
            if f == fmt:
                raise RuntimeError(f"{fmt} renderer broke")
            return real(report, f, **kw)

        monkeypatch.setattr(render_module, "render", failing)
    with FakeGitHub(wrong_types=(broken == "pull-request comment")) as api:
        env = actions_env(tmp_path, base, GITHUB_API_URL=api.api, **extra)
        if broken == "job summary":
            env["GITHUB_STEP_SUMMARY"] = str(tmp_path)  # a directory: appending fails
        if broken == "step outputs":
            env["GITHUB_OUTPUT"] = str(tmp_path)
        if broken == "pull-request comment":
            from lockrisk.github import comment

            monkeypatch.setattr(comment, "token_identity", lambda *a, **k: (_ for _ in ()).throw(KeyError("user")))
        code = run_ci(env=env, cwd=repo, sleep=no_sleep)
        comments = list(api.comments)
    out, _ = capsys.readouterr()
    assert code == 2
    assert f"::error::lockrisk: the {broken} could not be written" in out
    produced = {
        "JSON report": (tmp_path / "lockrisk-report.json").is_file(),
        "SARIF file": (repo / "out.sarif").is_file(),
        "text report in the log": "connection_pool 2.5.5 -> 3.0.2" in out.split("::error file=")[0],
        "annotations": "::error file=Gemfile.lock,line=" in out,
        "job summary": "connection_pool" in (tmp_path / "summary.md").read_text(),
        "pull-request comment": len(comments) == 1,
        "step outputs": "highest-severity=critical" in (tmp_path / "output.txt").read_text(),
    }
    assert [p for p, ok in produced.items() if not ok] == [broken]
    if broken != "job summary":
        assert f"the {broken} could not be written" in (tmp_path / "summary.md").read_text()


def test_two_jobs_keep_two_comments_and_a_pasted_marker_is_left_alone(tmp_path: Path) -> None:
    from fake_github import FakeGitHub
    from lockrisk.github.comment import marker_for

    repo, base = make_repo(tmp_path)
    with FakeGitHub() as api:
        pasted = {"id": 1, "body": marker_for("lockrisk/ruby") + "\nlooks fine to me", "url": f"{api.api}/c/1",
                  "html_url": "h1", "user": {"login": "mallory"}}
        api.comments.append(pasted)
        api.next_id = 2
        for job in ("ruby", "python", "ruby", "python"):
            env = actions_env(tmp_path, base, GITHUB_API_URL=api.api, GITHUB_WORKFLOW="lockrisk", GITHUB_JOB=job)
            assert run_ci(env=env, cwd=repo, sleep=no_sleep) == 1
        bodies = [c["body"].split("\n", 1)[0] for c in api.comments]
        assert api.posts == 2  # one per job; the second run of each updated its own
        assert sorted(bodies) == sorted([marker_for("lockrisk/ruby")] * 2 + [marker_for("lockrisk/python")])
        assert api.comments[0] == pasted  # the stranger's copy of the marker is untouched
    with_id = actions_env(tmp_path, base, LOCKRISK_ID="api <script>")
    from lockrisk.github.context import GitHubContext

    assert marker_for(GitHubContext.from_environ(with_id).comment_key) == "<!-- lockrisk:report key=api--script- -->"


def test_the_comment_shows_the_pin_without_expanding_and_clean_link_texts() -> None:
    from lockrisk.pipeline import build_report, pair_from_files
    from lockrisk.render.markdown import render_comment, render_markdown

    pair = pair_from_files(fixture("rubygems", "incident", "before", "Gemfile.lock"),
                           fixture("rubygems", "incident", "after", "Gemfile.lock"))
    report = build_report("ci", [pair])
    full = render_markdown(report)
    for text in (full, render_comment(report, limit=len(full) // 2, full_report_url=None)):
        pins = text.index("**Suggested pins**")
        assert "<details>" not in text[:pins]  # above every collapsed section
        assert "&#126;&gt; 2.5" in text[pins:pins + 400]  # gem "connection_pool", "~> 2.5"
    links = re.findall(r"\[([^\]]*)\]\(", full)
    assert links and not any(ch in link for link in links for ch in "\u2060\u200b\u200d")
    assert "```\n```" not in full and "```ruby\n```" not in full  # no empty code blocks
