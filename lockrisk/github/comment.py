"""One sticky pull-request comment, found again by a hidden marker and updated in place."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable

MARKER = "<!-- lockrisk:report -->"
COMMENT_LIMIT = 65536  # GitHub rejects longer comment bodies
RETRIES = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentResult:
    action: str  # "created", "updated", "resolved", "unchanged", "skipped", "forbidden"
    url: str | None = None
    message: str = ""


class _Forbidden(Exception):
    def __init__(self, status: int, text: str) -> None:
        super().__init__(text)
        self.status = status


def _is_rate_limited(resp) -> bool:
    if resp.status_code == 429:
        return True
    if resp.status_code == 403:
        text = resp.text.lower()
        return "secondary rate limit" in text or ("rate limit" in text and resp.headers.get("Retry-After") is not None)
    return False


def _request(session, method: str, url: str, *, sleep: Callable[[float], None], **kwargs: Any):
    """One API call with retries on 5xx and rate limits (Retry-After honoured, else exponential)."""
    delay = 1.0
    for attempt in range(RETRIES):
        resp = session.request(method, url, timeout=20, **kwargs)
        retryable = resp.status_code >= 500 or _is_rate_limited(resp)
        if not retryable:
            if resp.status_code in (401, 403, 404):
                raise _Forbidden(resp.status_code, resp.text[:200])
            resp.raise_for_status()
            return resp
        if attempt == RETRIES - 1:
            resp.raise_for_status()
        retry_after = resp.headers.get("Retry-After")
        wait = float(retry_after) if retry_after and retry_after.isdigit() else delay
        sleep(min(wait, 60.0))
        delay *= 2
    raise AssertionError("unreachable")


def find_comment(session, api_url: str, repository: str, number: int, *, sleep=time.sleep) -> dict | None:
    url = f"{api_url}/repos/{repository}/issues/{number}/comments?per_page=100"
    while url:
        resp = _request(session, "GET", url, sleep=sleep)
        for comment in resp.json():
            body = comment.get("body") or ""
            if body.startswith(MARKER):
                return comment
        url = resp.links.get("next", {}).get("url")
    return None


def upsert_comment(session, *, api_url: str, repository: str, number: int, body: str | None,
                   resolved_body: str, sleep=time.sleep) -> CommentResult:
    """Create or update the sticky comment; `body=None` means nothing is risky any more."""
    try:
        existing = find_comment(session, api_url, repository, number, sleep=sleep)
        if body is None:
            if existing is None:
                return CommentResult(action="skipped", message="nothing risky and no earlier comment")
            text = f"{MARKER}\n{resolved_body}"
            if existing.get("body") == text:
                return CommentResult(action="unchanged", url=existing.get("html_url"))
            resp = _request(session, "PATCH", existing["url"], json={"body": text}, sleep=sleep)
            return CommentResult(action="resolved", url=resp.json().get("html_url"))
        text = f"{MARKER}\n{body}"
        if existing is not None:
            if existing.get("body") == text:
                return CommentResult(action="unchanged", url=existing.get("html_url"))
            resp = _request(session, "PATCH", existing["url"], json={"body": text}, sleep=sleep)
            return CommentResult(action="updated", url=resp.json().get("html_url"))
        resp = _request(session, "POST", f"{api_url}/repos/{repository}/issues/{number}/comments",
                        json={"body": text}, sleep=sleep)
        return CommentResult(action="created", url=resp.json().get("html_url"))
    except _Forbidden as exc:
        return CommentResult(action="forbidden",
                             message=f"the token cannot comment on this pull request (HTTP {exc.status}); "
                                     "fork and Dependabot runs get a read-only token: see the job summary instead")
    except Exception as exc:  # network trouble or a persistent 5xx: the report is in the summary anyway
        if not _is_requests_error(exc):
            raise
        return CommentResult(action="failed", message=f"could not update the pull-request comment: {type(exc).__name__}")


def _is_requests_error(exc: Exception) -> bool:
    import requests

    return isinstance(exc, requests.RequestException)


def make_session(token: str):
    import requests  # only when commenting: keeps the CLI start-up lean

    from lockrisk import __version__

    session = requests.Session()
    session.headers.update({
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": f"lockrisk/{__version__}",
    })
    return session
