"""``python -m geo`` run as a real subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from nominatim_server import NominatimServer, hit, running

from geo.cli import build_parser
from geo.model import validate_collection

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GEO_")}
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "geo", *args], cwd=ROOT, env=base, capture_output=True, text=True, timeout=120
    )


def test_geocode_one_name_prints_one_feature() -> None:
    res = run("geocode", "Lachin")
    assert res.returncode == 0, res.stderr
    feature = json.loads(res.stdout)
    assert feature["type"] == "Feature" and feature["id"] == "geonames:147625"
    props = feature["properties"]
    assert props["name"] == "Lachin" and props["kind"] == "settlement"
    assert {"geo_precision", "uncertainty_km", "source", "alternate_names"} <= props.keys()
    assert "Berdzor" in props["alternate_names"]
    validate_collection({"type": "FeatureCollection", "features": [feature]})


def test_geocode_several_names_prints_a_collection() -> None:
    res = run("geocode", "Lachin region", "Qırxqız", "Shushi", "Lachin corridor")
    assert res.returncode == 0, res.stderr
    collection = validate_collection(json.loads(res.stdout))
    assert [f["id"] for f in collection["features"]] == [
        "curated:lachin-district", "curated:girkhgyz-height", "geonames:147105", "curated:lachin-corridor",
    ]
    height = collection["features"][1]["properties"]
    assert height["approximate"] is True and height["geo_precision"] == 2


def test_geocode_kind_option() -> None:
    res = run("geocode", "Kalbajar", "--kind", "district")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["id"] == "curated:kalbajar-district"


def test_unknown_name_exits_non_zero_with_a_message() -> None:
    res = run("geocode", "Nowhereville")
    assert res.returncode == 1
    assert "'Nowhereville' is not known" in res.stderr and "--online" in res.stderr
    assert res.stdout == ""
    res = run("geocode", "Lachin", "Nowhereville")
    assert res.returncode == 1 and "'Nowhereville'" in res.stderr
    assert [f["id"] for f in json.loads(res.stdout)["features"]] == ["geonames:147625"]


def test_bad_setting_is_a_message_not_a_traceback() -> None:
    res = run("geocode", "Nowhereville", env={"GEO_TIMEOUT": "soon"})
    assert res.returncode == 1
    assert "GEO_TIMEOUT='soon'" in res.stderr and "Traceback" not in res.stderr


@pytest.fixture
def server() -> Iterator[NominatimServer]:
    with running(lambda: 0.0) as srv:
        yield srv


def test_geocode_online_uses_the_configured_server(server: NominatimServer, tmp_path: Path) -> None:
    server.script("Testkend", hit(39.9, 46.9, "Testkend, Agdam District, Azerbaijan", osm_id=77, osm_type="way"))
    env = {"GEO_NOMINATIM_DOMAIN": server.domain, "GEO_NOMINATIM_SCHEME": "http",
           "GEO_CACHE_PATH": str(tmp_path / "cache.json")}
    offline = run("geocode", "Testkend", env=env)
    assert offline.returncode == 1 and server.requests == []
    online = run("geocode", "Testkend", "--online", env=env)
    assert online.returncode == 0, online.stderr
    assert json.loads(online.stdout)["id"] == "nominatim:way/77"
    assert len(server.searches()) == 1
    again = run("geocode", "Testkend", "--online", env=env)
    assert json.loads(again.stdout)["id"] == "nominatim:way/77"
    assert len(server.searches()) == 1  # answered from the cache file


def test_geocode_online_failure_warns_and_falls_back(server: NominatimServer, tmp_path: Path) -> None:
    env = {"GEO_NOMINATIM_DOMAIN": server.domain, "GEO_NOMINATIM_SCHEME": "http",
           "GEO_CACHE_PATH": str(tmp_path / "cache.json")}
    from nominatim_server import SERVER_ERROR

    server.script("Testkend", SERVER_ERROR)
    res = run("geocode", "Lachin", "Testkend", "--online", env=env)
    assert res.returncode == 1
    assert "warning: online geocoding failed" in res.stderr
    assert [f["id"] for f in json.loads(res.stdout)["features"]] == ["geonames:147625"]


def test_validate_good_and_broken_files(tmp_path: Path) -> None:
    good = ROOT / "data" / "gazetteer.geojson"
    broken = tmp_path / "broken.geojson"
    feature = json.loads(run("geocode", "Goris").stdout)
    feature["geometry"]["coordinates"] = [39.5, 146.3]
    broken.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    res = run("validate", str(good), str(broken), str(tmp_path / "missing.geojson"))
    assert res.returncode == 1
    assert f"{good}: ok (" in res.stdout
    assert f"{broken}: feature 0" in res.stderr and "146.3" in res.stderr
    assert "missing.geojson: file not found" in res.stderr
    assert run("validate", str(good)).returncode == 0


def test_usage_errors_exit_2() -> None:
    assert run().returncode == 2
    assert run("geocode").returncode == 2
    assert run("no-such-command").returncode == 2


def test_every_command_is_documented() -> None:
    parser = build_parser([])
    sub = next(a for a in parser._actions if a.dest == "command")
    for name, choice in sub.choices.items():  # type: ignore[attr-defined]
        assert choice.description, f"command {name!r} has no description"
        for action in choice._actions:
            if action.dest != "help":
                assert action.help, f"{name} {action.dest} has no help"
