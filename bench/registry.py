"""Registry look-ups against a local server on 127.0.0.1 that adds 100 ms to every response.

Shows that N look-ups cost about N / pool round trips (not N), and that a second run inside
the servers' max-age makes no request at all. Run: python bench/registry.py
"""

from __future__ import annotations

import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lockrisk.model import Lockfile, Package, Source  # noqa: E402
from lockrisk.registry.facts import POOL, Lookup  # noqa: E402
from lockrisk.registry.http import IN_FLIGHT, HttpClient  # noqa: E402

LATENCY = 0.100
PACKAGES = 50


def answer(path: str, versions: tuple[str, ...] = ("1.0.0", "1.1.0", "2.0.0")) -> tuple[bytes, str]:
    """(body, content type) a small RubyGems-shaped registry gives for `path`: the Compact Index `info`, the
    versions API or the gem API, for a gem released at `versions` (tests/test_registry_concurrency.py too)."""
    name = path.rstrip("/").split("/")[-1].removesuffix(".json")
    if path.startswith("/info/"):
        return ("---\n" + "".join(f"{v} |checksum:00\n" for v in versions)).encode(), "text/plain"
    if path.startswith("/api/v1/versions/"):
        return json.dumps([{"number": v, "created_at": "2025-01-01T00:00:00Z"} for v in versions]).encode(), \
            "application/json"
    return json.dumps({"name": name, "changelog_uri": None}).encode(), "application/json"


class Handler(BaseHTTPRequestHandler):
    served = 0
    lock = threading.Lock()

    def do_GET(self) -> None:  # noqa: N802
        time.sleep(LATENCY)
        with Handler.lock:
            Handler.served += 1
        body, ctype = answer(self.path)
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=300")
        self.send_header("ETag", '"v1"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def run(lockfile: Lockfile, cache: Path) -> tuple[float, int]:
    http = HttpClient(cache_dir=cache, budget=120)
    lookup = Lookup(lockfile, index_url=None, http=http, progress=False)
    start = time.perf_counter()
    facts = lookup.many((k, p, None) for k, p in lockfile.packages.items())
    elapsed = time.perf_counter() - start
    assert len(facts) == PACKAGES, lookup.notes
    return elapsed, http.requests_made


def main() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    packages = {f"gem{i:03d}": Package(name=f"gem{i:03d}", key=f"gem{i:03d}", version="1.0.0",
                                       source=Source(kind="registry", url=base)) for i in range(PACKAGES)}
    lockfile = Lockfile(path="bench", ecosystem="rubygems", format_version=None, packages=packages)
    with tempfile.TemporaryDirectory() as tmp:
        cold, cold_requests = run(lockfile, Path(tmp))
        warm, warm_requests = run(lockfile, Path(tmp))
    server.shutdown()
    per_package = cold_requests // PACKAGES
    ideal = cold_requests / IN_FLIGHT * LATENCY
    print(f"{PACKAGES} packages, {per_package} requests each ({cold_requests} requests), pool {POOL} packages, "
          f"at most {IN_FLIGHT} requests in flight, {LATENCY * 1000:.0f} ms added per response")
    print(f"first run:  {cold:.2f} s, {cold_requests} requests (ideal {cold_requests}/{IN_FLIGHT} x "
          f"{LATENCY * 1000:.0f} ms = {ideal:.2f} s; one at a time would be {cold_requests * LATENCY:.1f} s)")
    print(f"second run: {warm:.3f} s, {warm_requests} requests (served from the cache within max-age)")


if __name__ == "__main__":
    main()
