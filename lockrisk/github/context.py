"""What a GitHub Actions run tells us through its environment and event payload."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from lockrisk.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class GitHubContext:
    """The run, repository and pull request a GitHub Actions job is for."""

    repository: str | None  # owner/name
    api_url: str
    server_url: str
    run_id: str | None
    event_name: str | None
    pr_number: int | None
    base_sha: str | None
    head_sha: str | None
    token: str | None
    step_summary: Path | None
    output: Path | None
    workspace: Path | None
    comment_key: str | None  # keeps one lockrisk job's comment apart from another's: the `id` input, else workflow/job

    @property
    def run_url(self) -> str | None:
        if self.repository and self.run_id:
            return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"
        return None

    @classmethod
    def from_environ(cls, env: Mapping[str, str]) -> "GitHubContext":
        event: dict = {}
        event_path = env.get("GITHUB_EVENT_PATH")
        if event_path:
            try:
                event = json.loads(Path(event_path).read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise ConfigError("GITHUB_EVENT_PATH points to a missing file", path=event_path) from None
            except (ValueError, UnicodeDecodeError):
                raise ConfigError("the event payload is not JSON", path=event_path) from None
        pr = event.get("pull_request") if isinstance(event.get("pull_request"), dict) else {}
        number = pr.get("number") or event.get("number")
        token = env.get("LOCKRISK_GITHUB_TOKEN") or env.get("GITHUB_TOKEN")
        return cls(
            repository=env.get("GITHUB_REPOSITORY"),
            api_url=(env.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
            run_id=env.get("GITHUB_RUN_ID"),
            event_name=env.get("GITHUB_EVENT_NAME"),
            pr_number=int(number) if isinstance(number, int) or (isinstance(number, str) and number.isdigit()) else None,
            base_sha=(pr.get("base") or {}).get("sha") if isinstance(pr.get("base"), dict) else None,
            head_sha=(pr.get("head") or {}).get("sha") if isinstance(pr.get("head"), dict) else None,
            token=token or None,
            step_summary=Path(env["GITHUB_STEP_SUMMARY"]) if env.get("GITHUB_STEP_SUMMARY") else None,
            output=Path(env["GITHUB_OUTPUT"]) if env.get("GITHUB_OUTPUT") else None,
            workspace=Path(env["GITHUB_WORKSPACE"]) if env.get("GITHUB_WORKSPACE") else None,
            comment_key=env.get("LOCKRISK_ID") or ("/".join(v for v in (env.get("GITHUB_WORKFLOW"), env.get("GITHUB_JOB"))
                                                          if v) or None),
        )
