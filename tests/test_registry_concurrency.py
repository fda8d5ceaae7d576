"""Registry look-ups overlap where they can and stay bounded: a package's own requests go out together,
many packages share one cap on requests in flight, and audit asks its follow-up questions on the pool.

A registry on 127.0.0.1 holds every answer until a second request arrives (or a short wait passes) and
records the most requests it ever had in hand at once: counted, not timed.
"""

from __future__ import annotations

import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from lockrisk.model import Lockfile, Package, Source
from lockrisk.registry import http as http_module
from lockrisk.registry.facts import Lookup
from lockrisk.registry.http import HttpClient

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))

from registry import answer  # noqa: E402 - the benchmark's registry answers, shared

VERSIONS = ("1.0.0", "1.1.0", "2.0.0")


class Registry:
    def __init__(self, hold: float = 0.3) -> None:
        self.lock = threading.Lock()
        self.in_hand = 0
        self.most = 0
        self.served = 0
        self.arrived = threading.Condition(self.lock)
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                with registry.arrived:
                    registry.in_hand += 1
                    registry.most = max(registry.most, registry.in_hand)
                    registry.arrived.notify_all()
                    registry.arrived.wait_for(lambda: registry.in_hand > 1, timeout=hold)  # let others catch up
                body, ctype = answer(self.path, VERSIONS)
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                with registry.arrived:
                    registry.in_hand -= 1
                    registry.served += 1

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def registry():
    found = Registry()
    yield found
    found.close()


def _lockfile(url: str, count: int) -> Lockfile:
    packages = {f"gem{i:03d}": Package(name=f"gem{i:03d}", key=f"gem{i:03d}", version="1.0.0",
                                       source=Source(kind="registry", url=url)) for i in range(count)}
    return Lockfile(path="Gemfile.lock", ecosystem="rubygems", format_version=None, packages=packages)


def test_one_packages_three_requests_are_in_flight_together(registry, tmp_path) -> None:
    lockfile = _lockfile(registry.url, 1)
    lookup = Lookup(lockfile, index_url=None, http=HttpClient(cache_dir=tmp_path, budget=30), progress=False)
    facts = lookup.many((k, p, "2.0.0") for k, p in lockfile.packages.items())
    assert facts["gem000"].latest == "2.0.0", lookup.notes
    assert registry.served == 3
    assert registry.most >= 2  # one after another would never hold two at once


def test_many_packages_stay_under_the_cap_on_requests_in_flight(registry, tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(http_module, "IN_FLIGHT", 4)
    lockfile = _lockfile(registry.url, 12)
    lookup = Lookup(lockfile, index_url=None, http=HttpClient(cache_dir=tmp_path, budget=60), progress=False)
    facts = lookup.many((k, p, "2.0.0") for k, p in lockfile.packages.items())
    assert len(facts) == 12, lookup.notes
    assert registry.served == 36
    assert 2 <= registry.most <= 4


def test_the_pool_runs_follow_up_questions_together_and_in_order(registry, tmp_path) -> None:
    lookup = Lookup(_lockfile(registry.url, 1), index_url=None, http=HttpClient(cache_dir=tmp_path, budget=30),
                    progress=False)
    seen: list[int] = []
    lock = threading.Lock()
    both = threading.Barrier(2, timeout=5)

    def ask(n: int) -> int:
        both.wait()  # returns only when two questions are being answered at the same time
        with lock:
            seen.append(n)
        return n * 10

    assert list(lookup.map(ask, [1, 2])) == [10, 20]
    assert sorted(seen) == [1, 2]
