"""The store: GeoJSON files in a data folder, validated on every read and write.

Writes go to a temporary file in the same folder, are flushed to disk, then replace the old
file in one step (``os.replace``), so a process killed mid-write leaves the previous file
whole. Writers take a lock file (:mod:`filelock`, chosen over our own ``fcntl`` code because it
also works on Windows and handles stale locks) so that two ingests at once neither lose nor
duplicate features.

Reads of large files (1 MiB and more) go through a sidecar: once a file's bytes have been
parsed and validated, the result (the collection and, for :func:`read_readable`, one message per
feature left out) is kept as :mod:`marshal` data in ``.cache/`` beside the file, or in
``$GEO_CACHE_DIR`` if set (``data/.cache/events.geojson.<key>.marshal``). The key is an xxh3-128
hash of the file's bytes together with the sidecar format, the Python and orjson versions and
the source of the validator (this module and :mod:`geo.model`), so a sidecar only ever holds
what this validator accepted for exactly those bytes. A read hashes the bytes it has read and
loads their sidecar instead of parsing and validating them again (100,000 events, 144 MB:
1.1-1.4 s instead of 2.2-2.4 s; the read that writes the sidecar takes 0.5 s more);
:func:`write_collection` leaves the sidecar of the bytes it wrote (1.6 s more at that size).
Writing a sidecar removes the older ones of the same file. The data file stays the source of
truth: a missing, damaged (its header carries a checksum of its payload) or unwritable sidecar
only costs time, never fails a read or a write. Whoever can write the cache folder can change
what is shown, as whoever can write the data folder can: give ``$GEO_CACHE_DIR`` no wider
access than the data.
"""

from __future__ import annotations

import functools
import gc
import json
import logging
import marshal
import os
import re
import secrets
import sys
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import orjson
import xxhash
from filelock import FileLock, Timeout

from geo import model
from geo.errors import StoreError, ValidationError
from geo.model import feature_collection, validate_collection, validate_feature

EVENTS_FILE = "events.geojson"
PLACES_FILE = "places.geojson"
ARTICLES_DIR = "articles"
LOCK_FILE = ".write.lock"
LOCK_TIMEOUT_S = 60.0
CACHE_DIR = ".cache"
# Smaller files are parsed and validated in a few milliseconds: a sidecar would not pay.
SIDECAR_MIN_BYTES = 1 << 20
SIDECAR_FORMAT = 1

log = logging.getLogger(__name__)


def default_data_dir() -> Path:
    """The data folder: ``$GEO_DATA_DIR`` if set, else ``data/`` beside the package."""
    env = os.environ.get("GEO_DATA_DIR")
    return Path(env) if env else Path(__file__).resolve().parent.parent / "data"


def read_collection(path: str | os.PathLike[str], *, missing_ok: bool = True) -> dict[str, Any]:
    """Read and validate a FeatureCollection; a missing file is empty when *missing_ok*."""
    path = Path(path)
    raw = _read_bytes(path, missing_ok=missing_ok)
    if raw is None:
        return feature_collection([])
    sidecar = _Sidecar.of(path, raw)
    cached = sidecar.load() if sidecar is not None else None
    if cached is not None and not cached[1]:
        return cached[0]
    # No sidecar, or one of a file with bad features: validate, for the error to raise.
    with _gc_paused():
        collection = validate_collection(_parse_json(raw, path), source=str(path))
    if sidecar is not None and cached is None:
        sidecar.save(collection, [])
    return collection


def _read_bytes(path: Path, *, missing_ok: bool) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        if missing_ok:
            return None
        raise StoreError(f"{path}: file not found") from None
    except OSError as err:
        raise StoreError(f"{path}: cannot read ({err.strerror})") from err


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

    For readers that show data (the dashboard). A file that is not JSON or not a
    FeatureCollection at all raises like :func:`read_collection`; writers use
    :func:`read_collection`, which refuses the whole file, so a file with a bad feature is never
    rewritten without it.
    """
    path = Path(path)
    raw = _read_bytes(path, missing_ok=True)
    if raw is None:
        return feature_collection([]), []
    sidecar = _Sidecar.of(path, raw)
    cached = sidecar.load() if sidecar is not None else None
    if cached is None:
        cached = _readable(raw, path)
        if sidecar is not None:
            sidecar.save(*cached)
    collection, problems = cached
    name = str(path)
    return collection, [name + p[len(_FILE) :] if p.startswith(_FILE) else p for p in problems]


# Stands for the file's name at the start of read_readable's messages, so that they can be kept
# in the sidecar of the content whatever the path it was read by.
_FILE = "\x00file"


def _readable(raw: bytes, path: Path) -> tuple[dict[str, Any], list[str]]:
    """:func:`read_readable` of the bytes *raw* read from *path*, messages starting with _FILE."""
    with _gc_paused():
        obj = _parse_json(raw, path)  # not JSON: raises, nothing to show
        try:
            return validate_collection(obj, source=str(path)), []
        except ValidationError as err:
            whole = err
        if not isinstance(obj, Mapping) or obj.get("type") != "FeatureCollection" or not isinstance(obj.get("features"), list):
            raise whole
        features: list[Any] = []
        problems: list[str] = []
        seen: set[Any] = set()
        for i, feature in enumerate(obj["features"]):
            where = f"{_FILE}: feature {i}"
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
    """Validate *collection* and write it atomically to *path* (and its sidecar, if large)."""
    path = Path(path)
    validated = validate_collection(collection, source=str(path))
    try:
        text = json.dumps(validated, ensure_ascii=False, indent=1, sort_keys=False, allow_nan=False) + "\n"
    except ValueError as err:  # NaN or Infinity in a property: not JSON (RFC 8259)
        raise ValidationError(f"{path}: {err}; NaN and Infinity cannot be stored in JSON") from err
    data = text.encode("utf-8")
    del text
    atomic_write_bytes(path, data)
    _cache_written(path, data, validated)


def _cache_written(path: Path, data: bytes, validated: dict[str, Any]) -> None:
    """Leave the sidecar of the *data* just written to *path*: the collection parsed back from
    it, kept only if it equals *validated* (a tuple or a number as a key comes back different).
    Never raises: the file is written."""
    sidecar = _Sidecar.of(path, data)
    if sidecar is None:
        return
    try:
        with _gc_paused():
            parsed = _parse_json(data, path)
            payload = marshal.dumps((parsed, [])) if parsed == validated else None
            del parsed  # freed by reference counting before the collector is back
    except (ValueError, RecursionError, MemoryError) as err:
        log.debug("%s: no sidecar (%s)", path, err)
        return
    if payload is None:
        log.debug("%s: no sidecar (the collection does not read back equal)", path)
        return
    sidecar.save_payload(payload)


class _Sidecar:
    """The cached read of one content of one data file (see the module docstring).

    The file holds a header (magic, the content key, an xxh3-128 checksum of the rest) and
    ``marshal.dumps((collection, problems))``: 100,000 events load in 0.5 s where orjson parses
    the JSON in 0.8-1.4 s and validating it takes 1.1-1.7 s more; unlike pickle, loading runs
    no code.
    """

    MAGIC = b"GEOSIDE" + bytes([SIDECAR_FORMAT])
    HEADER = len(MAGIC) + 16 + 16
    STALE_TEMP_S = 3600.0  # a temporary file this old was left by a killed process

    def __init__(self, path: Path, key: bytes, folder: Path, stem: str) -> None:
        self.path = path
        self.key = key
        self.folder = folder
        self.stem = stem
        self.file = folder / f"{stem}.{key.hex()}.marshal"

    @classmethod
    def of(cls, path: Path, raw: bytes) -> _Sidecar | None:
        """The sidecar of the content *raw* of *path*; None if too small or not cacheable."""
        code = _code_key()
        if code is None or len(raw) < SIDECAR_MIN_BYTES:
            return None
        digest = xxhash.xxh3_128(code)
        digest.update(raw)
        env = os.environ.get("GEO_CACHE_DIR")
        if env:  # a folder shared by several data folders: names tell their files apart
            where = xxhash.xxh3_64(os.fsencode(os.path.realpath(path))).hexdigest()
            return cls(path, digest.digest(), Path(env), f"{path.name}.{where}")
        return cls(path, digest.digest(), path.parent / CACHE_DIR, path.name)

    def load(self) -> tuple[dict[str, Any], list[str]] | None:
        """The cached (collection, problems), or None if there is none or it is damaged."""
        try:
            blob = self.file.read_bytes()
        except OSError:
            return None
        view = memoryview(blob)
        payload = view[self.HEADER :]
        head = bytes(view[: self.HEADER])
        if head != self.MAGIC + self.key + xxhash.xxh3_128(payload).digest():
            log.debug("%s: damaged sidecar %s", self.path, self.file)
            return None
        try:
            with _gc_paused():
                value = marshal.loads(payload)
        except (ValueError, EOFError, TypeError) as err:
            log.debug("%s: unreadable sidecar %s (%s)", self.path, self.file, err)
            return None
        if not _is_readable_result(value):
            log.debug("%s: sidecar %s holds something else", self.path, self.file)
            return None
        return value

    def save(self, collection: dict[str, Any], problems: list[str]) -> None:
        try:  # a folder that cannot be written is known before the payload is made
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            log.debug("%s: no sidecar (%s)", self.path, err)
            return
        if not os.access(self.folder, os.W_OK):
            log.debug("%s: no sidecar (%s is read-only)", self.path, self.folder)
            return
        try:
            payload = marshal.dumps((collection, problems))
        except ValueError as err:  # an object marshal does not know (not from JSON)
            log.debug("%s: no sidecar (%s)", self.path, err)
            return
        self.save_payload(payload)

    def save_payload(self, payload: bytes) -> None:
        """Write the sidecar atomically and remove the older ones of the same data file; a
        folder that cannot be written (read-only, full, not a folder) only means no sidecar."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.file, self.MAGIC, self.key, xxhash.xxh3_128(payload).digest(), payload)
        except OSError as err:
            log.debug("%s: no sidecar (%s)", self.path, err)
            return
        sidecar = re.compile(re.escape(self.stem) + r"\.[0-9a-f]{32}\.marshal")
        temp = re.compile(re.escape(f".{self.stem}.") + r".*\.tmp")
        now = time.time()
        with suppress(OSError), os.scandir(self.folder) as entries:
            for entry in entries:
                with suppress(OSError):
                    older = bool(sidecar.fullmatch(entry.name)) and entry.name != self.file.name
                    if older or (temp.fullmatch(entry.name) and now - entry.stat().st_mtime > self.STALE_TEMP_S):
                        os.unlink(entry.path)


def _is_readable_result(value: Any) -> bool:
    """True if *value* has the shape of :func:`_readable`'s result."""
    if type(value) is not tuple or len(value) != 2:
        return False
    collection, problems = value
    return (
        type(collection) is dict
        and collection.get("type") == "FeatureCollection"
        and type(collection.get("features")) is list
        and all(type(f) is dict for f in collection["features"])
        and type(problems) is list
        and all(type(p) is str for p in problems)
    )


@functools.cache
def _code_key() -> bytes | None:
    """What a read's result depends on besides the file: the sidecar format, Python (marshal's
    format, :mod:`json` and :mod:`datetime`), orjson, and the source of the validator and this
    module. None if that source cannot be read: no sidecars then."""
    digest = xxhash.xxh3_128(
        f"{SIDECAR_FORMAT}\0{sys.implementation.name} {sys.version}\0{marshal.version}\0{orjson.__version__}\0".encode()
    )
    try:
        for module_file in (model.__file__, __file__):
            digest.update(Path(str(module_file)).read_bytes())
    except (OSError, TypeError):
        return None
    return digest.digest()


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
    """Write *text* (UTF-8) to a temporary file beside *path*, fsync it, then replace *path*."""
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_bytes(path: Path, *parts: bytes) -> None:
    """Write *parts* one after the other to a temporary file beside *path*, fsync it, then
    replace *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created with the mode a plain open() gives (0666 less the umask, applied by the system):
    # mkstemp's 0600 would need the umask read with os.umask, which changes it for every thread.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp"
        try:
            fd = os.open(tmp, flags, 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as fh:
            for part in parts:
                fh.write(part)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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
