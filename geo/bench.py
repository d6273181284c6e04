"""The benchmark: ``python -m geo.bench``.

Generates realistic synthetic ``event`` features in the region (valid per :mod:`geo.model`),
then measures, at each size, the map build against the plain-Folium baseline, the app's script
through Streamlit's ``AppTest``, the real app in headless Chromium, and the pipeline (extraction,
gazetteer, cached geocoding). It prints one table; every figure is the median of ``--repeat``
runs, with the issue's target and PASS/FAIL beside it.

The machine this runs on is shared and noisy: the figures are indications, and the test suite
only smoke-tests this module at a tiny size, without asserting on time.

Usage::

    python -m geo.bench [--sizes 1000,10000,100000] [--repeat N] [--skip-browser] [--out FILE]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import html
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.model import feature_collection, representative_lon_lat
from geo.store import EVENTS_FILE, PLACES_FILE, write_collection

ROOT = Path(__file__).resolve().parent.parent
APP_PATH = ROOT / "app.py"
DEFAULT_SIZES = (1000, 10000, 100000)
BASELINE_MAX_SIZE = 10000  # the plain-Folium baseline takes minutes past this
REGION_LON = (44.5, 47.5)
REGION_LAT = (38.8, 41.0)
FIRST_DAY = dt.date(2022, 1, 1)
DAYS = 2 * 365
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--metrics-recording-only",
]
SLIDER_KEY = "f_window"  # app.py's date-window slider
FOLIUM_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
# Leaflet markers and markercluster's cluster icons are both marker icons; vector layers (the
# places' lines, areas and circles) are ``path.leaflet-interactive`` and must not count.
MARKER_SELECTOR = ".leaflet-marker-icon, .marker-cluster"

# ---------------------------------------------------------------------------------------------
# Synthetic data
# ---------------------------------------------------------------------------------------------

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": ("Armed clash", "Government regains territory", "Non-state actor overtakes territory"),
    "Explosions/Remote violence": (
        "Shelling/artillery/missile attack",
        "Air/drone strike",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": ("Attack", "Abduction/forced disappearance"),
    "Protests": ("Peaceful protest", "Protest with intervention", "Excessive force against protesters"),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Disrupted weapons use",
        "Other",
    ),
}
# Weights roughly like ACLED's South Caucasus mix (shelling and strategic news dominate).
EVENT_TYPE_WEIGHTS = (0.18, 0.34, 0.06, 0.14, 0.03, 0.25)
ACTORS = (
    "Military Forces of Azerbaijan",
    "Military Forces of Armenia",
    "Artsakh Defence Army",
    "Russian peacekeeping contingent",
    "Protesters (Armenia)",
    "Police Forces of Armenia",
    "Civilians (Armenia)",
    "Civilians (Azerbaijan)",
    "EU Monitoring Mission in Armenia",
)
PLACE_STEMS = (
    "Stepanakert", "Shusha", "Lachin", "Goris", "Kalbajar", "Aghdam", "Fizuli", "Jabrayil",
    "Zangilan", "Kubatly", "Martuni", "Askeran", "Hadrut", "Martakert", "Jermuk", "Sotk",
    "Vardenis", "Kapan", "Tegh", "Berdzor", "Tartar", "Barda", "Ganja", "Ijevan", "Tavush",
    "Khojaly", "Agdere", "Kelbajar", "Yeraskh", "Sisian", "Meghri", "Nakhchivan", "Qazax",
)
OUTLETS = ("Example Wire", "Caucasus Daily", "Regional Monitor", "OC Media Digest", "Border Watch")
SENTENCE_BITS = (
    "according to local officials",
    "residents reported hearing explosions through the night",
    "the ministry of defence said in a statement",
    "no casualties were immediately reported",
    "the incident was later confirmed by the monitoring mission",
    "several houses and a school were damaged",
    "traffic on the corridor was halted for several hours",
    "both sides accused each other of violating the ceasefire",
)


def _place_name(rng: random.Random, i: int) -> str:
    stem = PLACE_STEMS[i % len(PLACE_STEMS)]
    return stem if i < len(PLACE_STEMS) else f"{stem} {rng.choice(('village', 'heights', 'valley', 'pass'))} {i}"


def _rand_lon_lat(rng: random.Random) -> tuple[float, float]:
    return (round(rng.uniform(*REGION_LON), 5), round(rng.uniform(*REGION_LAT), 5))


def synthetic_places(n_places: int, *, seed: int = 0) -> list[dict[str, Any]]:
    """*n_places* place features: about 90 % points, 5 % roads (LineString), 5 % districts."""
    rng = random.Random(seed)
    places: list[dict[str, Any]] = []
    for i in range(n_places):
        lon, lat = _rand_lon_lat(rng)
        roll = rng.random()
        if roll < 0.05:
            coords = [[lon, lat]]
            for _ in range(rng.randint(3, 8)):
                lon = min(max(lon + rng.uniform(-0.08, 0.08), REGION_LON[0]), REGION_LON[1])
                lat = min(max(lat + rng.uniform(-0.06, 0.06), REGION_LAT[0]), REGION_LAT[1])
                coords.append([round(lon, 5), round(lat, 5)])
            geometry: dict[str, Any] = {"type": "LineString", "coordinates": coords}
            kind, precision, unc = "road", 2, 5.0
        elif roll < 0.10:
            r = rng.uniform(0.05, 0.2)
            ring = [
                [round(lon - r, 5), round(lat - r, 5)],
                [round(lon + r, 5), round(lat - r, 5)],
                [round(lon + r, 5), round(lat + r, 5)],
                [round(lon - r, 5), round(lat + r, 5)],
                [round(lon - r, 5), round(lat - r, 5)],
            ]
            geometry = {"type": "Polygon", "coordinates": [ring]}
            kind, precision, unc = "district", 3, 15.0
        else:
            geometry = {"type": "Point", "coordinates": [lon, lat]}
            kind, precision, unc = "settlement", 1, 0.0
        name = _place_name(rng, i)
        place_id = f"curated:bench-{i}"
        places.append(
            {
                "type": "Feature",
                "id": place_id,
                "geometry": geometry,
                "properties": {
                    "feature_kind": "place",
                    "place_id": place_id,
                    "name": name,
                    "kind": kind,
                    "geo_precision": precision,
                    "uncertainty_km": unc,
                    "source": place_id,
                    "alternate_names": [name.upper(), name.replace("a", "ə")],
                },
            }
        )
    return places


def _sentence(rng: random.Random, place: str, what: str) -> str:
    bits = rng.sample(SENTENCE_BITS, 2)
    return f"{what.capitalize()} near {place}; {bits[0]}, and {bits[1]}."


def synthetic_events(
    n: int, *, seed: int = 0, places: Sequence[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A FeatureCollection of *n* event features (one feature per event and place).

    About 15 % of events happen at two or three places (features sharing an ``event_id``).
    Dates span two years with day, week and month precision; summaries and quotes are of the
    length the extractor writes (one to two sentences).
    """
    rng = random.Random(seed)
    if places is None:
        places = synthetic_places(max(50, min(5000, n // 4)), seed=seed)
    types = list(EVENT_TYPES)
    features: list[dict[str, Any]] = []
    article = 0
    while len(features) < n:
        article += 1
        article_id = f"{article:016x}"
        published = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
        outlet = rng.choice(OUTLETS)
        for event_no in range(1, rng.randint(1, 4) + 1):
            if len(features) >= n:
                break
            event_type = rng.choices(types, weights=EVENT_TYPE_WEIGHTS)[0]
            sub_type = rng.choice(EVENT_TYPES[event_type])
            precision = rng.choices(("day", "week", "month"), weights=(0.75, 0.2, 0.05))[0]
            span = {"day": rng.choice((0, 0, 0, 1, 2)), "week": 6, "month": 29}[precision]
            start = published - dt.timedelta(days=rng.randrange(0, 10))
            end = min(start + dt.timedelta(days=span), published)
            start = min(start, end)
            event_id = f"{article_id}-{event_no}"
            n_places = 1 if rng.random() < 0.85 else rng.randint(2, 3)
            at = rng.sample(list(places), n_places)
            actors = rng.sample(ACTORS, rng.randint(1, 2))
            fatalities = rng.choice((None, None, 0, 0, 1, 2, 5))
            for place in at:
                if len(features) >= n:
                    break
                pprops = place["properties"]
                name = pprops["name"]
                summary = _sentence(rng, name, sub_type.lower())
                quote = (
                    f"\u201c{_sentence(rng, name, event_type.lower())} {rng.choice(SENTENCE_BITS).capitalize()}.\u201d"
                )
                features.append(
                    {
                        "type": "Feature",
                        "id": f"{event_id}@{pprops['place_id']}",
                        "geometry": place["geometry"],
                        "properties": {
                            "feature_kind": "event",
                            "event_id": event_id,
                            "event_type": event_type,
                            "sub_event_type": sub_type,
                            "date_start": start.isoformat(),
                            "date_end": end.isoformat(),
                            "time_precision": precision,
                            "summary": summary,
                            "quote": quote,
                            "place": name,
                            "place_id": pprops["place_id"],
                            "mention": name,
                            "geo_precision": pprops["geo_precision"],
                            "uncertainty_km": pprops["uncertainty_km"],
                            "source": {
                                "title": f"{event_type} reported near {name}",
                                "url": f"https://example.org/{outlet.lower().replace(' ', '-')}/{article_id}",
                                "outlet": outlet,
                                "published": published.isoformat(),
                            },
                            "actors": actors,
                            "fatalities": fatalities,
                            "kind": pprops["kind"],
                            "article_id": article_id,
                            "place_source": pprops["source"],
                        },
                    }
                )
    return feature_collection(features)


def synthetic_article(rng: random.Random, *, size: int = 2048) -> tuple[str, dt.date]:
    """A news-like English article of about *size* characters naming real places and dates."""
    published = FIRST_DAY + dt.timedelta(days=rng.randrange(DAYS))
    places = ("Stepanakert", "Shusha", "Lachin", "Goris", "Kalbajar", "Aghdam", "Martuni", "Jermuk")
    lines = [f"{published:%B} {published.day}, {published.year}"]
    days = ("on Monday", "on Tuesday", "yesterday", "on Saturday night", "earlier this week")
    while sum(len(x) + 1 for x in lines) < size:
        place = rng.choice(places)
        other = rng.choice(places)
        what = rng.choice(
            (
                f"Azerbaijani forces shelled positions near {place} {rng.choice(days)}, the Armenian "
                f"defence ministry said.",
                f"Hundreds of people protested in {place} {rng.choice(days)} against the closure of "
                f"the road to {other}.",
                f"A civilian was wounded by a landmine outside {place} {rng.choice(days)}, local "
                f"officials reported.",
                f"Clashes broke out between {place} and {other} {rng.choice(days)}; two soldiers were "
                f"killed.",
                f"The peacekeeping contingent set up a new observation post at {place}.",
                f"Officials met in {place} to discuss the reopening of the corridor, {rng.choice(SENTENCE_BITS)}.",
            )
        )
        lines.append(what)
    return " ".join(lines)[: size + 200], published


# ---------------------------------------------------------------------------------------------
# Timing helpers and the table
# ---------------------------------------------------------------------------------------------


def median_time(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of *repeat* calls of *fn* and the last result."""
    times: list[float] = []
    result: Any = None
    for _ in range(max(1, repeat)):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


@dataclass
class Row:
    """One line of the table."""

    figure: str
    size: int | None
    value: float | None
    unit: str
    note: str = ""

    @property
    def target(self) -> tuple[str, float] | None:
        return TARGETS.get((self.figure, self.size))

    @property
    def status(self) -> str:
        target = self.target
        if target is None or self.value is None:
            return ""
        op, limit = target
        ok = self.value <= limit if op == "<=" else self.value >= limit
        return "PASS" if ok else "FAIL"


# Figure names; the targets of issue 5 are keyed on (figure, size); None = no size.
MAP_S = "map build: features -> HTML"
MAP_B = "map page size"
BASE_S = "baseline (Marker+Popup) build"
BASE_B = "baseline page size"
RATIO = "speed-up, baseline / ours"
APP_FIRST = "AppTest: first load"
APP_SLIDER = "AppTest: rerun after slider change"
BUNDLED_COLD = "AppTest: bundled data, first run, cold process"
BR_MARKERS = "Chromium: markers on screen"
BR_MARKERS_COLD = "Chromium: markers, cold server (1 run)"
BR_RETURN = "Chromium: markers, returning visitor"
BR_SLIDER = "Chromium: markers after slider change"
BR_FLOOR = "Chromium: floor, a one-line Streamlit app"
BR_MAP_ONLY = "Chromium: floor with the map, a page of it alone"
RSS = "streamlit server peak RSS"
EXTRACT = "extract_events, 2 KB articles"
GAZ = "gazetteer cold load (fresh process)"
GEOCODE = "geocoder look-ups, cached (online chain)"
GEOCODE_GAZ = "geocoder look-ups, gazetteer"

TARGETS: dict[tuple[str, int | None], tuple[str, float]] = {
    (MAP_S, 10000): ("<=", 0.3),
    (MAP_B, 10000): ("<=", 250.0),
    (RATIO, 10000): (">=", 30.0),
    (APP_SLIDER, 10000): ("<=", 0.5),
    (BR_MARKERS, 10000): ("<=", 2.0),
    (APP_FIRST, 100000): ("<=", 3.0),
    (APP_SLIDER, 100000): ("<=", 1.0),
    (BR_MARKERS, 100000): ("<=", 4.0),
    (RSS, 100000): ("<=", 1024.0),
    (BUNDLED_COLD, None): ("<=", 1.5),
    (EXTRACT, None): (">=", 20.0),
}
FIGURE_ORDER = (
    MAP_S, MAP_B, BASE_S, BASE_B, RATIO, APP_FIRST, APP_SLIDER, BR_FLOOR, BR_MAP_ONLY, BR_MARKERS_COLD, BR_MARKERS, BR_RETURN,
    BR_SLIDER, RSS, BUNDLED_COLD, EXTRACT, GAZ, GEOCODE_GAZ, GEOCODE,
)


def _fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit in ("s",):
        return f"{value:.3f}" if value < 10 else f"{value:.1f}"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def format_table(rows: Sequence[Row], *, repeat: int) -> str:
    """The rows as one Markdown table, in a fixed order of figures then sizes."""
    order = {name: i for i, name in enumerate(FIGURE_ORDER)}
    rows = sorted(rows, key=lambda r: (order.get(r.figure, 99), r.size or 0))
    header = ("figure", "events", f"median of {repeat}", "unit", "target", "result", "note")
    cells = [header]
    for r in rows:
        target = r.target
        cells.append(
            (
                r.figure,
                "-" if r.size is None else f"{r.size:,}",
                _fmt_value(r.value, r.unit),
                r.unit,
                "" if target is None else f"{target[0]} {target[1]:g}",
                r.status,
                r.note,
            )
        )
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    right = {1, 2}

    def line(row: Sequence[str]) -> str:
        parts = [c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        return "| " + " | ".join(parts) + " |"

    sep = "|" + "|".join(("-" * (w + 1) + ":") if i in right else ("-" * (w + 2)) for i, w in enumerate(widths)) + "|"
    return "\n".join([line(cells[0]), sep, *(line(c) for c in cells[1:])])


# ---------------------------------------------------------------------------------------------
# Map build: ours and the plain-Folium baseline
# ---------------------------------------------------------------------------------------------


def _render(m: Any) -> str:
    return str(m.get_root().render())


def build_ours(events: dict[str, Any], places: dict[str, Any] | None) -> str:
    """features -> folium.Map via :func:`geo.mapview.build_map` -> HTML."""
    from geo.mapview import build_map
    from geo.share import ViewState

    return _render(build_map(events, places, ViewState()))


def popup_html(props: dict[str, Any]) -> str:
    """The popup a plain-Folium app would build per marker (what our popups show)."""
    src = props["source"]
    e = html.escape
    return (
        f"<b>{e(props['event_type'])}</b> &middot; {e(props['sub_event_type'])}<br>"
        f"{e(props['date_start'])} &ndash; {e(props['date_end'])} ({e(props['time_precision'])})<br>"
        f"<b>{e(props['place'])}</b><p>{e(props['summary'])}</p><blockquote>{e(props['quote'])}</blockquote>"
        f"<a href=\"{e(src.get('url') or '')}\" target=\"_blank\">{e(src.get('title') or '')}</a> "
        f"({e(src.get('outlet') or '')}, {e(src.get('published') or '')})"
    )


def build_baseline(events: dict[str, Any]) -> str:
    """The plain way: one ``folium.Marker`` with a ``folium.Popup`` per event -> HTML."""
    import folium

    m = folium.Map(location=(39.9, 46.0), zoom_start=8)
    for feature in events["features"]:
        lon, lat = representative_lon_lat(feature["geometry"])
        folium.Marker(location=(lat, lon), popup=folium.Popup(popup_html(feature["properties"]), max_width=320)).add_to(m)
    return _render(m)


def bench_map(
    events: dict[str, Any], places: dict[str, Any] | None, size: int, repeat: int, *, baseline: bool
) -> list[Row]:
    """Rows for our map build, the baseline (when *baseline*) and their ratio."""
    rows: list[Row] = []
    ours_s: float | None = None
    warm = {"type": "FeatureCollection", "features": events["features"][:10]}
    try:
        build_ours(warm, places)  # imports, the basemap files: one-time costs, not per build
        ours_s, page = median_time(lambda: build_ours(events, places), repeat)
    except ImportError as err:
        rows.append(Row(MAP_S, size, None, "s", f"not run: {err}"))
    else:
        rows.append(Row(MAP_S, size, ours_s, "s"))
        rows.append(Row(MAP_B, size, len(page.encode()) / size, "B/event"))
    if baseline:
        build_baseline(warm)
        base_s, base_page = median_time(lambda: build_baseline(events), repeat)
        rows.append(Row(BASE_S, size, base_s, "s"))
        rows.append(Row(BASE_B, size, len(base_page.encode()) / size, "B/event"))
        if ours_s is not None:
            rows.append(Row(RATIO, size, base_s / ours_s, "x"))
    else:
        note = f"baseline not run above {BASELINE_MAX_SIZE:,} events (minutes per run)"
        rows.append(Row(BASE_S, size, None, "s", note))
        rows.append(Row(RATIO, size, None, "x", note))
    return rows


# ---------------------------------------------------------------------------------------------
# The app: data folder, AppTest, Chromium
# ---------------------------------------------------------------------------------------------


def write_data_dir(folder: Path, events: dict[str, Any], places: dict[str, Any]) -> Path:
    """Write *events* and *places* into *folder* as the store lays them out."""
    folder.mkdir(parents=True, exist_ok=True)
    write_collection(folder / EVENTS_FILE, events)
    write_collection(folder / PLACES_FILE, places)
    return folder


@contextlib.contextmanager
def _env(**values: str | None) -> Iterator[None]:
    old = {k: os.environ.get(k) for k in values}
    for k, v in values.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _slider_target(value: Any, lo: Any, hi: Any) -> Any:
    """A new slider value that narrows the view: a range keeps its later half."""
    if isinstance(value, (tuple, list)) and len(value) == 2:
        start, end = value
        if isinstance(start, dt.date):
            return (start + (end - start) / 2, end)
        return (start + (end - start) / 2, end)
    if isinstance(value, dt.date):
        return lo + (hi - lo) / 2
    return type(value)(lo + (hi - lo) / 2)


def find_slider(at: Any, key: str | None = None) -> Any:
    """The app's slider: by *key*, else the first range slider, else the first slider."""
    if key is not None:
        return at.slider(key=key)
    sliders = list(at.slider)
    if not sliders:
        raise LookupError("the app shows no st.slider")
    ranges = [s for s in sliders if isinstance(s.value, (tuple, list))]
    return (ranges or sliders)[0]


def _clear_streamlit_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def apptest_once(app_path: Path, *, slider_key: str | None = None, timeout: float = 600.0) -> tuple[float, float]:
    """One cold-cache first run of the app and one rerun after a slider change, in seconds."""
    from streamlit.testing.v1 import AppTest

    _clear_streamlit_caches()
    at = AppTest.from_file(str(app_path), default_timeout=timeout)
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"app raised on first run: {at.exception[0].message}")
    slider = find_slider(at, slider_key)
    slider.set_value(_slider_target(slider.value, slider.min, slider.max))
    t0 = time.perf_counter()
    at.run()
    rerun = time.perf_counter() - t0
    if at.exception:
        raise RuntimeError(f"app raised after the slider change: {at.exception[0].message}")
    return first, rerun


def bench_apptest(
    data_dir: Path, size: int, repeat: int, *, app_path: Path = APP_PATH, slider_key: str | None = SLIDER_KEY
) -> list[Row]:
    """AppTest rows: first load (caches cleared) and rerun after a slider change."""
    if not app_path.exists():
        return [Row(APP_FIRST, size, None, "s", f"not run: {app_path.name} missing")]
    firsts: list[float] = []
    reruns: list[float] = []
    with _env(GEO_DATA_DIR=str(data_dir)):
        for _ in range(max(1, repeat)):
            first, rerun = apptest_once(app_path, slider_key=slider_key)
            firsts.append(first)
            reruns.append(rerun)
    return [
        Row(APP_FIRST, size, statistics.median(firsts), "s", "caches cleared, warm interpreter"),
        Row(APP_SLIDER, size, statistics.median(reruns), "s"),
    ]


_COLD_SCRIPT = r"""
import sys, time
from streamlit.testing.v1 import AppTest
# Streamlit's own start-up (component discovery, runtime) happens once per server, before any
# session: pay it on an empty script first so that the figure is the app's first run.
AppTest.from_string("import streamlit as st").run()
at = AppTest.from_file(sys.argv[1], default_timeout=300)
t0 = time.perf_counter()
at.run()
dt_s = time.perf_counter() - t0
if at.exception:
    sys.exit("app raised: " + at.exception[0].message)
print(dt_s)
"""


def bench_bundled_cold(repeat: int, *, app_path: Path = APP_PATH) -> list[Row]:
    """The app's first script run on the bundled ``data/``, each in a fresh Python process.

    The time is that of ``AppTest.run()`` only: the app's own imports (folium, which imports pandas,
    geo) and its first read of ``data/`` are in it; Streamlit's import and start-up are not (a
    server has done them before the first session comes).
    """
    if not app_path.exists():
        return [Row(BUNDLED_COLD, None, None, "s", f"not run: {app_path.name} missing")]
    times: list[float] = []
    env = {k: v for k, v in os.environ.items() if k != "GEO_DATA_DIR"}
    for _ in range(max(1, repeat)):
        out = subprocess.run(
            [sys.executable, "-c", _COLD_SCRIPT, str(app_path)],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
        )
        if out.returncode != 0:
            return [Row(BUNDLED_COLD, None, None, "s", f"failed: {out.stderr.strip()[-200:]}")]
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return [Row(BUNDLED_COLD, None, statistics.median(times), "s", "AppTest.run() in a fresh process")]


# ---------------------------------------------------------------------------------------------
# The real app in headless Chromium
# ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PeakRss:
    """Polls the resident memory of a process and its children in a thread; keeps the peak."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        import psutil

        self._proc = psutil.Process(pid)
        self._interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> int:
        import psutil

        total = 0
        try:
            procs = [self._proc, *self._proc.children(recursive=True)]
        except psutil.Error:
            return 0
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                total += proc.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._sample())
            self._stop.wait(self._interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextlib.contextmanager
def streamlit_server(
    data_dir: Path | None, *, app_path: Path = APP_PATH, timeout: float = 120.0, log: Path | None = None
) -> Iterator[tuple[str, int]]:
    """``streamlit run app.py`` on a free port of 127.0.0.1 (``GEO_DATA_DIR=data_dir`` when
    given), its output to *log* or a temporary file; yields (url, pid) once it answers."""
    port = free_port()
    env = dict(os.environ)
    if data_dir is not None:
        env["GEO_DATA_DIR"] = str(data_dir)
    cmd = [
        sys.executable, "-m", "streamlit", "run", str(app_path),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]
    url = f"http://127.0.0.1:{port}/"
    with open(log, "w+b") if log else tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    out.seek(0)
                    raise RuntimeError(f"streamlit exited: {out.read().decode(errors='replace')[-500:]}")
                try:
                    with urllib.request.urlopen(url + "_stcore/health", timeout=2) as resp:
                        if resp.status == 200:
                            break
                except OSError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"streamlit did not answer on {url} within {timeout:.0f} s")
                time.sleep(0.1)
            yield url, proc.pid
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


_TAG_OLD = "(sel) => { for (const el of document.querySelectorAll(sel)) el.setAttribute('data-bench-old', '1'); }"
_NEW_MARKERS = ", ".join(f"{sel.strip()}:not([data-bench-old])" for sel in MARKER_SELECTOR.split(","))


def _map_frames(page: Any) -> list[Any]:
    return [f for f in page.frames if "streamlit_folium" in f.url]


def _wait_markers(page: Any, selector: str, timeout_s: float) -> None:
    """Poll every map iframe (Streamlit may show a stale one beside the new one) until an
    element matching *selector* is visible."""
    deadline = time.perf_counter() + timeout_s
    while True:
        for frame in _map_frames(page):
            with contextlib.suppress(Exception):  # a frame may detach while we look
                el = frame.query_selector(selector)
                if el is not None and el.is_visible():
                    return
        if time.perf_counter() > deadline:
            raise TimeoutError(f"no visible {selector!r} in the map after {timeout_s:.0f} s")
        page.wait_for_timeout(20)


def _markers_time(page: Any, url: str, timeout_s: float) -> float:
    """Open *url* in *page*; seconds until a Leaflet marker or cluster is visible in the map."""
    t0 = time.perf_counter()
    page.goto(url)
    _wait_markers(page, MARKER_SELECTOR, timeout_s)
    return time.perf_counter() - t0


def _slider_markers_time(page: Any, slider_key: str | None, timeout_s: float) -> float:
    """Move the app's slider with the keyboard; seconds until new markers are visible."""
    for frame in _map_frames(page):
        frame.evaluate(_TAG_OLD, MARKER_SELECTOR)
    scope = page.locator(f".st-key-{slider_key}") if slider_key else page.locator('[data-testid="stSlider"]').first
    thumb = scope.locator('input[type="range"], [role="slider"]').first
    thumb.focus()
    t0 = time.perf_counter()
    thumb.press("PageUp")  # the start thumb jumps a tenth of the range: fewer events on the map
    _wait_markers(page, _NEW_MARKERS, timeout_s)
    return time.perf_counter() - t0


def bench_browser(
    data_dir: Path, size: int, repeat: int, *, app_path: Path = APP_PATH, slider_key: str | None = SLIDER_KEY
) -> list[Row]:
    """Chromium rows: markers on screen (cold server, then new sessions), after a slider change,
    and the server's peak RSS over the whole run."""
    if not app_path.exists():
        return [Row(BR_MARKERS, size, None, "s", f"not run: {app_path.name} missing")]
    chromium = shutil.which("chromium")
    if chromium is None:
        return [Row(BR_MARKERS, size, None, "s", "not run: no chromium on PATH")]
    from playwright.sync_api import sync_playwright

    timeout_s = 180.0
    markers: list[float] = []
    sliders: list[float] = []
    returning: list[float] = []
    with streamlit_server(data_dir, app_path=app_path) as (url, pid), PeakRss(pid) as rss, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            for i in range(max(1, repeat) + 1):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                page = context.new_page()
                page.set_default_timeout(timeout_s * 1000)
                seconds = _markers_time(page, url, timeout_s)
                if i == 0:
                    cold = seconds
                else:
                    markers.append(seconds)
                    sliders.append(_slider_markers_time(page, slider_key, timeout_s))
                    # The same browser opens the app again: its cache holds Streamlit's scripts.
                    returning.append(_markers_time(page, url, timeout_s))
                context.close()
        finally:
            browser.close()
    return [
        Row(BR_MARKERS_COLD, size, cold, "s", "first session after the server started"),
        Row(BR_MARKERS, size, statistics.median(markers), "s", "first visit: new browser context, server warm"),
        Row(BR_RETURN, size, statistics.median(returning), "s", "same browser opens the app again (cache warm)"),
        Row(BR_SLIDER, size, statistics.median(sliders), "s", "from the key press; includes the slider's debounce"),
        Row(RSS, size, rss.peak / 2**20, "MB", "server and children, polled every 50 ms"),
    ]


FLOOR_APP = 'import streamlit as st\n\nst.write("ready")\n'


def _first_visits(app_text: str, data_dir: Path | None, repeat: int, seconds: Callable[[Any, str], float]) -> float:
    """The median of *repeat* first visits (a new browser context each, after one that warms
    the server) to a ``streamlit run`` of the one-file app *app_text* on *data_dir*; each visit
    timed by ``seconds(page, url)``. Needs Debian's ``chromium`` on PATH."""
    from playwright.sync_api import sync_playwright

    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="geo-bench-page-") as tmp:
        app = Path(tmp) / "bench_page.py"
        app.write_text(app_text, encoding="utf-8")
        with streamlit_server(data_dir or Path(tmp), app_path=app) as (url, _pid), sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
            try:
                for i in range(max(1, repeat) + 1):
                    context = browser.new_context(viewport={"width": 1400, "height": 900})
                    visit = seconds(context.new_page(), url)
                    if i > 0:  # the first session warms the server
                        times.append(visit)
                    context.close()
            finally:
                browser.close()
    return statistics.median(times)


def _text_time(page: Any, url: str) -> float:
    """Open *url* in *page*; seconds until the floor app's text is visible."""
    t0 = time.perf_counter()
    page.goto(url)
    page.get_by_text("ready", exact=True).wait_for(state="visible", timeout=120_000)
    return time.perf_counter() - t0


def bench_browser_floor(repeat: int) -> list[Row]:
    """What any Streamlit page costs here: seconds from ``page.goto`` until a one-line app's
    text is visible, in a new browser context on a warm server. The map figures sit on this."""
    if shutil.which("chromium") is None:
        return [Row(BR_FLOOR, None, None, "s", "not run: no chromium on PATH")]
    median = _first_visits(FLOOR_APP, None, repeat, _text_time)
    return [Row(BR_FLOOR, None, median, "s", "first visit, server warm; no map, no data")]


# The dashboard's events map, built as app.py builds it, and nothing else on the page.
MAP_ONLY_APP = """\
from pathlib import Path

import streamlit as st
from streamlit_folium import st_folium

from geo import assets, filters, mapview, store
from geo.share import ViewState

HERE = Path(__file__).resolve().parent


@st.cache_resource
def layers():
    assets.install_vendor(HERE)
    data = store.default_data_dir()
    events = filters.event_features(store.read_readable(data / store.EVENTS_FILE)[0])
    places = store.read_readable(data / store.PLACES_FILE)[0]
    payload = mapview.layer_payload(events)
    return (events, mapview.place_layers_data(places, events), mapview.encoded(mapview.label_rows(events)),
            mapview.data_extent(events), payload, assets.publish_layer(HERE, payload.digest, payload.json))


events, place_data, labels, extent, payload, url = layers()
base, _control = mapview.build_base_map(None, ViewState(), extent=extent, place_data=place_data, labels=labels)
st_folium(base, key="map", height=560, use_container_width=True, returned_objects=["last_object_clicked"],
          feature_group_to_add=mapview.build_events_layer(events, payload=payload, payload_url=url))
"""


def bench_browser_map_only(data_dir: Path, size: int, repeat: int) -> list[Row]:
    """What the dashboard's map costs on its own: seconds from ``page.goto`` until its markers
    are visible, on a Streamlit page holding only that map (same data, same layers, same
    streamlit-folium component), in a new browser context on a warm server. Between this and
    the floor is the map; between this and the dashboard's row, the page's other elements."""
    if shutil.which("chromium") is None:
        return [Row(BR_MAP_ONLY, size, None, "s", "not run: no chromium on PATH")]
    median = _first_visits(MAP_ONLY_APP, data_dir, repeat, lambda page, url: _markers_time(page, url, 180.0))
    return [Row(BR_MAP_ONLY, size, median, "s", "first visit, server warm; no other element")]


# ---------------------------------------------------------------------------------------------
# The pipeline
# ---------------------------------------------------------------------------------------------

SEED_ARTICLES = ROOT / "data" / "articles"


def bench_articles(n: int, *, seed: int = 0) -> list[tuple[str, dt.date]]:
    """*n* articles of about 2 KB: the seed articles in ``data/articles`` cut to 2 KB, then
    generated ones."""
    out: list[tuple[str, dt.date]] = []
    for path in sorted(SEED_ARTICLES.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        meta_path = path.with_suffix(".json")
        published = FIRST_DAY
        if meta_path.exists():
            with contextlib.suppress(ValueError, KeyError, TypeError):
                published = dt.date.fromisoformat(str(json.loads(meta_path.read_text())["published"])[:10])
        for i in range(0, max(1, len(text) - 1024), 2048):
            out.append((text[i : i + 2048], published))
    rng = random.Random(seed)
    while len(out) < n:
        out.append(synthetic_article(rng))
    return out[:n]


def bench_extract(repeat: int, *, n_articles: int = 40) -> list[Row]:
    """Articles per second through :func:`geo.events.extract_events` with the offline geocoder."""
    try:
        from geo.events import extract_events
    except ImportError as err:
        return [Row(EXTRACT, None, None, "articles/s", f"not run: {err}")]
    geocoder = _offline_geocoder()
    articles = bench_articles(n_articles)

    def run() -> None:
        for i, (text, published) in enumerate(articles):
            extract_events(
                text, published=published, title=f"Bench article {i}", url=f"https://example.org/bench/{i}",
                outlet="Bench Wire", geocoder=geocoder,
            )

    run()  # warm: imports, gazetteer, compiled patterns
    seconds, _ = median_time(run, repeat)
    return [Row(EXTRACT, None, len(articles) / seconds, "articles/s", f"{len(articles)} articles, warm")]


_GAZ_SCRIPT = r"""
import time
t0 = time.perf_counter()
from geo.gazetteer import load_gazetteer
load_gazetteer()
print(time.perf_counter() - t0)
"""


def bench_gazetteer(repeat: int) -> list[Row]:
    """Import and first :func:`geo.gazetteer.load_gazetteer` in a fresh Python process."""
    times: list[float] = []
    for _ in range(max(1, repeat)):
        out = subprocess.run(
            [sys.executable, "-c", _GAZ_SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
        )
        if out.returncode != 0:
            return [Row(GAZ, None, None, "s", f"not run: {out.stderr.strip().splitlines()[-1:]}")]
        times.append(float(out.stdout.strip().splitlines()[-1]))
    return [Row(GAZ, None, statistics.median(times), "s", "import + load_gazetteer()")]


def _offline_geocoder() -> Any:
    from geo.geocoding import GeocodingSettings, make_geocoder

    return make_geocoder(GeocodingSettings(online=False))


GEOCODE_NAMES = ("Stepanakert", "Shusha", "Lachin", "Goris", "Kalbajar", "Aghdam", "Martuni", "Jermuk", "Khankendi", "Laçın")


def _never_called(name: str, **kwargs: Any) -> Any:
    raise AssertionError(f"the bench's geocoder went online for {name!r}; every answer should be cached")


def bench_geocoder(repeat: int, *, n_lookups: int = 5000) -> list[Row]:
    """Look-ups per second: names the gazetteer knows, and names answered from the online
    chain's cache (the gazetteer misses, the cache hits, the service is never asked)."""
    try:
        from geo.geocoding import GeocodeCache, GeocoderChain, GeocodingSettings
    except ImportError as err:
        return [Row(GEOCODE, None, None, "look-ups/s", f"not run: {err}")]
    offline = _offline_geocoder()
    settings = GeocodingSettings(online=True, min_delay_s=0.0)
    chain = GeocoderChain(offline.gazetteer, settings, service=_never_called, cache=GeocodeCache(None))
    seed_place = offline.geocode("Stepanakert")
    cached_names = [f"Benchford {i}" for i in range(200)]
    for name in cached_names:
        chain.cache.put(GeocodeCache.key(settings.service, name, None), seed_place)
    rows: list[Row] = []
    for figure, names, note in (
        (GEOCODE_GAZ, GEOCODE_NAMES, "names the gazetteer knows"),
        (GEOCODE, cached_names, "gazetteer misses, cache hits; service never asked"),
    ):
        batch = [names[i % len(names)] for i in range(n_lookups)]
        for name in names:  # warm
            chain.geocode(name)

        def run(batch: list[str] = batch) -> None:
            for name in batch:
                chain.geocode(name)

        seconds, _ = median_time(run, repeat)
        rows.append(Row(figure, None, n_lookups / seconds, "look-ups/s", note))
    return rows


# ---------------------------------------------------------------------------------------------
# The whole run
# ---------------------------------------------------------------------------------------------


def _guard(
    rows: list[Row], figure: str, size: int | None, unit: str, fn: Callable[..., list[Row]], *args: Any, **kwargs: Any
) -> None:
    """Run ``fn(*args, **kwargs)``; a failure becomes a row that says so instead of ending the run."""
    try:
        rows.extend(fn(*args, **kwargs))
    except Exception as err:  # the table must come out even if one part breaks
        rows.append(Row(figure, size, None, unit, f"error: {type(err).__name__}: {str(err)[:160]}"))


def run_bench(
    sizes: Sequence[int],
    *,
    repeat: int = 3,
    browser: bool = True,
    apptest: bool = True,
    pipeline: bool = True,
    log: Callable[[str], None] = lambda msg: None,
) -> list[Row]:
    """Run every part of the benchmark and return the table's rows."""
    rows: list[Row] = []
    for size in sizes:
        log(f"[{size:,} events] generating")
        places_list = synthetic_places(max(50, min(5000, size // 4)), seed=size)
        events = synthetic_events(size, seed=size, places=places_list)
        places = feature_collection(places_list)
        log(f"[{size:,} events] map build (and baseline)")
        _guard(rows, MAP_S, size, "s", bench_map, events, places, size, repeat, baseline=size <= BASELINE_MAX_SIZE)
        if not (apptest or browser):
            continue
        with tempfile.TemporaryDirectory(prefix="geo-bench-") as tmp:
            data_dir = write_data_dir(Path(tmp) / "data", events, places)
            if apptest:
                log(f"[{size:,} events] AppTest")
                _guard(rows, APP_FIRST, size, "s", bench_apptest, data_dir, size, repeat)
            if browser:
                log(f"[{size:,} events] Chromium")
                _guard(rows, BR_MARKERS, size, "s", bench_browser, data_dir, size, repeat)
                log(f"[{size:,} events] Chromium, the map alone")
                _guard(rows, BR_MAP_ONLY, size, "s", bench_browser_map_only, data_dir, size, repeat)
    if browser:
        log("Chromium floor")
        _guard(rows, BR_FLOOR, None, "s", bench_browser_floor, repeat)
    if apptest:
        log("bundled data, cold process")
        _guard(rows, BUNDLED_COLD, None, "s", bench_bundled_cold, repeat)
    if pipeline:
        log("pipeline")
        _guard(rows, EXTRACT, None, "articles/s", bench_extract, repeat)
        _guard(rows, GAZ, None, "s", bench_gazetteer, repeat)
        _guard(rows, GEOCODE, None, "look-ups/s", bench_geocoder, repeat)
    return rows


def _parse_sizes(text: str) -> list[int]:
    try:
        sizes = [int(s.replace("_", "")) for s in text.split(",") if s.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"--sizes must be whole numbers separated by commas, got {text!r}") from err
    if not sizes or any(s < 1 for s in sizes):
        raise argparse.ArgumentTypeError(f"--sizes must be positive, got {text!r}")
    return sizes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_parse_sizes, default=list(DEFAULT_SIZES), help="event counts, e.g. 1000,10000")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure; the table shows the median")
    parser.add_argument("--skip-browser", action="store_true", help="no streamlit server, no Chromium")
    parser.add_argument("--skip-apptest", action="store_true", help="no AppTest runs")
    parser.add_argument("--skip-pipeline", action="store_true", help="no extraction, gazetteer or geocoder figures")
    parser.add_argument("--out", type=Path, help="also write the table (Markdown) to this file")
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    rows = run_bench(
        args.sizes, repeat=args.repeat, browser=not args.skip_browser, apptest=not args.skip_apptest,
        pipeline=not args.skip_pipeline, log=lambda msg: print(msg, file=sys.stderr, flush=True),
    )
    table = format_table(rows, repeat=args.repeat)
    footer = (
        f"\n\nsizes {', '.join(f'{s:,}' for s in args.sizes)}; repeat {args.repeat}; "
        f"{os.cpu_count()} CPUs, load average {load_before:.1f} at the start and {os.getloadavg()[0]:.1f} at the end "
        f"(other work shares this machine); Python {sys.version.split()[0]}; total {time.perf_counter() - started:.0f} s"
    )
    print(table + footer)
    if args.out:
        args.out.write_text(table + footer + "\n", encoding="utf-8")
    return 1 if any(r.status == "FAIL" for r in rows) else 0


if __name__ == "__main__":
    raise SystemExit(main())
