"""The sidecar cache of :func:`geo.store.read_readable` and :func:`geo.store.read_collection`.

Real files in ``tmp_path``, nothing of the store mocked. What must hold: a hit returns what an
uncached read returns; a changed, damaged or foreign sidecar is never used; a cache folder that
cannot be written never fails a read or a write; a sidecar is used when present (shown by
planting a valid sidecar of different content under the right key and reading it back).
"""

from __future__ import annotations

import copy
import json
import marshal
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import xxhash

from geo import store
from geo.errors import ValidationError

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE_EVENTS = json.loads((FIXTURES / "events_sample.geojson").read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def _cache_every_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cache the small files of these tests too, in the data file's own folder."""
    monkeypatch.setattr(store, "SIDECAR_MIN_BYTES", 0)
    monkeypatch.delenv("GEO_CACHE_DIR", raising=False)


def events(n: int = len(SAMPLE_EVENTS["features"])) -> dict[str, Any]:
    """A valid collection of *n* events (the samples, repeated with new ids)."""
    features = []
    for i in range(n):
        feature = copy.deepcopy(SAMPLE_EVENTS["features"][i % len(SAMPLE_EVENTS["features"])])
        feature["id"] = f"{i:016x}-1@geonames:1"
        feature["properties"]["event_id"] = f"{i:016x}-1"
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def with_bad_features() -> bytes:
    """The sample events with a latitude out of range (feature 3), a bad date (feature 5) and a
    repeated id (the last feature), as a file's bytes."""
    collection = copy.deepcopy(SAMPLE_EVENTS)
    collection["features"][3]["geometry"]["coordinates"] = [46.7, 139.8]
    collection["features"][5]["properties"]["date_start"] = "19 Sept 2023"
    collection["features"].append(copy.deepcopy(collection["features"][1]))
    return json.dumps(collection, ensure_ascii=False).encode()


def sidecars(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.marshal")) if folder.is_dir() else []


def plant(path: Path, collection: dict[str, Any], problems: list[str]) -> Path:
    """Write a sidecar of *collection* under the key of *path*'s current bytes (as the store
    does), so that a read which uses the sidecar returns *collection* instead of the file."""
    sidecar = store._Sidecar.of(path, path.read_bytes())
    assert sidecar is not None
    sidecar.save(collection, problems)
    return sidecar.file


def test_hit_returns_what_an_uncached_read_returns(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    path.write_bytes(with_bad_features())
    cold = store.read_readable(path)
    [sidecar] = sidecars(tmp_path / store.CACHE_DIR)
    assert sidecar.name.startswith(f"{store.EVENTS_FILE}.")
    warm = store.read_readable(path)
    assert warm == cold
    collection, problems = warm
    assert len(collection["features"]) == len(SAMPLE_EVENTS["features"]) - 2
    starts = [f"{path}: feature {i}" for i in (3, 5, len(SAMPLE_EVENTS["features"]))]
    assert [p[: len(s)] for p, s in zip(problems, starts, strict=True)] == starts
    assert "139.8" in problems[0] and "19 Sept 2023" in problems[1] and "duplicate id" in problems[2]
    assert sidecars(tmp_path / store.CACHE_DIR) == [sidecar]  # a hit writes nothing


def test_messages_name_the_path_the_file_was_read_by(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / store.EVENTS_FILE
    path.write_bytes(with_bad_features())
    store.read_readable(path)
    [sidecar] = sidecars(tmp_path / store.CACHE_DIR)
    before = sidecar.stat().st_ino
    monkeypatch.chdir(tmp_path)
    _, problems = store.read_readable(store.EVENTS_FILE)
    assert problems[0].startswith(f"{store.EVENTS_FILE}: feature 3, geometry: ")
    assert sidecar.stat().st_ino == before  # the same sidecar, not rewritten


def test_a_planted_sidecar_is_what_both_reads_return(tmp_path: Path) -> None:
    """Proof that a hit parses nothing: the sidecar's content, not the file's, comes back."""
    path = tmp_path / store.EVENTS_FILE
    store.write_collection(path, events(3))
    other = events(1)
    plant(path, other, [])
    assert store.read_readable(path) == (other, [])
    assert store.read_collection(path) == other


def test_one_changed_byte_misses_and_replaces_the_old_sidecar(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    store.write_collection(path, events())
    [old] = sidecars(tmp_path / store.CACHE_DIR)
    raw = path.read_bytes()
    assert b"Stepanakert" in raw
    path.write_bytes(raw.replace(b"Stepanakert", b"Stepanakerx", 1))
    collection, problems = store.read_readable(path)
    assert problems == []
    assert "Stepanakerx" in json.dumps(collection, ensure_ascii=False)
    [new] = sidecars(tmp_path / store.CACHE_DIR)
    assert new != old  # the sidecar of the older content is gone
    assert store.read_readable(path) == (collection, [])


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda b: b[: len(b) // 2], id="truncated"),
        pytest.param(lambda b: b[:10], id="truncated-in-header"),
        pytest.param(lambda b: b"", id="empty"),
        pytest.param(lambda b: b[:-100] + bytes([b[-100] ^ 1]) + b[-99:], id="one-bit-flipped"),
        pytest.param(lambda b: b[:8] + bytes(16) + b[24:], id="key-of-other-content"),
        pytest.param(lambda b: b"garbage" * 100, id="garbage"),
    ],
)
def test_a_damaged_sidecar_falls_back_and_is_rewritten(tmp_path: Path, damage: Any) -> None:
    path = tmp_path / store.EVENTS_FILE
    path.write_bytes(with_bad_features())
    expected = store.read_readable(path)
    [sidecar] = sidecars(tmp_path / store.CACHE_DIR)
    good = sidecar.read_bytes()
    sidecar.write_bytes(damage(good))
    assert store.read_readable(path) == expected
    assert sidecar.read_bytes() != damage(good)  # rewritten
    inode = sidecar.stat().st_ino
    assert store.read_readable(path) == expected
    assert sidecar.stat().st_ino == inode  # and used again


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param(b"\xff\xff\xff", id="not-marshal"),
        pytest.param(marshal.dumps([1, 2]), id="a-list"),
        pytest.param(marshal.dumps(({"type": "FeatureCollection", "features": {}}, [])), id="features-not-list"),
        pytest.param(marshal.dumps(({"type": "Feature", "features": []}, [])), id="not-a-collection"),
        pytest.param(marshal.dumps(({"type": "FeatureCollection", "features": [1]}, [])), id="feature-not-dict"),
        pytest.param(marshal.dumps(({"type": "FeatureCollection", "features": []}, [b"x"])), id="problem-not-str"),
        pytest.param(marshal.dumps(({"type": "FeatureCollection", "features": []}, [], 1)), id="three-items"),
    ],
)
def test_a_sidecar_of_the_wrong_shape_is_not_used(tmp_path: Path, payload: bytes) -> None:
    """Even with the right key and checksum (as if written by another version of the code)."""
    path = tmp_path / store.EVENTS_FILE
    path.write_bytes(with_bad_features())
    expected = store.read_readable(path)
    sidecar = store._Sidecar.of(path, path.read_bytes())
    assert sidecar is not None
    sidecar.save_payload(payload)
    assert store.read_readable(path) == expected
    assert sidecar.load() is not None  # rewritten with the real result


def test_read_collection_refuses_a_file_whose_sidecar_has_problems(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    content = with_bad_features()
    path.write_bytes(content)
    store.read_readable(path)  # leaves a sidecar with three problems
    with pytest.raises(ValidationError, match="feature 3"):
        store.read_collection(path)
    with pytest.raises(ValidationError), store.locked(tmp_path):
        store.upsert(path, [])
    assert path.read_bytes() == content


def test_read_collection_leaves_a_sidecar_read_readable_uses(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    path.write_text(json.dumps(events()), encoding="utf-8")
    collection = store.read_collection(path)
    [sidecar] = sidecars(tmp_path / store.CACHE_DIR)
    inode = sidecar.stat().st_ino
    assert store.read_readable(path) == (collection, [])
    assert sidecar.stat().st_ino == inode


def test_write_collection_leaves_the_sidecar_of_the_bytes_it_wrote(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    collection = events()
    store.write_collection(path, collection)
    [sidecar] = sidecars(tmp_path / store.CACHE_DIR)
    expected = store._Sidecar.of(path, path.read_bytes())
    assert expected is not None and sidecar == expected.file
    inode = sidecar.stat().st_ino
    assert store.read_readable(path) == (collection, [])
    assert store.read_collection(path) == collection
    assert sidecar.stat().st_ino == inode  # both reads were hits: nothing rewritten
    assert json.loads(path.read_bytes()) == collection  # the data file is the same as ever


def test_write_collection_keeps_one_sidecar_per_data_file(tmp_path: Path) -> None:
    # A data file whose name starts like the other's: its sidecar is not the other's older one.
    events_path, other = tmp_path / store.EVENTS_FILE, tmp_path / f"{store.EVENTS_FILE}.bak"
    store.write_collection(other, events(2))
    for n in (3, 4, 5):
        store.write_collection(events_path, events(n))
    found = sidecars(tmp_path / store.CACHE_DIR)
    assert len(found) == 2
    assert store.read_readable(events_path)[0] == events(5)
    assert store.read_readable(other)[0] == events(2)
    assert sidecars(tmp_path / store.CACHE_DIR) == found


def test_no_sidecar_for_a_collection_that_reads_back_different(tmp_path: Path) -> None:
    """A tuple is valid in memory but comes back from the file as a list: the sidecar must hold
    what the file gives, so write_collection leaves none and the first read makes it."""
    path = tmp_path / store.EVENTS_FILE
    collection = events(2)
    collection["features"][0]["geometry"]["coordinates"] = (46.75194, 39.81528)
    store.write_collection(path, collection)
    assert sidecars(tmp_path / store.CACHE_DIR) == []
    back, _ = store.read_readable(path)
    assert back["features"][0]["geometry"]["coordinates"] == [46.75194, 39.81528]
    assert len(sidecars(tmp_path / store.CACHE_DIR)) == 1
    assert store.read_readable(path)[0] == back


def test_cache_folder_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = tmp_path / "cache"
    monkeypatch.setenv("GEO_CACHE_DIR", str(cache))
    a, b = tmp_path / "a" / store.EVENTS_FILE, tmp_path / "b" / store.EVENTS_FILE
    store.write_collection(a, events(2))
    store.write_collection(b, events(3))
    assert not (tmp_path / "a" / store.CACHE_DIR).exists()
    assert len(sidecars(cache)) == 2  # two data folders sharing the cache keep one each
    assert store.read_readable(a)[0] == events(2)
    assert store.read_readable(b)[0] == events(3)
    assert len(sidecars(cache)) == 2


@pytest.mark.parametrize("where", ["env-is-a-file", "cache-is-a-file", "env-under-a-file"])
def test_a_cache_folder_that_cannot_be_made_never_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    if where == "env-is-a-file":
        monkeypatch.setenv("GEO_CACHE_DIR", str(blocker))
    elif where == "env-under-a-file":
        monkeypatch.setenv("GEO_CACHE_DIR", str(blocker / "cache"))
    else:
        (tmp_path / store.CACHE_DIR).write_text("not a folder")
    path = tmp_path / store.EVENTS_FILE
    store.write_collection(path, events())
    assert store.read_readable(path) == (events(), [])
    assert store.read_collection(path) == events()
    path.write_bytes(with_bad_features())
    assert len(store.read_readable(path)[1]) == 3
    assert blocker.read_text() == "not a folder"


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="needs POSIX permissions, not root")
def test_a_read_only_cache_folder_never_fails(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    store.write_collection(path, events(2))
    cache = tmp_path / store.CACHE_DIR
    cache.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        store.write_collection(path, events(3))  # its sidecar cannot be written
        assert store.read_readable(path) == (events(3), [])
        assert store.read_collection(path) == events(3)
    finally:
        cache.chmod(stat.S_IRWXU)


def test_small_files_get_no_sidecar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "SIDECAR_MIN_BYTES", 1 << 20)
    path = tmp_path / store.EVENTS_FILE
    store.write_collection(path, events())
    store.read_readable(path)
    assert [p.name for p in tmp_path.iterdir()] == [store.EVENTS_FILE]


def test_a_large_file_with_the_default_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(store, "SIDECAR_MIN_BYTES", 1 << 20)
    path = tmp_path / store.EVENTS_FILE
    collection = events(1200)
    store.write_collection(path, collection)
    assert path.stat().st_size >= 1 << 20
    [sidecar] = sidecars(tmp_path / store.CACHE_DIR)
    assert sidecar.read_bytes()[24:40] == xxhash.xxh3_128(sidecar.read_bytes()[40:]).digest()
    inode = sidecar.stat().st_ino
    assert store.read_readable(path) == (collection, [])
    assert sidecar.stat().st_ino == inode


def test_a_sidecar_left_half_written_is_removed_when_old(tmp_path: Path) -> None:
    path = tmp_path / store.EVENTS_FILE
    store.write_collection(path, events(2))
    cache = tmp_path / store.CACHE_DIR
    old, fresh = cache / f".{store.EVENTS_FILE}.0.marshal.dead.tmp", cache / f".{store.EVENTS_FILE}.1.marshal.live.tmp"
    for tmp in (old, fresh):
        tmp.write_bytes(b"half")
    os.utime(old, (1, 1))
    store.write_collection(path, events(3))
    assert not old.exists()
    assert fresh.exists()  # maybe another process's write in progress
