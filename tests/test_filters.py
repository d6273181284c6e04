"""Filtering events by a view, facets, timeline counts and ACLED-style rows, on the sample data."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from geo.filters import (
    ACLED_COLUMNS,
    acled_rows,
    choose_freq,
    event_features,
    facets,
    filter_events,
    find_feature,
    nearest_feature,
    period_of,
    timeline_counts,
)
from geo.model import validate_collection
from geo.share import ViewState

D = dt.date
SAMPLE = Path(__file__).parent / "fixtures" / "events_sample.geojson"


@pytest.fixture(scope="module")
def events() -> list[dict[str, Any]]:
    return event_features(validate_collection(json.loads(SAMPLE.read_text()), source=str(SAMPLE)))


CASES = [
    (ViewState(), 14),
    (ViewState(start=D(2023, 9, 19), end=D(2023, 9, 19)), 3),  # one day: a1-1 and a1-2 (2 places)
    (ViewState(start=D(2023, 7, 1), end=D(2023, 7, 1)), 1),  # inside the weeks-long blockade only
    (ViewState(start=D(2023, 7, 28), end=D(2023, 7, 28)), 1),  # its last day
    (ViewState(start=D(2023, 7, 29), end=D(2023, 9, 18)), 0),
    (ViewState(start=D(2023, 9, 29)), 3),  # open end; overlaps 09-28..09-30 at three places
    (ViewState(end=D(2022, 9, 13)), 2),  # open start; the first day
    (ViewState(event_types=("Battles",)), 4),
    (ViewState(event_types=("Battles", "Protests")), 6),
    (ViewState(actors=("Russian peacekeepers",)), 1),
    (ViewState(actors=("Protesters (Armenia)", "Russian peacekeepers")), 3),
    (ViewState(places=("Stepanakert",)), 4),
    (ViewState(query="SHELLING"), 1),  # case-insensitive, in the summary
    (ViewState(query="six weeks"), 1),  # in the quote
    (ViewState(query="<img src=x"), 2),  # one event at two heights
    (ViewState(query="nothing like this"), 0),
    (ViewState(precise_only=True), 9),
    (ViewState(event_types=("Battles",), precise_only=True), 2),
]


@pytest.mark.parametrize(("state", "expected"), CASES)
def test_filter_counts(events: list[dict[str, Any]], state: ViewState, expected: int) -> None:
    assert len(filter_events(events, state)) == expected


def test_filter_on_empty() -> None:
    assert filter_events([], ViewState(query="x")) == []
    f = facets([])
    assert (f.total, f.date_min, f.date_max, f.event_types) == (0, None, None, [])
    assert timeline_counts([]) == []
    assert acled_rows([]) == []


def test_facets(events: list[dict[str, Any]]) -> None:
    f = facets(events)
    assert f.total == 14
    assert (f.date_min, f.date_max) == (D(2022, 9, 13), D(2023, 9, 30))
    assert f.event_types[0] == ("Strategic developments", 5)
    assert dict(f.places)["Stepanakert"] == 4
    assert dict(f.actors)["Military Forces of Azerbaijan"] == 7


def test_timeline_counts(events: list[dict[str, Any]]) -> None:
    days = timeline_counts(events, freq="day")
    assert sum(r["count"] for r in days) == 14
    assert {"period": D(2023, 9, 19), "event_type": "Battles", "count": 2} in days
    weeks = timeline_counts(events, freq="week")
    assert all(r["period"].weekday() == 0 for r in weeks)
    assert sum(r["count"] for r in weeks) == 14
    assert period_of(D(2023, 9, 21), "week") == D(2023, 9, 18)
    with pytest.raises(ValueError, match="month"):
        period_of(D(2023, 9, 21), "month")
    assert choose_freq(D(2023, 1, 1), D(2023, 2, 1)) == "day"
    assert choose_freq(D(2022, 1, 1), D(2023, 2, 1)) == "week"


def test_acled_rows(events: list[dict[str, Any]]) -> None:
    rows = acled_rows(events)
    assert len(rows) == 14
    assert all(tuple(r) == ACLED_COLUMNS for r in rows)
    corridor = next(r for r in rows if r["location"] == "Lachin corridor")
    assert corridor["event_date"] == "2023-06-15"
    assert corridor["time_precision"] == 2
    assert "[dates: 2023-06-15 to 2023-07-28]" in corridor["notes"]
    assert corridor["geo_precision"] == 2
    clash = next(r for r in rows if r["location"] == "Shusha")
    assert (clash["actor1"], clash["actor2"]) == ("Military Forces of Azerbaijan", "Artsakh Defence Army")
    assert clash["fatalities"] == 4
    assert (clash["latitude"], clash["longitude"]) == (39.7583, 46.7483)
    assert clash["source"] == "Example Wire https://example.org/news/1"


def test_find_and_nearest(events: list[dict[str, Any]]) -> None:
    first = events[0]
    assert find_feature(events, first["id"]) is first
    assert find_feature(events, first["properties"]["event_id"]) is first
    assert find_feature(events, "missing") is None
    assert find_feature(events, None) is None
    hit = nearest_feature(events, 39.7583, 46.7483)
    assert hit is not None and hit["properties"]["place"] == "Shusha"
    assert nearest_feature(events, 10.0, 10.0) is None
