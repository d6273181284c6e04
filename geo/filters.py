"""The dashboard's filtering of event features by a :class:`~geo.share.ViewState`.

Pure functions over lists of event features (GeoJSON dicts): :func:`filter_events`, the facet
values with their counts (:func:`facets`), the counts per day or week for the timeline
(:func:`timeline_counts`) and the ACLED-style rows of the table and CSV download
(:func:`acled_rows`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter
from typing import Any

from geo.model import representative_lon_lat
from geo.share import ViewState

Feature = Mapping[str, Any]

ACLED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "time_precision",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "notes",
    "fatalities",
)
# ACLED's time_precision: 1 the day is known, 2 the week (or a few days), 3 only the month or longer.
TIME_PRECISION_CODES = {"day": 1, "week": 2, "month": 3, "year": 3}


def event_features(collection_or_features: Mapping[str, Any] | Iterable[Feature]) -> list[Feature]:
    """The event features of a FeatureCollection or a list of features."""
    if isinstance(collection_or_features, Mapping):
        features: Iterable[Feature] = collection_or_features.get("features", [])
    else:
        features = collection_or_features
    return [f for f in features if f.get("properties", {}).get("feature_kind") == "event"]


def _text(props: Mapping[str, Any]) -> str:
    return f"{props.get('summary', '')}\n{props.get('quote', '')}".casefold()


def filter_events(events: Sequence[Feature], state: ViewState) -> list[Feature]:
    """The events that *state* shows.

    An event shows when its date range overlaps the window ``[state.start, state.end]`` (either
    end open), its type is among ``state.event_types``, one of its actors among ``state.actors``,
    its place (name) among ``state.places`` (an empty selection means all), the search text
    occurs in its summary or quote (case-insensitive), and, with ``precise_only``, when its
    ``geo_precision`` is 1.
    """
    start = state.start.isoformat() if state.start else None
    end = state.end.isoformat() if state.end else None
    types = set(state.event_types)
    actors = set(state.actors)
    places = set(state.places)
    needle = state.query.casefold().strip()
    out: list[Feature] = []
    for feature in events:
        props = feature["properties"]
        # ISO dates compare correctly as strings.
        if end is not None and props["date_start"] > end:
            continue
        if start is not None and props["date_end"] < start:
            continue
        if types and props["event_type"] not in types:
            continue
        if actors and not actors.intersection(props.get("actors") or ()):
            continue
        if places and props["place"] not in places:
            continue
        if state.precise_only and props["geo_precision"] != 1:
            continue
        if needle and needle not in _text(props):
            continue
        out.append(feature)
    return out


@dataclass(frozen=True)
class Facets:
    """The values a filter can take, most frequent first, and the data's date span."""

    event_types: list[tuple[str, int]]
    actors: list[tuple[str, int]]
    places: list[tuple[str, int]]
    date_min: dt.date | None
    date_max: dt.date | None
    total: int


def facets(events: Sequence[Feature]) -> Facets:
    """Count the event types, actors and places of *events* and find their date span."""
    # Counted in C, a pass each (Counter over itemgetters).
    props = [feature["properties"] for feature in events]
    types: Counter[str] = Counter(map(itemgetter("event_type"), props))
    actors: Counter[str] = Counter(chain.from_iterable(p.get("actors") or () for p in props))
    places: Counter[str] = Counter(map(itemgetter("place"), props))
    lo = min(map(itemgetter("date_start"), props), default=None)
    hi = max(map(itemgetter("date_end"), props), default=None)

    def ranked(counter: Counter[str]) -> list[tuple[str, int]]:
        return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))

    return Facets(
        event_types=ranked(types),
        actors=ranked(actors),
        places=ranked(places),
        date_min=dt.date.fromisoformat(lo) if lo else None,
        date_max=dt.date.fromisoformat(hi) if hi else None,
        total=len(events),
    )


def period_of(day: dt.date, freq: str) -> dt.date:
    """The first day of *day*'s period: itself for ``day``, the Monday for ``week``."""
    if freq == "day":
        return day
    if freq == "week":
        return day - dt.timedelta(days=day.weekday())
    raise ValueError(f"freq must be 'day' or 'week', got {freq!r}")


def choose_freq(date_min: dt.date | None, date_max: dt.date | None, *, max_bars: int = 120) -> str:
    """``day`` when the span fits in *max_bars* days, else ``week``."""
    if date_min is None or date_max is None:
        return "day"
    return "day" if (date_max - date_min).days < max_bars else "week"


def timeline_counts(events: Sequence[Feature], *, freq: str = "day") -> list[dict[str, Any]]:
    """Events per period (by ``date_start``) and event type, sorted: rows of
    ``{"period": date, "event_type": str, "count": int}`` for an Altair bar chart."""
    by_day: Counter[tuple[str, str]] = Counter(
        (f["properties"]["date_start"], f["properties"]["event_type"]) for f in events
    )
    counts: Counter[tuple[dt.date, str]] = Counter()
    periods: dict[str, dt.date] = {}
    for (day, etype), n in by_day.items():
        period = periods.get(day)
        if period is None:
            period = periods[day] = period_of(dt.date.fromisoformat(day), freq)
        counts[(period, etype)] += n
    return [
        {"period": period, "event_type": etype, "count": n}
        for (period, etype), n in sorted(counts.items())
    ]


def _date_label(props: Mapping[str, Any]) -> str:
    start, end = props["date_start"], props["date_end"]
    return start if start == end else f"{start} to {end}"


def acled_rows(events: Sequence[Feature]) -> list[dict[str, Any]]:
    """One ACLED-style row per event feature (see :data:`ACLED_COLUMNS`).

    ``event_date`` is the start of the range; a range shows in ``notes`` and in a coarser
    ``time_precision``. ``source`` is the outlet and the article's URL.
    """
    return [acled_row(feature) for feature in events]


class AcledTable:
    """The ACLED rows of read-only features, each built once and kept (the dashboard's table,
    rerun after rerun): :meth:`columns` gives the table of some of them column by column."""

    def __init__(self) -> None:
        self._rows: dict[int, tuple[Feature, tuple[Any, ...]]] = {}

    def columns(self, events: Sequence[Feature]) -> dict[str, list[Any]]:
        """``{column: values}`` for *events*, in :data:`ACLED_COLUMNS` order (as :func:`acled_rows`)."""
        memo = self._rows
        rows = []
        for feature in events:
            hit = memo.get(id(feature))
            if hit is None or hit[0] is not feature:
                row = acled_row(feature)
                hit = memo[id(feature)] = (feature, tuple(row[c] for c in ACLED_COLUMNS))
            rows.append(hit[1])
        values = list(zip(*rows, strict=True)) if rows else [() for _ in ACLED_COLUMNS]
        return {column: list(col) for column, col in zip(ACLED_COLUMNS, values, strict=True)}


def acled_row(feature: Feature) -> dict[str, Any]:
    """The ACLED-style row of one event feature (see :func:`acled_rows`)."""
    props = feature["properties"]
    lon, lat = representative_lon_lat(feature["geometry"])
    actors = list(props.get("actors") or [])
    src = props.get("source") or {}
    source = " ".join(str(src.get(k) or "") for k in ("outlet", "url")).strip()
    notes = props["summary"]
    if props["date_start"] != props["date_end"]:
        notes = f"{notes} [dates: {_date_label(props)}]"
    return {
        "event_id_cnty": props["event_id"],
        "event_date": props["date_start"],
        "time_precision": TIME_PRECISION_CODES.get(props["time_precision"], 3)
        if props["date_start"] == props["date_end"]
        else max(2, TIME_PRECISION_CODES.get(props["time_precision"], 3)),
        "event_type": props["event_type"],
        "sub_event_type": props["sub_event_type"],
        "actor1": actors[0] if actors else "",
        "actor2": actors[1] if len(actors) > 1 else "",
        "location": props["place"],
        "latitude": round(lat, 5),
        "longitude": round(lon, 5),
        "geo_precision": props["geo_precision"],
        "source": source,
        "notes": notes,
        "fatalities": props.get("fatalities"),
    }


def find_feature(events: Sequence[Feature], feature_id: str | None) -> Feature | None:
    """The feature whose ``id`` (or else ``event_id``) is *feature_id*, or None."""
    if not feature_id:
        return None
    for feature in events:
        if feature.get("id") == feature_id:
            return feature
    for feature in events:
        if feature["properties"].get("event_id") == feature_id:
            return feature
    return None


def nearest_feature(events: Sequence[Feature], lat: float, lon: float, *, max_deg: float = 0.05) -> Feature | None:
    """The event whose map point is nearest to (*lat*, *lon*) within *max_deg* degrees (a map click)."""
    best: Feature | None = None
    best_d = max_deg * max_deg
    for feature in events:
        f_lon, f_lat = representative_lon_lat(feature["geometry"])
        d = (f_lat - lat) ** 2 + (f_lon - lon) ** 2
        if d <= best_d:
            best, best_d = feature, d
    return best
