"""Hardening against failing services: the online geocoder times out, refuses (429), fails (500),
answers garbage or JSON of the wrong shape, resets the connection, or is unreachable.

The geocoder is a real HTTP server of our own on 127.0.0.1 (this module's, not the foundation
helper's scripted one: it misbehaves in every way at once). What must hold: the ingest finishes
and stores what the gazetteer knows, the data files stay valid, the chain says what failed
(``GeocoderChain.warnings``) and the ingest report says which names are unresolved.
"""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from hardening_tally import record

from geo import store
from geo.errors import GeoError
from geo.geocoding import GeocodingSettings, make_geocoder
from geo.ingest import ingest_text

ROOT = Path(__file__).resolve().parent.parent
PUBLISHED = "2022-08-05"
# Lachin and Stepanakert are in the gazetteer; the three others are not, so the chain asks online.
KNOWN = ("geonames:147625", "geonames:146970")
UNKNOWN = ("Zorbakhtar", "Quuxamir", "Blorpstan")
ARTICLE = (
    "Shelling hit Lachin on Tuesday, August 2, killing two soldiers.\n"
    "Azerbaijani forces captured the heights of Zorbakhtar and Quuxamir near the village of Blorpstan on Monday.\n"
    "Protesters gathered in Stepanakert on Wednesday.\n"
)


def _far_away(n: int) -> str:
    return json.dumps(
        [{"lat": "48.85", "lon": "2.35", "display_name": f"Paris {i}", "osm_id": i, "osm_type": "node",
          "type": "city", "boundingbox": ["48.8", "48.9", "2.3", "2.4"]} for i in range(n)]
    )


# mode -> (status, body); "sleep" and "reset" are handled in the handler.
MODES: dict[str, tuple[int, str]] = {
    "timeout": (200, "[]"),
    "429": (429, '{"error": "Too Many Requests"}'),
    "500": (500, "Internal Server Error"),
    "502-html": (502, "<html><body><h1>Bad gateway</h1></body></html>"),
    "503": (503, ""),
    "garbage": (200, "<html><body>this is not JSON"),
    "binary": (200, "\x00\x01\x02\xff" * 100),
    "truncated": (200, '[{"lat": "39.8", "lon": "46.'),
    "error-object": (200, '{"error": "Internal failure"}'),
    "no-result-object": (200, '{"error": "Unable to geocode"}'),  # Nominatim's own "nothing found"
    "empty-list": (200, "[]"),
    "string": (200, '"FeatureCollection"'),
    "list-of-null": (200, "[null, 1, \"x\"]"),
    "empty-object": (200, "[{}]"),
    "lat-not-number": (200, '[{"lat": "abc", "lon": "46.7", "display_name": "X"}]'),
    "lat-out-of-range": (200, '[{"lat": "999", "lon": "46.7", "display_name": "X"}]'),
    "nan": (200, '[{"lat": "NaN", "lon": "NaN", "display_name": "X"}]'),
    "outside-region": (200, _far_away(1)),
    "huge": (200, _far_away(5000)),
    "reset": (200, ""),
}
# Answers that are a plain "nothing found": no warning is due, the names are still unresolved.
NOT_FOUND = {"no-result-object", "empty-list"}
# Odd but usable answers: the geocoder's place is taken.
USABLE: dict[str, str] = {
    "bbox-garbage": '[{"lat": "39.8", "lon": "46.7", "osm_id": 7, "osm_type": "node", "type": "village", '
                    '"display_name": "X", "boundingbox": ["a", 1e400, null, []]}]',
    "script-name": '[{"lat": "39.8", "lon": "46.7", "osm_id": 1, "osm_type": "node", "type": "village", '
                   '"display_name": "<script>window.__xss=1</script>, <img src=x onerror=alert(1)>"}]',
}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        mode = self.server.mode
        self.server.queries.append(parse_qs(urlparse(self.path).query).get("q", [""])[0])
        if mode == "timeout":
            self.server.release.wait(5)  # longer than the client's timeout; released at teardown
        if mode == "reset":
            # no answer at all; linger 0 makes the close a TCP reset
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        status, body = (200, USABLE[mode]) if mode in USABLE else MODES[mode]
        data = body.encode("latin-1", "replace") if mode == "binary" else body.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass  # the client gave up (timeout)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - silence the server log
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.mode = "500"
        self.queries: list[str] = []
        self.release = threading.Event()


@pytest.fixture(scope="module")
def server() -> Iterator[_Server]:
    srv = _Server()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.release.set()
    srv.shutdown()
    srv.server_close()


def _closed_port() -> int:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _settings(port: int, tmp_path: Path) -> GeocodingSettings:
    return GeocodingSettings(
        online=True,
        domain=f"127.0.0.1:{port}",
        scheme="http",
        timeout=0.5,
        min_delay_s=0.0,
        cache_path=tmp_path / "geocode_cache.json",
    )


def _check_pipeline(tmp_path: Path, port: int, mode: str) -> list[str]:
    data_dir = tmp_path / "data"
    chain = make_geocoder(_settings(port, tmp_path), sleep=lambda s: None)
    report = ingest_text(ARTICLE, data_dir=data_dir, published=PUBLISHED, geocoder=chain, url="https://example.org/a")
    assert report.ok, report.summary()
    events = store.read_collection(data_dir / store.EVENTS_FILE, missing_ok=False)
    store.read_collection(data_dir / store.PLACES_FILE, missing_ok=False)
    place_ids = {f["properties"]["place_id"] for f in events["features"]}
    assert set(KNOWN) <= place_ids, f"{mode}: the gazetteer's places are missing: {place_ids}"
    assert chain.warnings or mode in NOT_FOUND, f"{mode}: the chain did not say the service failed"
    result = report.results[0]
    unresolved = list(getattr(result, "unresolved", []))
    assert set(UNKNOWN) <= set(unresolved), f"{mode}: the report does not name the unresolved names: {unresolved}"
    assert all(name in report.summary() for name in UNKNOWN), report.summary()
    return unresolved


@pytest.mark.parametrize("mode", list(MODES))
def test_failing_geocoder(server: _Server, tmp_path: Path, mode: str) -> None:
    server.mode = mode
    server.queries.clear()
    try:
        _check_pipeline(tmp_path, server.server_address[1], mode)
    finally:
        record("failing services", inputs=max(1, len(server.queries)))
    assert server.queries, "the chain never asked the server (the test would prove nothing)"


def test_unreachable_geocoder(tmp_path: Path) -> None:
    _check_pipeline(tmp_path, _closed_port(), "unreachable")
    record("failing services", inputs=len(UNKNOWN))


@pytest.mark.parametrize("mode", list(USABLE))
def test_odd_but_usable_answer(server: _Server, tmp_path: Path, mode: str) -> None:
    """Garbage in a bounding box, markup in a name: the answer is used, stored as data."""
    server.mode = mode
    data_dir = tmp_path / "data"
    chain = make_geocoder(_settings(server.server_address[1], tmp_path), sleep=lambda s: None)
    report = ingest_text(ARTICLE, data_dir=data_dir, published=PUBLISHED, geocoder=chain)
    record("failing services")
    assert report.ok, report.summary()
    places = store.read_collection(data_dir / store.PLACES_FILE, missing_ok=False)
    assert any(str(f["id"]).startswith("nominatim:") for f in places["features"])
    # "the village of Blorpstan" asks for a village and gets one (the heights ask for heights)
    assert "Blorpstan" not in report.results[0].unresolved


def test_cli_ingest_with_unreachable_geocoder(tmp_path: Path) -> None:
    """``python -m geo ingest --online`` against a closed port: stores, exits 0, names what is unresolved."""
    article = tmp_path / "a.txt"
    article.write_text(f"SOURCE: https://example.org/a | PUBLISHED: {PUBLISHED}\n{ARTICLE}", encoding="utf-8")
    data_dir = tmp_path / "data"
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GEO_DATA_DIR": str(data_dir),
        "GEO_ONLINE": "1",
        "GEO_NOMINATIM_DOMAIN": f"127.0.0.1:{_closed_port()}",
        "GEO_NOMINATIM_SCHEME": "http",
        "GEO_TIMEOUT": "0.5",
        "GEO_MIN_DELAY": "0",
    }
    proc = subprocess.run(
        [sys.executable, "-m", "geo", "ingest", str(article), "--data-dir", str(data_dir), "--online", "--no-progress"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    record("failing services", inputs=len(UNKNOWN))
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    out = proc.stdout + proc.stderr
    assert all(name in out for name in UNKNOWN), out
    events = store.read_collection(data_dir / store.EVENTS_FILE, missing_ok=False)
    assert set(KNOWN) <= {f["properties"]["place_id"] for f in events["features"]}


def test_service_error_is_a_geo_error(server: _Server, tmp_path: Path) -> None:
    """``locate`` (the strict call) raises a GeoError, not a geopy or requests error."""
    server.mode = "500"
    chain = make_geocoder(_settings(server.server_address[1], tmp_path), sleep=lambda s: None)
    with pytest.raises(GeoError) as info:
        chain.locate("Zorbakhtar")
    record("failing services")
    assert "Zorbakhtar" in str(info.value)
