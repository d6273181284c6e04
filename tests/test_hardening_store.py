"""Hardening of the store: broken data files, writers at once, writers killed mid-write.

Real files in ``tmp_path``, real processes. What must hold:

- a broken ``*.geojson`` gives a clear :class:`GeoError` naming the file (and the feature
  index when one feature is at fault), never another exception;
- a file the store could not read is never overwritten (an upsert raises and leaves it
  byte-identical);
- several processes upserting at once under :func:`geo.store.locked` lose nothing and
  duplicate nothing;
- a process killed (SIGKILL) in the middle of a write loop leaves the previous file whole.
"""

from __future__ import annotations

import copy
import json
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hardening_tally import record

from geo import store
from geo.errors import GeoError, StoreError, ValidationError
from geo.model import validate_collection

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_EVENTS = json.loads((FIXTURES / "events_sample.geojson").read_text(encoding="utf-8"))
SAMPLE_PLACES = json.loads((FIXTURES / "places_sample.geojson").read_text(encoding="utf-8"))
VALID_TEXT = (FIXTURES / "events_sample.geojson").read_text(encoding="utf-8")


def make_event(fid: str, **props: Any) -> dict[str, Any]:
    """A valid event feature with id *fid* (built from the first sample event)."""
    feature = copy.deepcopy(SAMPLE_EVENTS["features"][0])
    feature["id"] = fid
    feature["properties"]["event_id"] = fid.split("@")[0]
    feature["properties"].update(props)
    return feature


def _with_feature(index: int, change: Callable[[dict[str, Any]], None]) -> str:
    """The sample events with feature *index* changed by *change*, as JSON text."""
    collection = copy.deepcopy(SAMPLE_EVENTS)
    change(collection["features"][index])
    return json.dumps(collection, ensure_ascii=False)


def _set_coords(coords: Any) -> Callable[[dict[str, Any]], None]:
    def change(feature: dict[str, Any]) -> None:
        feature["geometry"]["coordinates"] = coords

    return change


def _set_prop(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(feature: dict[str, Any]) -> None:
        feature["properties"][key] = value

    return change


def _duplicate_id(feature: dict[str, Any]) -> None:
    feature["id"] = SAMPLE_EVENTS["features"][0]["id"]


N_SAMPLE = len(SAMPLE_EVENTS["features"])
LAST = N_SAMPLE - 1

# (name, file bytes, text the error must contain besides the file name)
BROKEN_FILES: list[tuple[str, bytes, str]] = [
    ("empty", b"", "not valid JSON"),
    ("whitespace", b"  \n\t ", "not valid JSON"),
    ("null", b"null", "FeatureCollection"),
    ("list", b"[]", "FeatureCollection"),
    ("string", b'"FeatureCollection"', "FeatureCollection"),
    ("features-not-list", b'{"type": "FeatureCollection", "features": {}}', "features"),
    ("no-features", b'{"type": "FeatureCollection"}', "features"),
    ("bom", "\ufeff".encode() + VALID_TEXT.encode(), "not valid JSON"),
    ("utf16", VALID_TEXT.encode("utf-16"), "not valid JSON"),
    ("cp1251", VALID_TEXT.replace("Stepanakert", "Степанакерт").encode("cp1251", "replace"), "not valid JSON"),
    ("binary", bytes(range(256)) * 8, "not valid JSON"),
    ("nul-bytes", b"\x00" * 4096, "not valid JSON"),
    ("deep-nesting", b"[" * 200_000, "not valid JSON"),
    ("deep-nesting-objects", b'{"a":' * 100_000, "not valid JSON"),
    ("huge-integer", VALID_TEXT.replace("46.75194", "4" * 5000, 1).encode(), "not valid JSON"),
    ("int-beyond-float", _with_feature(0, _set_coords([10**400, 39.8])).encode(), "feature 0"),
    ("nan", _with_feature(LAST, _set_coords([float("nan"), 39.8])).encode(), f"feature {LAST}"),
    ("infinity", _with_feature(1, _set_coords([46.7, float("inf")])).encode(), "feature 1"),
    ("lon-out-of-range", _with_feature(1, _set_coords([200.0, 39.8])).encode(), "feature 1"),
    ("lat-out-of-range", _with_feature(LAST, _set_coords([46.7, -95.0])).encode(), f"feature {LAST}"),
    ("swapped-beyond-90", _with_feature(0, _set_coords([39.8, 146.7])).encode(), "feature 0"),
    ("string-coords", _with_feature(0, _set_coords(["46.7", "39.8"])).encode(), "feature 0"),
    ("one-coord", _with_feature(0, _set_coords([46.7])).encode(), "feature 0"),
    ("null-geometry", _with_feature(1, lambda f: f.update(geometry=None)).encode(), "feature 1"),
    ("duplicate-id", _with_feature(LAST, _duplicate_id).encode(), f"feature {LAST}"),
    ("list-id", _with_feature(1, lambda f: f.update(id=["a"])).encode(), "feature 1"),
    ("object-id", _with_feature(1, lambda f: f.update(id={"a": 1})).encode(), "feature 1"),
    ("bad-date", _with_feature(0, _set_prop("date_start", "19 Sept 2023")).encode(), "feature 0"),
    ("end-before-start", _with_feature(0, _set_prop("date_start", "2024-01-01")).encode(), "feature 0"),
    ("missing-source", _with_feature(1, lambda f: f["properties"].pop("source")).encode(), "feature 1"),
    ("bool-precision", _with_feature(1, _set_prop("geo_precision", True)).encode(), "feature 1"),
    ("negative-fatalities", _with_feature(0, _set_prop("fatalities", -3)).encode(), "feature 0"),
    ("unknown-kind", _with_feature(0, _set_prop("feature_kind", "rumour")).encode(), "feature 0"),
]
# A valid file cut short at several points.
for _cut in (1, 17, len(VALID_TEXT.encode()) // 3, len(VALID_TEXT.encode()) // 2, len(VALID_TEXT.encode()) - 3):
    BROKEN_FILES.append((f"truncated-{_cut}", VALID_TEXT.encode()[:_cut], "not valid JSON"))


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


@pytest.mark.parametrize(("content", "expected"), [(c, e) for _, c, e in BROKEN_FILES], ids=[n for n, _, _ in BROKEN_FILES])
def test_broken_file_clear_error_and_never_overwritten(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / store.EVENTS_FILE
    path.write_bytes(content)
    errors: list[BaseException] = []
    for attempt in (
        lambda: store.read_collection(path),
        lambda: store.upsert(path, [make_event("feedfeedfeedfeed-1@geonames:1")]),
    ):
        try:
            attempt()
        except GeoError as err:
            errors.append(err)
        else:
            errors.append(AssertionError("a broken file was read without an error"))
    corrupted = int(path.read_bytes() != content)
    record("broken data", inputs=2, corrupted=corrupted)
    assert not corrupted, "the store overwrote a file it could not read"
    for err in errors:
        assert isinstance(err, GeoError), err
        assert str(path) in str(err), f"error does not name the file: {err}"
        assert expected in str(err), f"error does not say what/where ({expected!r}): {err}"
    assert _leftovers(tmp_path) == []


def test_broken_file_inside_lock_is_not_overwritten(tmp_path: Path) -> None:
    """The path a writer really takes: lock, upsert, unlock."""
    path = tmp_path / store.EVENTS_FILE
    content = VALID_TEXT.encode()[:500]
    path.write_bytes(content)
    with pytest.raises(ValidationError), store.locked(tmp_path):
        store.upsert(path, [make_event("feedfeedfeedfeed-1@geonames:1")])
    record("broken data", corrupted=int(path.read_bytes() != content))
    assert path.read_bytes() == content
    with store.locked(tmp_path, timeout=5):  # the lock was released on the error
        pass


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / store.EVENTS_FILE
    assert store.read_collection(path)["features"] == []
    with pytest.raises(StoreError) as info:
        store.read_collection(path, missing_ok=False)
    record("broken data", inputs=2)
    assert str(path) in str(info.value)


def test_directory_in_place_of_file(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    path.mkdir()
    (path / "keep").write_text("x")
    with pytest.raises(GeoError) as info:
        store.upsert(path, [make_event("feedfeedfeedfeed-1@geonames:1")])
    record("broken data", corrupted=int(not (path / "keep").exists()))
    assert str(path) in str(info.value)
    assert (path / "keep").read_text() == "x"


def test_unknown_properties_are_kept(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    odd = make_event(
        "feedfeedfeedfeed-1@geonames:1",
        x_reviewer="Ana",
        x_nested={"a": [1, 2, {"b": None}]},
        x_unicode="Лачин · Լաչին · Laçın \u202e",
    )
    odd["bbox"] = [46.0, 39.0, 47.0, 40.0]
    odd["x_top_level"] = True
    store.write_collection(path, {"type": "FeatureCollection", "features": [odd], "x_meta": {"v": 1}})
    store.upsert(path, [make_event("feedfeedfeedfeed-2@geonames:1")])
    back = store.read_collection(path)
    record("broken data")
    assert back["x_meta"] == {"v": 1}
    assert back["features"][0] == odd
    assert len(back["features"]) == 2


@pytest.mark.parametrize("kind", ["place", "event"])
def test_feature_index_named_in_long_file(tmp_path: Path, kind: str) -> None:
    """In a file of many good features, the error points at the one bad feature."""
    sample = SAMPLE_PLACES if kind == "place" else SAMPLE_EVENTS
    features = []
    for i in range(300):
        feature = copy.deepcopy(sample["features"][i % len(sample["features"])])
        feature["id"] = f"f{i}"
        features.append(feature)
    features[217]["geometry"] = {"type": "Point", "coordinates": [46.7, 139.8]}
    path = tmp_path / f"{kind}s.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    with pytest.raises(ValidationError) as info:
        store.read_collection(path)
    record("broken data")
    assert "feature 217" in str(info.value)
    assert "139.8" in str(info.value)


# -- writers at once ---------------------------------------------------------------------------

WRITER = textwrap.dedent(
    """
    import copy, json, sys
    from pathlib import Path
    from geo import store

    data_dir, tag, count, shared = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    template = json.loads(Path(sys.argv[5]).read_text(encoding="utf-8"))["features"][0]

    def event(fid):
        f = copy.deepcopy(template)
        f["id"] = fid
        f["properties"]["event_id"] = fid.split("@")[0]
        return f

    for i in range(count):
        batch = [event(f"{tag}-{i}@geonames:1")]
        if i < shared:  # ids every writer also writes, with the same content
            batch.append(event(f"shared-{i}@geonames:1"))
        with store.locked(data_dir):
            store.upsert(data_dir / store.EVENTS_FILE, batch)
    print("done", tag, flush=True)
    """
)


def _run_writers(tmp_path: Path, n_writers: int, count: int, shared: int) -> list[str]:
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(data_dir), f"w{n}", str(count), str(shared), str(FIXTURES / "events_sample.geojson")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(n_writers)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.startswith("done"), out
    collection = store.read_collection(data_dir / store.EVENTS_FILE, missing_ok=False)
    return [str(f["id"]) for f in collection["features"]]


def test_writers_at_once_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    n_writers, count, shared = 4, 25, 10
    ids = _run_writers(tmp_path, n_writers, count, shared)
    expected = {f"w{n}-{i}@geonames:1" for n in range(n_writers) for i in range(count)}
    expected |= {f"shared-{i}@geonames:1" for i in range(shared)}
    counts = Counter(ids)
    lost = len(expected - set(ids))
    duplicated = sum(c - 1 for c in counts.values() if c > 1) + len(set(ids) - expected)
    record("writers at once", inputs=n_writers * (count + shared), lost=lost, duplicated=duplicated)
    assert lost == 0, sorted(expected - set(ids))[:10]
    assert duplicated == 0


KILLED_WRITER = textwrap.dedent(
    """
    import copy, json, sys
    from pathlib import Path
    from geo import store

    path, size = Path(sys.argv[1]), int(sys.argv[2])
    template = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))["features"][0]
    n = 0
    while True:
        n += 1
        features = []
        for i in range(size + (n % 7)):  # a different size each round, to tell rounds apart
            f = copy.deepcopy(template)
            f["id"] = f"round{n}-{i}@geonames:1"
            f["properties"]["event_id"] = f"round{n}-{i}"
            f["properties"]["quote"] = "Лачин Laçın Լաչին " * 20
            features.append(f)
        with store.locked(path.parent):
            store.write_collection(path, {"type": "FeatureCollection", "features": features})
        if n == 1:
            print("ready", flush=True)
    """
)


def test_killed_writer_leaves_previous_file_whole(tmp_path: Path) -> None:
    script = tmp_path / "killed_writer.py"
    script.write_text(KILLED_WRITER)
    path = tmp_path / "data" / store.EVENTS_FILE
    size = 1500
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rng = random.Random(6)
    kills, corrupted = 6, 0
    for _ in range(kills):
        proc = subprocess.Popen(
            [sys.executable, str(script), str(path), str(size), str(FIXTURES / "events_sample.geojson")],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 1.5))  # a random moment inside the write loop (not asserted on)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        try:
            collection = store.read_collection(path, missing_ok=False)
            ids = [f["id"] for f in collection["features"]]
            rounds = {fid.split("-")[0] for fid in ids}
            n = int(next(iter(rounds))[len("round") :])
            whole = len(rounds) == 1 and len(ids) == size + (n % 7) == len(set(ids))
        except GeoError:
            whole = False
        corrupted += int(not whole)
    with store.locked(path.parent, timeout=5):  # a killed writer does not leave the lock held
        pass
    record("writers at once", inputs=kills, corrupted=corrupted)
    assert corrupted == 0
    # A killed writer may leave its temporary file behind; it must never be the data file.
    assert all(p.name.startswith(f".{store.EVENTS_FILE}.") for p in path.parent.glob("*.tmp"))


def test_write_refuses_invalid_collection_and_keeps_file(tmp_path: Path) -> None:
    """A writer handed bad features raises before touching the good file."""
    path = tmp_path / store.EVENTS_FILE
    store.write_collection(path, SAMPLE_EVENTS)
    before = path.read_bytes()
    bad = [
        make_event("a@b", date_start="never"),
        {"type": "Feature", "geometry": None, "properties": {}},
        make_event("c@d") | {"id": None},
    ]
    for feature in bad:
        with pytest.raises(ValidationError):
            store.upsert(path, [feature])
    record("broken data", inputs=len(bad), corrupted=int(path.read_bytes() != before))
    assert path.read_bytes() == before
    assert validate_collection(json.loads(before))


# -- an extra gazetteer file (a user's own places) ---------------------------------------------


def _place_file(change: Callable[[dict[str, Any]], None]) -> bytes:
    collection = copy.deepcopy(SAMPLE_PLACES)
    change(collection["features"][2])
    return json.dumps(collection, ensure_ascii=False).encode()


BROKEN_GAZETTEERS: list[tuple[str, bytes]] = [(name, content) for name, content, _ in BROKEN_FILES] + [
    ("population-word", _place_file(_set_prop("population", "many"))),
    ("population-nan", _place_file(_set_prop("population", float("nan")))),
    ("population-list", _place_file(_set_prop("population", [1]))),
    ("uncertainty-beyond-float", _place_file(_set_prop("uncertainty_km", 10**400))),
    ("unknown-place-kind", _place_file(_set_prop("kind", "castle in the air"))),
    ("alternate-names-string", _place_file(_set_prop("alternate_names", "Lachin"))),
]


@pytest.mark.parametrize("content", [c for _, c in BROKEN_GAZETTEERS], ids=[n for n, _ in BROKEN_GAZETTEERS])
def test_broken_gazetteer_file_clear_error(tmp_path: Path, content: bytes) -> None:
    from geo.gazetteer import build_gazetteer, read_curated

    path = tmp_path / "my_places.geojson"
    path.write_bytes(content)
    errors = []
    for attempt in (lambda: read_curated(path), lambda: build_gazetteer(extra=path)):
        try:
            attempt()
        except GeoError as err:
            errors.append(err)
        else:
            errors.append(AssertionError("a broken gazetteer file was read without an error"))
    record("broken data", inputs=2, corrupted=int(path.read_bytes() != content))
    for err in errors:
        assert isinstance(err, GeoError), err
        assert str(path) in str(err), f"error does not name the file: {err}"


# -- the app over broken data ------------------------------------------------------------------


def _app_run(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py is not there yet")
    import streamlit as st_
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEO_DATA_DIR", str(data_dir))
    st_.cache_data.clear()
    st_.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.run()
    return at


def _shown_count(at: Any) -> int:
    import re

    for md in at.markdown:
        m = re.search(r"\*\*([\d,]+)\*\* of \*\*([\d,]+)\*\* event-places shown", str(md.value))
        if m:
            return int(m.group(1).replace(",", ""))
    return 0


@pytest.mark.parametrize(
    ("name", "content"),
    [(n, c) for n, c, _ in BROKEN_FILES if n in ("truncated-17", "binary", "deep-nesting", "null")],
)
def test_app_with_unreadable_events_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, content: bytes) -> None:
    """The app says which file is broken and how, draws what else it can, and writes nothing."""
    data = tmp_path / "data"
    data.mkdir()
    (data / store.EVENTS_FILE).write_bytes(content)
    (data / store.PLACES_FILE).write_text(json.dumps(SAMPLE_PLACES))
    at = _app_run(data, monkeypatch)
    record("broken data", corrupted=int((data / store.EVENTS_FILE).read_bytes() != content))
    assert not at.exception, [e.value for e in at.exception]
    errors = " ".join(str(e.value) for e in at.error).replace("\\", "")  # Markdown-escaped
    assert store.EVENTS_FILE in errors, errors
    # the places file is fine: no error about it (the map still draws its places)
    assert "places could not be read" not in errors and "Is a directory" not in errors, errors
    assert (data / store.EVENTS_FILE).read_bytes() == content


def test_app_shows_the_good_features_of_a_file_with_bad_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One bad feature (out-of-range latitude) and one duplicate among good ones: the app names
    them (file and feature index) and still shows the good events."""
    features = copy.deepcopy(SAMPLE_EVENTS["features"])
    good = len(features)
    bad = copy.deepcopy(features[0])
    bad["id"] = "bad-1@x"
    bad["geometry"] = {"type": "Point", "coordinates": [46.7, 139.8]}
    features.insert(3, bad)
    features.append(copy.deepcopy(features[1]))  # a duplicate id
    data = tmp_path / "data"
    data.mkdir()
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    (data / store.EVENTS_FILE).write_bytes(content)
    at = _app_run(data, monkeypatch)
    errors = (" ".join(str(e.value) for e in at.error) + " ".join(str(e.value) for e in at.warning)).replace("\\", "")
    shown = _shown_count(at)
    record("broken data", lost=max(0, good - shown), corrupted=int((data / store.EVENTS_FILE).read_bytes() != content))
    assert not at.exception, [e.value for e in at.exception]
    assert "feature 3" in errors and "139.8" in errors, errors
    assert f"feature {len(features) - 1}" in errors and "duplicate" in errors, errors
    assert shown == good, f"the app shows {shown} of the {good} good events"
    assert (data / store.EVENTS_FILE).read_bytes() == content


def test_app_names_swapped_coordinates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """[lat, lon] written for [lon, lat] passes validation here (46.75 is a valid latitude): the
    app still shows the event, and says which one looks swapped."""
    features = copy.deepcopy(SAMPLE_EVENTS["features"])
    lon, lat = features[2]["geometry"]["coordinates"]
    features[2]["geometry"]["coordinates"] = [lat, lon]
    swapped_id = features[2]["id"]
    data = tmp_path / "data"
    data.mkdir()
    content = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    (data / store.EVENTS_FILE).write_bytes(content)
    at = _app_run(data, monkeypatch)
    errors = " ".join(str(e.value) for e in at.error).replace("\\", "")
    record("broken data", lost=max(0, len(features) - _shown_count(at)))
    assert not at.exception, [e.value for e in at.exception]
    assert "swapped" in errors and swapped_id in errors, errors
    assert sum(swapped_id in e for e in errors.split("feature ")) == 1  # only that one is named
    assert _shown_count(at) == len(features)
    assert (data / store.EVENTS_FILE).read_bytes() == content
