"""A small GitHub issue-comments API on 127.0.0.1, thread-safe, with switchable faults."""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # a hundred runs connect at once
    daemon_threads = True


class FakeGitHub:
    def __init__(self, *, login: str | None = None, post_502_every: int = 0, wrong_types: bool = False) -> None:
        self.comments: list[dict] = []
        self.lock = threading.Lock()
        self.next_id = 1
        self.posts = 0
        self.page_size = 50  # below the per_page asked for, so listings really page
        self.login = login  # None: /user answers 403, as for the workflow token
        self.post_502_every = post_502_every  # every Nth POST lands but answers 502
        self.wrong_types = wrong_types  # every answer is JSON of the wrong shape
        self.server = _Server(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def api(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> "FakeGitHub":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _send(self, status: int, payload: object, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def _body(self) -> dict:
                length = int(self.headers.get("Content-Length") or 0)
                return json.loads(self.rfile.read(length) or b"{}")

            def do_GET(self) -> None:
                if fake.wrong_types:
                    return self._send(200, {"user": 3} if self.path == "/user" else {"message": ["not", "a", "list"]})
                if self.path == "/user":
                    if fake.login is None:
                        return self._send(403, {"message": "Resource not accessible by integration"})
                    return self._send(200, {"login": fake.login})
                m = re.search(r"[?&]page=(\d+)", self.path)
                page = int(m.group(1)) if m else 1
                with fake.lock:
                    chunk = fake.comments[(page - 1) * fake.page_size: page * fake.page_size]
                    more = len(fake.comments) > page * fake.page_size
                base = self.path.split("?")[0]
                headers = {"Link": f'<{fake.api}{base}?per_page={fake.page_size}&page={page + 1}>; rel="next"'} if more else {}
                self._send(200, chunk, headers)

            def do_POST(self) -> None:
                body = self._body().get("body")
                if fake.wrong_types:
                    return self._send(201, "created")
                with fake.lock:
                    fake.posts += 1
                    cid = fake.next_id
                    fake.next_id += 1
                    comment = {"id": cid, "body": body, "url": f"{fake.api}/c/{cid}", "html_url": f"h{cid}",
                               "user": {"login": fake.login or "github-actions[bot]"}}
                    fake.comments.append(comment)
                    fail = fake.post_502_every and fake.posts % fake.post_502_every == 0
                if fail:
                    return self._send(502, {"message": "Bad gateway"})
                self._send(201, comment)

            def _find(self) -> dict | None:
                cid = int(self.path.rsplit("/", 1)[1])
                return next((c for c in fake.comments if c["id"] == cid), None)

            def do_PATCH(self) -> None:
                body = self._body().get("body")
                with fake.lock:
                    comment = self._find()
                    if comment is not None:
                        comment["body"] = body
                if comment is None:
                    return self._send(404, {"message": "Not Found"})
                self._send(200, [] if fake.wrong_types else comment)

            def do_DELETE(self) -> None:
                with fake.lock:
                    comment = self._find()
                    if comment is not None:
                        fake.comments.remove(comment)
                if comment is None:
                    return self._send(404, {"message": "Not Found"})
                self.send_response(204)
                self.end_headers()

        return Handler
