"""The dashboard: `streamlit run app.py` (pages: "Dashboard" and "Add an article").

A thin shell over `geo/`: it loads the data folder through cached `geo.store` reads, keeps the
view (filters, date window, selection, map centre and zoom) in the URL's query parameters through
`geo.share`, filters with `geo.filters` and draws the map with `geo.mapview`. Functions take
their inputs as arguments.

The map's centre and zoom follow the user's pans with no rerun: the map writes them into the
page URL itself and stages them in a hidden text input (``on_change="ignore"``) that this script
reads on its next run (Streamlit sends the query string it last set, not the one in the address
bar, so the URL alone would not carry them back).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import html
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit_folium import st_folium

from geo import assets, filters, mapview, share, store, timeline
from geo.errors import GeoError
from geo.share import ViewState

APP_DIR = Path(__file__).resolve().parent
PLACE_OPTIONS = 300  # places listed in the Place filter (others can be typed)
TABLE_PAGE_ROWS = 1000  # rows sent to the browser at once (5,000 cost about 0.3 s of a first visit)
MAP_HEIGHT = 560
WIDGET_KEYS = ("f_types", "f_actors", "f_places", "f_query", "f_precise", "f_window", "f_basemap")
BASEMAP_LABELS = {"offline": "Offline borders (no network)", "osm": "OpenStreetMap tiles (online)"}


# ---------------------------------------------------------------- data (cached on file content)


def file_stamp(path: Path) -> tuple[int, int]:
    """(mtime in ns, size) of *path*, (0, 0) when missing: the cache key of its content."""
    try:
        st_ = path.stat()
    except OSError:
        return (0, 0)
    return (st_.st_mtime_ns, st_.st_size)


@st.cache_resource(show_spinner=False, max_entries=4)
def load_collection(path: str, stamp: tuple[int, int]) -> tuple[dict[str, Any], list[str]]:
    """The valid features of *path* and a message per feature left out (read-only, shared;
    re-read when *stamp* changes). The key ``""`` is no file: an empty collection."""
    if not path:
        return store.feature_collection([]), []
    # The data is read-only from here on: the new objects go straight to the garbage
    # collector's permanent generation, so that neither re-enabling it after the read (about
    # 0.3 s at 100,000 events) nor any rerun walks them (a full collection over 100,000
    # features costs about a second).
    gc.disable()
    try:
        return store.read_readable(path)
    finally:
        gc.freeze()
        gc.enable()


@st.cache_resource(show_spinner=False, max_entries=4)
def load_events(path: str, stamp: tuple[int, int]) -> tuple[list[dict[str, Any]], filters.Facets, mapview.Extent]:
    """The event features of *path*, their facets and their extent on the map."""
    events = filters.event_features(load_collection(path, stamp)[0])  # frozen for the GC there
    return events, filters.facets(events), mapview.data_extent(events)


@st.cache_data(show_spinner=False, max_entries=64)
def timeline_rows(events_key: tuple[str, tuple[int, int]], view: ViewState, freq: str) -> list[dict[str, Any]]:
    """Events per period and type for the view's filters other than the date window (cached:
    moving the slider does not change them)."""
    events = load_events(*events_key)[0]
    return filters.timeline_counts(filters.filter_events(events, view.replace(start=None, end=None)), freq=freq)


@st.cache_resource(show_spinner=False, max_entries=4)
def swapped_positions(path: str, stamp: tuple[int, int]) -> list[str]:
    """The events of *path* placed outside the region that would be inside it with their
    coordinates swapped (shown where the file says, and named)."""
    from geo.geocoding import REGION_BBOX
    from geo.model import looks_swapped, representative_lon_lat

    events, _facets, extent = load_events(path, stamp)
    west, south, east, north = REGION_BBOX
    if extent.bounds_lat_lon is not None:
        (lo_lat, lo_lon), (hi_lat, hi_lon) = extent.bounds_lat_lon
        if west <= lo_lon and hi_lon <= east and south <= lo_lat and hi_lat <= north:
            return []  # every event lies inside the region: none is misplaced (no pass over them)
    return [
        f"{path}: feature {f.get('id')!r} at {list(representative_lon_lat(f['geometry']))} lies outside the region but would be "
        "inside it with longitude and latitude swapped (positions are [lon, lat]); check the file"
        for f in events
        if looks_swapped(f["geometry"], REGION_BBOX)
    ]


@st.cache_resource(show_spinner=False, max_entries=4)
def place_layer(places_key: tuple[str, tuple[int, int]], events_key: tuple[str, tuple[int, int]]) -> dict[str, Any]:
    """The places to draw (from places.geojson, else from the events), slimmed for the map."""
    places = load_collection(*places_key)[0]
    events = load_events(*events_key)[0]
    return mapview.place_layers_data(places, events)


@st.cache_resource(show_spinner=False, max_entries=4)
def map_labels(events_key: tuple[str, tuple[int, int]]) -> mapview.ScriptJson:
    """The offline map's place names, the events' places among them, encoded for the page once
    (read-only, shared)."""
    return mapview.encoded(mapview.label_rows(load_events(*events_key)[0]))


@st.cache_resource(show_spinner=False, max_entries=8)
def events_layer_payload(events_key: tuple[str, tuple[int, int]], filter_view: ViewState, selected_id: str | None,
                         _shown: Sequence[dict[str, Any]]) -> mapview.LayerPayload:
    """The events layer's table for the events *filter_view* shows (*_shown*, not hashed: it
    follows from the other arguments), encoded; an immutable string, shared. Reruns that do not
    change the filters (a click, a table pick, a pan) reuse it."""
    return mapview.layer_payload(_shown, selected_id)


@st.cache_resource(show_spinner=False, max_entries=4)
def acled_table(events_key: tuple[str, tuple[int, int]]) -> filters.AcledTable:
    """The table's ACLED rows of the events of *events_key*, each built once (shared)."""
    return filters.AcledTable()


@st.cache_resource(show_spinner=False)
def vendor_assets(app_dir: str) -> str:
    """Copy Leaflet and markercluster from their installed packages into ./static/vendor once."""
    return str(assets.install_vendor(app_dir))


@dataclass
class Data:
    """What the app read from the data folder (empty parts where reading failed)."""

    events: list[dict[str, Any]] = field(default_factory=list)
    facets: filters.Facets = field(default_factory=lambda: filters.facets([]))
    extent: mapview.Extent = field(default_factory=lambda: mapview.data_extent([]))
    place_data: dict[str, Any] = field(default_factory=lambda: mapview.place_layers_data(None, []))
    labels: list[list[Any]] | mapview.ScriptJson = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    events_key: tuple[str, tuple[int, int]] = ("", (0, 0))


def read_data(data_dir: Path) -> Data:
    """Events, facets, places and the errors met; what can be shown is shown."""
    data = Data()
    events_key = (str(data_dir / store.EVENTS_FILE), file_stamp(data_dir / store.EVENTS_FILE))
    places_key = (str(data_dir / store.PLACES_FILE), file_stamp(data_dir / store.PLACES_FILE))
    try:
        data.events, data.facets, data.extent = load_events(*events_key)
        data.events_key = events_key
    except GeoError as err:
        data.errors.append(f"The events could not be read ({type(err).__name__}): {err}")
        events_key = ("", (0, 0))
    with contextlib.suppress(GeoError):
        data.labels = map_labels(events_key)
    try:
        data.place_data = place_layer(places_key, events_key)
    except GeoError as err:
        data.errors.append(f"The places could not be read ({type(err).__name__}): {err}")
        with contextlib.suppress(GeoError):
            data.place_data = place_layer(("", (0, 0)), events_key)
    for what, key in (("events", events_key), ("places", places_key)):  # a file read but for some features
        with contextlib.suppress(GeoError):
            problems = load_collection(*key)[1]
            if problems:
                data.errors.append(
                    f"The {what} could not be read in full ({len(problems):,} feature(s) left out, the rest is "
                    "shown): " + "; ".join(problems[:10]) + ("; ..." if len(problems) > 10 else "")
                )
    if events_key[0]:
        swapped = swapped_positions(*events_key)
        if swapped:
            data.errors.append(f"{len(swapped):,} event(s) look misplaced: " + "; ".join(swapped[:10])
                               + ("; ..." if len(swapped) > 10 else ""))
    return data


# ---------------------------------------------------------------- view state <-> widgets <-> URL


@st.cache_resource(show_spinner=False, max_entries=8)
def link_bounds(events_key: tuple[str, tuple[int, int]], with_ids: bool) -> share.Bounds:
    """:func:`bounds_of` the events of *events_key* (read-only, shared: a new session's first
    run reads its link against them)."""
    events, facets, _extent = load_events(*events_key)
    return bounds_of(events, facets, with_ids=with_ids)


def bounds_of(events: Sequence[dict[str, Any]], facets: filters.Facets, *, with_ids: bool = True) -> share.Bounds:
    """What a shared link may ask for, given the data; without *with_ids*, for a link that
    names no event (the set of every id is not built: 0.2 s at 100,000 events)."""
    return share.Bounds(
        date_min=facets.date_min,
        date_max=facets.date_max,
        event_types=frozenset(t for t, _ in facets.event_types),
        actors=frozenset(a for a, _ in facets.actors),
        places=frozenset(p for p, _ in facets.places),
        # a link may name a feature (event at a place) or an event (its first place is shown)
        ids=frozenset(str(f.get("id")) for f in events) | {f["properties"]["event_id"] for f in events}
        if with_ids else frozenset(),
    )


def read_url_once(session: Any, params: Any, get_bounds: Callable[[], share.Bounds]) -> None:
    """On a session's first run, set the widgets from the URL and keep the notes to show."""
    if session.get("_url_read"):
        return
    bounds = get_bounds()
    raw = {key: params.get_all(key) for key in params}
    view, notes = share.from_query_params(raw, bounds=bounds)
    session["_url_read"] = True
    session["_url_notes"] = notes
    session["f_types"] = list(view.event_types)
    session["f_actors"] = list(view.actors)
    session["f_places"] = list(view.places)
    session["f_query"] = view.query
    session["f_precise"] = view.precise_only
    session["f_basemap"] = view.basemap
    if bounds.date_min and bounds.date_max:
        session["f_window"] = (view.start or bounds.date_min, view.end or bounds.date_max)
    session["selected_id"] = view.selected_id
    # Where the map opens: the link's centre and zoom (st_folium moves the map there once).
    has_center = view.lat is not None and view.lon is not None
    session["_map_target"] = (view.lat, view.lon, view.zoom) if has_center or view.zoom else None
    session["_link_has_center"] = has_center
    # The base map opens there too (it stays the same for the session, so it is not remounted).
    session["_link_view"] = (view.lat, view.lon, view.zoom) if has_center else (None, None, None)


def map_view(session: Any, params: Any) -> tuple[float | None, float | None, int | None]:
    """The map's centre and zoom on this run: as the map last staged them in its hidden input
    (the user's latest pan), else as the URL's query parameters give them; validated by geo.share."""
    staged = session.get(mapview.VIEW_SINK_KEY)
    if staged:
        lat, lon, zoom = share.map_view_text(staged)
        if lat is not None and lon is not None:
            return lat, lon, zoom
    return share.map_view({key: params.get_all(key) for key in share.MAP_VIEW_PARAMS if key in params})


def view_from_widgets(session: Any, facets: filters.Facets,
                      center: tuple[float | None, float | None, int | None] = (None, None, None)) -> ViewState:
    """The view the widgets show (a window equal to the data's span is left open), with the
    map's *center* ``(lat, lon, zoom)``."""
    start = end = None
    window = session.get("f_window")
    if window and facets.date_min and facets.date_max:
        start = window[0] if window[0] > facets.date_min else None
        end = window[1] if window[1] < facets.date_max else None
    lat, lon, zoom = center
    return ViewState(
        start=start,
        end=end,
        event_types=tuple(session.get("f_types") or ()),
        actors=tuple(session.get("f_actors") or ()),
        places=tuple(session.get("f_places") or ()),
        query=(session.get("f_query") or "").strip(),
        precise_only=bool(session.get("f_precise")),
        selected_id=session.get("selected_id"),
        lat=lat if lat is not None and lon is not None else None,
        lon=lon if lat is not None and lon is not None else None,
        zoom=zoom,
        basemap=session.get("f_basemap") or "offline",
    )


def filter_view(view: ViewState) -> ViewState:
    """*view* without what does not change which events show (selection, map centre and zoom,
    basemap): a cache key of the filtered events."""
    return view.replace(selected_id=None, lat=None, lon=None, zoom=None, basemap="offline")


def step_window(window: tuple[dt.date, dt.date], lo: dt.date, hi: dt.date) -> tuple[dt.date, dt.date]:
    """The window moved forward by its own width (at least a day); back to the start past the end."""
    width = max((window[1] - window[0]).days, 1)
    start = window[0] + dt.timedelta(days=width)
    if start > hi:
        start = lo
    end = min(start + dt.timedelta(days=width), hi)
    return (start, end)


def on_step(lo: dt.date, hi: dt.date) -> None:
    """Button callback: advance the date window one step."""
    window = st.session_state.get("f_window") or (lo, hi)
    st.session_state["f_window"] = step_window(window, lo, hi)


def on_filters_changed() -> None:
    """A filter changed: the link's notes are done with (the map's view stays as it is)."""
    st.session_state["_url_notes"] = []


def on_places_changed(known: dict[str, str]) -> None:
    """The Place filter changed: a typed name becomes the place's own spelling (*known*: folded
    name -> name); a name no event has is dropped, with a note."""
    chosen, unknown = [], []
    for name in st.session_state.get("f_places") or []:
        place = known.get(str(name).strip().casefold())
        if place is None:
            unknown.append(str(name))
        elif place not in chosen:
            chosen.append(place)
    st.session_state["f_places"] = chosen
    st.session_state["_url_notes"] = [f"No event is at a place called “{name}”; check the spelling." for name in unknown]


def place_options(facets: filters.Facets, chosen: Sequence[str]) -> list[str]:
    """The Place filter's list: the PLACE_OPTIONS places with the most events, and those chosen.
    Any other place can be typed (a list of 5,000 names cost a first visit at 100,000 events
    more than a second of the browser's time before the map started)."""
    top = [p for p, _ in facets.places[:PLACE_OPTIONS]]
    listed = set(top)
    return top + [p for p in chosen if p not in listed]


def map_target(session: Any, view: ViewState, selected: dict[str, Any] | None) -> tuple[
        tuple[float, float] | None, int | None, bool]:
    """``(center, zoom, reveal)`` for st_folium: the link's view, or a newly selected event
    (at SELECT_ZOOM or closer). They change only when the app means to move the map, never with
    the user's pans, so a rerun does not pull the map back. *reveal*: the selection is new on
    this run, so the map may zoom to show its marker."""
    sel_id = selected.get("id") if selected is not None else None
    reveal = False
    if sel_id != session.get("_target_sel"):
        session["_target_sel"] = sel_id
        if selected is not None and not session.get("_link_has_center"):
            lon, lat = mapview.representative_lon_lat(selected["geometry"])
            session["_map_target"] = (lat, lon, max(mapview.SELECT_ZOOM, view.zoom or 0))
            reveal = True
    session["_link_has_center"] = False  # the link's centre wins over its selection on its first run only
    target = session.get("_map_target")
    if not target:
        return None, None, reveal
    lat, lon, zoom = target
    return ((lat, lon) if lat is not None and lon is not None else None), zoom, reveal


# ---------------------------------------------------------------- drawing


def sidebar(facets: filters.Facets) -> None:
    """The filter widgets (their values live in st.session_state under WIDGET_KEYS)."""
    sb = st.sidebar
    sb.header("Filters")
    sb.multiselect("Event type", [t for t, _ in facets.event_types], key="f_types", on_change=on_filters_changed)
    sb.multiselect("Actor", [a for a, _ in facets.actors], key="f_actors", on_change=on_filters_changed)
    more = len(facets.places) > PLACE_OPTIONS
    sb.multiselect("Place", place_options(facets, st.session_state.get("f_places") or []), key="f_places",
                   on_change=on_places_changed, args=({p.casefold(): p for p, _ in facets.places},),
                   accept_new_options=more,
                   help=f"The {PLACE_OPTIONS:,} places with the most events are listed; type the name of any other."
                   if more else None)
    sb.text_input("Search summaries and quotes", key="f_query", max_chars=share.MAX_QUERY_CHARS, on_change=on_filters_changed)
    sb.checkbox("Precise locations only", key="f_precise", help="geo_precision 1: the exact place is known",
                on_change=on_filters_changed)
    sb.radio("Basemap", list(BASEMAP_LABELS), format_func=BASEMAP_LABELS.__getitem__, key="f_basemap")


def timeline_chart(rows: list[dict[str, Any]], freq: str, span: tuple[dt.date, dt.date],
                   window: tuple[dt.date, dt.date], types: Sequence[str]) -> None:
    """The events per day or week, by type in the map's colours, the date window shaded
    (:mod:`geo.timeline`: an SVG page, no charting library)."""
    page = timeline.timeline_html(rows, freq=freq, span=span, window=window, types=types, color=mapview.type_color)
    st.iframe(page, height=timeline.HEIGHT + 4)


def details(feature: dict[str, Any] | None, others: int = 0) -> None:
    """The selected event, every article-derived text shown as plain text."""
    if feature is None:
        st.caption("Pick an event in the table or click a marker to see its details here.")
        return
    props = feature["properties"]
    src = props.get("source") or {}
    st.markdown("**Selected event**")
    st.text(f"{mapview.date_words(props['date_start'], props['date_end'])} · {props['event_type']} · {props['sub_event_type']}")
    st.text(props["summary"])
    alt_names = ", ".join(props.get("alternate_names") or [])
    st.text(f"Place: “{props['mention']}” → {props['place']}" + (f" (also: {alt_names})" if alt_names else ""))
    st.text("Precision: " + mapview.precision_words(props["geo_precision"], props["uncertainty_km"], props.get("kind")))
    if props.get("actors"):
        st.text("Actors: " + "; ".join(props["actors"]))
    if props.get("fatalities") is not None:
        st.text(f"Fatalities: {props['fatalities']}")
    st.text(f"“{props['quote']}”")
    st.text(f"Source: {src.get('title') or ''} — {src.get('outlet') or ''}, {src.get('published') or ''}")
    url = mapview.safe_url(src.get("url"))
    if url:
        st.link_button("Open the article", url)
    elif src.get("url"):
        st.text(f"(link not shown, not http(s): {src.get('url')})")
    st.text(f"Event id: {props['event_id']} · feature: {feature.get('id')}")
    if others:
        st.caption(f"{others} more event(s) at this place; pick them in the table.")


def downloads(features: Sequence[dict[str, Any]]) -> None:
    """GeoJSON and ACLED-style CSV of the filtered events (built only when clicked)."""

    def as_geojson() -> bytes:
        return json.dumps({"type": "FeatureCollection", "features": list(features)}, ensure_ascii=False).encode()

    def as_csv() -> bytes:
        import pandas as pd

        buf = io.StringIO()
        pd.DataFrame(filters.acled_rows(features), columns=list(filters.ACLED_COLUMNS)).to_csv(buf, index=False)
        return buf.getvalue().encode()

    c1, c2 = st.columns(2)
    c1.download_button("Download GeoJSON", as_geojson, file_name="events.geojson", mime="application/geo+json",
                       key="dl_geojson", on_click="ignore")
    c2.download_button("Download CSV (ACLED columns)", as_csv, file_name="events.csv", mime="text/csv",
                       key="dl_csv", on_click="ignore")


def share_box(link: str, run: int) -> None:
    """The Share control: the page's live address (the map writes its centre and zoom there as
    the user pans) in a read-only field with a Copy button; *link* (the address as of this run)
    is its first value. A same-origin srcdoc iframe; the link is escaped, the address is set as
    the field's value, never as HTML."""
    link_attr = html.escape(link, quote=True)
    st.iframe(
        f"""<!doctype html><html><head><meta charset="utf-8"><style>
body{{margin:0;font:14px/1.4 "Source Sans Pro",system-ui,sans-serif;color:#31333f}}
.row{{display:flex;gap:6px}}
input{{flex:1;min-width:0;padding:6px 8px;border:1px solid #d6d6d9;border-radius:6px;font:13px ui-monospace,monospace;background:#f7f7f9;color:#31333f}}
button{{padding:6px 12px;border:1px solid #c6c6cc;border-radius:6px;background:#fff;cursor:pointer;font:inherit}}
button:hover{{border-color:#ff4b4b;color:#ff4b4b}}
#msg{{font-size:12px;color:#6b6b76;min-height:16px;margin-top:3px}}
</style></head><body data-run="{int(run)}">
<div class="row"><input id="link" type="text" readonly aria-label="Link to this view" value="{link_attr}">
<button id="copy" type="button">Copy</button></div><div id="msg" aria-live="polite"></div>
<script>
(function () {{
  var input = document.getElementById("link"), msg = document.getElementById("msg");
  function page() {{
    var w = window;
    try {{
      while (w.parent && w.parent !== w) {{
        w = w.parent;
        if (w.document.querySelector('[data-testid="stApp"]')) {{ return w; }}
      }}
    }} catch (e) {{}}
    return null;
  }}
  function refresh() {{
    try {{ var w = page(); if (w && input.value !== w.location.href) {{ input.value = w.location.href; }} }} catch (e) {{}}
  }}
  refresh();
  setInterval(refresh, 400);
  try {{ page().addEventListener("popstate", refresh); }} catch (e) {{}}
  function done(ok) {{ msg.textContent = ok ? "Copied." : "Select the link and copy it (Ctrl+C)."; }}
  function fallback() {{
    input.focus(); input.select();
    var ok = false;
    try {{ ok = document.execCommand("copy"); }} catch (e) {{}}
    done(ok);
  }}
  document.getElementById("copy").addEventListener("click", function () {{
    refresh();
    if (navigator.clipboard && window.isSecureContext) {{
      navigator.clipboard.writeText(input.value).then(function () {{ done(true); }}, fallback);
    }} else {{
      fallback();
    }}
  }});
}})();
</script></body></html>""",
        height=70,
    )


def sync_url(params: Any, view: ViewState) -> None:
    """Write the view into the URL's query parameters (only when they differ)."""
    wanted = share.to_query_params(view)
    if params.to_dict() != wanted or any(len(params.get_all(k)) > 1 for k in params):
        params.from_dict(wanted)


def main() -> None:
    """Draw the dashboard."""
    vendor_assets(str(APP_DIR))
    session = st.session_state
    session["_runs"] = session.get("_runs", 0) + 1
    data_dir = store.default_data_dir()
    data = read_data(data_dir)
    events, facets = data.events, data.facets
    for message in data.errors:
        st.error(mapview.markdown_escape(message))
    read_url_once(session, st.query_params, lambda: link_bounds(data.events_key, "event" in st.query_params))
    if session.get("_advance") and facets.date_min and facets.date_max:
        session["_advance"] = False
        on_step(facets.date_min, facets.date_max)

    st.markdown("### Karabakh event map")
    st.caption("Dated, sourced events extracted from news articles: Nagorno-Karabakh, the Lachin corridor "
               "and the Karabakh ridge. Click a marker or pick a row for the details; share the link below.")
    for note in session.get("_url_notes") or []:
        st.warning(mapview.markdown_escape(note), icon="🔗")

    if not events:
        st.info(f"No events yet in {mapview.markdown_escape(data_dir)}. Add an article on the 'Add an article' page, or run "
                "`python -m geo ingest` on a text file.")

    lo, hi = facets.date_min, facets.date_max
    if lo and hi and "f_window" not in session:
        session["f_window"] = (lo, hi)
    # The controls, the counts and the timeline sit above the map but are drawn after it (their
    # values are in the session already), so that the map reaches the browser first.
    controls = st.container()
    view = view_from_widgets(session, facets, map_view(session, st.query_params))
    sync_url(st.query_params, view)

    shown = filters.filter_events(events, view)
    counts = f"**{len(shown):,}** of **{len(events):,}** event-places shown"
    if len(shown) <= mapview.AGGREGATE_ABOVE:
        counts += f" ({len({f['properties']['event_id'] for f in shown}):,} distinct events)"
    else:
        counts += " (grouped by place on the map)"

    selected = filters.find_feature(shown, view.selected_id)
    link_lat, link_lon, link_zoom = session.get("_link_view") or (None, None, None)
    base, _control = mapview.build_base_map(None, ViewState(basemap=view.basemap, lat=link_lat, lon=link_lon, zoom=link_zoom),
                                           basemap_name=view.basemap,
                                           extent=data.extent, place_data=data.place_data, labels=data.labels,
                                           sync_view=True)
    center, zoom, reveal = map_target(session, view, selected)
    # With no centre in the URL the map fits the filtered events (so does a link without one).
    selected_feature_id = selected.get("id") if selected else None
    payload = events_layer_payload(data.events_key, filter_view(view), selected_feature_id, shown)
    # The table goes to the browser as a static file, not inside the map's websocket message.
    payload_url = assets.publish_layer(APP_DIR, payload.digest, payload.json)
    layer = mapview.build_events_layer(shown, selected_id=selected_feature_id,
                                       fit=selected is None and view.lat is None, reveal=reveal, payload=payload,
                                       payload_url=payload_url)
    result = st_folium(
        base,
        key="map",
        height=MAP_HEIGHT,
        use_container_width=True,
        returned_objects=["last_object_clicked"],
        feature_group_to_add=layer,
        center=center,
        zoom=zoom,
    )
    # Where the map stages its view for the next run (hidden; typing in it never reruns the app).
    st.html(f"<style>.st-key-{mapview.VIEW_SINK_KEY}{{display:none}}</style>")
    st.text_input("Map view", key=mapview.VIEW_SINK_KEY, on_change="ignore", live="0ms",
                  label_visibility="collapsed", max_chars=share.MAX_PARAM_CHARS)
    sidebar(facets)
    with controls:
        if lo and hi:
            col_slider, col_play = st.columns([6, 1])
            if lo < hi:
                col_slider.slider("Date window", min_value=lo, max_value=hi, key="f_window", format="YYYY-MM-DD",
                                  on_change=on_filters_changed)
            col_play.button("Step ▶", key="step", on_click=on_step, args=(lo, hi),
                            help="Move the window forward by its width")
            col_play.toggle("Play", key="playing")
        st.markdown(counts)
    if lo and hi and events:
        freq = filters.choose_freq(lo, hi)
        with controls:
            timeline_chart(timeline_rows(data.events_key, filter_view(view).replace(start=None, end=None), freq),
                           freq, (lo, hi), session.get("f_window") or (lo, hi), [t for t, _ in facets.event_types])

    clicked = (result or {}).get("last_object_clicked")
    if clicked and clicked != session.get("_last_click"):
        session["_last_click"] = clicked
        hit = filters.nearest_feature(shown, clicked["lat"], clicked["lng"])
        if hit is not None and hit.get("id") != view.selected_id:
            session["selected_id"] = hit.get("id")
            st.rerun()

    import pandas as pd  # after the map is sent

    pages = max(1, -(-len(shown) // TABLE_PAGE_ROWS))
    if session.get("table_page", 1) > pages:  # fewer rows after a filter change
        session["table_page"] = pages
    left, right = st.columns([3, 2])
    with left:
        first = 0
        if pages > 1:
            page_no = st.number_input(f"Table page (of {pages:,})", min_value=1, max_value=pages, step=1, key="table_page")
            first = (int(page_no) - 1) * TABLE_PAGE_ROWS
            st.caption(f"Rows {first + 1:,} to {min(first + TABLE_PAGE_ROWS, len(shown)):,} of {len(shown):,}; "
                       "the downloads have all.")
        rows = shown[first:first + TABLE_PAGE_ROWS]
        if rows:  # column by column from rows built once per event (as filters.acled_rows)
            table = pd.DataFrame(acled_table(data.events_key).columns(rows))
        else:
            table = pd.DataFrame([], columns=list(filters.ACLED_COLUMNS))
        ids = [str(f.get("id")) for f in rows]
        picked = st.dataframe(table, key="table", on_select="rerun", selection_mode="single-row",
                              hide_index=True, height=320)
        rows_picked = list(getattr(getattr(picked, "selection", None), "rows", []) or [])
        if rows_picked != session.get("_last_rows"):
            session["_last_rows"] = rows_picked
            if rows_picked and rows_picked[0] < len(ids) and ids[rows_picked[0]] != view.selected_id:
                session["selected_id"] = ids[rows_picked[0]]
                st.rerun()
        downloads(shown)
    with right:
        others = 0
        if selected is not None:
            here = mapview.representative_lon_lat(selected["geometry"])
            others = sum(1 for f in shown if f is not selected and mapview.representative_lon_lat(f["geometry"]) == here)
        details(selected, others)
        if selected is not None and st.button("Clear selection", key="clear_sel"):
            session["selected_id"] = None
            st.rerun()
        st.markdown("**Share this view**")
        link = share.share_url(st.context.url or "", view)
        share_box(link, session["_runs"])
        st.caption("Anyone opening this link sees the same window, filters, selection, map centre and zoom.")
        with st.expander("Link as of the last change"):
            # st.text, not st.code: st.code loads Streamlit's syntax highlighter, seconds of
            # page start-up (docs/benchmark.md, finding 2).
            st.text(link)

    if session.get("playing") and lo and hi:
        @st.fragment(run_every=1.5)
        def _ticker() -> None:
            if st.session_state.get("_ticks", 0) > 0:
                st.session_state["_advance"] = True
                st.session_state["_ticks"] = 0
                st.rerun()
            st.session_state["_ticks"] = 1

        _ticker()


def run() -> None:
    """The app: its page settings and its two pages, the dashboard first."""
    st.set_page_config(page_title="Karabakh event map", page_icon=":world_map:", layout="wide")
    pages = [
        st.Page(main, title="Dashboard", icon=":material/map:", default=True),
        st.Page(APP_DIR / "pages" / "1_Add_an_article.py", title="Add an article", icon=":material/note_add:",
                url_path="Add_an_article"),
    ]
    st.navigation(pages).run()


run()
