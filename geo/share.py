"""The dashboard's view <-> URL query parameters (the share link).

A :class:`ViewState` is everything a shared link reproduces: the date window, the filters, the
selected event, the map's centre and zoom and the basemap. :func:`to_query_params` writes only
what differs from the default view; :func:`from_query_params` reads a link back and never raises:
each parameter that is malformed, out of range, repeated or too long is dropped with a note in
words that the app shows to the user.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field

LIST_SEP = "|"
MAX_PARAM_CHARS = 2000
MAX_QUERY_CHARS = 200
MAX_LIST_ITEMS = 50
BASEMAPS = ("offline", "osm")
ZOOM_RANGE = (1, 18)
# Parameters Streamlit itself uses in its URLs; they are not ours and are left alone.
FOREIGN_PARAMS = frozenset({"embed", "embed_options"})

PARAMS = ("from", "to", "type", "actor", "place", "q", "precise", "event", "lat", "lon", "zoom", "basemap")
# The map's view: the map itself writes these into the page URL as the user pans and zooms.
MAP_VIEW_PARAMS = ("lat", "lon", "zoom")


@dataclass(frozen=True)
class ViewState:
    """What the dashboard shows; the default is everything, unselected, fitted to the data."""

    start: dt.date | None = None
    end: dt.date | None = None
    event_types: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    query: str = ""
    precise_only: bool = False
    selected_id: str | None = None
    lat: float | None = None
    lon: float | None = None
    zoom: int | None = None
    basemap: str = "offline"

    def replace(self, **changes: object) -> ViewState:
        """A copy with *changes* applied."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Bounds:
    """What a link may ask for: the data's date span and, when known, the values of each facet."""

    date_min: dt.date | None = None
    date_max: dt.date | None = None
    event_types: frozenset[str] | None = None
    actors: frozenset[str] | None = None
    places: frozenset[str] | None = None
    ids: frozenset[str] | None = field(default=None, repr=False)


def _fmt_float(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def to_query_params(state: ViewState) -> dict[str, str]:
    """The query parameters of *state*, defaults left out (so a default view has a bare URL)."""
    out: dict[str, str] = {}
    if state.start is not None:
        out["from"] = state.start.isoformat()
    if state.end is not None:
        out["to"] = state.end.isoformat()
    for key, values in (("type", state.event_types), ("actor", state.actors), ("place", state.places)):
        if values:
            out[key] = LIST_SEP.join(values)
    if state.query:
        out["q"] = state.query
    if state.precise_only:
        out["precise"] = "1"
    if state.selected_id:
        out["event"] = state.selected_id
    if state.lat is not None and state.lon is not None:
        out["lat"] = _fmt_float(state.lat)
        out["lon"] = _fmt_float(state.lon)
    if state.zoom is not None:
        out["zoom"] = str(state.zoom)
    if state.basemap != "offline":
        out["basemap"] = state.basemap
    return out


def _short(value: str, limit: int = 40) -> str:
    return repr(value if len(value) <= limit else value[:limit] + "...")


def _single(params: Mapping[str, object], key: str, notes: list[str]) -> str | None:
    raw = params.get(key)
    if raw is None:
        return None
    if isinstance(raw, (list, tuple)):
        values = [str(v) for v in raw]
        if len(values) != 1:
            if values:
                notes.append(f"The link gives '{key}' {len(values)} times; it was ignored.")
            return None
        raw = values[0]
    value = str(raw)
    if len(value) > MAX_PARAM_CHARS:
        notes.append(f"The link's '{key}' is {len(value):,} characters long; it was ignored.")
        return None
    return value


def _date(value: str, key: str, bounds: Bounds, notes: list[str]) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        notes.append(f"The link's '{key}' {_short(value)} is not a date (YYYY-MM-DD); it was ignored.")
        return None
    if (bounds.date_min and day < bounds.date_min) or (bounds.date_max and day > bounds.date_max):
        notes.append(
            f"The link's '{key}' {day.isoformat()} is outside the data "
            f"({bounds.date_min} to {bounds.date_max}); it was ignored."
        )
        return None
    return day


def _list(value: str, key: str, known: frozenset[str] | None, notes: list[str]) -> tuple[str, ...]:
    items = [v.strip() for v in value.split(LIST_SEP) if v.strip()]
    if len(items) > MAX_LIST_ITEMS:
        notes.append(f"The link's '{key}' lists {len(items)} values (at most {MAX_LIST_ITEMS}); it was ignored.")
        return ()
    kept: list[str] = []
    for item in dict.fromkeys(items):
        if known is not None and item not in known:
            notes.append(f"The link's '{key}' value {_short(item)} is not in the data; it was ignored.")
        else:
            kept.append(item)
    return tuple(kept)


def _number(value: str, key: str, lo: float, hi: float, notes: list[str]) -> float | None:
    try:
        number = float(value)
    except ValueError:
        notes.append(f"The link's '{key}' {_short(value)} is not a number; it was ignored.")
        return None
    if not math.isfinite(number) or not lo <= number <= hi:
        notes.append(f"The link's '{key}' {_short(value)} is outside {lo:g}..{hi:g}; it was ignored.")
        return None
    return number


def from_query_params(
    params: Mapping[str, object], *, bounds: Bounds | None = None
) -> tuple[ViewState, list[str]]:
    """Read a view from query parameters; return it with a note for every parameter dropped.

    *params* maps names to a string or a list of strings (a repeated parameter). Never raises.
    """
    bounds = bounds or Bounds()
    notes: list[str] = []
    got: dict[str, str] = {}
    for key in params:
        if key in FOREIGN_PARAMS:
            continue
        if key not in PARAMS:
            notes.append(f"The link's parameter {_short(str(key))} is not known; it was ignored.")
            continue
        value = _single(params, key, notes)
        if value is not None:
            got[key] = value

    changes: dict[str, object] = {}
    start = _date(got["from"], "from", bounds, notes) if "from" in got else None
    end = _date(got["to"], "to", bounds, notes) if "to" in got else None
    if start and end and start > end:
        notes.append(f"The link's date window {start} to {end} ends before it starts; it was ignored.")
        start = end = None
    changes.update(start=start, end=end)
    for key, attr, known in (
        ("type", "event_types", bounds.event_types),
        ("actor", "actors", bounds.actors),
        ("place", "places", bounds.places),
    ):
        if key in got:
            changes[attr] = _list(got[key], key, known, notes)
    if "q" in got:
        if len(got["q"]) > MAX_QUERY_CHARS:
            notes.append(f"The link's search text is {len(got['q']):,} characters (at most {MAX_QUERY_CHARS}); it was ignored.")
        else:
            changes["query"] = got["q"].strip()
    if "precise" in got:
        if got["precise"] in ("1", "true", "0", "false"):
            changes["precise_only"] = got["precise"] in ("1", "true")
        else:
            notes.append(f"The link's 'precise' {_short(got['precise'])} is not 1 or 0; it was ignored.")
    if "event" in got:
        sel = got["event"].strip()
        if not sel or len(sel) > 200 or (bounds.ids is not None and sel not in bounds.ids):
            notes.append(f"The link's event {_short(sel)} is not in the data; it was ignored.")
        else:
            changes["selected_id"] = sel
    lat = _number(got["lat"], "lat", -90, 90, notes) if "lat" in got else None
    lon = _number(got["lon"], "lon", -180, 180, notes) if "lon" in got else None
    if ("lat" in got) != ("lon" in got):
        notes.append("The link gives only one of 'lat' and 'lon'; the centre was ignored.")
    if lat is not None and lon is not None:
        changes.update(lat=lat, lon=lon)
    if "zoom" in got:
        zoom = _number(got["zoom"], "zoom", *ZOOM_RANGE, notes)
        if zoom is not None:
            if zoom != int(zoom):
                notes.append(f"The link's 'zoom' {_short(got['zoom'])} is not a whole number; it was ignored.")
            else:
                changes["zoom"] = int(zoom)
    if "basemap" in got:
        if got["basemap"] in BASEMAPS:
            changes["basemap"] = got["basemap"]
        else:
            notes.append(f"The link's basemap {_short(got['basemap'])} is not one of {', '.join(BASEMAPS)}; it was ignored.")
    return ViewState(**changes), notes  # type: ignore[arg-type]


def map_view(params: Mapping[str, object]) -> tuple[float | None, float | None, int | None]:
    """``(lat, lon, zoom)`` of *params* (only :data:`MAP_VIEW_PARAMS` are read), each validated as
    in :func:`from_query_params`: None where missing or not valid (a centre needs both)."""
    view, _notes = from_query_params({k: params[k] for k in MAP_VIEW_PARAMS if k in params})
    return view.lat, view.lon, view.zoom


def map_view_text(text: str) -> tuple[float | None, float | None, int | None]:
    """:func:`map_view` of a query string such as ``lat=39.8&lon=46.7&zoom=9``."""
    from urllib.parse import parse_qs

    if not isinstance(text, str) or len(text) > MAX_PARAM_CHARS:
        return None, None, None
    return map_view(parse_qs(text.lstrip("?"), keep_blank_values=True))


def share_url(base_url: str, state: ViewState) -> str:
    """*base_url* (the app's address, without a query) with *state* as its query."""
    from urllib.parse import urlencode, urlsplit

    if base_url and not urlsplit(base_url).path:
        base_url += "/"
    query = urlencode(to_query_params(state))
    return f"{base_url}?{query}" if query else base_url

