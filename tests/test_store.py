"""The store: atomic, validated writes in a real folder; idempotent merges."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from geo import store
from geo.errors import StoreError, ValidationError
from geo.gazetteer import load_gazetteer
from geo.model import feature_collection


def places(*ids: str) -> list[dict]:
    gaz = load_gazetteer()
    return [gaz.get(pid).to_feature() for pid in ids]


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "places.geojson"
    fc = feature_collection(places("geonames:147625", "curated:girkhgyz-height"))
    store.write_collection(path, fc)
    assert store.read_collection(path) == fc
    assert [p.name for p in tmp_path.iterdir()] == ["places.geojson"]  # no temporary file left


def test_failed_validation_leaves_the_old_file_whole(tmp_path: Path) -> None:
    path = tmp_path / "places.geojson"
    store.write_collection(path, feature_collection(places("geonames:147625")))
    before = path.read_bytes()
    bad = feature_collection(places("geonames:147105"))
    bad["features"][0]["geometry"]["coordinates"] = [39.76, 146.75]
    with pytest.raises(ValidationError, match="places.geojson: feature 0"):
        store.write_collection(path, bad)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["places.geojson"]


def test_write_error_midway_leaves_the_old_file_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "places.geojson"
    store.write_collection(path, feature_collection(places("geonames:147625")))
    before = path.read_bytes()

    def fail(*args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store.os, "replace", fail)
    with pytest.raises(OSError):
        store.write_collection(path, feature_collection(places("geonames:147105")))
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["places.geojson"]  # the temporary file is gone


def test_upsert_is_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "places.geojson"
    batch = places("geonames:147625", "curated:lachin-corridor")
    assert store.upsert(path, batch) == 2
    once = path.read_bytes()
    assert store.upsert(path, batch) == 0
    assert path.read_bytes() == once
    assert store.upsert(path, places("curated:lachin-corridor", "geonames:147105")) == 1
    ids = [f["id"] for f in store.read_collection(path)["features"]]
    assert ids == ["geonames:147625", "curated:lachin-corridor", "geonames:147105"]


def test_merge_replaces_by_id_and_refuses_features_without_id() -> None:
    old = places("geonames:147625")
    new = places("geonames:147625")
    new[0]["properties"]["name"] = "Lachin (renamed)"
    merged, added = store.merge_features(old, new)
    assert added == 0 and merged[0]["properties"]["name"] == "Lachin (renamed)"
    anonymous = places("geonames:147105")
    del anonymous[0]["id"]
    with pytest.raises(ValidationError, match="without an id"):
        store.merge_features(old, anonymous)


def test_missing_and_broken_files(tmp_path: Path) -> None:
    assert store.read_collection(tmp_path / "none.geojson")["features"] == []
    with pytest.raises(StoreError, match="none.geojson: file not found"):
        store.read_collection(tmp_path / "none.geojson", missing_ok=False)
    broken = tmp_path / "broken.geojson"
    broken.write_text("{\"type\": \"FeatureCollection\", \"features\": [", encoding="utf-8")
    with pytest.raises(ValidationError, match="broken.geojson: not valid JSON"):
        store.read_collection(broken)
    with pytest.raises(ValidationError):
        store.upsert(broken, places("geonames:147625"))
    assert broken.read_text(encoding="utf-8").endswith("[")  # never overwritten


def test_locked_block(tmp_path: Path) -> None:
    with store.locked(tmp_path, timeout=5):
        store.upsert(tmp_path / "events.geojson", [])
    assert json.loads((tmp_path / "events.geojson").read_text(encoding="utf-8"))["features"] == []


def test_atomic_write_gives_the_file_a_normal_mode(tmp_path: Path) -> None:
    """mkstemp makes 0600 files; a stored file must be readable like one written by open()."""
    import os
    import stat

    from geo.store import atomic_write_text

    target = tmp_path / "x.geojson"
    old = os.umask(0o022)
    try:
        atomic_write_text(target, "{}")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def _place(fid: object, name: str = "Lachin") -> dict:
    return {
        "type": "Feature",
        "id": fid,
        "geometry": {"type": "Point", "coordinates": [46.547, 39.641]},
        "properties": {
            "feature_kind": "place", "place_id": "geonames:147625", "name": name, "kind": "settlement",
            "geo_precision": 1, "uncertainty_km": 1.0, "source": "geonames:147625",
        },
    }


def test_merge_tells_number_and_string_ids_apart_like_the_validator() -> None:
    from geo.store import merge_features

    merged, added = merge_features([_place(1)], [_place("1")])
    assert added == 1
    assert [f["id"] for f in merged] == [1, "1"]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_nan_and_infinity_are_refused_on_write_and_old_file_kept(tmp_path: Path, bad: float) -> None:
    from geo.errors import ValidationError
    from geo.store import write_collection

    target = tmp_path / "places.geojson"
    write_collection(target, {"type": "FeatureCollection", "features": [_place("a")]})
    before = target.read_bytes()
    feature = _place("b")
    feature["properties"]["note"] = bad
    with pytest.raises(ValidationError, match="NaN and Infinity"):
        write_collection(target, {"type": "FeatureCollection", "features": [feature]})
    assert target.read_bytes() == before


def test_lock_holder_removes_temp_files_a_killed_writer_left(tmp_path: Path) -> None:
    from geo.store import ARTICLES_DIR, locked

    (tmp_path / ARTICLES_DIR).mkdir()
    stale = [tmp_path / ".events.geojson.abc123.tmp", tmp_path / ".places.geojson.x.tmp",
             tmp_path / ARTICLES_DIR / ".0123456789abcdef.txt.q.tmp"]
    for path in stale:
        path.write_text("half a write")
    other = tmp_path / ".geocode_cache.json.z.tmp"  # not written under the lock: left alone
    other.write_text("someone else's")
    with locked(tmp_path):
        assert not any(p.exists() for p in stale)
    assert other.exists()


def test_read_readable_shows_the_good_features_around_a_bad_date(tmp_path: Path) -> None:
    """A bad date is a bad feature like any other, not a file that is not JSON (it used to hide
    every event: the date's ValueError was taken for the parser's)."""
    sample = json.loads((Path(__file__).parent / "fixtures" / "events_sample.geojson").read_text(encoding="utf-8"))
    sample["features"][2]["properties"]["date_start"] = "19 Sept 2023"
    path = tmp_path / "events.geojson"
    path.write_text(json.dumps(sample), encoding="utf-8")
    collection, problems = store.read_readable(path)
    assert len(collection["features"]) == len(sample["features"]) - 1
    assert len(problems) == 1 and f"{path}: feature 2: " in problems[0] and "19 Sept 2023" in problems[0]
    with pytest.raises(ValidationError, match="feature 2"):
        store.read_collection(path)
