"""Property-based tests: for any input, the library returns valid output or raises a GeoError.

Never another exception (a TypeError, an OverflowError, a RecursionError ...): those are crashes
the dashboard would show as a traceback. Inputs come from hypothesis; each property counts the
inputs it tried into the hardening tally (see ``scripts/hardening_report.py``).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from hardening_tally import record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo.errors import GeoError, ValidationError
from geo.model import validate_collection

FIXTURES = Path(__file__).parent / "fixtures"
SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# JSON-ish values: everything json.loads can produce, plus the numbers it accepts by default
# (NaN, Infinity, integers far beyond a float).
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=10**308, max_value=10**400)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)


def _sample_features() -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for name in ("events_sample.geojson", "places_sample.geojson"):
        out.extend(json.loads((FIXTURES / name).read_text(encoding="utf-8"))["features"])
    return out


SAMPLES = _sample_features()


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path (keys / indexes) into a JSON tree, the root excluded."""
    out: list[tuple[Any, ...]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            out.append((*prefix, key))
            out.extend(_paths(value, (*prefix, key)))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out.append((*prefix, i))
            out.extend(_paths(value, (*prefix, i)))
    return out


@st.composite
def mutated_collections(draw: st.DrawFn) -> dict[str, Any]:
    """A valid collection of sample features with a few values replaced, deleted or duplicated.

    Starting from valid data reaches the deep branches of the validator (dates, sources,
    rings) that purely random JSON never gets past the first check to see.
    """
    n = draw(st.integers(min_value=1, max_value=3))
    features = [copy.deepcopy(draw(st.sampled_from(SAMPLES))) for _ in range(n)]
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        paths = _paths(collection)
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent: Any = collection
        for key in path[:-1]:
            parent = parent[key]
        action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
        if action == "replace":
            parent[path[-1]] = draw(json_values)
        elif action == "delete":
            del parent[path[-1]]
        elif isinstance(parent, list):
            parent.append(copy.deepcopy(parent[path[-1]]))
    return collection


def _check_validator(obj: Any) -> None:
    try:
        out = validate_collection(obj, source="prop.geojson")
    except ValidationError as err:
        assert "prop.geojson" in str(err), f"error does not name the source: {err}"
        return
    assert out["type"] == "FeatureCollection"
    validate_collection(out)  # what it accepts, it accepts again
    json.dumps(out)  # and it can be written back


@SETTINGS
@given(json_values)
def test_validate_collection_any_json(obj: Any) -> None:
    record("property-based")
    _check_validator(obj)


@SETTINGS
@given(st.lists(json_values, max_size=4))
def test_validate_collection_any_features(features: list[Any]) -> None:
    record("property-based")
    _check_validator({"type": "FeatureCollection", "features": features})


@SETTINGS
@given(mutated_collections())
def test_validate_collection_mutated_samples(collection: dict[str, Any]) -> None:
    record("property-based")
    _check_validator(collection)


json_numbers = (
    st.integers()
    | st.integers(min_value=10**300, max_value=10**1000)
    | st.integers(min_value=-(10**1000), max_value=-(10**300))
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.booleans()
)
NUMERIC_FIELDS = ("lon", "lat", "uncertainty_km", "geo_precision", "fatalities", "population")


@SETTINGS
@given(st.sampled_from(SAMPLES), st.sampled_from(NUMERIC_FIELDS), json_numbers)
def test_validate_collection_any_number(sample: dict[str, Any], field: str, value: Any) -> None:
    """Any number where the contract expects one: NaN, infinities, integers beyond a float."""
    record("property-based")
    feature = copy.deepcopy(sample)
    if field in ("lon", "lat"):
        geometry = feature["geometry"]
        position = geometry["coordinates"]
        while isinstance(position[0], list):  # the first position of a line or polygon
            position = position[0]
        position[0 if field == "lon" else 1] = value
    else:
        feature["properties"][field] = value
    _check_validator({"type": "FeatureCollection", "features": [feature]})


@SETTINGS
@given(st.sampled_from(SAMPLES), json_values)
def test_validate_collection_any_id(sample: dict[str, Any], fid: Any) -> None:
    """Any value as a feature id, twice in one collection."""
    record("property-based")
    first, second = copy.deepcopy(sample), copy.deepcopy(sample)
    first["id"] = fid
    second["id"] = copy.deepcopy(fid)
    _check_validator({"type": "FeatureCollection", "features": [first]})
    try:
        validate_collection({"type": "FeatureCollection", "features": [first, second]})
    except ValidationError:
        return
    assert fid is None, f"two features with the same id {fid!r} were accepted"


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda f: str(f.get("id")))
def test_samples_are_valid(sample: dict[str, Any]) -> None:
    """The starting points of the mutations are valid, so a mutation is what breaks them."""
    validate_collection({"type": "FeatureCollection", "features": [sample]})


def test_geo_errors_only() -> None:
    """ValidationError is a GeoError (the property above catches only ValidationError)."""
    assert issubclass(ValidationError, GeoError)


# -- the date resolver -------------------------------------------------------------------------

DATE_WORDS = [
    "on", "in", "the", "of", "from", "to", "between", "and", "until", "since", "last", "next", "this",
    "early", "late", "mid", "end", "beginning", "summer", "winter", "spring", "autumn", "fall",
    "day", "days", "week", "weeks", "month", "months", "year", "years", "ago", "for", "past",
    "yesterday", "today", "tomorrow", "tonight", "night", "morning", "hours", "same", "following",
    "previous", "before", "after", "will", "scheduled", "January", "February", "Feb.", "Sept.",
    "August", "December", "Dec", "Monday", "Friday", "Sunday", "the 2020 war", "collapse of the USSR",
    "first Karabakh war", "four-day war", "-", "–", ",", ".", "[", "]", ":", "/", "\n",
    "0", "00", "1", "1st", "29", "29th", "30", "31", "32", "99", "1800", "1899", "1900", "1991", "2020",
    "2099", "0000", "9999", "10000", "99999", "999999999", "9" * 30, "31.12.2099", "2020-02-30",
    "2099-12-31", "1900-01-01", "29.02.2021", "00.00.2000",
]
date_texts = st.lists(st.sampled_from(DATE_WORDS), max_size=25).map(" ".join) | st.text(max_size=200)
published_dates = (
    st.dates()
    | st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
    | st.sampled_from([dt.date.min, dt.date.max, dt.date(9999, 12, 25), dt.date(1, 1, 3)])
    | st.text(max_size=12)
    | st.sampled_from(["2023-09-19", "2023-09-19T10:00:00+04:00", "", "0001-01-01", "9999-12-31", "2023-02-29"])
)


def _check_dates(found: list[Any], text: str) -> None:
    for d in found:
        assert d.date_start <= d.date_end, d
        assert d.time_precision in ("day", "week", "month", "year"), d
        assert 0 <= d.start_char <= d.end_char <= len(text), d
        assert text[d.start_char : d.end_char] == d.text, d
        d.as_dict()


@SETTINGS
@given(date_texts, published_dates, st.none() | st.integers(min_value=-(10**6), max_value=10**6))
def test_find_dates_any_text(text: str, published: Any, context_year: int | None) -> None:
    dates = pytest.importorskip("geo.dates")
    record("property-based")
    try:
        found = dates.find_dates(text, published, context_year=context_year)
    except GeoError:
        return
    _check_dates(found, text)
    try:
        first = dates.resolve_date(text, published, context_year=context_year)
    except GeoError:
        return
    assert (first is None) == (not found)


# -- folding of names and the gazetteer ---------------------------------------------------------

NAME_PIECES = [
    "Lachin", "Laçın", "Лачин", "Լաչին", "Qırxqız", "Girkhgyz", "Stepanakert", "Xankəndi", "Shusha",
    "Şuşa", "Nagorno-Karabakh", "Lachin corridor", "heights of", "region", "district", "ridge",
    "İ", "ı", "ß", "ǅ", "ﬁ", "Ⅻ", "\u0307", "\u0301", "\u200f", "\u202e", "\u200d", "\ufeff", "\x00",
    "'", "’", "ʼ", "`", "-", "‑", "—", " ", "\t", "\n", "\u00a0", "s", "'s", "’s", "Ո", "ու", "Ու",
    "ᲑᲐ", "ლაჩინი", "لاچین", "😀", "\U0010ffff", "Ǆ", "ǈ", "ΣΑΣ", "dzh", "tch", "yy",
]
names = st.lists(st.sampled_from(NAME_PIECES), max_size=12).map("".join) | st.text(max_size=60)
texts = st.lists(st.sampled_from(NAME_PIECES) | st.text(max_size=8), max_size=40).map(" ".join) | st.text(max_size=300)


@SETTINGS
@given(names)
def test_fold_any_name(name: str) -> None:
    from geo.names import fold, fold_word, is_capitalized

    record("property-based")
    try:
        key = fold(name)
        again = fold(name)
        fold_word(name)
        is_capitalized(name)
    except GeoError:
        return
    assert isinstance(key, str) and key == again
    assert key == key.lower() and key.isascii(), key


@SETTINGS
@given(texts)
def test_tokens_any_text(text: str) -> None:
    from geo.names import tokens

    record("property-based")
    try:
        found = tokens(text)
    except GeoError:
        return
    last_end = 0
    for start, end, key in found:
        assert last_end <= start < end <= len(text)
        assert key
        last_end = end


@pytest.fixture(scope="module")
def gazetteer() -> Any:
    from geo.gazetteer import load_gazetteer

    return load_gazetteer()


@SETTINGS
@given(names, st.none() | st.sampled_from(["settlement", "region", "road", "height", "district"]) | st.text(max_size=10))
def test_gazetteer_lookup_any_name(gazetteer: Any, name: str, kind: str | None) -> None:
    record("property-based")
    try:
        found = gazetteer.lookup(name, kind=kind)
        best = gazetteer.resolve(name, kind=kind)
    except GeoError:
        return
    assert (best is None) == (not found)
    for place in found:
        lon, lat = place.lon_lat  # every candidate has a point to pin
        assert -180 <= lon <= 180 and -90 <= lat <= 90


@SETTINGS
@given(texts)
def test_gazetteer_scan_any_text(gazetteer: Any, text: str) -> None:
    record("property-based")
    try:
        hits = gazetteer.scan(text)
    except GeoError:
        return
    last_end = 0
    for hit in hits:
        assert last_end <= hit.start < hit.end <= len(text)
        assert text[hit.start : hit.end] == hit.text
        assert hit.candidates
        last_end = hit.end
