"""A real HTTP server on 127.0.0.1 that answers like Nominatim's ``/search`` (format=json).

Each query string is scripted: ``server.script("Lachin", hit(...))``. Unscripted queries get an
empty list (a miss). Every request is recorded with the query, the headers and the time on an
injectable clock, so tests can count requests and check the rate limit without sleeping.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


@dataclass
class Answer:
    """What the server says to one query."""

    status: int = 200
    body: str = "[]"
    delay_s: float = 0.0
    content_type: str = "application/json"


def hit(lat: float, lon: float, name: str, *, osm_id: int = 123456, osm_type: str = "node",
        addresstype: str = "village", bbox_deg: float = 0.01) -> Answer:
    """A Nominatim search result list with one place."""
    result = {
        "place_id": 1000 + osm_id,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0",
        "osm_type": osm_type,
        "osm_id": osm_id,
        "lat": f"{lat:.7f}",
        "lon": f"{lon:.7f}",
        "class": "place",
        "type": addresstype,
        "place_rank": 19,
        "importance": 0.3,
        "addresstype": addresstype,
        "name": name.split(",")[0],
        "display_name": name,
        "boundingbox": [f"{lat - bbox_deg:.7f}", f"{lat + bbox_deg:.7f}", f"{lon - bbox_deg:.7f}", f"{lon + bbox_deg:.7f}"],
    }
    return Answer(body=json.dumps([result]))


MISS = Answer(body="[]")
TOO_MANY = Answer(status=429, body='{"error": "Too Many Requests"}')
SERVER_ERROR = Answer(status=500, body="Internal Server Error", content_type="text/plain")
GARBAGE = Answer(body="<html><body>this is not JSON", content_type="application/json")


@dataclass
class Request:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float

    @property
    def q(self) -> str:
        return self.query.get("q", [""])[0]


@dataclass
class NominatimServer:
    clock: Callable[[], float]
    scripted: dict[str, Answer] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    def script(self, query: str, answer: Answer) -> None:
        self.scripted[query] = answer

    @property
    def domain(self) -> str:
        return f"127.0.0.1:{self.port}"

    def searches(self) -> list[Request]:
        return [r for r in self.requests if r.path.rstrip("/").endswith("search")]


def _handler(server: NominatimServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            url = urlparse(self.path)
            query = parse_qs(url.query)
            req = Request(url.path, query, dict(self.headers.items()), server.clock())
            server.requests.append(req)
            answer = server.scripted.get(req.q, MISS)
            if answer.delay_s and server.stop.wait(answer.delay_s):
                return
            body = answer.body.encode("utf-8")
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

    return Handler


@contextmanager
def running(clock: Callable[[], float]) -> Iterator[NominatimServer]:
    """Start a server on 127.0.0.1 (a free port) for the duration of the block."""
    state = NominatimServer(clock=clock)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    httpd.block_on_close = False
    state.port = httpd.server_address[1]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="nominatim-test-server", daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
