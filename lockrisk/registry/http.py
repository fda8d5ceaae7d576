"""One HTTP client for every registry: a shared keep-alive session, a disk cache revalidated
with ETag / Last-Modified, retries with backoff on 429 and 5xx, and a total time budget.

Every failure becomes a RegistryError with a one-line reason; callers degrade to offline results.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import urlsplit, urlunsplit

from lockrisk import __version__
from lockrisk.errors import RegistryError

RETRIES = 3


def redact(url: str) -> str:
    """A URL safe to print: credentials removed."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        host = parts.hostname or ""
        if parts.port:
            host += f":{parts.port}"
        parts = parts._replace(netloc=host)
    return urlunsplit(parts)


def default_cache_dir() -> Path:
    if os.environ.get("LOCKRISK_CACHE_DIR"):
        return Path(os.environ["LOCKRISK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lockrisk"


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    url: str
    status: int  # 200, or 304 when the cached copy was revalidated
    body: bytes
    from_cache: bool


class HttpClient:
    def __init__(self, *, cache_dir: Path | None = None, budget: float = 20.0, timeout: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 session=None, offline: bool = False) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.deadline = clock() + budget
        self.offline = offline
        self.requests_made = 0
        self._lock = threading.Lock()
        self._unreachable: dict[str, str] = {}  # host -> why it could not be reached
        self._session = session

    @property
    def session(self):
        if self._session is None:
            import requests  # registry only: keeps diff start-up lean
            from requests.adapters import HTTPAdapter

            s = requests.Session()
            s.headers["User-Agent"] = f"lockrisk/{__version__}"
            adapter = HTTPAdapter(pool_connections=16, pool_maxsize=32)
            s.mount("https://", adapter)
            s.mount("http://", adapter)
            self._session = s
        return self._session

    def _cache_path(self, url: str, accept: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(f"{accept}\n{url}".encode()).hexdigest()
        return self.cache_dir / "http" / digest[:2] / f"{digest}.json"

    def _read_cache(self, path: Path | None) -> dict | None:
        if path is None:
            return None
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write_cache(self, path: Path | None, entry: dict) -> None:
        if path is None:
            return
        try:
            from lockrisk.fsutil import atomic_write

            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(entry))
        except OSError:
            pass  # a cache that cannot be written is only slower

    def get(self, url: str, *, accept: str = "*/*") -> Fetched:
        if self.offline:
            raise RegistryError("offline: no request made")
        host = urlsplit(url).netloc
        with self._lock:
            down = self._unreachable.get(host)
        if down is not None:
            raise RegistryError(f"{redact(url)}: {down} (the host did not answer earlier; not asked again)")
        cache_path = self._cache_path(url, accept)
        cached = self._read_cache(cache_path)
        if cached and cached.get("fresh_until", 0) > time.time():
            return Fetched(url=url, status=200, body=cached["body"].encode("latin-1"), from_cache=True)
        headers = {"Accept": accept}
        if cached:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        delay = 0.5
        for attempt in range(RETRIES):
            remaining = self.deadline - self.clock()
            if remaining <= 0:
                raise RegistryError(f"time budget spent before {redact(url)}")
            try:
                with self._lock:
                    self.requests_made += 1
                resp = self.session.get(url, headers=headers, timeout=min(self.timeout, remaining))
            except Exception as exc:  # timeouts, DNS, refused connections, TLS
                if attempt == RETRIES - 1 or not _transient(exc):
                    what = ("truncated response (the connection closed early)"
                            if type(exc).__name__ == "ChunkedEncodingError" else type(exc).__name__)
                    if type(exc).__name__ in ("ConnectionError", "ConnectTimeout"):
                        with self._lock:  # a host that cannot be reached is not asked again in this run
                            self._unreachable.setdefault(host, what)
                    raise RegistryError(f"{redact(url)}: {what}") from None
                self.sleep(delay)
                delay *= 2
                continue
            if resp.status_code == 304 and cached:
                cached["fresh_until"] = time.time() + _max_age(resp.headers.get("Cache-Control", ""))
                self._write_cache(cache_path, cached)
                return Fetched(url=url, status=304, body=cached["body"].encode("latin-1"), from_cache=True)
            if resp.status_code == 200:
                body = resp.content
                expected = resp.headers.get("Content-Length")
                if expected and expected.isdigit() and int(expected) != len(body) and "gzip" not in resp.headers.get("Content-Encoding", ""):
                    raise RegistryError(f"{redact(url)}: truncated response ({len(body)} of {expected} bytes)")
                self._write_cache(cache_path, {"etag": resp.headers.get("ETag"),
                                               "last_modified": resp.headers.get("Last-Modified"),
                                               "fresh_until": time.time() + _max_age(resp.headers.get("Cache-Control", "")),
                                               "body": body.decode("latin-1")})
                return Fetched(url=url, status=200, body=body, from_cache=False)
            if resp.status_code == 429 or resp.status_code >= 500:
                if attempt == RETRIES - 1:
                    raise RegistryError(f"{redact(url)}: HTTP {resp.status_code}")
                retry_after = resp.headers.get("Retry-After", "")
                wait = float(retry_after) if retry_after.isdigit() else delay
                if self.clock() + wait > self.deadline:
                    raise RegistryError(f"{redact(url)}: HTTP {resp.status_code}, retry would exceed the time budget")
                self.sleep(wait)
                delay *= 2
                continue
            raise RegistryError(f"{redact(url)}: HTTP {resp.status_code}")
        raise RegistryError(f"{redact(url)}: gave up")

    def get_json(self, url: str, *, accept: str = "application/json"):
        fetched = self.get(url, accept=accept)
        try:
            return json.loads(fetched.body)
        except ValueError:
            raise RegistryError(f"{redact(url)}: not valid JSON (truncated or not a registry)") from None


def _max_age(cache_control: str) -> float:
    """Seconds a response may be used without asking again (0 unless the server says otherwise)."""
    directives = [d.strip().lower() for d in cache_control.split(",")]
    if "no-cache" in directives or "no-store" in directives:
        return 0.0
    for d in directives:
        if d.startswith("max-age="):
            value = d.split("=", 1)[1]
            return float(value) if value.isdigit() else 0.0
    return 0.0


def _transient(exc: Exception) -> bool:
    name = type(exc).__name__
    return name in ("ConnectionError", "Timeout", "ConnectTimeout", "ReadTimeout", "ChunkedEncodingError")
