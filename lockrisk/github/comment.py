"""One sticky pull-request comment, found again by a hidden marker and updated in place."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any, Callable

MARKER = "<!-- lockrisk:report -->"  # the marker of a run without a key


def marker_for(key: str | None) -> str:
    """The hidden first line that tells one lockrisk job's comment from another's (workflow/job or `id`)."""
    if not key:
        return MARKER
    safe = re.sub(r"[^A-Za-z0-9._/:-]", "-", key)[:100]
    return f"<!-- lockrisk:report key={safe} -->"


@dataclass(frozen=True, slots=True, kw_only=True)
class Owner:
    """Whose comment is lockrisk's own: written by this login, starting with this marker."""
    login: str
    marker: str
COMMENT_LIMIT = 65536  # GitHub rejects longer comment bodies
RETRIES = 4


@dataclass(frozen=True, slots=True, kw_only=True)
class CommentResult:
    """What happened to the pull request's comment (created, updated, resolved, unchanged, skipped, forbidden)."""

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


MAX_PAGES = 30  # 3,000 comments: pagination is bounded, whatever the API's next links say
ACTIONS_BOT = "github-actions[bot]"  # who the workflow's GITHUB_TOKEN writes as


def token_identity(session, api_url: str, *, sleep=time.sleep) -> str:
    """The login the token writes comments as: /user for a personal token, else the Actions bot."""
    try:
        resp = _request(session, "GET", f"{api_url}/user", sleep=sleep)
        login = _text(_json(resp), "login")
        return login or ACTIONS_BOT
    except Exception as exc:  # an installation token cannot read /user (403): it is the Actions bot
        if isinstance(exc, _Forbidden) or _is_requests_error(exc):
            return ACTIONS_BOT
        raise


def _text(obj: object, key: str) -> str | None:
    """A string field of an API object, None when the object or the field has another type."""
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, str) else None


def _id(comment: dict) -> int:
    value = comment.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _json(resp) -> object:
    try:
        return resp.json()
    except ValueError:
        return None


def ours(comment: object, identity: Owner) -> bool:
    """A comment lockrisk wrote: it carries the marker, the token's own identity wrote it, and it has a URL."""
    if not isinstance(comment, dict):
        return False
    body = _text(comment, "body")
    login = _text(comment.get("user"), "login")
    return (body is not None and (body == identity.marker or body.startswith(identity.marker + "\n"))
            and login == identity.login and _text(comment, "url") is not None)


def list_ours(session, api_url: str, repository: str, number: int, identity: Owner, *, sleep=time.sleep) -> list[dict]:
    """lockrisk's own comments on the pull request, oldest first (a stranger's marker is not ours)."""
    url: str | None = f"{api_url}/repos/{repository}/issues/{number}/comments?per_page=100"
    found: list[dict] = []
    for _ in range(MAX_PAGES):
        if not url:
            break
        resp = _request(session, "GET", url, sleep=sleep)
        page = _json(resp)
        found += [c for c in page if ours(c, identity)] if isinstance(page, list) else []
        url = _text(resp.links.get("next") if isinstance(resp.links, dict) else None, "url")
    return sorted(found, key=_id)


class _Gone(Exception):
    """The comment was deleted meanwhile (by an overlapping run)."""


def _patch(session, comment: dict, text: str, sleep) -> str | None:
    try:
        resp = _request(session, "PATCH", _text(comment, "url") or "", json={"body": text}, sleep=sleep)
    except _Forbidden as exc:
        if exc.status == 404:
            raise _Gone() from None
        raise
    return _text(_json(resp), "html_url")


def _delete(session, comment: dict, sleep) -> None:
    try:
        _request(session, "DELETE", _text(comment, "url") or "", sleep=sleep)
    except _Forbidden as exc:
        if exc.status != 404:  # already gone: another run removed it
            raise


def upsert_comment(session, *, api_url: str, repository: str, number: int, body: str | None,
                   resolved_body: str, sleep=time.sleep, marker: str = MARKER) -> CommentResult:
    """Create or update the sticky comment; `body=None` means nothing is risky any more.

    Only comments the token's own identity wrote are touched. A POST that fails is not repeated blindly:
    the comments are listed again first, since the first attempt may have landed. When overlapping runs
    left several, the oldest is kept and updated, the others deleted; a run whose new comment turns out
    not to be the oldest hands its report to the oldest and deletes its own, so overlapping runs converge
    on one comment.
    """
    try:
        identity = Owner(login=token_identity(session, api_url, sleep=sleep), marker=marker)
        for _ in range(3):  # a comment deleted under us by an overlapping run: look again, a bounded number of times
            try:
                return _upsert_once(session, api_url, repository, number, body, resolved_body, identity, sleep)
            except _Gone:
                continue
        return CommentResult(action="failed", message="could not update the pull-request comment: it kept "
                                                      "disappearing (other runs are deleting comments)")
    except _Forbidden as exc:
        return CommentResult(action="forbidden",
                             message=f"the token cannot comment on this pull request (HTTP {exc.status}); "
                                     "fork and Dependabot runs get a read-only token: see the job summary instead")
    except Exception as exc:  # network trouble or a persistent 5xx: the report is in the summary anyway
        if not _is_requests_error(exc):
            raise
        return CommentResult(action="failed", message=f"could not update the pull-request comment: {type(exc).__name__}")


def _upsert_once(session, api_url: str, repository: str, number: int, body: str | None, resolved_body: str,
                 identity: Owner, sleep) -> CommentResult:
    mine = list_ours(session, api_url, repository, number, identity, sleep=sleep)
    existing = mine[0] if mine else None
    for extra in mine[1:]:
        _delete(session, extra, sleep)
    if body is None:
        if existing is None:
            return CommentResult(action="skipped", message="nothing risky and no earlier comment")
        text = f"{identity.marker}\n{resolved_body}"
        if _text(existing, "body") == text:
            return CommentResult(action="unchanged", url=_text(existing, "html_url"))
        return CommentResult(action="resolved", url=_patch(session, existing, text, sleep))
    text = f"{identity.marker}\n{body}"
    if existing is not None:
        if _text(existing, "body") == text:
            return CommentResult(action="unchanged", url=_text(existing, "html_url"))
        return CommentResult(action="updated", url=_patch(session, existing, text, sleep))
    result, created, seen = _create_once(session, api_url, repository, number, text, identity, sleep)
    if result.action == "created":
        return _converge(session, api_url, repository, number, identity, text, created, result, sleep, seen)
    return result


def _converge(session, api_url: str, repository: str, number: int, identity: Owner, text: str,
              created: dict | None, result: CommentResult, sleep, seen: list[dict] | None) -> CommentResult:
    """After creating, look again: the oldest of lockrisk's comments stays and carries this report; every
    newer one (this run's own, one a 502 hid, an overlapping run's) goes. The oldest is never deleted, so
    runs that overlap converge on it. `seen` is a listing made after the comment landed, when there is one."""
    mine = seen if seen is not None else list_ours(session, api_url, repository, number, identity, sleep=sleep)
    created_id = _id(created) if created is not None else None
    if not mine or (created_id is not None and _id(mine[0]) == created_id):
        return result
    if created is not None:  # deleted by what the POST answered: a listing paged under deletions can miss it
        _delete(session, created, sleep)
    ceiling = created_id if created_id is not None else max(_id(c) for c in mine)
    for _ in range(2):  # pages shift while other runs delete: look again, a bounded number of times
        extra = [c for c in mine[1:] if _id(c) <= ceiling]  # newer ones: their own runs look after them
        if not extra:
            break
        for comment in extra:
            _delete(session, comment, sleep)
        mine = list_ours(session, api_url, repository, number, identity, sleep=sleep) or mine
    if _text(mine[0], "body") == text:
        return CommentResult(action="updated", url=_text(mine[0], "html_url"))
    return CommentResult(action="updated", url=_patch(session, mine[0], text, sleep))


def _create_once(session, api_url: str, repository: str, number: int, text: str, identity: Owner,
                 sleep) -> tuple[CommentResult, dict | None, list[dict] | None]:
    """POST the comment; after a failed attempt, look before posting again (the first may have landed)."""
    url = f"{api_url}/repos/{repository}/issues/{number}/comments"
    for attempt in range(RETRIES):
        if attempt:
            landed = list_ours(session, api_url, repository, number, identity, sleep=sleep)
            if landed:
                return CommentResult(action="created", url=_text(landed[-1], "html_url")), landed[-1], landed
        resp = session.request("POST", url, json={"body": text}, timeout=20)
        if resp.status_code in (401, 403, 404):
            raise _Forbidden(resp.status_code, resp.text[:200])
        if resp.status_code < 300:
            data = _json(resp)
            created = data if isinstance(data, dict) and _id(data) and _text(data, "url") else None
            return CommentResult(action="created", url=_text(data, "html_url")), created, None
        if resp.status_code < 500 and not _is_rate_limited(resp):
            resp.raise_for_status()
        retry_after = resp.headers.get("Retry-After")
        sleep(min(float(retry_after) if retry_after and retry_after.isdigit() else 2.0 ** attempt, 60.0))
    return (CommentResult(action="failed", message="could not create the pull-request comment: the API kept failing"),
            None, None)


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
