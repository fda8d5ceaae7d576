"""One HTTP client for every registry: a shared keep-alive session, a disk cache revalidated
with ETag / Last-Modified, retries with backoff on 429 and 5xx, and a total time budget.

A registry is not trusted to behave: bodies are streamed and decoded here, chunk by chunk, under a
size cap (a gzip bomb stops at the cap, not in memory); the time budget is a wall-clock deadline
that also ends a response trickling in a byte at a time; redirects are followed by hand and only
within the same scheme, host and port; a body is cached only once its caller has recognised it
as a registry answer (a captive portal's page is never kept); and every message that can carry a
URL goes through `redact`/`redact_text`, so index credentials are never printed or cached.

Every failure becomes a RegistryError with a one-line reason; callers degrade to offline results.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import socket
import threading
import time
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urljoin, urlsplit, urlunsplit

from lockrisk import __version__
from lockrisk.errors import RegistryError
from lockrisk.redact import redact, redact_text  # noqa: F401  (re-exported: the registry modules use them)

RETRIES = 3
IN_FLIGHT = 16  # concurrent requests per run: the look-up pool and each package's own requests share it
MAX_BYTES = 32 * 1024 * 1024  # decoded body size cap
MAX_REDIRECTS = 5
CHUNK = 64 * 1024  # read at most this much at a time
PIECE = 1024 * 1024  # decompress at most this much at a time
REDIRECT_CODES = (301, 302, 303, 307, 308)
DEFAULT_PORTS = {"http": 80, "https": 443}
_watched = threading.local()  # the deadline of the request this thread is making (see _WatchedAdapter)


def default_cache_dir() -> Path:
    if os.environ.get("LOCKRISK_CACHE_DIR"):
        return Path(os.environ["LOCKRISK_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "lockrisk"


def _fail(url: str, reason: str) -> RegistryError:
    """The one-line error for `url`, with no credentials anywhere in it."""
    return RegistryError(redact_text(f"{redact(url)}: {reason}".replace("\n", " ")))


@dataclass(frozen=True, slots=True, kw_only=True)
class Fetched:
    """One answer from a registry, or from the cache."""

    url: str  # redacted
    status: int  # 200, or 304 when the cached copy was revalidated
    body: bytes
    from_cache: bool


class _Retry(Exception):
    """A failure worth another try (a dropped connection, a read timeout well within the budget)."""

    def __init__(self, what: str, *, unreachable: bool = False) -> None:
        super().__init__(what)
        self.what = what
        self.unreachable = unreachable  # the host itself did not answer


class HttpClient:
    def __init__(self, *, cache_dir: Path | None = None, budget: float = 20.0, timeout: float = 10.0,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 session=None, offline: bool = False, max_bytes: int = MAX_BYTES) -> None:
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self.budget = budget
        self.deadline = clock() + budget
        self.offline = offline
        self.max_bytes = max_bytes
        self.requests_made = 0
        self._lock = threading.Lock()
        self._in_flight = threading.BoundedSemaphore(IN_FLIGHT)  # requests on the wire at once, however many threads ask
        self._unreachable: dict[str, str] = {}  # host -> why it could not be reached
        self._session = session

    @property
    def session(self):
        if self._session is None:
            import requests  # registry only: keeps diff start-up lean

            s = requests.Session()
            s.headers["User-Agent"] = f"lockrisk/{__version__}"
            adapter = _watched_adapter()
            s.mount("https://", adapter)
            s.mount("http://", adapter)
            self._session = s
        return self._session

    # -- cache ---------------------------------------------------------------------------------

    def _cache_path(self, url: str, accept: str) -> Path | None:
        if self.cache_dir is None:
            return None
        digest = hashlib.sha256(f"{accept}\n{redact(url)}".encode()).hexdigest()
        return self.cache_dir / "http" / digest[:2] / f"{digest}.json"

    def _read_cache(self, path: Path | None, validate: Callable[[bytes], bool] | None) -> dict | None:
        """The cached entry, unless it is unreadable or (written by an older lockrisk) not a valid body."""
        if path is None:
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            body = entry["body"].encode("latin-1")
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if validate is not None and not _valid(validate, body):
            return None
        return entry

    def _write_cache(self, path: Path | None, entry: dict) -> None:
        if path is None:
            return
        try:
            from lockrisk.fsutil import atomic_write

            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, json.dumps(entry), durable=False)  # lost in a crash, it is fetched again
        except OSError:
            pass  # a cache that cannot be written is only slower

    # -- requests ------------------------------------------------------------------------------

    def get(self, url: str, *, accept: str = "*/*", validate: Callable[[bytes], bool] | None = None) -> Fetched:
        """GET `url` through the cache. `validate(body)` says whether a body is a registry answer: a body
        it refuses (False, or a RegistryError naming why) is an error and is never cached."""
        if self.offline:
            raise RegistryError("offline: no request made")
        host = _origin(url)
        with self._lock:
            down = self._unreachable.get(host)
        if down is not None:
            raise _fail(url, f"{down} (the host did not answer earlier; not asked again)")
        cache_path = self._cache_path(url, accept)
        cached = self._read_cache(cache_path, validate)
        if cached and cached.get("fresh_until", 0) > time.time():
            return Fetched(url=redact(url), status=200, body=cached["body"].encode("latin-1"), from_cache=True)
        headers = {"Accept": accept, "Accept-Encoding": "gzip, deflate"}
        if cached:
            if cached.get("etag"):
                headers["If-None-Match"] = cached["etag"]
            if cached.get("last_modified"):
                headers["If-Modified-Since"] = cached["last_modified"]
        delay = 0.5
        for attempt in range(RETRIES):
            if self.deadline - self.clock() <= 0:
                raise _fail(url, "time budget spent before the request")
            try:
                with self._in_flight:
                    status, resp_headers, body = self._exchange(url, headers)
            except _Retry as exc:
                if attempt == RETRIES - 1:
                    if exc.unreachable:
                        with self._lock:  # a host that cannot be reached is not asked again in this run
                            self._unreachable.setdefault(host, exc.what)
                    raise _fail(url, exc.what) from None
                self.sleep(delay)
                delay *= 2
                continue
            if status == 304 and cached:
                cached["fresh_until"] = time.time() + _max_age(resp_headers.get("Cache-Control", ""))
                self._write_cache(cache_path, cached)
                return Fetched(url=redact(url), status=304, body=cached["body"].encode("latin-1"), from_cache=True)
            if status == 200:
                self._check(url, body, resp_headers, validate)
                self._write_cache(cache_path, {"etag": resp_headers.get("ETag"),
                                               "last_modified": resp_headers.get("Last-Modified"),
                                               "fresh_until": time.time() + _max_age(resp_headers.get("Cache-Control", "")),
                                               "body": body.decode("latin-1")})
                return Fetched(url=redact(url), status=200, body=body, from_cache=False)
            if status == 429 or status >= 500:
                if attempt == RETRIES - 1:
                    raise _fail(url, f"HTTP {status}")
                retry_after = resp_headers.get("Retry-After", "")
                wait = float(retry_after) if retry_after.isdigit() else delay
                if self.clock() + wait > self.deadline:
                    raise _fail(url, f"HTTP {status}, retry would exceed the time budget")
                self.sleep(wait)
                delay *= 2
                continue
            raise _fail(url, f"HTTP {status}")
        raise _fail(url, "gave up")

    def get_json(self, url: str, *, accept: str = "application/json", check: Callable[[Any], bool] | None = None,
                 expected: str = "the expected JSON") -> Any:
        """Parsed JSON, cached only once it parses (and, with `check`, has the expected shape)."""
        parsed: list[Any] = []

        def validate(body: bytes) -> bool:
            try:
                data = json.loads(body)
            except ValueError:
                raise RegistryError("not valid JSON (truncated or not a registry)") from None
            if check is not None and not check(data):
                raise RegistryError(f"not {expected}")
            parsed[:] = [data]
            return True

        self.get(url, accept=accept, validate=validate)
        return parsed[0]

    def _check(self, url: str, body: bytes, headers, validate: Callable[[bytes], bool] | None) -> None:
        if validate is None:
            return
        kind = (headers.get("Content-Type") or "no Content-Type").split(";")[0].strip()
        try:
            ok = validate(body)
        except RegistryError as exc:
            raise _fail(url, f"{exc.message} ({kind}; not cached)") from None
        except Exception:  # a validator that trips over garbage has refused it
            ok = False
        if not ok:
            raise _fail(url, f"not a registry response ({kind}; not cached)")

    def _exchange(self, url: str, headers: dict[str, str]) -> tuple[int, Any, bytes]:
        """One request (and its same-origin redirects) under a watchdog that ends it at the deadline:
        (status, headers, body); the body is read only for a 200."""
        watch = _Deadline(self.deadline - self.clock())
        _watched.deadline = watch
        try:
            resp = self._follow(url, headers)
            try:
                watch.arm(_socket_of(resp))
                body = self._read_body(url, resp, watch) if resp.status_code == 200 else b""
                return resp.status_code, resp.headers, body
            finally:
                resp.close()
        except (RegistryError, _Retry):
            raise
        except Exception as exc:  # timeouts, DNS, refused connections, TLS, a socket the watchdog shut
            if watch.fired:
                raise _fail(url, self._too_slow(0, watch)) from None
            name = type(exc).__name__
            if name == "ChunkedEncodingError":
                raise _Retry("truncated response (the connection closed early)") from None
            if _transient(exc):
                raise _Retry(name, unreachable=name in ("ConnectionError", "ConnectTimeout")) from None
            raise _fail(url, name) from None
        finally:
            watch.cancel()
            _watched.deadline = None

    def _follow(self, url: str, headers: dict[str, str]):
        """GET `url`, following at most MAX_REDIRECTS redirects, each to the same scheme, host and port."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            remaining = self.deadline - self.clock()
            if remaining <= 0:
                raise _fail(url, "time budget spent while following redirects")
            with self._lock:
                self.requests_made += 1
            resp = self.session.get(current, headers=headers, timeout=min(self.timeout, remaining),
                                    stream=True, allow_redirects=False)
            if resp.status_code not in REDIRECT_CODES:
                return resp
            location = resp.headers.get("Location")
            resp.close()
            if not location:
                raise _fail(current, f"HTTP {resp.status_code} redirect without a Location")
            current = _redirect_target(current, location)
        raise _fail(url, f"more than {MAX_REDIRECTS} redirects")

    def _read_body(self, url: str, resp, watch: "_Deadline") -> bytes:
        """The decoded body, read chunk by chunk: at most `max_bytes` of it, and only until the deadline."""
        encoding = (resp.headers.get("Content-Encoding") or "identity").strip().lower()
        decoder = _Decoder(encoding, self.max_bytes, url)
        chunked = "chunked" in (resp.headers.get("Transfer-Encoding") or "").lower()
        declared = "" if chunked else (resp.headers.get("Content-Length") or "").strip()
        if encoding == "identity" and declared.isdigit() and int(declared) > self.max_bytes:
            raise _fail(url, self._too_large())
        raw = resp.raw
        read = raw.read1 if hasattr(raw, "read1") else raw.read  # read1: whatever arrived, never waits for a full chunk
        received = 0
        while True:
            if watch.expired():
                raise _fail(url, self._too_slow(received, watch))
            try:
                chunk = read(CHUNK, decode_content=False)
            except Exception as exc:  # urllib3 ProtocolError / ReadTimeoutError, or the socket the watchdog shut
                if watch.fired or watch.expired():
                    raise _fail(url, self._too_slow(received, watch)) from None
                if "Timeout" in type(exc).__name__:
                    raise _Retry("ReadTimeout") from None
                raise _Retry("truncated response (the connection closed early)") from None
            if not chunk:
                break
            received += len(chunk)
            if not decoder.feed(chunk):
                raise _fail(url, self._too_large())
        if watch.fired:  # the shut socket looked like the end of the body
            raise _fail(url, self._too_slow(received, watch))
        if declared.isdigit() and int(declared) != received:
            raise _Retry(f"truncated response ({received} of {declared} bytes)")
        return decoder.finish()

    def _too_large(self) -> str:
        return f"response larger than {self.max_bytes / 1024 / 1024:g} MB"

    def _too_slow(self, received: int, watch: "_Deadline") -> str:
        return (f"response too slow: {received} bytes in {watch.elapsed():.1f}s, not complete "
                f"within the time budget ({self.budget:g}s)")


class _Deadline:
    """A wall-clock limit for one exchange: when it passes, the socket in use is shut down, which wakes
    a read blocked on a server that trickles bytes (each byte resets the per-read timeout)."""

    def __init__(self, seconds: float) -> None:
        self.started = time.monotonic()
        self.until = self.started + max(seconds, 0.0)
        self.fired = False
        self._done = False
        self._sock: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def arm(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sock = sock
            late = self.fired
        if late:
            _shutdown(sock)

    def expired(self) -> bool:
        return self.fired or time.monotonic() >= self.until

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def cancel(self) -> None:
        self._timer.cancel()
        with self._lock:
            self._done = True

    def _fire(self) -> None:
        with self._lock:
            if self._done:
                return
            self.fired = True
            sock = self._sock
        if sock is not None:
            _shutdown(sock)


def _shutdown(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


def _socket_of(resp) -> socket.socket | None:
    """The socket behind a streamed response (None when mocked or not reachable)."""
    raw = getattr(resp, "raw", None)
    conn = getattr(raw, "connection", None) or getattr(raw, "_connection", None)
    sock = getattr(conn, "sock", None)
    return sock if isinstance(sock, socket.socket) else None


def _watched_adapter():
    return _adapter_class()(pool_connections=16, pool_maxsize=32)


@functools.cache
def _adapter_class():
    """An HTTPAdapter whose connections report their socket to the thread's current deadline before
    reading the status line and headers, so a server dripping its headers is cut off too."""
    from requests.adapters import HTTPAdapter
    from urllib3.connection import HTTPConnection, HTTPSConnection
    from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

    class _Report:
        def getresponse(self, *args, **kwargs):
            watch = getattr(_watched, "deadline", None)
            if watch is not None:
                watch.arm(getattr(self, "sock", None))
            return super().getresponse(*args, **kwargs)  # type: ignore[misc]

    class _Conn(_Report, HTTPConnection):
        pass

    class _SConn(_Report, HTTPSConnection):
        pass

    class _Pool(HTTPConnectionPool):
        ConnectionCls = _Conn

    class _SPool(HTTPSConnectionPool):
        ConnectionCls = _SConn

    class _Adapter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            self.poolmanager.pool_classes_by_scheme = {"http": _Pool, "https": _SPool}

    return _Adapter


class _Decoder:
    """Content-Encoding undone incrementally, never holding more than `limit` decoded bytes."""

    def __init__(self, encoding: str, limit: int, url: str) -> None:
        if encoding not in ("identity", "", "gzip", "x-gzip", "deflate"):
            raise _fail(url, f"unsupported Content-Encoding {encoding[:40]!r}")
        self.encoding = "gzip" if encoding == "x-gzip" else encoding
        self.limit = limit
        self.url = url
        self.out = bytearray()
        self._z = None
        self._started = False

    def feed(self, data: bytes) -> bool:
        """False once the decoded body passes the limit."""
        if self.encoding in ("identity", ""):
            self.out += data
            return len(self.out) <= self.limit
        try:
            return self._inflate(data)
        except zlib.error:
            raise _fail(self.url, f"the {self.encoding} body could not be decoded") from None

    def _inflate(self, data: bytes) -> bool:
        if self._z is None:
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS if self.encoding == "gzip" else self._deflate_bits(data))
        while data:
            if self._z.eof:
                if self.encoding != "gzip" or not data.strip(b"\0"):
                    return True  # trailing bytes after the stream are ignored, as browsers do
                self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)  # another gzip member
            piece = self._z.decompress(data, min(self.limit + 1 - len(self.out), PIECE))
            self.out += piece
            if len(self.out) > self.limit:
                return False
            data = self._z.unused_data if self._z.eof else self._z.unconsumed_tail
        return True

    @staticmethod
    def _deflate_bits(first: bytes) -> int:
        """HTTP `deflate` is meant to be zlib-wrapped; some servers send a raw stream."""
        wrapped = len(first) >= 2 and (first[0] & 0x0F) == 8 and (first[0] << 8 | first[1]) % 31 == 0
        return zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS

    def finish(self) -> bytes:
        if self._z is not None and not self._z.eof:
            raise _Retry(f"truncated response (the {self.encoding} stream ended early)")
        return bytes(self.out)


def _valid(validate: Callable[[bytes], bool], body: bytes) -> bool:
    try:
        return bool(validate(body))
    except Exception:
        return False


def _origin(url: str) -> str:
    """scheme://host:port with the default port spelled out, without credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port or DEFAULT_PORTS.get(parts.scheme.lower(), 0)
    except ValueError:
        return redact(url)
    host = (parts.hostname or "").lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{parts.scheme.lower()}://{host}:{port}"


def _redirect_target(current: str, location: str) -> str:
    """Where a redirect leads, refused unless it stays on the same scheme, host and port. The
    credentials of `current` carry over (requests keeps its Authorization on the same host)."""
    target = urljoin(current, location.strip())
    if _origin(target) != _origin(current):
        raise _fail(current, f"redirected to another host ({_origin(current)} -> {_origin(target)}); not followed")
    here, there = urlsplit(current), urlsplit(target)
    if "@" in here.netloc and "@" not in there.netloc:
        target = urlunsplit(there._replace(netloc=here.netloc.rpartition("@")[0] + "@" + there.netloc))
    return target


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
