"""The HTTP client against a hostile registry: a real tiny server on 127.0.0.1 (ephemeral port, background
thread; no other network) serving gzip bombs, endless bodies, byte-a-second drips, cross-host redirects,
captive-portal pages and credentialed URLs. Each case must end in time, with one RegistryError whose
message is one line and carries no credentials, and must leave nothing unwanted in the cache."""

from __future__ import annotations

import collections
import gzip
import json
import threading
import time
import tracemalloc
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import pytest

from conftest import fixture
from lockrisk.errors import RegistryError
from lockrisk.registry.http import MAX_BYTES, HttpClient, redact, redact_text
from lockrisk.registry.pypi import PyPIClient
from lockrisk.registry.rubygems import RubyGemsClient

SECRET = "secret"
MB = 1024 * 1024
PROJECT_PAGE = {"meta": {"api-version": "1.1"}, "name": "alpha", "versions": ["1.0.0"],
                "files": [{"filename": "alpha-1.0.0.tar.gz", "url": "alpha-1.0.0.tar.gz", "upload-time": "2025-01-01T00:00:00Z"}]}
COMPACT_INFO = "---\n1.0.0 |checksum:ab\n2.0.0 rack:>= 2.2&< 4|checksum:cd,ruby:>= 3.1\n"
PORTAL = b"<!doctype html><html><body><form>Sign in to the guest Wi-Fi</form></body></html>"


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        pass  # a client hanging up mid-answer is the point of most cases here


class Hostile:
    """A registry on 127.0.0.1 that answers `routes[path](handler, self)`, counting what it is asked."""

    def __init__(self) -> None:
        self.routes: dict[str, Callable] = {}
        self.hits: collections.Counter[str] = collections.Counter()
        self.auth: list[str | None] = []
        self.sent = 0  # body bytes written by the streaming routes
        self.stop = threading.Event()
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                registry.hits[path] += 1
                registry.auth.append(self.headers.get("Authorization"))
                try:
                    registry.routes.get(path, not_found)(self, registry)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client hung up: exactly what a cap or a deadline should do

            def log_message(self, *args) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str = "", *, credentials: bool = True, host: str = "127.0.0.1") -> str:
        auth = f"user:{SECRET}@" if credentials else ""
        return f"http://{auth}{host}:{self.port}{path}"

    def close(self) -> None:
        self.stop.set()
        self.server.shutdown()
        self.server.server_close()


def reply(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    h.send_response(status)
    for name, value in {"Content-Length": str(len(body)), **headers}.items():
        h.send_header(name.replace("_", "-"), value)
    h.end_headers()
    h.wfile.write(body)


def not_found(h, reg) -> None:
    reply(h, 404, b"not here", Content_Type="text/plain")


def gzip_bomb(decoded: int) -> bytes:
    """A small gzip body that decodes to `decoded` bytes of zeros."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MB)
    out = [z.compress(block) for _ in range(decoded // MB)]
    return b"".join(out) + z.flush()


def serve_bomb(body: bytes) -> Callable:
    def route(h, reg) -> None:
        reply(h, 200, body, Content_Type="application/json", Content_Encoding="gzip")
    return route


def serve_endless(total: int, *, declared: bool) -> Callable:
    """`total` bytes of a JSON-looking body, chunked (no length) or with its Content-Length."""
    def route(h, reg) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length" if declared else "Transfer-Encoding", str(total) if declared else "chunked")
        h.end_headers()
        block = b" " * (64 * 1024)
        while reg.sent < total and not reg.stop.is_set():
            h.wfile.write(block if declared else b"%x\r\n%s\r\n" % (len(block), block))
            reg.sent += len(block)
        if not declared:
            h.wfile.write(b"0\r\n\r\n")
    return route


def serve_drip(h, reg) -> None:
    """A JSON body one byte a second: every read returns within any per-read timeout."""
    h.send_response(200)
    h.send_header("Content-Type", "application/json")
    h.send_header("Content-Length", "600")
    h.end_headers()
    for _ in range(600):
        h.wfile.write(b" ")
        h.wfile.flush()
        if reg.stop.wait(1.0):
            return


def serve_header_drip(h, reg) -> None:
    """The status line and headers themselves, one byte a second."""
    for byte in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}":
        h.wfile.write(bytes([byte]))
        h.wfile.flush()
        if reg.stop.wait(1.0):
            return


def serve_redirect(location: str) -> Callable:
    def route(h, reg) -> None:
        reply(h, 302, b"", Location=location)
    return route


def serve_portal(h, reg) -> None:
    reply(h, 200, PORTAL, Content_Type="text/html; charset=utf-8", Cache_Control="max-age=31536000")


def serve(body: bytes, content_type: str, **headers: str) -> Callable:
    def route(h, reg) -> None:
        reply(h, 200, body, Content_Type=content_type, **headers)
    return route


@pytest.fixture
def registry():
    reg = Hostile()
    yield reg
    reg.close()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "cache"


def client(cache: Path, **kwargs) -> HttpClient:
    return HttpClient(cache_dir=cache, sleep=lambda s: None, **kwargs)


def cache_files(cache: Path) -> list[Path]:
    return [p for p in cache.rglob("*") if p.is_file()] if cache.exists() else []


def failure(call: Callable, within: float) -> RegistryError:
    """The one RegistryError `call` raises, checked to come in time, on one line, without credentials."""
    started = time.monotonic()
    with pytest.raises(RegistryError) as caught:
        call()
    elapsed = time.monotonic() - started
    message = caught.value.message
    assert elapsed < within, f"took {elapsed:.1f}s: {message}"
    assert "\n" not in message and SECRET not in message and SECRET not in str(caught.value)
    assert "127.0.0.1" in message  # it still says where
    return caught.value


def assert_no_secret_cached(cache: Path) -> None:
    for path in cache_files(cache):
        assert SECRET not in str(path) and SECRET not in path.read_text(encoding="utf-8", errors="replace")


# -- size ------------------------------------------------------------------------------------------


def failure_and_peak(call: Callable) -> tuple[RegistryError, int]:
    """`failure(call, within=10)` and the most memory Python held while it ran."""
    tracemalloc.start()
    try:
        err = failure(call, within=10)
        return err, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_gzip_bomb_stops_at_the_cap_without_decoding_it_all(registry, cache) -> None:
    bomb = gzip_bomb(200 * MB)
    assert len(bomb) < 1 * MB
    registry.routes["/simple/alpha/"] = serve_bomb(bomb)
    http = client(cache)
    err, peak = failure_and_peak(lambda: PyPIClient(http, registry.url("/simple")).releases("alpha"))
    assert f"response larger than {MAX_BYTES // MB} MB" in err.message
    assert peak < MAX_BYTES + 16 * MB, f"peak {peak / MB:.0f} MB"
    assert registry.hits["/simple/alpha/"] == 1 and cache_files(cache) == []


def test_a_small_cap_is_a_constructor_argument(registry, cache) -> None:
    registry.routes["/api/v1/versions/rack.json"] = serve(gzip.compress(b"[" + b"{}," * 400_000 + b"{}]"),
                                                          "application/json", Content_Encoding="gzip")
    http = client(cache, max_bytes=1 * MB)
    err = failure(lambda: RubyGemsClient(http, registry.url()).release_dates("rack"), within=5)
    assert "response larger than 1 MB" in err.message


@pytest.mark.parametrize("declared", [False, True], ids=["chunked", "content-length"])
def test_a_100_mb_body_is_cut_off_at_the_cap(registry, cache, declared: bool) -> None:
    registry.routes["/simple/alpha/"] = serve_endless(100 * MB, declared=declared)
    http = client(cache)
    err, peak = failure_and_peak(lambda: PyPIClient(http, registry.url("/simple")).releases("alpha"))
    assert "response larger than 32 MB" in err.message
    assert peak < MAX_BYTES + 16 * MB, f"peak {peak / MB:.0f} MB"
    registry.stop.set()
    assert registry.sent < 100 * MB  # the client hung up; the server never got to the end
    assert registry.hits["/simple/alpha/"] == 1 and cache_files(cache) == []


# -- time ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [serve_drip, serve_header_drip], ids=["body", "headers"])
def test_a_byte_a_second_drip_ends_within_the_budget(registry, cache, route) -> None:
    registry.routes["/simple/alpha/"] = route
    http = client(cache, budget=2.0)
    err = failure(lambda: PyPIClient(http, registry.url("/simple")).releases("alpha"), within=2.0 + 1.5)
    assert "response too slow" in err.message and "within the time budget" in err.message
    assert registry.hits["/simple/alpha/"] == 1 and cache_files(cache) == []


# -- redirects -------------------------------------------------------------------------------------


def test_a_cross_host_redirect_is_refused_naming_both_hosts(registry, cache) -> None:
    registry.routes["/info/rack"] = serve_redirect(registry.url("/info/rack", host="localhost"))
    http = client(cache)
    err = failure(lambda: RubyGemsClient(http, registry.url()).releases("rack"), within=5)
    assert f"http://127.0.0.1:{registry.port}" in err.message and f"http://localhost:{registry.port}" in err.message
    assert "another host" in err.message
    assert registry.hits["/info/rack"] == 1 and cache_files(cache) == []


def test_a_redirect_to_another_port_or_scheme_is_another_host(registry, cache) -> None:
    registry.routes["/a"] = serve_redirect(f"http://127.0.0.1:{registry.port + 1}/a")
    registry.routes["/b"] = serve_redirect(f"https://127.0.0.1:{registry.port}/b")
    http = client(cache)
    for path in ("/a", "/b"):
        err = failure(lambda: http.get(registry.url(path)), within=5)
        assert "another host" in err.message


def test_a_same_host_redirect_is_followed_with_the_credentials(registry, cache) -> None:
    registry.routes["/info/rack"] = serve_redirect("/mirror/info/rack")
    registry.routes["/mirror/info/rack"] = serve(COMPACT_INFO.encode(), "text/plain")
    releases = RubyGemsClient(client(cache), registry.url()).releases("rack")
    assert [r.version for r in releases] == ["1.0.0", "2.0.0"]
    assert registry.auth[0] is not None and registry.auth[1] == registry.auth[0]  # same host: still signed in
    assert_no_secret_cached(cache)


def test_a_redirect_loop_gives_up(registry, cache) -> None:
    registry.routes["/loop"] = serve_redirect("/loop")
    err = failure(lambda: client(cache).get(registry.url("/loop")), within=5)
    assert "redirects" in err.message and registry.hits["/loop"] == 6


# -- validation before caching ---------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["pypi", "compact-index", "gem-json"])
def test_a_captive_portal_page_is_never_cached(registry, cache, kind: str) -> None:
    path, call = {
        "pypi": ("/simple/alpha/", lambda http: PyPIClient(http, registry.url("/simple")).releases("alpha")),
        "compact-index": ("/info/rack", lambda http: RubyGemsClient(http, registry.url()).releases("rack")),
        "gem-json": ("/api/v1/versions/rack.json", lambda http: RubyGemsClient(http, registry.url()).release_dates("rack")),
    }[kind]
    registry.routes[path] = serve_portal
    for attempt in (1, 2):
        err = failure(lambda: call(client(cache)), within=5)
        assert "text/html" in err.message and "not cached" in err.message
        assert registry.hits[path] == attempt  # asked again: nothing was kept
    assert cache_files(cache) == []


def test_json_of_the_wrong_shape_is_not_cached(registry, cache) -> None:
    registry.routes["/simple/alpha/"] = serve(b'{"login": "required"}', "application/json",
                                              Cache_Control="max-age=31536000")
    err = failure(lambda: PyPIClient(client(cache), registry.url("/simple")).releases("alpha"), within=5)
    assert "PEP 691" in err.message and cache_files(cache) == []


def test_a_compact_index_with_garbage_after_the_marker_is_not_cached(registry, cache) -> None:
    registry.routes["/info/rack"] = serve(b"---\n<html><body>hello</body></html>\n", "text/plain",
                                          Cache_Control="max-age=31536000")
    err = failure(lambda: RubyGemsClient(client(cache), registry.url()).releases("rack"), within=5)
    assert "compact index" in err.message and cache_files(cache) == []


def test_core_metadata_that_is_a_web_page_is_not_cached(registry, cache) -> None:
    wheel = "/files/alpha-1.0.0-py3-none-any.whl"
    page = dict(PROJECT_PAGE, files=[{"filename": wheel.rsplit("/", 1)[1], "url": wheel, "core-metadata": True}])
    registry.routes["/simple/alpha/"] = serve(json.dumps(page).encode(), "application/json")
    registry.routes[wheel + ".metadata"] = serve_portal
    pypi = PyPIClient(client(cache), registry.url("/simple"))
    (release,) = pypi.releases("alpha")
    err = failure(lambda: pypi.core_metadata(release), within=5)
    assert "core metadata" in err.message and len(cache_files(cache)) == 1  # the project page only


def test_valid_answers_still_decode_and_cache(registry, cache) -> None:
    """The positive control: gzip and deflate bodies decode, and a valid answer is cached and reused."""
    registry.routes["/simple/alpha/"] = serve(gzip.compress(json.dumps(PROJECT_PAGE).encode()), "application/json",
                                              Content_Encoding="gzip", Cache_Control="max-age=600")
    registry.routes["/info/rack"] = serve(zlib.compress(COMPACT_INFO.encode()), "text/plain",
                                          Content_Encoding="deflate", Cache_Control="max-age=600")
    for _ in range(2):
        http = client(cache)
        assert [r.version for r in PyPIClient(http, registry.url("/simple")).releases("alpha")] == ["1.0.0"]
        assert [r.ruby for r in RubyGemsClient(http, registry.url()).releases("rack")] == [None, ">= 3.1"]
    assert registry.hits["/simple/alpha/"] == 1 and registry.hits["/info/rack"] == 1
    assert len(cache_files(cache)) == 2
    assert_no_secret_cached(cache)


# -- credentials -----------------------------------------------------------------------------------


def test_credentials_reach_the_server_but_no_message_or_cache_file(registry, cache) -> None:
    registry.routes["/simple/alpha/"] = serve(json.dumps(PROJECT_PAGE).encode(), "application/json", ETag='"a1"')
    http = client(cache)
    PyPIClient(http, registry.url("/simple")).releases("alpha")
    assert registry.auth[0] is not None and registry.auth[0].startswith("Basic ")
    assert_no_secret_cached(cache)
    failure(lambda: PyPIClient(http, registry.url("/simple")).releases("beta"), within=5)  # a 404


def test_redact_text_rewrites_every_url_in_a_message() -> None:
    text = "GET https://u:s3cret@gems.acme.example/x failed; mirror git+https://tok@git.example/r.git; mail a@b.example"
    assert redact_text(text) == ("GET https://gems.acme.example/x failed; mirror git+https://git.example/r.git; "
                                 "mail a@b.example")
    assert redact("https://u:p@ss@[::1]:8443/simple") == "https://[::1]:8443/simple"
    assert redact("http://[::1") == "http://[::1"


# -- through the command line ----------------------------------------------------------------------

HOSTILE_ROUTES = {
    "bomb": lambda reg: serve_bomb(gzip_bomb(64 * MB)),
    "portal": lambda reg: serve_portal,
    "cross-host": lambda reg: serve_redirect(reg.url("/simple/numpy/", host="localhost")),
    "drip": lambda reg: serve_drip,
}


def _diff(cli, *extra: str):
    before = fixture("pypi", "python-floor", "before", "poetry.lock")
    after = fixture("pypi", "python-floor", "after", "poetry.lock")
    return cli(["diff", before, after, "--fail-on", "critical", *extra])


@pytest.mark.parametrize("case", list(HOSTILE_ROUTES))
def test_diff_against_a_hostile_index_keeps_its_exit_status_and_its_secrets(cli, registry, monkeypatch, case: str
                                                                            ) -> None:
    offline_text, offline_json = _diff(cli, "-f", "text"), _diff(cli, "-f", "json")
    registry.routes["/simple/numpy/"] = HOSTILE_ROUTES[case](registry)
    monkeypatch.delenv("LOCKRISK_OFFLINE")
    monkeypatch.setenv("PIP_INDEX_URL", registry.url("/simple"))
    started = time.monotonic()
    text = _diff(cli, "-f", "text", "--budget", "2")
    report = _diff(cli, "-f", "json", "--budget", "2")
    assert time.monotonic() - started < 2 * (2 + 1.5)
    assert registry.hits["/simple/numpy/"] >= 1  # the look-up really went to the hostile index
    assert (text.code, report.code) == (offline_text.code, offline_json.code) == (1, 1)
    for output in (text.out, text.err, report.out, report.err):
        assert SECRET not in output
    (note,) = [n for n in report.json()["notes"] if n.startswith("registry:")]
    assert f"127.0.0.1:{registry.port}" in note and "\n" not in note


def _uv_pair(tmp_path: Path, registry: Hostile) -> tuple[Path, Path]:
    paths = []
    for side, version in (("old", "1.0.0"), ("new", "2.0.0")):
        folder = tmp_path / side
        folder.mkdir()
        (folder / "uv.lock").write_text(
            'version = 1\nrevision = 3\nrequires-python = ">=3.11"\n\n'
            '[[package]]\nname = "demo"\nversion = "0.1.0"\nsource = { virtual = "." }\n'
            'dependencies = [{ name = "alpha" }]\n\n[package.metadata]\nrequires-dist = [{ name = "alpha" }]\n\n'
            f'[[package]]\nname = "alpha"\nversion = "{version}"\n'
            f'source = {{ registry = "{registry.url("/simple")}" }}\n')
        paths.append(folder / "uv.lock")
    return paths[0], paths[1]


def test_a_uv_lock_whose_registry_url_has_credentials_keeps_them_out_of_the_notes(cli, registry, tmp_path,
                                                                                   monkeypatch) -> None:
    registry.routes["/simple/alpha/"] = serve_portal
    old, new = _uv_pair(tmp_path, registry)
    monkeypatch.delenv("LOCKRISK_OFFLINE")
    text = cli(["diff", old, new, "-f", "text", "--budget", "5"])
    report = cli(["diff", old, new, "-f", "json", "--budget", "5"])
    assert registry.hits["/simple/alpha/"] == 2 and registry.auth[0] is not None
    assert SECRET not in text.out and SECRET not in text.err and SECRET not in report.err
    (note,) = [n for n in report.json()["notes"] if n.startswith("registry:")]
    assert SECRET not in note and "text/html" in note


def test_the_json_report_prints_no_lockfile_credentials(cli, registry, tmp_path) -> None:
    old, new = _uv_pair(tmp_path, registry)
    assert SECRET not in cli(["diff", old, new, "-f", "json"]).out
