"""The geocoding chain: the embedded gazetteer first, then (only when turned on) a geopy geocoder.

The online step is Nominatim by default (domain, scheme and user agent configurable) or any
other geopy geocoder by name (:func:`geopy.geocoders.get_geocoder_for_service`). It is wrapped
in geopy's :class:`~geopy.extra.rate_limiter.RateLimiter` (one request a second for Nominatim),
biased to the region (viewbox, country codes), and answers outside the region's bounding box
are rejected. Answers, misses included, are remembered in a JSON cache on disk, written
atomically. A failing service (timeout, HTTP 429 / 5xx, garbage, unreachable) never crashes
the chain: the gazetteer's answer stands and a warning is collected in
:attr:`GeocoderChain.warnings`.

geopy's exceptions are converted to :mod:`geo.errors` in one place, :meth:`GeocoderChain._ask_service`.
The clock and the sleep of the rate limiter are injectable so that tests never really sleep.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.errors import (
    ConfigError,
    GeocoderError,
    GeocoderQuotaExceeded,
    GeocoderTimedOut,
    GeocoderUnavailable,
    NotFoundError,
    ValidationError,
)
from geo.gazetteer import Gazetteer, Place, load_gazetteer
from geo.model import PLACE_KINDS, validate_feature
from geo.names import fold
from geo.store import atomic_write_text, default_data_dir

__all__ = [
    "REGION_BBOX",
    "GeocodingSettings",
    "GeocodeCache",
    "GeocoderChain",
    "make_geocoder",
    "in_region",
]

logger = logging.getLogger(__name__)

# (west, south, east, north): Armenia, Azerbaijan and Nagorno-Karabakh with a small margin.
REGION_BBOX = (43.3, 38.3, 50.9, 42.0)
REGION_COUNTRY_CODES = ("az", "am")
DEFAULT_USER_AGENT = "karabakh-event-map/0.1 (offline-first news geoparser)"
CACHE_VERSION = 1

Clock = Callable[[], float]
Sleep = Callable[[float], None]


def in_region(lon: float, lat: float, bbox: tuple[float, float, float, float] = REGION_BBOX) -> bool:
    """True if ``(lon, lat)`` is inside the region's bounding box ``(west, south, east, north)``."""
    west, south, east, north = bbox
    return west <= lon <= east and south <= lat <= north


def _env_bool(name: str, value: str) -> bool:
    low = value.strip().lower()
    if low in ("1", "true", "yes", "on"):
        return True
    if low in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"{name}={value!r} is not a yes/no value; use 1 or 0")


def _env_float(name: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r} is not a number of seconds; use e.g. {name}=5") from None
    if not math.isfinite(number) or number < 0:
        raise ConfigError(f"{name}={value!r} must be a number >= 0")
    return number


@dataclass
class GeocodingSettings:
    """How the chain may go online. Build from the environment with :meth:`from_env`."""

    online: bool = False
    service: str = "nominatim"
    domain: str | None = None
    scheme: str = "https"
    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 5.0
    cache_path: Path | None = None
    min_delay_s: float = 1.0
    max_retries: int = 0
    bbox: tuple[float, float, float, float] = REGION_BBOX
    country_codes: tuple[str, ...] = REGION_COUNTRY_CODES
    service_options: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> GeocodingSettings:
        """Settings from ``GEO_ONLINE``, ``GEO_GEOCODER``, ``GEO_NOMINATIM_DOMAIN``,
        ``GEO_NOMINATIM_SCHEME``, ``GEO_USER_AGENT``, ``GEO_CACHE_PATH``, ``GEO_TIMEOUT`` and
        ``GEO_MIN_DELAY``. The cache defaults to ``geocode_cache.json`` in the data folder."""
        env = os.environ if environ is None else environ
        settings = cls()
        if "GEO_ONLINE" in env:
            settings.online = _env_bool("GEO_ONLINE", env["GEO_ONLINE"])
        if env.get("GEO_GEOCODER"):
            settings.service = env["GEO_GEOCODER"].strip().lower()
        if env.get("GEO_NOMINATIM_DOMAIN"):
            settings.domain = env["GEO_NOMINATIM_DOMAIN"].strip()
        if env.get("GEO_NOMINATIM_SCHEME"):
            scheme = env["GEO_NOMINATIM_SCHEME"].strip().lower()
            if scheme not in ("http", "https"):
                raise ConfigError(f"GEO_NOMINATIM_SCHEME={scheme!r} must be http or https")
            settings.scheme = scheme
        if env.get("GEO_USER_AGENT"):
            settings.user_agent = env["GEO_USER_AGENT"]
        if env.get("GEO_TIMEOUT"):
            settings.timeout = _env_float("GEO_TIMEOUT", env["GEO_TIMEOUT"])
        if env.get("GEO_MIN_DELAY"):
            settings.min_delay_s = _env_float("GEO_MIN_DELAY", env["GEO_MIN_DELAY"])
        cache = env.get("GEO_CACHE_PATH")
        if cache:
            settings.cache_path = Path(cache)
        else:
            data_dir = env.get("GEO_DATA_DIR")
            settings.cache_path = (Path(data_dir) if data_dir else default_data_dir()) / "geocode_cache.json"
        if settings.service != "nominatim" and not env.get("GEO_MIN_DELAY"):
            settings.min_delay_s = 0.0
        return settings


class GeocodeCache:
    """Answers of the online geocoder, misses included, in a JSON file written atomically.

    Entries are keyed by service, folded name and kind. A cache file that cannot be read is
    not fatal: it is ignored (with a warning) and replaced on the next write.
    """

    def __init__(self, path: Path | None, *, clock: Callable[[], dt.datetime] | None = None) -> None:
        self.path = path
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._entries: dict[str, dict[str, Any]] | None = None
        self._lock = threading.Lock()
        self.warnings: list[str] = []

    @staticmethod
    def key(service: str, name: str, kind: str | None) -> str:
        digits = "".join(ch for ch in name if ch.isdigit())  # fold() drops numbers: "Height 1" != "Height 2"
        return f"{service}|{fold(name) or name.strip().casefold()}|{digits}|{kind or ''}"

    def _load(self) -> dict[str, dict[str, Any]]:
        if self._entries is not None:
            return self._entries
        self._entries = {}
        if self.path is None or not self.path.exists():
            return self._entries
        try:
            obj = json.loads(self.path.read_text(encoding="utf-8"))
            entries = obj["entries"] if obj.get("version") == CACHE_VERSION else {}
            if not isinstance(entries, dict):
                raise ValueError("entries is not an object")
            for key, entry in entries.items():
                if entry.get("feature") is not None:
                    validate_feature(entry["feature"], f"{self.path}: entry {key!r}")
            self._entries = entries
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
            self.warnings.append(f"geocode cache {self.path} is unreadable ({err}); starting an empty one")
        return self._entries

    def get(self, key: str) -> tuple[bool, Place | None]:
        """``(found, place)``: ``(True, None)`` is a remembered miss."""
        with self._lock:
            entry = self._load().get(key)
        if entry is None:
            return False, None
        feature = entry.get("feature")
        return True, (Place.from_feature(feature) if feature else None)

    def put(self, key: str, place: Place | None) -> None:
        """Remember *place* (or a miss) and write the file atomically."""
        with self._lock:
            entries = self._load()
            entries[key] = {
                "feature": place.to_feature() if place else None,
                "at": self._clock().isoformat(timespec="seconds"),
            }
            if self.path is not None:
                text = json.dumps({"version": CACHE_VERSION, "entries": entries}, ensure_ascii=False, indent=1)
                atomic_write_text(self.path, text + "\n")

    def __len__(self) -> int:
        with self._lock:
            return len(self._load())


def _rate_limited(func: Callable[..., Any], settings: GeocodingSettings, clock: Clock, sleep: Sleep) -> Callable[..., Any]:
    """*func* wrapped in geopy's RateLimiter with our clock and sleep (no exception swallowed)."""
    from geopy.extra.rate_limiter import RateLimiter

    class _Limiter(RateLimiter):
        def _clock(self) -> float:
            return clock()

        def _sleep(self, seconds: float) -> None:
            sleep(seconds)

    return _Limiter(
        func,
        min_delay_seconds=settings.min_delay_s,
        max_retries=settings.max_retries,
        error_wait_seconds=max(settings.min_delay_s, 2.0 if settings.max_retries else settings.min_delay_s),
        swallow_exceptions=False,
    )


def _default_adapter_factory() -> Any:
    """geopy's HTTP adapter without its own retries: urllib3 would otherwise resend a timed-out
    request twice behind the rate limiter's back and report the timeout as "unavailable"."""
    from geopy.adapters import RequestsAdapter, URLLibAdapter

    if RequestsAdapter.is_available:
        return functools.partial(RequestsAdapter, max_retries=0)
    return URLLibAdapter


def _make_geopy_geocoder(settings: GeocodingSettings, adapter_factory: Any | None) -> Any:
    """An instance of the geopy geocoder named by ``settings.service``."""
    from geopy.exc import GeocoderNotFound
    from geopy.geocoders import get_geocoder_for_service

    try:
        cls = get_geocoder_for_service(settings.service)
    except GeocoderNotFound as err:
        raise ConfigError(
            f"unknown geocoder {settings.service!r}; use a geopy service name such as 'nominatim', 'photon', 'arcgis'"
        ) from err
    options: dict[str, Any] = {
        "user_agent": settings.user_agent,
        "timeout": settings.timeout,
        "scheme": settings.scheme,
        **settings.service_options,
    }
    if settings.domain:
        options["domain"] = settings.domain
    options["adapter_factory"] = adapter_factory if adapter_factory is not None else _default_adapter_factory()
    accepted = inspect.signature(cls.__init__).parameters
    options = {k: v for k, v in options.items() if k in accepted}
    try:
        return cls(**options)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"cannot set up geocoder {settings.service!r}: {err}") from err


# Nominatim's class/type -> our kind, ACLED precision and a floor for the uncertainty.
_OSM_KINDS: dict[str, tuple[str, int]] = {
    "city": ("settlement", 1), "town": ("settlement", 1), "village": ("settlement", 1),
    "hamlet": ("settlement", 1), "suburb": ("settlement", 1), "neighbourhood": ("settlement", 1),
    "isolated_dwelling": ("settlement", 1), "locality": ("settlement", 2),
    "peak": ("height", 1), "hill": ("height", 1), "ridge": ("ridge", 2), "mountain_range": ("mountain-range", 3),
    "lake": ("lake", 1), "water": ("lake", 1), "river": ("river", 2), "stream": ("river", 2),
    "country": ("country", 3), "state": ("region", 3), "region": ("region", 3), "county": ("district", 2),
    "district": ("district", 2), "municipality": ("district", 2), "administrative": ("district", 2),
    "road": ("road", 2), "primary": ("road", 2), "secondary": ("road", 2), "trunk": ("road", 2),
    "tertiary": ("road", 2), "motorway": ("road", 2), "bridge": ("landmark", 1),
}


def _location_to_place(location: Any, service: str) -> Place:
    """A geopy Location as a :class:`Place` (``nominatim:<osm type>/<osm id>`` for Nominatim)."""
    raw = location.raw if isinstance(getattr(location, "raw", None), Mapping) else {}
    lat, lon = float(location.latitude), float(location.longitude)
    if service == "nominatim" and raw.get("osm_id") is not None:
        pid = f"nominatim:{raw.get('osm_type', 'osm')}/{raw['osm_id']}"
    elif raw.get("place_id") is not None:
        pid = f"{service}:{raw['place_id']}"
    else:
        pid = f"{service}:{lat:.5f},{lon:.5f}"
    osm_type = str(raw.get("addresstype") or raw.get("type") or "")
    kind, precision = _OSM_KINDS.get(osm_type, _OSM_KINDS.get(str(raw.get("type", "")), ("unknown", 2)))
    uncertainty = 1.0
    bbox = raw.get("boundingbox")
    if isinstance(bbox, (list, tuple)) and len(bbox) == 4:
        try:
            south, north, west, east = (float(v) for v in bbox)
            half_diag = math.hypot((north - south) * 111.0, (east - west) * 111.0 * math.cos(math.radians(lat))) / 2
            uncertainty = max(uncertainty, round(half_diag, 1))
        except (TypeError, ValueError):
            pass
    address = str(location.address or "")
    name = address.split(",")[0].strip() or address or pid
    place = Place(
        place_id=pid,
        name=name,
        kind=kind if kind in PLACE_KINDS else "unknown",
        geometry={"type": "Point", "coordinates": [lon, lat]},
        geo_precision=precision,
        uncertainty_km=uncertainty,
        source=pid,
        alternate_names=(address,) if address and address != name else (),
        citation=f"{service} answer for this name: {address}",
    )
    validate_feature(place.to_feature(), f"{service} answer")
    return place


BREAKER_FAILURES = 3
BREAKER_COOLDOWN_S = 60.0


class GeocoderChain:
    """Gazetteer first, then the online geocoder if one is configured; never raises for a
    failing service (see :attr:`warnings`)."""

    def __init__(
        self,
        gazetteer: Gazetteer,
        settings: GeocodingSettings,
        *,
        service: Callable[..., Any] | None = None,
        cache: GeocodeCache | None = None,
        clock: Clock = time.monotonic,
    ) -> None:
        self.gazetteer = gazetteer
        self.settings = settings
        self._service = service
        self.cache = cache if cache is not None else GeocodeCache(None)
        self.warnings: list[str] = []
        self.requests_sent = 0
        # Circuit breaker: after BREAKER_FAILURES failures in a row (timeouts, unreachable,
        # 5xx), the service is skipped for BREAKER_COOLDOWN_S, so an article with many unknown
        # names does not wait out one timeout per name. Failures are still never cached.
        self._clock = clock
        self._failures_in_a_row = 0
        self._skip_until = float("-inf")

    @property
    def online(self) -> bool:
        return self._service is not None

    def _warn(self, message: str) -> None:
        logger.warning(message)
        self.warnings.append(message)

    def _ask_service(self, name: str) -> list[Any]:
        """Call the online geocoder; the one place where geopy's errors become ours."""
        from geopy import exc

        assert self._service is not None
        kwargs: dict[str, Any] = {"exactly_one": False}
        if self.settings.service == "nominatim":
            west, south, east, north = self.settings.bbox
            kwargs.update(
                viewbox=[(south, west), (north, east)],  # geopy speaks (lat, lon)
                country_codes=list(self.settings.country_codes),
                addressdetails=False,
            )
        service = self.settings.service
        self.requests_sent += 1
        try:
            found = self._service(name, **kwargs)
        except exc.GeocoderQuotaExceeded as err:  # includes GeocoderRateLimited (HTTP 429)
            raise GeocoderQuotaExceeded(f"{service} refused {name!r} for rate or quota ({err}); try later") from err
        except exc.GeocoderTimedOut as err:
            raise GeocoderTimedOut(
                f"{service} did not answer {name!r} within {self.settings.timeout:g} s; raise GEO_TIMEOUT or try later"
            ) from err
        except exc.GeocoderParseError as err:
            raise GeocoderUnavailable(f"{service} answered {name!r} with something that is not JSON ({err})") from err
        except exc.GeopyError as err:  # unavailable, HTTP 5xx, query errors ...
            raise GeocoderUnavailable(f"{service} failed for {name!r}: {err}") from err
        except (TypeError, ValueError, KeyError, AttributeError) as err:  # JSON of the wrong shape
            raise GeocoderUnavailable(f"{service} answered {name!r} in an unexpected format ({err!r})") from err
        if found is None:
            return []
        return list(found) if isinstance(found, (list, tuple)) else [found]

    def _online(self, name: str, kind: str | None) -> Place | None:
        key = GeocodeCache.key(self.settings.service, name, kind)
        hit, place = self.cache.get(key)
        self.warnings.extend(w for w in self.cache.warnings if w not in self.warnings)
        if hit:
            return place
        if self._clock() < self._skip_until:
            self._warn(f"{self.settings.service} is skipped for {name!r}: it failed {BREAKER_FAILURES} times in a row; "
                       f"it is asked again after {BREAKER_COOLDOWN_S:g} s")
            return None
        try:
            locations = self._ask_service(name)
            places = [_location_to_place(loc, self.settings.service) for loc in locations]
        except GeocoderError as err:
            self._warn(f"online geocoding failed, using the gazetteer only: {err}")
            self._failures_in_a_row += 1
            if self._failures_in_a_row >= BREAKER_FAILURES:
                self._failures_in_a_row = 0
                self._skip_until = self._clock() + BREAKER_COOLDOWN_S
            return None
        except ValidationError as err:
            self._warn(f"online geocoding failed, using the gazetteer only: {self.settings.service} answered {name!r} "
                       f"with an unusable place ({err})")
            return None
        self._failures_in_a_row = 0
        inside = [p for p in places if in_region(*p.lon_lat, bbox=self.settings.bbox)]
        if places and not inside:
            lon, lat = places[0].lon_lat
            self._warn(
                f"{self.settings.service} placed {name!r} at lat {lat:.4f}, lon {lon:.4f}, outside the region "
                f"{self.settings.bbox}; answer rejected"
            )
        if kind and inside:
            inside.sort(key=lambda p: p.kind != kind)
        best = inside[0] if inside else None
        try:
            self.cache.put(key, best)
        except OSError as err:
            self._warn(f"cannot write the geocode cache {self.cache.path}: {err}")
        return best

    def geocode(self, name: str, *, kind: str | None = None) -> Place | None:
        """The place called *name*: gazetteer first, then the online service; None if unknown."""
        if not name or not name.strip():
            return None
        place = self.gazetteer.resolve(name, kind=kind)
        if place is not None or self._service is None:
            return place
        return self._online(name, kind)

    def locate(self, name: str, *, kind: str | None = None) -> Place:
        """Like :meth:`geocode` but raises :class:`NotFoundError` (with the warnings) if unknown."""
        place = self.geocode(name, kind=kind)
        if place is None:
            where = "the gazetteer or the online geocoder" if self.online else "the gazetteer (online geocoding is off; use --online or GEO_ONLINE=1)"
            raise NotFoundError(f"{name!r} is not known to {where}")
        return place


def make_geocoder(
    settings: GeocodingSettings | None = None,
    *,
    gazetteer: Gazetteer | None = None,
    clock: Clock = time.monotonic,
    sleep: Sleep = time.sleep,
    adapter_factory: Any | None = None,
) -> GeocoderChain:
    """Build the chain from *settings* (default: :meth:`GeocodingSettings.from_env`).

    Offline settings give a chain that only asks the gazetteer. *clock* and *sleep* drive the
    rate limiter; *adapter_factory* is geopy's network seam.
    """
    settings = settings if settings is not None else GeocodingSettings.from_env()
    gazetteer = gazetteer if gazetteer is not None else load_gazetteer()
    if not settings.online:
        return GeocoderChain(gazetteer, settings)
    geocoder = _make_geopy_geocoder(settings, adapter_factory)
    service = _rate_limited(geocoder.geocode, settings, clock, sleep)
    return GeocoderChain(gazetteer, settings, service=service, cache=GeocodeCache(settings.cache_path), clock=clock)


def with_online(settings: GeocodingSettings, online: bool = True) -> GeocodingSettings:
    """A copy of *settings* with the online path turned on (or off)."""
    return dataclasses.replace(settings, online=online)
