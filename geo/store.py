"""The store: GeoJSON files in a data folder, validated on every read and write.

Writes go to a temporary file in the same folder, are flushed to disk, then replace the old
file in one step (``os.replace``), so a process killed mid-write leaves the previous file
whole. Writers take a lock file (:mod:`filelock`, chosen over our own ``fcntl`` code because it
also works on Windows and handles stale locks) so that two ingests at once neither lose nor
duplicate features.
"""

from __future__ import annotations

import gc
import json
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import orjson
from filelock import FileLock, Timeout

from geo.errors import StoreError, ValidationError
from geo.model import feature_collection, validate_collection, validate_feature

EVENTS_FILE = "events.geojson"
PLACES_FILE = "places.geojson"
ARTICLES_DIR = "articles"
LOCK_FILE = ".write.lock"
LOCK_TIMEOUT_S = 60.0


def default_data_dir() -> Path:
    """The data folder: ``$GEO_DATA_DIR`` if set, else ``data/`` beside the package."""
    env = os.environ.get("GEO_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


def read_collection(path: str | os.PathLike[str], *, missing_ok: bool = True) -> dict[str, Any]:
    """Read and validate a FeatureCollection; a missing file is empty when *missing_ok*."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return feature_collection([])
        raise StoreError(f"{path}: file not found") from None
    except OSError as err:
        raise StoreError(f"{path}: cannot read ({err.strerror})") from err
    with _gc_paused():
        obj = _parse_json(raw, path)
        return validate_collection(obj, source=str(path))


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a large file becomes objects: it would walk
    the growing heap again and again (100,000 events: 3.3 s to parse with it, 1.8 s without)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse_json(raw: bytes, path: Path) -> Any:
    """Parse *raw* with orjson (strict JSON, several times faster than :mod:`json` on large
    files); what it refuses is parsed again by :mod:`json`, which accepts what Python wrote
    (NaN, big integers) so the validator can say which feature is wrong, or gives the error."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError) as err:  # bad bytes or JSON, too deep, too many digits
        raise ValidationError(
            f"{path}: not valid JSON ({err}); fix or restore the file, it will not be overwritten"
        ) from err


def read_readable(path: str | os.PathLike[str]) -> tuple[dict[str, Any], list[str]]:
    """What can be shown of the collection at *path*: its valid features, and one message per
    feature left out (file and feature index named; a repeated id keeps the first feature).

    For readers that show data (the dashboard). A file that is not a FeatureCollection at all
    raises like :func:`read_collection`; writers use :func:`read_collection`, which refuses the
    whole file, so a file with a bad feature is never rewritten without it.
    """
    try:
        return read_collection(path), []
    except ValidationError as err:
        whole = err
    if isinstance(whole.__cause__, (ValueError, RecursionError)):
        raise whole  # not JSON: nothing to show
    with _gc_paused():
        obj = _parse_json(Path(path).read_bytes(), Path(path))
    if not isinstance(obj, Mapping) or obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
        raise whole
    features: list[Any] = []
    problems: list[str] = []
    seen: set[Any] = set()
    for i, feature in enumerate(obj["features"]):
        where = f"{path}: feature {i}"
        try:
            validate_feature(feature, where)
        except ValidationError as err:
            problems.append(str(err))
            continue
        fid = feature.get("id")
        if fid is not None and fid in seen:
            problems.append(f"{where}: duplicate id {fid!r}; the first feature with it is shown")
            continue
        if fid is not None:
            seen.add(fid)
        features.append(feature)
    return {**obj, "features": features}, problems


def write_collection(path: str | os.PathLike[str], collection: Mapping[str, Any]) -> None:
    """Validate *collection* and write it atomically to *path*."""
    path = Path(path)
    validated = validate_collection(collection, source=str(path))
    try:
        text = json.dumps(validated, ensure_ascii=False, indent=1, sort_keys=False, allow_nan=False) + "\n"
    except ValueError as err:  # NaN or Infinity in a property: not JSON (RFC 8259)
        raise ValidationError(f"{path}: {err}; NaN and Infinity cannot be stored in JSON") from err
    atomic_write_text(path, text)


def remove_stale_temp_files(data_dir: Path) -> list[Path]:
    """Delete the temporary files a killed writer left beside the data files.

    Only the files written under :func:`locked` are considered (events, places, articles), so
    call it while holding the lock: no other writer can be half-way through one of them.
    """
    patterns = [(data_dir, f".{EVENTS_FILE}.*.tmp"), (data_dir, f".{PLACES_FILE}.*.tmp"),
                (data_dir / ARTICLES_DIR, ".*.tmp")]
    removed = []
    for folder, pattern in patterns:
        for tmp in folder.glob(pattern):
            with suppress(FileNotFoundError):
                tmp.unlink()
                removed.append(tmp)
    return removed


def atomic_write_text(path: Path, text: str) -> None:
    """Write *text* to a temporary file beside *path*, fsync it, then replace *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        # mkstemp creates the file 0600; give it the mode a plain open() would (0666 less umask).
        os.chmod(tmp, 0o666 & ~_current_umask())
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextmanager
def locked(data_dir: str | os.PathLike[str], timeout: float = LOCK_TIMEOUT_S) -> Iterator[None]:
    """Hold the data folder's write lock for the duration of the block."""
    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(data_dir / LOCK_FILE), timeout=timeout)
    try:
        with lock:
            remove_stale_temp_files(data_dir)
            yield
    except Timeout as err:
        raise StoreError(
            f"{data_dir}: another writer holds the lock for more than {timeout:.0f} s; try again"
        ) from err


def merge_features(
    existing: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]
) -> tuple[list[dict[str, Any]], int]:
    """Merge *new* into *existing* by feature ``id``; return (features, number added).

    A feature whose id is already stored replaces the stored one in place (same id, same
    content after a re-ingest, so nothing changes); features without an id are refused.
    """
    # Keyed like the validator tells ids apart: the number 1 and the string "1" are two ids.
    merged: dict[str, dict[str, Any]] = {}
    for feature in existing:
        merged[json.dumps(feature["id"])] = dict(feature)
    added = 0
    for feature in new:
        fid = feature.get("id")
        if fid is None:
            raise ValidationError(f"feature without an id cannot be stored: {feature.get('properties')!r}")
        key = json.dumps(fid)
        if key not in merged:
            added += 1
        merged[key] = dict(feature)
    return list(merged.values()), added


def upsert(path: str | os.PathLike[str], features: Iterable[Mapping[str, Any]]) -> int:
    """Merge *features* into the collection at *path* (caller holds :func:`locked`)."""
    current = read_collection(path)
    merged, added = merge_features(current["features"], features)
    out = dict(current)
    out["features"] = merged
    write_collection(path, out)
    return added
