"""The GeoJSON contract: what :func:`geo.model.validate_collection` accepts and refuses."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from geo.errors import ValidationError
from geo.model import (
    feature_collection,
    representative_lon_lat,
    validate_collection,
    validate_feature,
    validate_geometry,
)


def place(**props: Any) -> dict[str, Any]:
    base = {
        "feature_kind": "place", "place_id": "curated:test", "name": "Test", "kind": "settlement",
        "geo_precision": 1, "uncertainty_km": 1.0, "source": "curated:test",
    }
    base.update(props)
    return {"type": "Feature", "id": base["place_id"], "geometry": {"type": "Point", "coordinates": [46.55, 39.64]},
            "properties": base}


def event(**props: Any) -> dict[str, Any]:
    base = {
        "feature_kind": "event", "event_id": "abc-1", "event_type": "Battles", "sub_event_type": "Armed clash",
        "date_start": "2022-08-26", "date_end": "2022-08-26", "time_precision": "day", "summary": "s",
        "quote": "q", "place": "Lachin", "place_id": "geonames:147625", "mention": "Lachin",
        "geo_precision": 1, "uncertainty_km": 1.0,
        "source": {"title": "t", "url": "https://example.org/a", "outlet": "o", "published": "2022-08-26"},
    }
    base.update(props)
    return {"type": "Feature", "id": "abc-1@geonames:147625",
            "geometry": {"type": "Point", "coordinates": [46.55, 39.64]}, "properties": base}


def test_valid_place_and_event_pass() -> None:
    out = validate_collection(feature_collection([place(), event()]), source="ok.geojson")
    assert len(out["features"]) == 2


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ({"type": "Point", "coordinates": [39.64, 146.55]}, "latitude 146.55"),  # swapped and out of range
        ({"type": "Point", "coordinates": [200.0, 39.6]}, "longitude 200.0"),
        ({"type": "Point", "coordinates": [46.5]}, "[lon, lat]"),
        ({"type": "Point", "coordinates": ["46.5", 39.6]}, "finite number"),
        ({"type": "Point", "coordinates": [float("nan"), 39.6]}, "finite number"),
        ({"type": "Point"}, "no coordinates"),
        ({"type": "Circle", "coordinates": [46.5, 39.6]}, "unknown geometry type: 'Circle'"),
        ({"type": "LineString", "coordinates": [[46.5, 39.6]]}, "at least two positions"),
        ({"type": "Polygon", "coordinates": [[[46, 39], [47, 39], [47, 40], [46, 40]]]}, "not closed"),
        ({"type": "Polygon", "coordinates": [[[46, 39], [47, 39], [46, 39]]]}, "at least four positions"),
        ({"type": "MultiPolygon", "coordinates": []}, "at least one member"),
        ("POINT (46 39)", "must be an object"),
    ],
)
def test_bad_geometry_is_refused_with_the_reason(geometry: Any, message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("[", r"\[").replace("(", r"\(")):
        validate_geometry(geometry)


@pytest.mark.parametrize("key", ["place_id", "name", "kind", "geo_precision", "uncertainty_km", "source"])
def test_missing_place_property_is_named(key: str) -> None:
    feature = place()
    del feature["properties"][key]
    with pytest.raises(ValidationError, match=f"missing property '{key}'"):
        validate_feature(feature)


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"geo_precision": 4}, "geo_precision must be 1, 2 or 3"),
        ({"geo_precision": True}, "wrong type"),
        ({"uncertainty_km": -1}, "uncertainty_km must be a number >= 0"),
        ({"alternate_names": "Laçın"}, "alternate_names must be a list"),
        ({"feature_kind": "thing"}, "feature_kind must be 'place' or 'event'"),
    ],
)
def test_bad_place_properties(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_feature(place(**props))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"date_end": "2022-08-01"}, "before date_start"),
        ({"date_start": "26/08/2022"}, "not an ISO date"),
        ({"time_precision": "hour"}, "time_precision"),
        ({"fatalities": -2}, "fatalities"),
        ({"actors": "Azerbaijan"}, "actors"),
        ({"source": {"url": 5}}, "source.url"),
    ],
)
def test_bad_event_properties(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        validate_feature(event(**props))


def test_error_names_the_file_and_the_feature_index() -> None:
    features = [place(), place(place_id="curated:b"), place(place_id="curated:c")]
    features[2]["geometry"]["coordinates"] = [39.64, 146.55]
    with pytest.raises(ValidationError, match=r"^events\.geojson: feature 2, geometry: latitude"):
        validate_collection(feature_collection(features), source="events.geojson")


def test_duplicate_ids_are_refused() -> None:
    a, b = place(), place()
    with pytest.raises(ValidationError, match=r"x\.geojson: feature 1: duplicate id 'curated:test'"):
        validate_collection(feature_collection([a, b]), source="x.geojson")


@pytest.mark.parametrize(
    "obj",
    [None, [], {}, {"type": "Feature"}, {"type": "FeatureCollection"}, {"type": "FeatureCollection", "features": {}}],
)
def test_not_a_collection(obj: Any) -> None:
    with pytest.raises(ValidationError, match="broken.json"):
        validate_collection(obj, source="broken.json")


def test_empty_collection_is_valid() -> None:
    assert validate_collection(feature_collection([]))["features"] == []


def test_validation_does_not_change_its_input() -> None:
    fc = feature_collection([place(), event()])
    before = copy.deepcopy(fc)
    validate_collection(fc)
    assert fc == before


@pytest.mark.parametrize(
    ("geometry", "lon_lat"),
    [
        ({"type": "Point", "coordinates": [46.5, 39.6]}, (46.5, 39.6)),
        ({"type": "LineString", "coordinates": [[46.0, 39.0], [46.5, 39.5], [47.0, 40.0]]}, (46.5, 39.5)),
        ({"type": "Polygon", "coordinates": [[[46, 39], [47, 39], [47, 40], [46, 40], [46, 39]]]}, (46.5, 39.5)),
    ],
)
def test_representative_point(geometry: dict[str, Any], lon_lat: tuple[float, float]) -> None:
    assert representative_lon_lat(geometry) == pytest.approx(lon_lat)
