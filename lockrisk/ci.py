"""`lockrisk ci`: everything the GitHub Action does, driven by the environment.

Inputs arrive as LOCKRISK_* environment variables (the action never interpolates them
into a script). Writes the job summary, annotations, step outputs, the JSON report, an
optional SARIF file and one sticky pull-request comment; exits 1 when a finding
reaches `fail-on`.
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path
from typing import Mapping

from lockrisk.errors import ConfigError, GitError
from lockrisk.envflags import flag
from lockrisk.github.context import GitHubContext
from lockrisk.report import Report

RESOLVED = "✅ **lockrisk**: resolved: the latest push leaves no risky lockfile changes."


def log_safe(text: str) -> str:
    """Text for the job log that cannot start a workflow command: the runner reads `##[command]` anywhere in a
    line and `::command::` at its start, so both are broken up with a zero-width space."""
    text = text.replace("##[", "#\u200b#[")
    return "\n".join("\u200b" + line if line.lstrip().startswith("::") else line for line in text.split("\n"))


LOG_LIMIT = 512 * 1024  # characters of text report in the job log; the summary and the JSON report hold the rest


def _cut_log(text: str, limit: int = LOG_LIMIT) -> str:
    """The text report for the log, cut at a line boundary when it is longer than `limit`."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit) + 1 or limit
    return text[:cut] + (f"... the log shows the first {cut:,} characters of the report; the job summary and "
                         "the JSON report have all of it\n")


def _split(value: str | None) -> list[str]:
    return [p for p in re.split(r"[\s,]+", value or "") if p]


def _fetch_if_missing(cwd: Path, sha: str) -> None:
    """Shallow checkouts lack the base commit: fetch just that one."""
    probe = subprocess.run(["git", "cat-file", "-e", f"{sha}^{{commit}}"], cwd=cwd, capture_output=True)
    if probe.returncode != 0:
        subprocess.run(["git", "fetch", "--no-tags", "--depth=1", "origin", sha], cwd=cwd, capture_output=True)


def _at_revision(cwd: Path, revision: str):
    """Read files as they are at `revision`: the pull request under review never configures its own review."""
    from lockrisk.gitsource import GitRepo

    repo = GitRepo(cwd)
    commit = repo.resolve(revision)

    def read(path: Path) -> str | None:
        from lockrisk.config import read_file

        try:
            relative = repo.relative(str(path))
        except GitError:
            return read_file(path)  # outside the repository (say, written by the workflow): not the change's
        data = repo.show(commit, relative)
        return None if data is None else data.decode("utf-8", errors="replace")

    return read


def run_ci(env: Mapping[str, str] | None = None, cwd: Path | None = None, session=None,
           sleep=time.sleep) -> int:
    from lockrisk.errors import LockriskError

    env = os.environ if env is None else env
    try:
        return _run(env, cwd, session, sleep)
    except LockriskError as exc:  # the reviewer sees why in the summary, not only in the log
        summary = env.get("GITHUB_STEP_SUMMARY")
        if summary:
            from lockrisk.github.outputs import append_summary
            from lockrisk.render.escape import markdown

            try:
                append_summary(Path(summary), f"❌ **lockrisk** could not finish: {markdown(exc.located())}\n")
            except OSError:
                pass
        raise


def _run(env: Mapping[str, str], cwd: Path | None, session, sleep) -> int:
    from lockrisk.commands import check_severity
    from lockrisk.config import load_settings
    from lockrisk.fsutil import atomic_write
    from lockrisk.github.outputs import SUMMARY_LIMIT, append_summary, write_outputs
    from lockrisk.pipeline import build_report, pair_from_files, pairs_from_git
    from lockrisk.render import render
    from lockrisk.render.escape import workflow_data

    cwd = cwd or Path.cwd()
    ctx = GitHubContext.from_environ(env)
    files = _split(env.get("LOCKRISK_FILES"))
    config = Path(env["LOCKRISK_CONFIG"]) if env.get("LOCKRISK_CONFIG") else None

    if files:
        if len(files) != 2:
            raise ConfigError("files: give exactly two lockfiles, OLD and NEW")
        pairs, notes = [pair_from_files(cwd / files[0], cwd / files[1], files[0], files[1])], []
    else:
        base = env.get("LOCKRISK_BASE") or ctx.base_sha
        if not base:
            raise ConfigError("no base revision: set the `base` input, or run on a pull_request event")
        head = env.get("LOCKRISK_HEAD") or "HEAD"
        if re.fullmatch(r"[0-9a-f]{40}", base) and env.get("GITHUB_ACTIONS"):
            _fetch_if_missing(cwd, base)
        try:
            pairs, notes = pairs_from_git(cwd, base, head, _split(env.get("LOCKRISK_LOCKFILES")))
        except GitError as exc:
            raise GitError(f"{exc.message} (check out with fetch-depth: 0, or set the `base` input)") from None

    if files:
        settings = load_settings(config, cwd, [p.path for p in pairs])
    else:
        settings = load_settings(config, cwd, [p.path for p in pairs], read_text=_at_revision(cwd, base),
                                 label=f"@{base}")
        notes.append(f"settings are read from the base revision ({base}): a pull request's own changes to "
                     ".lockrisk.toml or [tool.lockrisk] apply once merged")
    fail_on = check_severity(env.get("LOCKRISK_FAIL_ON") or settings.fail_on or "high", "fail-on", allow_none=True)
    from lockrisk.commands import is_offline, lookup_factory

    lookups = None if is_offline(False, env) else lookup_factory(settings, trust_base=not files)
    report = build_report("ci", pairs, notes + list(settings.notes), settings=settings, lookups=lookups)

    report_path = Path(env.get("LOCKRISK_REPORT") or Path(env.get("RUNNER_TEMP") or cwd) / "lockrisk-report.json")
    failed: list[str] = []

    def part(name: str, produce) -> None:
        """Each output is produced on its own: one that fails is reported, the others still appear."""
        try:
            produce()
        except Exception as exc:  # an internal error in one part must not cost the reviewer the rest
            from lockrisk.render.escape import plain

            failed.append(f"the {name} could not be written: {type(exc).__name__}: {plain(exc)}")

    part("JSON report", lambda: atomic_write(report_path, render(report, "json")))
    if env.get("LOCKRISK_SARIF"):
        part("SARIF file", lambda: atomic_write(cwd / env["LOCKRISK_SARIF"], render(report, "sarif")))

    def log() -> None:  # lockfile text is a stranger's: while it is printed, the runner executes no workflow command
        token = secrets.token_hex(16)
        sys.stdout.write(f"::stop-commands::{token}\n{log_safe(_cut_log(render(report, 'text')))}::{token}::\n")

    part("text report in the log", log)
    if flag(env.get("LOCKRISK_ANNOTATIONS"), True):
        part("annotations", lambda: sys.stdout.write(render(report, "annotations")))

    def summary() -> None:
        from lockrisk.render.markdown import render_summary

        append_summary(ctx.step_summary, render_summary(report, limit_bytes=SUMMARY_LIMIT))

    if ctx.step_summary is not None:
        part("job summary", summary)
    if flag(env.get("LOCKRISK_COMMENT"), True):
        part("pull-request comment", lambda: _comment(report, ctx, session, sleep, workflow_data))

    notable = report.notable()
    if ctx.output is not None:
        part("step outputs", lambda: write_outputs(ctx.output, {
            "highest-severity": report.highest_severity or "none", "findings": str(len(notable)),
            "report": str(report_path)}))
    status = _exit_status(report, fail_on)
    if failed:
        for message in failed:
            print(f"::error::lockrisk: {workflow_data(message)}")
        if ctx.step_summary is not None and not any(m.startswith("the job summary") for m in failed):
            from lockrisk.render.escape import markdown

            part("job summary notice", lambda: append_summary(
                ctx.step_summary, "\n".join(f"> ⚠️ {markdown(m)}" for m in failed) + "\n"))
        return 2  # an internal error: the step fails, whatever the findings
    return status


def _comment(report: Report, ctx: GitHubContext, session, sleep, escape) -> None:
    from lockrisk.github.comment import COMMENT_LIMIT, make_session, marker_for, upsert_comment
    from lockrisk.render.markdown import render_comment

    if ctx.pr_number is None or not ctx.repository:
        print("::notice::lockrisk: not a pull request: no comment (the job summary has the report)")
        return
    if not ctx.token:
        print("::notice::lockrisk: no github-token: no comment (the job summary has the report)")
        return
    marker = marker_for(ctx.comment_key)
    body = None
    if report.notable():
        body = render_comment(report, limit=COMMENT_LIMIT - len(marker) - 1, full_report_url=ctx.run_url)
    session = session or make_session(ctx.token)
    result = upsert_comment(session, api_url=ctx.api_url, repository=ctx.repository, number=ctx.pr_number,
                            body=body, resolved_body=RESOLVED, sleep=sleep, marker=marker)
    if result.action in ("forbidden", "failed"):
        print(f"::notice::lockrisk: {escape(result.message)}")
    else:
        print(f"lockrisk: pull-request comment {result.action}" + (f": {result.url}" if result.url else ""))


def _exit_status(report: Report, fail_on: str) -> int:
    from lockrisk.render import describe
    from lockrisk.render.escape import plain

    failing = report.reaching(fail_on)
    for f in failing:
        print(log_safe(f"lockrisk: {plain(f.name)} {plain(describe.versions(f))} in {plain(f.change.lockfile)} is "
                       f"{f.assessment.severity} (fail-on: {fail_on})"), file=sys.stderr)
    return 1 if failing else 0
