"""Features + view -> ``folium.Map``, built for speed and safety.

* Events are ONE layer: a compact JSON table (a string table, one short row per event) that a
  small JavaScript function turns into markers coloured by event type, clustered client-side with
  Leaflet.markercluster. Popups and tooltips are built in the browser from the row when opened,
  and every text from an article is HTML-escaped there (``esc``); links are shown only for
  ``http(s)`` URLs. The JSON is embedded with ``<``, ``>`` and ``&`` as ``\\u`` escapes, so no
  article text can close the ``<script>``.
* Places are drawn by their own geometry: roads and ridges as lines, districts and regions as
  polygons, approximate places (``geo_precision`` >= 2) as circles of ``uncertainty_km``.
* Two basemaps: ``offline`` (Natural Earth borders from ``data/basemap``, no tiles, the default)
  and ``osm`` (OpenStreetMap tiles for users online).
* Leaflet and markercluster are referenced from local files (:mod:`geo.assets`), never a CDN;
  folium's other defaults (jQuery, Bootstrap, Font Awesome, awesome-markers) are dropped.

* Place names on the offline basemap (:func:`label_rows`, from :mod:`geo.basemap`), text only,
  the less important hidden where they would overlap.
* On the dashboard, the map writes its centre and zoom into the page's URL as the user pans
  (:class:`_ViewSync`), with no rerun of the app.

For Streamlit, :func:`build_base_map` (constant while filters change) and
:func:`build_events_layer` (passed as ``feature_group_to_add``) are used separately so that the
map is not remounted on each filter change; :func:`build_map` puts both together.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any

import folium
import orjson
from branca.element import Element, MacroElement
from jinja2 import Template

from geo import assets, basemap, share
from geo.model import representative_lon_lat
from geo.share import ViewState

# ACLED's six event types, each a fixed colour (colour-blind-safe-ish, Tableau 10).
PALETTE: dict[str, str] = {
    "Battles": "#d62728",
    "Explosions/Remote violence": "#ff7f0e",
    "Violence against civilians": "#9467bd",
    "Protests": "#2ca02c",
    "Riots": "#8c564b",
    "Strategic developments": "#1f77b4",
}
OTHER_COLOR = "#7f7f7f"
SUMMARY_MAX = 100
QUOTE_MAX = 100
# Past this many events the map's popups leave the quote out (it is in the details panel and in
# the selected event's popup): page bytes per event matter more than a quote per popup.
QUOTES_INLINE_MAX = 1000
DEFAULT_CENTER = (39.8, 46.6)  # (lat, lon) of Nagorno-Karabakh
# Fitting to the events never zooms in closer than this: the first view shows the region and
# its towns, not a close-up of a few markers. A selected event is shown closer.
FIT_MAX_ZOOM = 9
SELECT_ZOOM = 11
# An approximate place gets an uncertainty circle only up to this radius: a country or a
# region known to tens of kilometres would blanket the map (its marker and popup say it).
MAX_CIRCLE_KM = 30.0
# The Streamlit text input (its key) the map writes its view into, for the app's next run.
VIEW_SINK_KEY = "map_view"
KIND_STYLE: dict[str, dict[str, Any]] = {
    "road": {"color": "#8a5a00", "weight": 4, "dashArray": "8 6", "opacity": 0.8},
    "ridge": {"color": "#4d6b3c", "weight": 3, "opacity": 0.8},
    "mountain-range": {"color": "#4d6b3c", "weight": 3, "opacity": 0.8},
    "river": {"color": "#3b7dbf", "weight": 2, "opacity": 0.8},
    "district": {"color": "#6a6a9a", "weight": 1.5, "fillOpacity": 0.06, "dashArray": "4 4"},
    "region": {"color": "#6a6a9a", "weight": 2, "fillOpacity": 0.04},
}


def type_color(event_type: str) -> str:
    """The marker colour of an ACLED event type (grey for anything else)."""
    return PALETTE.get(event_type, OTHER_COLOR)


def esc(text: object) -> str:
    """HTML-escape *text* (quotes too) for anything inlined on the Python side."""
    return html.escape("" if text is None else str(text), quote=True)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~$&:])")


def markdown_escape(text: object) -> str:
    """*text* with every Markdown and HTML-significant character backslash-escaped, for
    Streamlit calls that render Markdown (st.warning, st.error): shown as written, never a link."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", "" if text is None else str(text)).replace("\n", "  \n")


_SAFE_URL = re.compile(r"https?://[^\s\"'<>`]+", re.IGNORECASE)


def safe_url(url: object) -> str | None:
    """*url* if it is an absolute http(s) URL, else None (no ``javascript:``, ``data:``, ...)."""
    if not isinstance(url, str):
        return None
    stripped = url.strip()
    return stripped if _SAFE_URL.fullmatch(stripped) else None


def precision_words(geo_precision: int, uncertainty_km: float, kind: str | None = None) -> str:
    """The location's precision said in words, e.g. ``approximate: within ~5 km``."""
    km = f"{uncertainty_km:g}"
    if geo_precision == 1:
        return "exact location" if not uncertainty_km else f"exact location (within ~{km} km)"
    if geo_precision == 2:
        where = f"along the {kind}" if kind in ("road", "ridge", "river", "mountain-range") else "approximate"
        return f"{where}: within ~{km} km" if uncertainty_km else where
    return f"only the larger region is known: within ~{km} km" if uncertainty_km else "only the larger region is known"


def date_words(start: str, end: str) -> str:
    """``2023-09-19`` or ``2023-09-19 to 2023-09-20``."""
    return start if start == end else f"{start} to {end}"


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


_ENCODER = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"))
_ASCII_BYTES = bytes(range(128))
# Past this many distinct non-ASCII characters in one payload, json's own ASCII encoder is used.
_FEW_NON_ASCII = 64


def _u_escape(ch: str) -> bytes:
    code = ord(ch)
    if code > 0xFFFF:  # a surrogate pair, as json.dumps writes it
        code -= 0x10000
        return b"\\u%04x\\u%04x" % (0xD800 | (code >> 10), 0xDC00 | (code & 0x3FF))
    return b"\\u%04x" % code


def _ascii_only(raw: bytes) -> bytes | None:
    """UTF-8 JSON *raw* with each non-ASCII character as a ``\\u`` escape (they can only be
    inside strings); None past _FEW_NON_ASCII distinct characters. One replace per character."""
    # The bytes left once the ASCII ones are deleted are whole UTF-8 characters.
    distinct = set(raw.translate(None, _ASCII_BYTES).decode())
    if len(distinct) > _FEW_NON_ASCII:
        return None
    for ch in distinct:
        raw = raw.replace(ch.encode(), _u_escape(ch))
    return raw


def script_json(obj: Any) -> str:
    """Compact JSON safe to embed in a ``<script>`` (no ``</script>``, no HTML-significant bytes;
    ASCII only): the text of ``json.dumps(obj, separators=(",", ":"))`` with ``<``, ``>`` and
    ``&`` as ``\\u`` escapes.

    Encoded by orjson (several times faster than :mod:`json` on the events table). What orjson
    refuses (integers past 64 bits, non-string keys, ...) and text with many distinct non-ASCII
    characters go through :mod:`json` as before."""
    try:
        raw = orjson.dumps(obj)
    except (TypeError, orjson.JSONEncodeError):
        raw = None
    else:
        raw = raw.replace(b"<", b"\\u003c").replace(b">", b"\\u003e").replace(b"&", b"\\u0026")
        if not raw.isascii():
            raw = _ascii_only(raw)
    if raw is None:
        text = _ENCODER.encode(obj)
        return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return raw.decode("ascii")


class ScriptJson(str):
    """Text that :func:`script_json` wrote, kept to be put into a page again as is (e.g. the
    dashboard's place names, the same on every rerun)."""


def encoded(obj: Any) -> ScriptJson:
    """*obj* as :func:`script_json` writes it, marked as such (see :class:`ScriptJson`)."""
    return obj if isinstance(obj, ScriptJson) else ScriptJson(script_json(obj))


class _Strings:
    """A string table: each distinct string is sent once and referred to by its index."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.items: list[str] = []

    def __call__(self, value: object) -> int:
        text = "" if value is None else str(value)
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.items)
            self.items.append(text)
        return i


# The events table sent to the browser (read by _JS_HELPERS): a string table ``s``; a place
# table ``p`` of [lat, lon, name, mention, alternate names, geo_precision, uncertainty_km, kind]
# (string fields as indexes into ``s``); an article table ``a`` of [title, url, outlet,
# published]; and ``e``, one flat row of ROW_WIDTH numbers per event:
ROW_FIELDS = ("place", "type", "sub_type", "date_start", "date_end", "summary", "quote", "article", "actors", "fatalities")
ROW_WIDTH = len(ROW_FIELDS)


def events_payload(
    events: Sequence[Mapping[str, Any]],
    selected_id: str | None = None,
    *,
    quotes_inline_max: int = QUOTES_INLINE_MAX,
) -> dict[str, Any]:
    """The compact tables the browser builds markers and popups from (article texts clipped;
    quotes left out past *quotes_inline_max* events, except the selected event's, which comes
    whole in ``full``).

    Work is per distinct place and article, not per event, wherever it can be.
    """
    with_quotes = len(events) <= quotes_inline_max
    # The string table is a dict (insertion-ordered): ``intern(text, len(index))`` is one C call
    # per string, no Python function call per field.
    index: dict[str, int] = {"": 0}  # index 0: the empty string (rows use 0 for "no actors")
    intern = index.setdefault
    types: dict[str, int] = {}
    places: dict[tuple[Any, ...], int] = {}
    place_rows: list[list[Any]] = []
    point_of: dict[str, tuple[float, float]] = {}
    articles: dict[Any, int] = {}
    article_rows: list[list[int]] = []
    rows: list[Any] = []
    selected: int | None = None
    full: dict[str, str] | None = None

    def s(value: Any) -> int:
        return intern("" if value is None else str(value), len(index))

    for n, feature in enumerate(events):
        props = feature["properties"]
        pid = props["place_id"]
        mention = props["mention"]
        # A place's name, precision and kind follow from its place_id; only the mention varies.
        pkey = (pid, mention)
        p = places.get(pkey)
        if p is None:
            lat_lon = point_of.get(pid)
            if lat_lon is None:
                lon, lat = representative_lon_lat(feature["geometry"])
                lat_lon = point_of[pid] = (round(lat, 5), round(lon, 5))
            alt = props.get("alternate_names")
            p = places[pkey] = len(place_rows)
            place_rows.append(
                [lat_lon[0], lat_lon[1], s(props["place"]), s(mention), s(", ".join(alt or ())),
                 props["geo_precision"], props["uncertainty_km"], s(props.get("kind") or "")]
            )
        akey = props.get("article_id")
        a = articles.get(akey) if akey else None
        if a is None:
            src = props["source"]
            full_key = (src.get("title"), src.get("url"), src.get("outlet"), src.get("published"))
            a = articles.get(full_key)
            if a is None:
                a = articles[full_key] = len(article_rows)
                article_rows.append([s(full_key[0]), s(safe_url(full_key[1]) or ""), s(full_key[2]), s(full_key[3])])
            if akey:
                articles[akey] = a
        etype = props["event_type"]
        t = types.get(etype)
        if t is None:
            t = types[etype] = len(types)
        summary = props["summary"]
        if len(summary) > SUMMARY_MAX:
            summary = _clip(summary, SUMMARY_MAX)
        if with_quotes:
            quote = props["quote"]
            if len(quote) > QUOTE_MAX:
                quote = _clip(quote, QUOTE_MAX)
        else:
            quote = ""
        actors = props.get("actors")
        if selected_id is not None and feature.get("id") == selected_id:
            selected = n
            full = {"summary": props["summary"], "quote": props["quote"]}
        ds = props["date_start"]
        de = props["date_end"]
        rows += (
            p,
            t,
            intern(props["sub_event_type"], len(index)),
            intern(ds, len(index)),
            intern(de, len(index)) if de != ds else -1,
            intern(summary, len(index)),
            intern(quote, len(index)),
            a,
            intern("; ".join(actors), len(index)) if actors else 0,
            props.get("fatalities"),
        )
    return {
        "s": list(index),
        "t": list(types),
        "c": [type_color(t) for t in types],
        "p": place_rows,
        "a": article_rows,
        "w": ROW_WIDTH,
        "e": rows,
        "sel": selected,
        "full": full,
        "q": with_quotes,
        "mc": MAX_CIRCLE_KM,
    }


AGGREGATE_ABOVE = 20_000
AGGREGATE_RECENT = 3


_TYPE = itemgetter("event_type")
_START = itemgetter("date_start")
_END = itemgetter("date_end")


def aggregate_payload(events: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Events grouped by place, for very many events: one marker per place with its count,
    its count per event type and its most recent events (clipped), instead of one per event."""
    index: dict[str, int] = {"": 0}  # the string table, as in events_payload
    intern = index.setdefault
    by_place: dict[str, list[Mapping[str, Any]]] = {}
    geometry_of: dict[str, Mapping[str, Any]] = {}
    for feature in events:
        props = feature["properties"]
        pid = props["place_id"]
        group = by_place.get(pid)
        if group is None:
            by_place[pid] = [props]
            geometry_of[pid] = feature["geometry"]
        else:
            group.append(props)
    types: dict[str, int] = {}
    rows = []
    for pid, group in by_place.items():
        first = group[0]
        lon, lat = representative_lon_lat(geometry_of[pid])
        by_type: list[int] = []
        for etype, n in Counter(map(_TYPE, group)).most_common():
            t = types.get(etype)
            if t is None:
                t = types[etype] = len(types)
            by_type += (t, n)
        place = first["place"]
        # newest first (stable: the same as heapq.nlargest(AGGREGATE_RECENT, ...), in C); its
        # last is the earliest start
        newest = sorted(group, key=_START, reverse=True) if len(group) > 1 else group
        recent = newest[:AGGREGATE_RECENT]
        head = [
            round(lat, 5),
            round(lon, 5),
            len(group),
            by_type[0],
            intern("" if place is None else str(place), len(index)),
            intern(newest[-1]["date_start"], len(index)),
            intern(max(map(_END, group)), len(index)),
            first["geo_precision"],
            by_type,
        ]
        head.append([
            [intern(p["date_start"], len(index)), types[p["event_type"]],
             intern(_clip(p["summary"], SUMMARY_MAX), len(index))]
            for p in recent
        ])
        rows.append(head)
    return {"s": list(index), "t": list(types), "c": [type_color(t) for t in types], "g": rows, "n": len(events)}


_JS_HELPERS = r"""
window.geoEv = (function () {
  var ESC = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;"};
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"'`]/g, function (c) { return ESC[c]; }); }
  function safeUrl(u) { return (typeof u === "string" && /^https?:\/\/[^\s"'<>]+$/i.test(u)) ? u : null; }
  function precision(p, u, kind) {
    var km = u ? " within ~" + u + " km" : "";
    if (p === 1) { return "exact location" + (u ? " (" + km.trim() + ")" : ""); }
    if (p === 2) {
      var where = (["road", "ridge", "river", "mountain-range"].indexOf(kind) >= 0) ? "along the " + kind : "approximate";
      return where + (u ? ":" + km : "");
    }
    return "only the larger region is known" + (u ? ":" + km : "");
  }
  function row(d, i) {
    var S = d.s, o = i * d.w, e = d.e, p = d.p[e[o]], a = d.a[e[o + 7]];
    return {
      lat: p[0], lon: p[1], place: S[p[2]], mention: S[p[3]], alt: S[p[4]], prec: p[5], unc: p[6], kind: S[p[7]],
      t: e[o + 1], type: d.t[e[o + 1]], color: d.c[e[o + 1]], sub: S[e[o + 2]], ds: S[e[o + 3]], de: S[e[o + 4] < 0 ? e[o + 3] : e[o + 4]],
      summary: S[e[o + 5]], quote: S[e[o + 6]], title: S[a[0]], url: S[a[1]], outlet: S[a[2]], published: S[a[3]],
      actors: S[e[o + 8]], fat: e[o + 9], noQuotes: d.q === false
    };
  }
  function popup(r) {
    var h = '<div class="ev-popup">';
    h += '<div class="ev-head"><span class="ev-swatch" style="background:' + esc(r.color) + '"></span><b>' + esc(r.ds === r.de ? r.ds : r.ds + " to " + r.de) + "</b> &middot; " + esc(r.type);
    if (r.sub) { h += " (" + esc(r.sub) + ")"; }
    h += "</div>";
    h += '<div class="ev-summary">' + esc(r.summary) + "</div>";
    h += '<div class="ev-place"><b>Place:</b> \u201c' + esc(r.mention) + "\u201d &rarr; " + esc(r.place);
    if (r.alt) { h += ' <span class="ev-alt">(also: ' + esc(r.alt) + ")</span>"; }
    h += '<br><span class="ev-prec">' + esc(precision(r.prec, r.unc, r.kind)) + "</span></div>";
    if (r.actors) { h += '<div class="ev-actors"><b>Actors:</b> ' + esc(r.actors) + "</div>"; }
    if (r.fat !== null && r.fat !== undefined) { h += '<div class="ev-fat"><b>Fatalities:</b> ' + esc(r.fat) + "</div>"; }
    if (r.quote) { h += '<blockquote class="ev-quote">\u201c' + esc(r.quote) + "\u201d</blockquote>"; }
    else if (r.noQuotes) { h += '<div class="ev-prec">Click the marker: its quote and details show below the map.</div>'; }
    var url = safeUrl(r.url), title = r.title || "source";
    h += '<div class="ev-source">';
    h += url ? '<a href="' + esc(url) + '" target="_blank" rel="noopener noreferrer nofollow">' + esc(title) + "</a>" : esc(title);
    if (r.outlet) { h += " &mdash; " + esc(r.outlet); }
    if (r.published) { h += ", " + esc(r.published); }
    h += "</div></div>";
    return h;
  }
  function tooltip(r) {
    return esc(r.ds === r.de ? r.ds : r.ds + " to " + r.de) + " &middot; " + esc(r.type) + " &middot; " + esc(r.place);
  }
  function build(d, opts) {
    var icons = {};
    function icon(t, approx) {
      var k = t + (approx ? "a" : "p");
      if (!icons[k]) {
        icons[k] = L.divIcon({
          className: "ev-marker" + (approx ? " ev-approx" : ""),
          html: '<span style="background:' + esc(d.c[t]) + ';border-color:' + esc(d.c[t]) + '"></span>',
          iconSize: [14, 14], iconAnchor: [7, 7], popupAnchor: [0, -6], tooltipAnchor: [8, 0]
        });
      }
      return icons[k];
    }
    var group = L.featureGroup();
    var areas = L.featureGroup();
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, maxClusterRadius: opts.clusterRadius || 40, showCoverageOnHover: false,
      spiderfyOnMaxZoom: true, zoomToBoundsOnClick: true
    });
    var LINEAR = ["road", "ridge", "river", "district", "region", "mountain-range"];
    var seenArea = {};
    var markers = [];
    var n = d.e.length / d.w;
    for (var i = 0; i < n; i++) {
      var o = i * d.w, p = d.p[d.e[o]], t = d.e[o + 1];
      var approx = p[5] >= 2;
      var m = L.marker([p[0], p[1]], {icon: icon(t, approx), riseOnHover: true});
      m.evRow = i;
      markers.push(m);
      if (approx && p[6] > 0 && p[6] <= d.mc && LINEAR.indexOf(d.s[p[7]]) < 0) {
        var key = p[0] + "," + p[1] + "," + p[6] + "," + t;
        if (!seenArea[key]) {
          seenArea[key] = true;
          areas.addLayer(L.circle([p[0], p[1]], {radius: p[6] * 1000, color: d.c[t], weight: 1, dashArray: "4 4", fillOpacity: p[5] >= 3 ? 0.02 : 0.07, interactive: false, className: "ev-area"}));
        }
      }
    }
    // Not addLayers(): off the map it checks each marker with hasLayer(), a linear scan of the
    // markers queued so far, so O(n^2): 32 s at 100,000 events in Chromium, 5 s this way
    // (geo/bench.py). The queue is what addLayers() fills off the map; onAdd clusters it.
    cluster._needsClustering = markers.slice();
    cluster.bindPopup(function (layer) { return group.evPopupHtml(layer); }, {maxWidth: 340, minWidth: 220});
    cluster.bindTooltip(function (layer) { return tooltip(row(d, layer.evRow)); }, {direction: "right", sticky: false});
    group.addLayer(areas);
    group.addLayer(cluster);
    if (d.sel !== null && d.sel !== undefined) {
      var s = row(d, d.sel);
      group.addLayer(L.circleMarker([s.lat, s.lon], {radius: 14, color: "#000", weight: 3, fill: false, className: "ev-selected", interactive: false}));
    }
    group.evCluster = cluster;
    group.evSelected = (d.sel !== null && d.sel !== undefined) ? markers[d.sel] : null;
    group.evPopupHtml = function (m) {
      var r = row(d, m.evRow);
      if (m.evRow === d.sel && d.full) { r.summary = d.full.summary; r.quote = d.full.quote; }
      return popup(r);
    };
    group.evMarkers = markers;
    group.evCount = n;
    window.__geoEvBuilt = (window.__geoEvBuilt || 0) + 1;  // for tests: an events layer is drawn
    return group;
  }
  function aggPopup(d, g) {
    var S = d.s, h = '<div class="ev-popup"><div class="ev-head"><b>' + esc(S[g[4]]) + "</b>: " + esc(g[2]) + " events, " + esc(S[g[5]]) + " to " + esc(S[g[6]]) + "</div><div>";
    for (var i = 0; i < g[8].length; i += 2) { h += '<span class="ev-swatch" style="background:' + esc(d.c[g[8][i]]) + '"></span>' + esc(d.t[g[8][i]]) + ": " + esc(g[8][i + 1]) + "<br>"; }
    h += "</div><div><b>Latest:</b></div>";
    for (var j = 0; j < g[9].length; j++) { var r = g[9][j]; h += "<div>" + esc(S[r[0]]) + " &middot; " + esc(d.t[r[1]]) + ": " + esc(S[r[2]]) + "</div>"; }
    h += '<div class="ev-prec">Filter to this place to see each event.</div></div>';
    return h;
  }
  function buildAggregate(d, opts) {
    var group = L.featureGroup(), markers = [];
    var cluster = L.markerClusterGroup({
      chunkedLoading: true, maxClusterRadius: opts.clusterRadius || 40, showCoverageOnHover: false,
      iconCreateFunction: function (c) {
        var n = 0; c.getAllChildMarkers().forEach(function (m) { n += m.evCount; });
        var size = n < 100 ? "small" : (n < 1000 ? "medium" : "large");
        return L.divIcon({html: "<div><span>" + n + "</span></div>", className: "marker-cluster marker-cluster-" + size, iconSize: L.point(40, 40)});
      }
    });
    for (var i = 0; i < d.g.length; i++) {
      var g = d.g[i];
      var m = L.marker([g[0], g[1]], {icon: L.divIcon({className: "ev-agg", html: '<span style="background:' + esc(d.c[g[3]]) + '">' + g[2] + "</span>", iconSize: [26, 26], iconAnchor: [13, 13]})});
      m.evCount = g[2];
      m.evGroup = i;
      markers.push(m);
    }
    // Not addLayers(): off the map it checks each marker with hasLayer(), a linear scan of the
    // markers queued so far, so O(n^2): 32 s at 100,000 events in Chromium, 5 s this way
    // (geo/bench.py). The queue is what addLayers() fills off the map; onAdd clusters it.
    cluster._needsClustering = markers.slice();
    cluster.bindPopup(function (layer) { return aggPopup(d, d.g[layer.evGroup]); }, {maxWidth: 340, minWidth: 220});
    group.addLayer(cluster);
    group.evCluster = cluster;
    group.evSelected = null;
    group.evCount = d.n;
    window.__geoEvBuilt = (window.__geoEvBuilt || 0) + 1;
    return group;
  }
  function fit(map, group, maxZoom) {
    var b = group.evCluster.getBounds();
    // Not animated: a move the app asks for right after (st_folium's centre) must not race it.
    if (b.isValid()) { map.fitBounds(b.pad(0.15), {maxZoom: maxZoom, animate: false}); }
  }
  function openSelected(group, reveal) {
    var mk = group.evSelected;
    if (!mk) { return; }
    if (!reveal) {
      // The view is the user's (or the link's): open the popup where the marker is, never move.
      setTimeout(function () {
        if (!mk._icon || !group.evCluster._map) { return; }
        if (!mk.getPopup()) { mk.bindPopup(group.evPopupHtml(mk), {maxWidth: 340, minWidth: 220, autoPan: false}); }
        mk.openPopup();
      }, 80);
      return;
    }
    var open = function () {
      if (!group.evCluster._map) { return; }
      group.evCluster.zoomToShowLayer(mk, function () {
        if (!mk.getPopup()) { mk.bindPopup(group.evPopupHtml(mk), {maxWidth: 340, minWidth: 220}); }
        mk.openPopup();
      });
    };
    setTimeout(function () {
      var map = group.evCluster._map, t0 = Date.now();
      if (!map) { return; }
      open();
      // streamlit-folium re-centres on the selection right after drawing; open again once it has.
      map.once("moveend", function () { if (Date.now() - t0 < 3000) { setTimeout(open, 50); } });
    }, 80);
  }
  // The events table fetched from a static file (the dashboard: it stays out of the
  // websocket message, and the browser caches it); built into *holder* once it comes.
  function load(url, builder, opts, done) {
    var holder = L.featureGroup();
    fetch(url, {credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error("HTTP " + r.status); }
      return r.json();
    }).then(function (d) {
      var g = (builder === "buildAggregate" ? buildAggregate : build)(d, opts);
      holder.addLayer(g);
      if (holder._map) { done(g); }  // else a newer run has replaced this layer already
    }).catch(function (err) {
      var map = holder._map;
      if (!map) { return; }
      L.popup({className: "ev-load-error"}).setLatLng(map.getCenter())
        .setContent(esc("The events could not be loaded (" + err.message + "); reload the page.")).openOn(map);
    });
    return holder;
  }
  function control(lc, group, name) {
    if (!lc) { return; }
    if (window.__geoEvOverlay) { try { lc.removeLayer(window.__geoEvOverlay); } catch (e) {} }
    lc.addOverlay(group, name);
    window.__geoEvOverlay = group;
  }
  return {esc: esc, safeUrl: safeUrl, row: row, popup: popup, tooltip: tooltip, build: build, buildAggregate: buildAggregate, load: load, fit: fit, control: control, openSelected: openSelected};
})();
"""

_CSS = """
<style>
.ev-marker span{display:block;width:12px;height:12px;border-radius:50%;border:1px solid #fff;box-shadow:0 0 0 1px rgba(0,0,0,.55)}
.ev-marker.ev-approx span{background:rgba(255,255,255,.85)!important;border:3px solid;width:8px;height:8px;border-style:dashed}
.ev-popup{font:13px/1.35 system-ui,sans-serif;max-width:330px}
.ev-popup .ev-head{margin-bottom:4px}.ev-swatch{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px}
.ev-popup .ev-alt,.ev-popup .ev-prec{color:#555}.ev-popup blockquote{margin:6px 0;padding-left:8px;border-left:3px solid #ccc;color:#333}
.ev-popup div{margin:3px 0}
.ev-agg span{display:block;min-width:22px;height:22px;border-radius:11px;border:2px solid #fff;color:#fff;font:bold 11px/22px system-ui,sans-serif;text-align:center;box-shadow:0 0 0 1px rgba(0,0,0,.5)}
.geo-legend{background:rgba(255,255,255,.92);padding:6px 8px;border-radius:4px;font:12px/1.5 system-ui,sans-serif;box-shadow:0 1px 4px rgba(0,0,0,.3)}
.geo-legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px;vertical-align:middle}
.geo-legend i.approx{background:#fff!important;border:2px dashed #555;width:6px;height:6px}
.leaflet-geoLabels-pane{pointer-events:none}
.geo-lbl{pointer-events:none}
.gl{position:absolute;left:0;top:0;white-space:nowrap;font:11px/1.2 system-ui,sans-serif;color:#333;transform:translate(-3px,-50%);
  text-shadow:0 0 2px #fff,0 0 2px #fff,0 0 3px #fff,0 0 4px #fff}
.gl i{display:inline-block;width:5px;height:5px;border-radius:50%;background:#444;border:1px solid #fff;margin-right:3px;vertical-align:middle}
.gl-city{font-weight:600;font-size:12.5px}.gl-city i{width:7px;height:7px;background:#222}
.gl-place{color:#555;font-size:10.5px}.gl-place i{background:#777}
.gl-country{transform:translate(-50%,-50%);font-size:13px;letter-spacing:.25em;color:#8d8373;font-weight:600}
.gl-region{transform:translate(-50%,-50%);font-size:12px;font-style:italic;letter-spacing:.08em;color:#9a5a3c}
</style>
"""


class _Raw(Element):
    """Text put into the page as is: branca would compile a rendered script as a Jinja
    template again (0.3 s for 10,000 events), which this skips."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text

    def render(self, **kwargs: Any) -> str:
        return self.text


class _FastLayer(folium.map.Layer):
    """A layer whose (large) script is added to the page without a second Jinja pass."""

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        parent: Any = self._parent
        if self.show:
            self.add_child(
                folium.map.ElementAddToElement(
                    element_name=self.get_name(), element_parent_name=parent.get_name()
                ),
                name=self.get_name() + "_add",
            )
        figure: Any = self.get_root()
        script = self._template.module.__dict__["script"]
        figure.script.add_child(_Raw(script(self, kwargs)), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


class _Helpers(MacroElement):
    """Defines ``window.geoEv`` (escape, popup, marker builder) once per map, plus the CSS."""

    _template = Template("{% macro script(this, kwargs) %}" + _JS_HELPERS + "{% endmacro %}")

    def render(self, **kwargs: Any) -> None:  # type: ignore[override]
        root: Any = self.get_root()
        root.header.add_child(_Raw(_CSS), name="geo_css")
        super().render(**kwargs)


@dataclass(frozen=True)
class LayerPayload:
    """What :class:`EventsLayer` sends to the browser: the table as JSON (immutable, so it can be
    cached and shared between sessions), the number of events and whether they are aggregated."""

    json: str
    count: int
    aggregated: bool

    @cached_property
    def digest(self) -> str:
        """A name for the table's content (a static file's name: :func:`geo.assets.publish_layer`)."""
        return hashlib.sha1(self.json.encode("ascii"), usedforsecurity=False).hexdigest()


def layer_payload(
    events: Sequence[Mapping[str, Any]], selected_id: str | None = None, *, aggregate_above: int = AGGREGATE_ABOVE
) -> LayerPayload:
    """The events table of *events* (:func:`events_payload`, or past *aggregate_above* events
    :func:`aggregate_payload`), encoded."""
    aggregated = len(events) > aggregate_above
    payload = aggregate_payload(events) if aggregated else events_payload(events, selected_id)
    return LayerPayload(script_json(payload), len(events), aggregated)


class EventsLayer(_FastLayer):
    """The events as one clustered layer built in the browser from a compact table."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {%- if this.payload_url %}
        var {{ this.get_name() }} = window.geoEv.load({{ this.payload_url }}, "{{ this.builder }}", {clusterRadius: {{ this.cluster_radius }}}, function (g) {
        {%- else %}
        var {{ this.get_name() }} = window.geoEv.{{ this.builder }}({{ this.payload_json }}, {clusterRadius: {{ this.cluster_radius }}});
        (function (g) {
        {%- endif %}
        {%- if this.map_name %}
        {%- if this.fit %}
          window.geoEv.fit({{ this.map_name }}, g, {{ this.fit_max_zoom }});
        {%- endif %}
          window.geoEv.openSelected(g, {{ 'true' if this.reveal else 'false' }});
        {%- endif %}
        {%- if this.payload_url %}
        });
        {%- else %}
        })({{ this.get_name() }});
        {%- endif %}
        {%- if this.map_name %}
        window.geoEv.control(window.__geoLayerControl, {{ this._parent.get_name() if this.in_group else this.get_name() }}, {{ this.control_name }});
        {%- endif %}
        {% endmacro %}
        """
    )

    def __init__(
        self,
        events: Sequence[Mapping[str, Any]],
        *,
        selected_id: str | None = None,
        fit: bool = True,
        name: str = "Events",
        cluster_radius: int = 40,
        fit_max_zoom: int = FIT_MAX_ZOOM,
        aggregate_above: int = AGGREGATE_ABOVE,
        reveal: bool = True,
        payload: LayerPayload | None = None,
        payload_url: str | None = None,
    ) -> None:
        super().__init__(name=name, overlay=True, control=False, show=True)
        self._name = "EventsLayer"
        if payload is None:
            payload = layer_payload(events, selected_id, aggregate_above=aggregate_above)
        self.aggregated = payload.aggregated
        self.builder = "buildAggregate" if self.aggregated else "build"
        self.payload_json = payload.json
        # where the browser fetches the table instead (the dashboard); the page holds only its URL
        self.payload_url = script_json(payload_url) if payload_url else None
        self.count = payload.count
        self.fit = fit
        self.cluster_radius = int(cluster_radius)
        self.fit_max_zoom = int(fit_max_zoom)
        self.reveal = bool(reveal)
        label = f"{name} ({self.count:,}, by place)" if self.aggregated else f"{name} ({self.count:,})"
        self.control_name = script_json(label)

    @property
    def in_group(self) -> bool:
        return isinstance(self._parent, folium.FeatureGroup)

    @property
    def map_name(self) -> str | None:
        node: Any = self._parent
        while node is not None and not isinstance(node, folium.Map):
            node = getattr(node, "_parent", None)
        return node.get_name() if node is not None else None


class _GeoJsonLayer(_FastLayer):
    """A GeoJSON layer styled and labelled in the browser (names escaped there)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (d, styles, interactive) {
          var g = L.geoJSON(d, {
            interactive: interactive,
            style: function (f) { return styles[f.properties.k] || styles._default; },
            pointToLayer: function (f, latlng) {
              var p = f.properties;
              if (p.u > 0 && p.p >= 2 && p.u <= {{ this.max_circle_km }}) {
                return L.circle(latlng, {radius: p.u * 1000, color: "#555", weight: 1.5, dashArray: "4 4", fillOpacity: 0.06, className: "place-area"});
              }
              return L.circleMarker(latlng, {radius: 3, color: "#444", weight: 1, fillColor: "#fff", fillOpacity: 1, className: "place-point"});
            },
            onEachFeature: interactive ? function (f, layer) {
              var p = f.properties, t = "<b>" + window.geoEv.esc(p.n) + "</b>";
              if (p.a) { t += "<br>also: " + window.geoEv.esc(p.a); }
              if (p.w) { t += "<br>" + window.geoEv.esc(p.w); }
              layer.bindTooltip(t, {sticky: true});
            } : null
          });
          return g;
        })({{ this.data_json }}, {{ this.styles_json }}, {{ 'true' if this.interactive else 'false' }});
        {% endmacro %}
        """
    )

    def __init__(
        self,
        data: Mapping[str, Any],
        *,
        name: str,
        styles: Mapping[str, Any],
        overlay: bool = True,
        show: bool = True,
        interactive: bool = True,
    ) -> None:
        super().__init__(name=name, overlay=overlay, control=True, show=show)
        self._name = "GeoLayer"
        self.data_json = script_json(data)
        self.styles_json = script_json(styles)
        self.interactive = interactive
        self.max_circle_km = float(MAX_CIRCLE_KM)


class _LabelsLayer(_FastLayer):
    """Place names on the offline map (text only, set with ``textContent``) in a pane of their own
    above the areas and below the markers; on each zoom, the names of a tier shown at that zoom
    are placed most important first and a name that would overlap one already placed is hidden."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = (function (map, rows) {
          if (!map.getPane("geoLabels")) { map.createPane("geoLabels").style.zIndex = 450; }
          var group = L.layerGroup(), items = [];
          rows.forEach(function (r) {
            var el = document.createElement("div"), span = document.createElement("span");
            var centred = r[3] === "country" || r[3] === "region";
            el.className = "gl gl-" + r[3];
            if (!centred) { el.appendChild(document.createElement("i")); }
            span.textContent = r[2];
            el.appendChild(span);
            items.push({el: el, ll: L.latLng(r[0], r[1]), lo: r[4], hi: r[5], centred: centred, w: 0, h: 0, marker: null});
          });
          // A name becomes a marker only at the zooms of its tier (thousands of event places
          // would otherwise each be a DOM element from the start); the names shown are measured
          // in one pass (one layout), not one forced layout per name.
          function layout() {
            var z = map.getZoom(), placed = [], tier = [];
            items.forEach(function (it) {
              if (z >= it.lo && z <= it.hi) {
                if (!it.marker) {
                  var icon = L.divIcon({html: it.el, className: "geo-lbl", iconSize: [0, 0], iconAnchor: [0, 0]});
                  it.marker = L.marker(it.ll, {icon: icon, interactive: false, keyboard: false, pane: "geoLabels"});
                }
                if (!group.hasLayer(it.marker)) { group.addLayer(it.marker); }
                it.el.style.display = "";
                tier.push(it);
              } else if (it.marker && group.hasLayer(it.marker)) {
                group.removeLayer(it.marker);
              }
            });
            tier.forEach(function (it) { if (!it.w) { it.w = it.el.offsetWidth; it.h = it.el.offsetHeight || 13; } });
            tier.forEach(function (it) {
              var p = map.latLngToLayerPoint(it.ll), x0 = it.centred ? p.x - it.w / 2 : p.x - 3, y0 = p.y - it.h / 2;
              var box = [x0 - 3, y0 - 1, x0 + it.w + 3, y0 + it.h + 1], show = true;
              for (var j = 0; j < placed.length; j++) {
                var b = placed[j];
                if (box[0] < b[2] && box[2] > b[0] && box[1] < b[3] && box[3] > b[1]) { show = false; break; }
              }
              if (show) { placed.push(box); }
              it.el.style.display = show ? "" : "none";
            });
          }
          group.on("add", function () { map.on("zoomend", layout); layout(); });
          group.on("remove", function () { map.off("zoomend", layout); });
          group.geoLayout = layout;
          return group;
        })({{ this._parent.get_name() }}, {{ this.rows_json }});
        {% endmacro %}
        """
    )

    def __init__(self, rows: Sequence[Sequence[Any]] | ScriptJson, *, name: str = "Place names", show: bool = True) -> None:
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "LabelsLayer"
        self.rows_json = rows if isinstance(rows, ScriptJson) else script_json([list(r) for r in rows])


_VIEW_SYNC_JS = r"""
(function (map, names, sinkKey) {
  // The Streamlit page this map's iframe sits in (same origin), or null (a host page of another
  // origin, or no Streamlit page at all, as in a standalone HTML file).
  function streamlitWindow() {
    var w = window;
    try {
      while (w.parent && w.parent !== w) {
        w = w.parent;
        if (w.document.querySelector('[data-testid="stApp"]')) { return w; }
      }
    } catch (e) {}
    return null;
  }
  function fmt(x) { return String(Number(x.toFixed(5))); }
  function decodeKey(part) {
    try { return decodeURIComponent(part.split("=")[0].replace(/\+/g, " ")); } catch (e) { return null; }
  }
  // The query string with *values* set; every other parameter kept byte for byte, in its place.
  function withParams(search, values) {
    var out = [], done = {};
    search.replace(/^\?/, "").split("&").forEach(function (part) {
      if (!part) { return; }
      var key = decodeKey(part);
      if (key !== null && Object.prototype.hasOwnProperty.call(values, key)) {
        if (!done[key]) { out.push(key + "=" + encodeURIComponent(values[key])); done[key] = true; }
      } else {
        out.push(part);
      }
    });
    Object.keys(values).forEach(function (key) {
      if (!done[key]) { out.push(key + "=" + encodeURIComponent(values[key])); }
    });
    return out.join("&");
  }
  function pinned(w) {
    var keys = w.location.search.replace(/^\?/, "").split("&").map(decodeKey);
    return keys.indexOf(names[0]) >= 0 && keys.indexOf(names[1]) >= 0;
  }
  // Hand the view to the app's next run through a text input that does not rerun the app.
  function stage(w, text) {
    var input = w.document.querySelector(".st-key-" + sinkKey + " input");
    if (!input || input.value === text) { return; }
    var setter = Object.getOwnPropertyDescriptor(w.HTMLInputElement.prototype, "value").set;
    setter.call(input, text);
    input.dispatchEvent(new w.Event("input", {bubbles: true}));
  }
  function write(w) {
    var c = map.getCenter().wrap(), values = {};
    values[names[0]] = fmt(c.lat);
    values[names[1]] = fmt(c.lng);
    values[names[2]] = String(Math.round(map.getZoom()));
    var query = withParams(w.location.search, values);
    w.history.replaceState(w.history.state, "", w.location.pathname + (query ? "?" + query : "") + w.location.hash);
    stage(w, withParams("", values));
  }
  // A move is the user's when it starts while (or just after) they press, drag, scroll or type
  // on the map; the app's own moves (fitting, centring on a selection) are written only once the
  // link holds a centre already, so that a link without one keeps fitting the filtered events.
  var lastInput = 0, userMove = false, container = map.getContainer();
  ["mousedown", "touchstart", "wheel", "keydown", "dblclick"].forEach(function (type) {
    container.addEventListener(type, function () { lastInput = Date.now(); }, {capture: true, passive: true});
  });
  map.on("dragstart", function () { userMove = true; });
  map.on("movestart zoomstart", function () { if (Date.now() - lastInput < 1500) { userMove = true; } });
  map.on("moveend", function () {
    var mine = userMove;
    userMove = false;
    try {
      var w = streamlitWindow();
      if (w && (mine || pinned(w))) { write(w); }
    } catch (e) {}
  });
  window.geoViewSync = {withParams: withParams, streamlitWindow: streamlitWindow};
})
"""


class _ViewSync(MacroElement):
    """Keeps the page URL's ``lat``/``lon``/``zoom`` on the map's view, with no rerun of the app:
    on each move the map writes them into the Streamlit page's URL (``history.replaceState``,
    the other parameters kept as they are) and into a hidden text input the app reads on its
    next run. Nothing happens when the page above is not a Streamlit page of the same origin."""

    _template = Template(
        "{% macro script(this, kwargs) %}" + _VIEW_SYNC_JS
        + "({{ this._parent.get_name() }}, {{ this.names_json }}, {{ this.sink_json }});{% endmacro %}"
    )

    def __init__(self, names: Sequence[str] = share.MAP_VIEW_PARAMS, sink_key: str = VIEW_SINK_KEY) -> None:
        super().__init__()
        self._name = "ViewSync"
        self.names_json = script_json(list(names))
        self.sink_json = script_json(sink_key)


class _Legend(MacroElement):
    """The legend: a Leaflet control listing the event types' colours (names escaped here)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var legend = L.control({position: "bottomright"});
          legend.onAdd = function () {
            var div = L.DomUtil.create("div", "geo-legend");
            div.innerHTML = {{ this.html_json }};
            return div;
          };
          legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, event_types: Sequence[str]) -> None:
        super().__init__()
        self._name = "Legend"
        lines = [f'<i style="background:{type_color(t)}"></i>{esc(t)}' for t in event_types]
        lines.append('<i class="approx"></i>approximate place (circle: uncertainty)')
        self.html_json = script_json("<b>Event types</b><br>" + "<br>".join(lines))


class _ExposeControl(MacroElement):
    """Keeps a reference to the layer control so the events layer can list itself there."""

    _template = Template(
        "{% macro script(this, kwargs) %}window.__geoLayerControl = {{ this.control.get_name() }};{% endmacro %}"
    )

    def __init__(self, control: folium.LayerControl) -> None:
        super().__init__()
        self._name = "ExposeControl"
        self.control = control


def _round_coords(coords: Any, digits: int = 5) -> Any:
    if coords and isinstance(coords[0], (int, float)):
        return [round(c, digits) for c in coords]
    return [_round_coords(c, digits) for c in coords]


def place_layers_data(
    places: Mapping[str, Any] | None, events: Sequence[Mapping[str, Any]] = ()
) -> dict[str, Any]:
    """The places to draw by their own geometry (lines, areas, uncertainty circles; exact points
    are left to the event markers), slimmed to what their tooltips need; from *places*, else the
    distinct places of *events*."""
    features: dict[str, dict[str, Any]] = {}
    source = list((places or {}).get("features", [])) or list(events)
    for feature in source:
        props = feature.get("properties", {})
        pid = props.get("place_id")
        if not pid or pid in features:
            continue
        kind = props.get("kind") or "unknown"
        geometry = feature["geometry"]
        if geometry["type"] in ("Point", "MultiPoint") and not (
            props.get("geo_precision", 1) >= 2 and 0 < props.get("uncertainty_km", 0) <= MAX_CIRCLE_KM
        ):
            continue  # an exact point, or only a larger region: the event markers show it
        features[pid] = {
            "type": "Feature",
            "geometry": {"type": geometry["type"], "coordinates": _round_coords(geometry["coordinates"])},
            "properties": {
                "n": props.get("name") or props.get("place") or pid,
                "k": kind,
                "a": ", ".join(props.get("alternate_names") or []),
                "p": props.get("geo_precision", 1),
                "u": props.get("uncertainty_km", 0),
                "w": precision_words(props.get("geo_precision", 1), props.get("uncertainty_km", 0), kind),
            },
        }
    return {"type": "FeatureCollection", "features": list(features.values())}


def _bounds_lat_lon(events: Sequence[Mapping[str, Any]]) -> list[list[float]] | None:
    if not events:
        return None
    lats, lons = [], []
    seen: set[int] = set()  # geometries shared by features (one object per place) count once
    for feature in events:
        geometry = feature["geometry"]
        if id(geometry) in seen:
            continue
        seen.add(id(geometry))
        lon, lat = representative_lon_lat(geometry)
        lats.append(lat)
        lons.append(lon)
    return [[min(lats), min(lons)], [max(lats), max(lons)]]


@dataclass(frozen=True)
class Extent:
    """What the base map needs from all the data: its bounds and its event types."""

    bounds_lat_lon: list[list[float]] | None
    event_types: tuple[str, ...]


def data_extent(events: Sequence[Mapping[str, Any]]) -> Extent:
    """The ``[[south, west], [north, east]]`` bounds of *events* and their event types (legend order)."""
    types = sorted({f["properties"]["event_type"] for f in events}, key=lambda t: (t not in PALETTE, t))
    return Extent(_bounds_lat_lon(events), tuple(types))


LABEL_KINDS = ("settlement", "height", "landmark", "lake", "border-area", "unknown")


def label_rows(events: Sequence[Mapping[str, Any]] = ()) -> list[list[Any]]:
    """The offline map's place names (:func:`geo.basemap.labels`) with the point places of
    *events* among them, as rows for :class:`_LabelsLayer`."""
    seen: dict[str, tuple[str, float, float, str]] = {}
    for feature in events:
        props = feature.get("properties", {})
        pid = props.get("place_id")
        if not pid or pid in seen or props.get("kind", "unknown") not in LABEL_KINDS:
            continue
        if feature.get("geometry", {}).get("type") != "Point":
            continue
        lon, lat = representative_lon_lat(feature["geometry"])
        seen[pid] = (pid, lat, lon, str(props.get("place") or ""))
    return [label.row() for label in basemap.labels(seen.values())]


def _prepare_map(m: folium.Map, asset_base: str) -> folium.Map:
    # Instance attributes override folium's class-level CDN lists, for folium and streamlit-folium.
    m.default_js = assets.map_js(asset_base) + assets.cluster_js(asset_base)
    m.default_css = assets.map_css(asset_base) + assets.cluster_css(asset_base)
    return m


def build_base_map(
    places: Mapping[str, Any] | None,
    view: ViewState,
    *,
    all_events: Sequence[Mapping[str, Any]] = (),
    basemap_name: str = "offline",
    asset_base: str = assets.IFRAME_BASE,
    height: int | str = "100%",
    extent: Extent | None = None,
    place_data: Mapping[str, Any] | None = None,
    labels: Sequence[Sequence[Any]] | ScriptJson | None = None,
    sync_view: bool = False,
) -> tuple[folium.Map, folium.LayerControl]:
    """The map without the events: basemaps, place layers, legend and the layer control.

    It depends only on the data (not on the filters), so it stays the same while filters change.
    The view's centre and zoom are used when given; otherwise the map fits *all_events*.
    *extent*, *place_data* and *labels* (from :func:`data_extent`, :func:`place_layers_data` and
    :func:`label_rows`) can be passed precomputed, so that a rerun does not walk all the events
    again. With *sync_view* (the dashboard), the map keeps the Streamlit page's URL on its view
    (:class:`_ViewSync`).
    """
    if extent is None:
        extent = data_extent(all_events)
    if place_data is None:
        place_data = place_layers_data(places, all_events)
    if labels is None:
        labels = label_rows(all_events)
    if basemap_name not in ("offline", "osm"):
        raise ValueError(f"basemap must be 'offline' or 'osm', got {basemap_name!r}")
    center_lat_lon = (view.lat, view.lon) if view.lat is not None and view.lon is not None else None
    has_view = center_lat_lon is not None
    m = folium.Map(
        location=list(center_lat_lon or DEFAULT_CENTER),
        zoom_start=view.zoom or 8,
        tiles=None,
        control_scale=True,
        height=height,
        prefer_canvas=False,
    )
    # folium drops these without tiles; markercluster needs the map's maxZoom.
    m.options["maxZoom"] = 18
    m.options["minZoom"] = 3
    _prepare_map(m, asset_base)
    _Helpers().add_to(m)
    if basemap_name == "offline":
        root: Any = m.get_root()
        root.header.add_child(
            _Raw(f"<style>.leaflet-container{{background:{basemap.BACKGROUND}}}</style>"), name="geo_bg"
        )
    offline = folium.FeatureGroup(name="Offline borders (Natural Earth)", overlay=False, show=basemap_name == "offline")
    _GeoJsonLayer(
        basemap.countries(),
        name="countries",
        styles={"_default": {"color": "#9a8f80", "weight": 1, "fillColor": basemap.LAND, "fillOpacity": 1}},
        interactive=False,
    ).add_to(offline)
    _GeoJsonLayer(
        basemap.region_outline(),
        name="Nagorno-Karabakh",
        styles={"_default": {"color": "#b07050", "weight": 1.5, "dashArray": "5 4", "fill": False}},
        interactive=False,
    ).add_to(offline)
    offline.add_to(m)
    folium.TileLayer(
        basemap.OSM_TILES,
        attr=basemap.OSM_ATTRIBUTION,
        name="OpenStreetMap (online)",
        overlay=False,
        show=basemap_name == "osm",
        max_zoom=19,
    ).add_to(m)
    data = place_data
    if data["features"]:
        styles: dict[str, Any] = {"_default": {"color": "#666", "weight": 2, "fillOpacity": 0.05}}
        styles.update(KIND_STYLE)
        _GeoJsonLayer(data, name="Places (lines, areas, uncertainty)", styles=styles).add_to(m)
    _LabelsLayer(labels, show=basemap_name == "offline").add_to(m)
    _Legend(list(extent.event_types) or list(PALETTE)).add_to(m)
    if sync_view:
        _ViewSync().add_to(m)
    if not has_view:
        bounds = extent.bounds_lat_lon
        fit = folium.map.FitBounds(bounds or [[39.0, 45.5], [40.6, 47.5]], padding=(40, 40), max_zoom=FIT_MAX_ZOOM)
        fit.options["animate"] = False  # see geoEv.fit
        m.add_child(fit)
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    _ExposeControl(control).add_to(m)
    return m, control


def build_events_layer(
    events: Sequence[Mapping[str, Any]],
    *,
    selected_id: str | None = None,
    fit: bool = True,
    name: str = "Events",
    aggregate_above: int = AGGREGATE_ABOVE,
    reveal: bool = True,
    payload: LayerPayload | None = None,
    payload_url: str | None = None,
) -> folium.FeatureGroup:
    """The (filtered) events as a feature group holding one :class:`EventsLayer`; past
    *aggregate_above* events, one marker per place with its count (see :func:`aggregate_payload`).
    *reveal*: the map may zoom to show the selected event's marker (else its popup opens only if
    the marker is in view, and the view stays). With *payload_url*, the browser fetches the
    table (*payload*, published there by :func:`geo.assets.publish_layer`) instead of finding
    it in the page."""
    group = folium.FeatureGroup(name=name, overlay=True, control=False)
    EventsLayer(events, selected_id=selected_id, fit=fit, name=name, aggregate_above=aggregate_above,
                reveal=reveal, payload=payload, payload_url=payload_url).add_to(group)
    return group


def build_map(
    events: Mapping[str, Any] | Sequence[Mapping[str, Any]],
    places: Mapping[str, Any] | None,
    view: ViewState,
    *,
    basemap: str = "offline",
    selected_id: str | None = None,
    all_events: Sequence[Mapping[str, Any]] | None = None,
    asset_base: str = assets.IFRAME_BASE,
) -> folium.Map:
    """The whole map: base map plus the events layer, fitted to *events* unless the view
    gives a centre (a selected event is highlighted)."""
    features = list(events.get("features", [])) if isinstance(events, Mapping) else list(events)
    features = [f for f in features if f.get("properties", {}).get("feature_kind", "event") == "event"]
    m, _control = build_base_map(
        places, view, all_events=features if all_events is None else all_events,
        basemap_name=basemap, asset_base=asset_base,
    )
    fit = view.lat is None and selected_id is None
    build_events_layer(features, selected_id=selected_id or view.selected_id, fit=fit).add_to(m)
    return m


def render_html(m: folium.Map) -> str:
    """The map as one standalone HTML page."""
    return m.get_root().render()
