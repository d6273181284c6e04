"""The data contract: GeoJSON (RFC 7946) FeatureCollections of places and events.

Everything the pipeline, the store and the app exchange is a FeatureCollection, validated on
every read and write by :func:`validate_collection`. Coordinates are ``[lon, lat]``.

Two kinds of feature, told apart by ``properties.feature_kind``:

``place``
    A located name: a settlement (Point), a road or ridge (LineString), a district or region
    (Polygon / MultiPolygon). Required properties: ``place_id``, ``name``, ``kind``,
    ``geo_precision`` (ACLED: 1 exact, 2 near / part of a region, 3 only the larger region),
    ``uncertainty_km`` and ``source`` (provenance: ``geonames:<id>``, ``curated:<id>``,
    ``nominatim:<osm id>``). Optional: ``alternate_names``, ``approximate``, ``citation``,
    ``country``, ``population``, ``mentions``.

``event``
    One event at one place (ACLED: an event at two places is two features sharing an
    ``event_id``). Required properties: ``event_id``, ``event_type``, ``sub_event_type``,
    ``date_start`` and ``date_end`` (ISO dates, start <= end), ``time_precision`` (day, week,
    month, year), ``summary``, ``quote``, ``place``, ``place_id``, ``mention``, ``geo_precision``,
    ``uncertainty_km``, ``source`` (an object with ``title``, ``url``, ``outlet``, ``published``).
    Optional: ``actors`` (list of str), ``fatalities`` (int or null), ``kind``,
    ``alternate_names``, ``article_id``, ``place_source``.

Features carry a top-level ``id`` (unique within a collection).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any

from geo.errors import ValidationError

GEOMETRY_TYPES = frozenset(
    {"Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"}
)
PLACE_KINDS = frozenset(
    {
        "settlement",
        "height",
        "ridge",
        "mountain-range",
        "road",
        "region",
        "district",
        "river",
        "lake",
        "country",
        "border-area",
        "landmark",
        "unknown",
    }
)
TIME_PRECISIONS = ("day", "week", "month", "year")
GEO_PRECISIONS = (1, 2, 3)

PLACE_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "place_id": str,
    "name": str,
    "kind": str,
    "geo_precision": int,
    "uncertainty_km": (int, float),
    "source": str,
}
EVENT_REQUIRED: dict[str, type | tuple[type, ...]] = {
    "event_id": str,
    "event_type": str,
    "sub_event_type": str,
    "date_start": str,
    "date_end": str,
    "time_precision": str,
    "summary": str,
    "quote": str,
    "place": str,
    "place_id": str,
    "mention": str,
    "geo_precision": int,
    "uncertainty_km": (int, float),
    "source": dict,
}
SOURCE_FIELDS = ("title", "url", "outlet", "published")


def _fail(where: str, message: str) -> ValidationError:
    return ValidationError(f"{where}: {message}")


def _is_finite(value: int | float) -> bool:
    """True for a number that is a finite float (an int beyond a float is not; no OverflowError)."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


def _check_position(pos: Any, where: str) -> None:
    if not isinstance(pos, (list, tuple)) or len(pos) not in (2, 3):
        raise _fail(where, f"a position must be [lon, lat], got {pos!r}")
    for value in pos:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not _is_finite(value):
            raise _fail(where, f"a coordinate must be a finite number, got {value!r}")
    lon, lat = pos[0], pos[1]
    if not -180.0 <= lon <= 180.0:
        raise _fail(where, f"longitude {lon!r} is outside -180..180 (positions are [lon, lat])")
    if not -90.0 <= lat <= 90.0:
        raise _fail(
            where,
            f"latitude {lat!r} is outside -90..90 (positions are [lon, lat]; swapped?)",
        )


def _check_line(coords: Any, where: str) -> None:
    if not isinstance(coords, (list, tuple)) or len(coords) < 2:
        raise _fail(where, "a LineString needs at least two positions")
    for i, pos in enumerate(coords):
        _check_position(pos, f"{where}, position {i}")


def _check_polygon(rings: Any, where: str) -> None:
    if not isinstance(rings, (list, tuple)) or not rings:
        raise _fail(where, "a Polygon needs at least one ring")
    for r, ring in enumerate(rings):
        at = f"{where}, ring {r}"
        if not isinstance(ring, (list, tuple)) or len(ring) < 4:
            raise _fail(at, "a linear ring needs at least four positions")
        for i, pos in enumerate(ring):
            _check_position(pos, f"{at}, position {i}")
        if list(ring[0]) != list(ring[-1]):
            raise _fail(at, f"ring is not closed: first {ring[0]!r} != last {ring[-1]!r}")


def validate_geometry(geometry: Any, where: str = "geometry") -> None:
    """Raise :class:`ValidationError` unless *geometry* is a valid RFC 7946 geometry."""
    if not isinstance(geometry, Mapping):
        raise _fail(where, f"geometry must be an object, got {type(geometry).__name__}")
    kind = geometry.get("type")
    if not isinstance(kind, str) or kind not in GEOMETRY_TYPES:
        raise _fail(where, f"unknown geometry type: {kind!r}")
    coords = geometry.get("coordinates")
    if coords is None:
        raise _fail(where, f"{kind} has no coordinates")
    if kind == "Point":
        _check_position(coords, where)
    elif kind == "LineString":
        _check_line(coords, where)
    elif kind == "Polygon":
        _check_polygon(coords, where)
    else:
        if not isinstance(coords, (list, tuple)) or not coords:
            raise _fail(where, f"{kind} needs at least one member")
        check = {
            "MultiPoint": _check_position,
            "MultiLineString": _check_line,
            "MultiPolygon": _check_polygon,
        }[kind]
        for i, part in enumerate(coords):
            check(part, f"{where}, part {i}")


def _check_props(
    props: Mapping[str, Any], required: Mapping[str, type | tuple[type, ...]], where: str
) -> None:
    for key, typ in required.items():
        if key not in props:
            raise _fail(where, f"missing property {key!r}")
        value = props[key]
        if isinstance(value, bool) or not isinstance(value, typ):
            raise _fail(where, f"property {key!r} has the wrong type: {value!r}")
    if props["geo_precision"] not in GEO_PRECISIONS:
        raise _fail(where, f"geo_precision must be 1, 2 or 3, got {props['geo_precision']!r}")
    unc = props["uncertainty_km"]
    if not _is_finite(unc) or unc < 0:
        raise _fail(where, f"uncertainty_km must be a number >= 0, got {unc!r}")


def _parse_date(value: str, key: str, where: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as err:
        raise _fail(where, f"property {key!r} is not an ISO date (YYYY-MM-DD): {value!r}") from err


def validate_feature(feature: Any, where: str = "feature") -> None:
    """Raise :class:`ValidationError` unless *feature* is a valid place or event feature."""
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise _fail(where, "not a GeoJSON Feature (type must be 'Feature')")
    fid = feature.get("id")
    if fid is not None and not (
        isinstance(fid, str) or (isinstance(fid, (int, float)) and not isinstance(fid, bool) and _is_finite(fid))
    ):
        raise _fail(where, f"id must be a string or a number (RFC 7946), got {fid!r}")
    validate_geometry(feature.get("geometry"), f"{where}, geometry")
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        raise _fail(where, "properties must be an object")
    kind = props.get("feature_kind")
    if kind == "place":
        _check_props(props, PLACE_REQUIRED, where)
        alt = props.get("alternate_names", [])
        if not isinstance(alt, list) or not all(isinstance(a, str) for a in alt):
            raise _fail(where, f"alternate_names must be a list of strings, got {alt!r}")
        if props["kind"] not in PLACE_KINDS:
            raise _fail(where, f"unknown place kind {props['kind']!r}; use one of {sorted(PLACE_KINDS)}")
        population = props.get("population")
        if population is not None and (isinstance(population, bool) or not isinstance(population, int) or population < 0):
            raise _fail(where, f"population must be a whole number >= 0 or null, got {population!r}")
    elif kind == "event":
        _check_props(props, EVENT_REQUIRED, where)
        start = _parse_date(props["date_start"], "date_start", where)
        end = _parse_date(props["date_end"], "date_end", where)
        if end < start:
            raise _fail(where, f"date_end {props['date_end']!r} is before date_start {props['date_start']!r}")
        if props["time_precision"] not in TIME_PRECISIONS:
            raise _fail(where, f"time_precision must be one of {TIME_PRECISIONS}, got {props['time_precision']!r}")
        source = props["source"]
        for key in SOURCE_FIELDS:
            if key in source and source[key] is not None and not isinstance(source[key], str):
                raise _fail(where, f"source.{key} must be a string, got {source[key]!r}")
        actors = props.get("actors", [])
        if not isinstance(actors, list) or not all(isinstance(a, str) for a in actors):
            raise _fail(where, f"actors must be a list of strings, got {actors!r}")
        fatalities = props.get("fatalities")
        if fatalities is not None and (isinstance(fatalities, bool) or not isinstance(fatalities, int) or fatalities < 0):
            raise _fail(where, f"fatalities must be a whole number >= 0 or null, got {fatalities!r}")
    else:
        raise _fail(where, f"properties.feature_kind must be 'place' or 'event', got {kind!r}")


def validate_collection(obj: Any, *, source: str = "<memory>") -> dict[str, Any]:
    """Validate a FeatureCollection and return it; errors name *source* and the feature index."""
    if not isinstance(obj, Mapping) or obj.get("type") != "FeatureCollection":
        raise ValidationError(f"{source}: not a GeoJSON FeatureCollection")
    features = obj.get("features")
    if not isinstance(features, list):
        raise ValidationError(f"{source}: 'features' must be a list")
    seen: set[Any] = set()
    for i, feature in enumerate(features):
        try:
            # The place in the file is spelled out only for an error (100,000 features: 0.3 s).
            validate_feature(feature, _HERE)
        except ValidationError as err:
            raise ValidationError(str(err).replace(_HERE, f"{source}: feature {i}", 1)) from err.__cause__
        fid = feature.get("id")
        if fid is not None:
            if fid in seen:
                raise ValidationError(f"{source}: feature {i}: duplicate id {fid!r}")
            seen.add(fid)
    return dict(obj)


_HERE = "\x00feature"


def feature_collection(features: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Wrap *features* in a FeatureCollection (not validated; call validate_collection)."""
    return {"type": "FeatureCollection", "features": [dict(f) for f in features]}


def representative_lon_lat(geometry: Mapping[str, Any]) -> tuple[float, float]:
    """A ``(lon, lat)`` point to pin a geometry on: the point itself, a line's middle
    vertex, or the mean of a polygon's outer ring."""
    kind = geometry["type"]
    coords = geometry["coordinates"]
    if kind == "Point":
        return float(coords[0]), float(coords[1])
    if kind == "MultiPoint":
        return float(coords[0][0]), float(coords[0][1])
    if kind == "LineString":
        mid = coords[len(coords) // 2]
        return float(mid[0]), float(mid[1])
    if kind == "MultiLineString":
        return representative_lon_lat({"type": "LineString", "coordinates": coords[0]})
    ring = coords[0] if kind == "Polygon" else max(coords, key=lambda p: len(p[0]))[0]
    pts = ring[:-1] or ring
    return (
        sum(p[0] for p in pts) / len(pts),
        sum(p[1] for p in pts) / len(pts),
    )


def looks_swapped(geometry: Mapping[str, Any], bbox: tuple[float, float, float, float]) -> bool:
    """True if *geometry*'s representative point lies outside *bbox* (west, south, east, north)
    but would lie inside it with longitude and latitude swapped: ``[lat, lon]`` written where
    ``[lon, lat]`` belongs, which validation cannot catch while both numbers fit the ranges."""
    lon, lat = representative_lon_lat(geometry)
    west, south, east, north = bbox

    def inside(x: float, y: float) -> bool:
        return west <= x <= east and south <= y <= north

    return not inside(lon, lat) and inside(lat, lon)
