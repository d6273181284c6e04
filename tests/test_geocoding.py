"""The geocoding chain against a real Nominatim-like server on 127.0.0.1.

Nothing here touches the internet (the conftest guard would fail the test) and nothing really
sleeps: the rate limiter runs on a fake clock whose sleep only moves the clock forward.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from nominatim_server import GARBAGE, MISS, SERVER_ERROR, TOO_MANY, Answer, NominatimServer, hit, running

from geo.errors import ConfigError, NotFoundError
from geo.gazetteer import load_gazetteer
from geo.geocoding import GeocodeCache, GeocoderChain, GeocodingSettings, in_region, make_geocoder
from geo.model import validate_collection


class FakeClock:
    """A monotonic clock that only moves when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[NominatimServer]:
    with running(clock) as srv:
        yield srv


def chain_for(server: NominatimServer, clock: FakeClock, tmp_path: Path, **overrides: object) -> GeocoderChain:
    settings = GeocodingSettings(
        online=True, domain=server.domain, scheme="http", user_agent="geo-tests/1.0",
        timeout=2.0, cache_path=tmp_path / "cache.json",
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return make_geocoder(settings, gazetteer=load_gazetteer(), clock=clock, sleep=clock.sleep)


# A village the gazetteer does not know, so that the chain has to go online.
VILLAGE = "Chaylibeyli Khutor"


def test_hit_returns_a_place_with_provenance(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    server.script(VILLAGE, hit(39.52, 47.01, f"{VILLAGE}, Khojavend District, Azerbaijan", osm_id=987))
    chain = chain_for(server, clock, tmp_path)
    place = chain.geocode(VILLAGE)
    assert place is not None
    assert place.place_id == place.source == "nominatim:node/987"
    assert place.kind == "settlement" and place.geo_precision == 1
    assert place.lon_lat == pytest.approx((47.01, 39.52))
    assert place.uncertainty_km >= 1.0
    validate_collection({"type": "FeatureCollection", "features": [place.to_feature()]})
    assert chain.warnings == []
    (req,) = server.searches()
    assert req.q == VILLAGE
    assert req.headers.get("User-Agent") == "geo-tests/1.0"
    assert req.query["countrycodes"] == ["az,am"]
    assert "viewbox" in req.query


def test_gazetteer_answers_first_without_a_request(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    chain = chain_for(server, clock, tmp_path)
    assert chain.geocode("Laçın").place_id == "geonames:147625"  # type: ignore[union-attr]
    assert chain.geocode("Qırxqız").place_id == "curated:girkhgyz-height"  # type: ignore[union-attr]
    assert server.requests == []


def test_miss_returns_none_and_is_remembered(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    server.script(VILLAGE, MISS)
    chain = chain_for(server, clock, tmp_path)
    assert chain.geocode(VILLAGE) is None
    assert chain.geocode(VILLAGE) is None
    assert len(server.searches()) == 1
    with pytest.raises(NotFoundError, match=VILLAGE):
        chain.locate(VILLAGE)


def test_result_outside_the_region_is_rejected(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    server.script("Shushi Lane", hit(48.8566, 2.3522, "Shushi Lane, Paris, France"))
    chain = chain_for(server, clock, tmp_path)
    assert chain.geocode("Shushi Lane") is None
    assert any("outside the region" in w and "Shushi Lane" in w for w in chain.warnings)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (TOO_MANY, "rate or quota"),
        (SERVER_ERROR, "failed"),
        (GARBAGE, "not JSON"),
        (Answer(body='{"unexpected": true}'), "unexpected format"),
        (Answer(body="[{\"lat\": \"91.5\", \"lon\": \"46.5\", \"display_name\": \"X\"}]"), "unexpected format"),
    ],
    ids=["429", "500", "garbage", "wrong-shape", "bad-coordinates"],
)
@pytest.mark.filterwarnings("ignore:Latitude normalization")
def test_service_failures_degrade_with_a_warning(
    server: NominatimServer, clock: FakeClock, tmp_path: Path, answer: Answer, expected: str
) -> None:
    server.script(VILLAGE, answer)
    chain = chain_for(server, clock, tmp_path)
    assert chain.geocode(VILLAGE) is None  # no crash
    assert chain.geocode("Lachin").place_id == "geonames:147625"  # type: ignore[union-attr]
    assert len(chain.warnings) == 1
    assert "online geocoding failed, using the gazetteer only" in chain.warnings[0]
    assert expected in chain.warnings[0] and VILLAGE in chain.warnings[0]
    # failures are not cached: the next call asks again
    chain.geocode(VILLAGE)
    assert len(server.searches()) == 2


def test_timeout_degrades_with_a_warning(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    server.script(VILLAGE, Answer(body="[]", delay_s=5.0))
    chain = chain_for(server, clock, tmp_path, timeout=0.2)
    assert chain.geocode(VILLAGE) is None
    assert len(chain.warnings) == 1 and "did not answer" in chain.warnings[0] and "0.2 s" in chain.warnings[0]


def test_unreachable_service_degrades_with_a_warning(clock: FakeClock, tmp_path: Path) -> None:
    with running(clock) as srv:
        domain = srv.domain
    settings = GeocodingSettings(online=True, domain=domain, scheme="http", timeout=1.0, cache_path=None)
    chain = make_geocoder(settings, clock=clock, sleep=clock.sleep)
    assert chain.geocode(VILLAGE) is None
    assert len(chain.warnings) == 1 and "online geocoding failed" in chain.warnings[0]


def test_cache_on_disk_spares_the_second_run(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    server.script(VILLAGE, hit(39.52, 47.01, f"{VILLAGE}, Azerbaijan"))
    server.script("Nowhereabad", MISS)
    first = chain_for(server, clock, tmp_path)
    found = first.geocode(VILLAGE)
    assert first.geocode("Nowhereabad") is None
    assert len(server.searches()) == 2
    second = chain_for(server, clock, tmp_path)  # a new process would build a new chain
    assert second.geocode(VILLAGE) == found
    assert second.geocode("Nowhereabad") is None
    assert second.geocode(VILLAGE.upper()) == found  # same folded key
    assert len(server.searches()) == 2  # no new request
    data = json.loads((tmp_path / "cache.json").read_text(encoding="utf-8"))
    assert data["version"] == 1 and len(data["entries"]) == 2


def test_unreadable_cache_is_replaced_not_fatal(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    (tmp_path / "cache.json").write_text("{not json", encoding="utf-8")
    server.script(VILLAGE, hit(39.52, 47.01, f"{VILLAGE}, Azerbaijan"))
    chain = chain_for(server, clock, tmp_path)
    assert chain.geocode(VILLAGE) is not None
    assert any("unreadable" in w for w in chain.warnings)
    assert len(GeocodeCache(tmp_path / "cache.json")) == 1


def test_rate_limit_one_request_a_second(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    names = [f"Testkend {i}" for i in range(5)]
    for i, name in enumerate(names):
        server.script(name, hit(39.5 + i / 100, 46.5, f"{name}, Azerbaijan", osm_id=i + 1))
    chain = chain_for(server, clock, tmp_path)
    for name in names:
        assert chain.geocode(name) is not None
    times = [r.at for r in server.searches()]
    assert len(times) == 5
    assert all(b - a >= 1.0 for a, b in zip(times, times[1:], strict=False)), times
    assert clock.slept, "the limiter must have waited (on the fake clock)"


def test_offline_chain_never_sends_a_request(server: NominatimServer, clock: FakeClock) -> None:
    settings = GeocodingSettings(online=False, domain=server.domain, scheme="http")
    chain = make_geocoder(settings, clock=clock, sleep=clock.sleep)
    assert not chain.online
    assert chain.geocode(VILLAGE) is None
    assert chain.geocode("Shusha").name == "Shusha"  # type: ignore[union-attr]
    with pytest.raises(NotFoundError, match="online geocoding is off"):
        chain.locate(VILLAGE)
    assert server.requests == []


def test_settings_from_env(tmp_path: Path) -> None:
    s = GeocodingSettings.from_env({
        "GEO_ONLINE": "1", "GEO_NOMINATIM_DOMAIN": "127.0.0.1:8080", "GEO_NOMINATIM_SCHEME": "http",
        "GEO_USER_AGENT": "me", "GEO_TIMEOUT": "2.5", "GEO_CACHE_PATH": str(tmp_path / "c.json"),
    })
    assert (s.online, s.service, s.domain, s.scheme, s.user_agent, s.timeout, s.cache_path, s.min_delay_s) == (
        True, "nominatim", "127.0.0.1:8080", "http", "me", 2.5, tmp_path / "c.json", 1.0)
    off = GeocodingSettings.from_env({"GEO_DATA_DIR": str(tmp_path)})
    assert not off.online and off.cache_path == tmp_path / "geocode_cache.json"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GEO_ONLINE": "maybe"}, "GEO_ONLINE='maybe'"),
        ({"GEO_TIMEOUT": "soon"}, "GEO_TIMEOUT='soon'"),
        ({"GEO_TIMEOUT": "-1"}, "GEO_TIMEOUT='-1'"),
        ({"GEO_NOMINATIM_SCHEME": "ftp"}, "'ftp'"),
    ],
)
def test_bad_settings_say_what_is_wrong(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        GeocodingSettings.from_env(env)


def test_unknown_service_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="'no-such-geocoder'"):
        make_geocoder(GeocodingSettings(online=True, service="no-such-geocoder"))


def test_other_geopy_service_by_name(clock: FakeClock, tmp_path: Path) -> None:
    # Photon speaks GeoJSON; a local server answering Photon's format stands in for it.
    with running(clock) as srv:
        photon = {"features": [{"type": "Feature", "geometry": {"type": "Point", "coordinates": [46.9, 39.9]},
                                "properties": {"osm_id": 42, "osm_type": "N", "name": "Testkend", "country": "Azerbaijan",
                                               "type": "village"}}]}
        srv.scripted["Testkend"] = Answer(body=json.dumps(photon))
        settings = GeocodingSettings(online=True, service="photon", domain=srv.domain, scheme="http",
                                     cache_path=tmp_path / "c.json", min_delay_s=0.0)
        chain = make_geocoder(settings, clock=clock, sleep=clock.sleep)
        place = chain.geocode("Testkend")
        assert place is not None and place.source.startswith("photon:")
        assert place.lon_lat == pytest.approx((46.9, 39.9))
        assert srv.requests and srv.requests[0].path.endswith("/api")


@pytest.mark.parametrize(
    ("lon", "lat", "inside"),
    [(46.55, 39.64, True), (44.51, 40.18, True), (49.89, 40.38, True), (2.35, 48.86, False),
     (39.64, 46.55, False), (37.6, 55.75, False)],
)
def test_in_region(lon: float, lat: float, inside: bool) -> None:
    assert in_region(lon, lat) is inside


def test_a_service_failing_in_a_row_is_skipped_for_a_while(
    server: NominatimServer, clock: FakeClock, tmp_path: Path
) -> None:
    """Three failures in a row open the breaker: the next names go without a request (so an
    article with many unknown names does not wait out one timeout each), until the cool-down."""
    from geo.geocoding import BREAKER_COOLDOWN_S, BREAKER_FAILURES

    names = [f"Unknownvillage {c}" for c in "ABCDEF"]
    for name in names:
        server.script(name, SERVER_ERROR)
    chain = chain_for(server, clock, tmp_path)
    for name in names[:BREAKER_FAILURES + 1]:
        assert chain.geocode(name) is None
    assert len(server.searches()) == BREAKER_FAILURES
    assert "skipped" in chain.warnings[-1] and names[BREAKER_FAILURES] in chain.warnings[-1]
    clock.now += BREAKER_COOLDOWN_S + 1
    assert chain.geocode(names[-1]) is None
    assert len(server.searches()) == BREAKER_FAILURES + 1


def test_a_success_resets_the_failure_count(server: NominatimServer, clock: FakeClock, tmp_path: Path) -> None:
    from geo.geocoding import BREAKER_FAILURES

    chain = chain_for(server, clock, tmp_path)
    for i in range(BREAKER_FAILURES * 2):
        failing, working = f"Failvillage {i}", f"Missvillage {i}"
        server.script(failing, SERVER_ERROR)
        server.script(working, MISS)
        chain.geocode(failing)
        chain.geocode(working)
    assert len(server.searches()) == BREAKER_FAILURES * 4
    assert not any("skipped" in w for w in chain.warnings)
