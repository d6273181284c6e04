"""Hardening of share links: every query parameter malformed, out of range, repeated, too long.

:func:`geo.share.from_query_params` must never raise; every parameter it drops gets a note, and
the view it returns stays inside the data's bounds. The app does the same with a tampered link
(``AppTest`` with ``at.query_params``): no exception, the notes shown, the map still drawn.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import shutil
from pathlib import Path
from typing import Any

import pytest
from hardening_tally import record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from geo import share
from geo.share import Bounds, ViewState, from_query_params, to_query_params

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures"

BOUNDS = Bounds(
    date_min=dt.date(2020, 9, 27),
    date_max=dt.date(2023, 9, 30),
    event_types=frozenset({"Battles", "Explosions/Remote violence", "Protests"}),
    actors=frozenset({"Military Forces of Azerbaijan", "Military Forces of Armenia"}),
    places=frozenset({"Lachin", "Stepanakert", "Shusha"}),
    ids=frozenset({"1a1a1a1a1a1a1a1a-1@geonames:174875", "1a1a1a1a1a1a1a1a-2@geonames:585170"}),
)
LONG = "9" * 10_000
HOSTILE_VALUES = [
    "",
    " ",
    "\x00",
    "\n\r\t",
    "\u202e\u200f",
    "<script>window.__xss=(window.__xss||0)+1</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "%00%3Cscript%3E",
    "NaN",
    "nan",
    "inf",
    "-Infinity",
    "1e309",
    "-1e309",
    "1e-400",
    "0x10",
    "1_000",
    "١٢٣",
    "+",
    "-0",
    "9" * 400,
    "2023-02-29",
    "2023-13-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "10000-01-01",
    "2023-W01-1",
    "20230101",
    "2023-01-01T00:00",
    "|",
    "||||",
    "|".join(["Battles"] * 60),
    "|".join(str(i) for i in range(1000)),
    "Battles|Battles",
    "Лачин|Laçın|Լաչին",
    LONG,
    "a" * 10_000,
    "|" * 10_000,
]
GOOD = {
    "from": "2021-01-01",
    "to": "2022-12-31",
    "type": "Battles|Protests",
    "actor": "Military Forces of Armenia",
    "place": "Lachin|Shusha",
    "q": "corridor",
    "precise": "1",
    "event": "1a1a1a1a1a1a1a1a-1@geonames:174875",
    "lat": "39.8",
    "lon": "46.7",
    "zoom": "9",
    "basemap": "osm",
}


def check_view(view: ViewState, bounds: Bounds = BOUNDS) -> None:
    """The view a link produced is one the dashboard can show."""
    assert isinstance(view, ViewState)
    for day in (view.start, view.end):
        if day is not None and bounds.date_min and bounds.date_max:
            assert bounds.date_min <= day <= bounds.date_max
    if view.start and view.end:
        assert view.start <= view.end
    for values, known in (
        (view.event_types, bounds.event_types),
        (view.actors, bounds.actors),
        (view.places, bounds.places),
    ):
        assert all(isinstance(v, str) for v in values)
        if known is not None:
            assert set(values) <= known
        assert len(values) <= share.MAX_LIST_ITEMS
    assert len(view.query) <= share.MAX_QUERY_CHARS
    if view.selected_id is not None and bounds.ids is not None:
        assert view.selected_id in bounds.ids
    if view.lat is not None or view.lon is not None:
        assert view.lat is not None and view.lon is not None
        assert math.isfinite(view.lat) and -90 <= view.lat <= 90
        assert math.isfinite(view.lon) and -180 <= view.lon <= 180
    if view.zoom is not None:
        assert isinstance(view.zoom, int) and share.ZOOM_RANGE[0] <= view.zoom <= share.ZOOM_RANGE[1]
    assert view.basemap in share.BASEMAPS


def tampered_links() -> list[tuple[str, dict[str, Any]]]:
    """Every parameter, alone and among good ones, given every hostile value, repeated, too long."""
    cases: list[tuple[str, dict[str, Any]]] = []
    for key in share.PARAMS:
        for i, value in enumerate(HOSTILE_VALUES):
            cases.append((f"{key}-{i}", {key: value}))
            cases.append((f"{key}-{i}-among-good", {**GOOD, key: value}))
        cases.append((f"{key}-repeated", {**GOOD, key: [GOOD[key], GOOD[key]]}))
        cases.append((f"{key}-repeated-differently", {**GOOD, key: [GOOD[key], "x"]}))
        cases.append((f"{key}-empty-list", {**GOOD, key: []}))
        cases.append((f"{key}-list-of-long", {key: [LONG]}))
        cases.append((f"{key}-not-a-string", {key: 12}))
        cases.append((f"{key}-none", {key: None}))
    cases.append(("unknown-param", {"zzz": "1", "<script>": "x", LONG: LONG}))
    cases.append(("everything-long", {key: LONG for key in share.PARAMS}))
    cases.append(("streamlit-own", {"embed": "true", "embed_options": "dark_theme"}))
    cases.append(("lat-without-lon", {"lat": "39.8"}))
    cases.append(("window-reversed", {"from": "2023-01-01", "to": "2021-01-01"}))
    return cases


TAMPERED = tampered_links()


def test_tampered_links_give_notes_never_exceptions() -> None:
    """Each tampered link (about 1,000 of them): a valid view, a note for each dropped parameter."""
    crashes: list[str] = []
    silent: list[str] = []
    for name, params in TAMPERED:
        try:
            view, notes = from_query_params(params, bounds=BOUNDS)
            check_view(view)
            assert all(isinstance(n, str) and len(n) < 500 for n in notes), notes
        except Exception as err:  # noqa: BLE001 - counted, then reported below
            crashes.append(f"{name}: {type(err).__name__}: {err}"[:300])
            continue
        dropped = [k for k, v in params.items() if k in share.PARAMS and _meaningful(v) and _dropped(k, view)]
        if any(isinstance(v, str) and len(v) >= 10_000 for v in params.values()) and not notes:
            silent.append(name)
        if dropped and not notes:
            silent.append(name)
    record("tampered links", inputs=len(TAMPERED))
    assert crashes == []
    assert silent == [], f"parameters dropped without a note: {silent[:10]}"


def _meaningful(value: Any) -> bool:
    """A value that asks for something (an empty one asks for nothing and may vanish silently)."""
    if isinstance(value, list):
        return bool(value)
    return value is not None and bool(str(value).replace(share.LIST_SEP, "").strip())


def _dropped(key: str, view: ViewState) -> bool:
    """True if *key* of a link is not reflected in *view*."""
    attr = {
        "from": view.start,
        "to": view.end,
        "type": view.event_types,
        "actor": view.actors,
        "place": view.places,
        "q": view.query,
        "precise": True,  # "0" is honoured as False
        "event": view.selected_id,
        "lat": view.lat,
        "lon": view.lon,
        "zoom": view.zoom,
        "basemap": True,  # "offline" is the default
    }[key]
    return attr is None or attr == () or attr == ""


def test_good_link_round_trips() -> None:
    view, notes = from_query_params(GOOD, bounds=BOUNDS)
    record("tampered links")
    assert notes == []
    assert to_query_params(view) == GOOD


link_values = st.text(max_size=60) | st.sampled_from(HOSTILE_VALUES) | st.lists(st.text(max_size=20), max_size=3)
link_params = st.dictionaries(st.sampled_from(share.PARAMS) | st.text(max_size=10), link_values, max_size=14)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(link_params, st.booleans())
def test_any_link(params: dict[str, Any], bounded: bool) -> None:
    """Hypothesis: any mapping of strings and lists of strings is read without an exception."""
    record("property-based")
    bounds = BOUNDS if bounded else Bounds()
    view, notes = from_query_params(params, bounds=bounds)
    check_view(view, bounds)
    # what a link produced, written back, reads back the same without notes
    again, again_notes = from_query_params(to_query_params(view), bounds=bounds)
    assert again_notes == []
    assert again.replace(lat=None, lon=None) == view.replace(lat=None, lon=None)


# -- the app with a tampered link --------------------------------------------------------------

APP_LINKS = [
    ("all-long", {key: LONG for key in share.PARAMS}),
    ("all-script", {key: "<script>window.__xss=1</script>" for key in share.PARAMS}),
    ("all-nan", {key: "NaN" for key in share.PARAMS}),
    ("repeated", {key: [GOOD[key], "x"] for key in share.PARAMS}),
    ("out-of-range", {"from": "0001-01-01", "to": "9999-12-31", "lat": "91", "lon": "-181", "zoom": "99"}),
    ("reversed", {"from": "2023-09-30", "to": "2020-01-01", "event": "nope@nowhere"}),
    ("unknown", {"<img src=x onerror=alert(1)>": "1", "zoom": "1e309"}),
]


def _app_data_dir(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(FIXTURES / "events_sample.geojson", data / "events.geojson")
    shutil.copy(FIXTURES / "places_sample.geojson", data / "places.geojson")
    return data


@pytest.mark.parametrize("params", [p for _, p in APP_LINKS], ids=[n for n, _ in APP_LINKS])
def test_app_with_tampered_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, params: dict[str, Any]) -> None:
    if not (ROOT / "app.py").exists():
        pytest.skip("app.py is not there yet")
    import streamlit as st_
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv("GEO_DATA_DIR", str(_app_data_dir(tmp_path)))
    st_.cache_data.clear()
    st_.cache_resource.clear()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    record("tampered links")
    assert not at.exception, [e.value for e in at.exception]
    shown = " ".join(str(el.value) for kind in ("warning", "info", "error", "caption", "markdown") for el in getattr(at, kind))
    assert "ignored" in shown, f"the app does not say the link was changed: {shown[:500]}"
    assert "<script>" not in json.dumps([str(e.value) for e in at.markdown if getattr(e, "allow_html", False)])
