"""Hostile articles in the real dashboard (headless Chromium): nothing from an article executes.

A data folder is filled through the real pipeline (``ingest_text``) with hostile articles
(script tags, event handlers, ``javascript:`` and ``data:`` source links, right-to-left marks,
mixed scripts) plus one hand-made event whose every text property is hostile. A real
``streamlit run app.py`` serves it. Every frame gets a ``window.__xss`` counter (and counting
``alert``/``confirm``/``prompt``) before any page script runs; the payloads increment it. The
test opens the dashboard, every marker's popup and tooltip, the table, the filters, the details
panel of every event, and the add-an-article preview with a hostile article pasted in; then it
reads the counter in the page and in every iframe (streamlit-folium's map included) and counts
dialogs. All must be 0.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hardening_tally import record

from geo import store
from geo.ingest import ingest_text
from tests.browser.conftest import FIXTURES, idle, shot, wait_until

pytestmark = pytest.mark.browser

BUMP = "window.__xss=(window.__xss||0)+1"
PAYLOADS = [
    f"<script>{BUMP}</script>",
    f'<img src=x onerror="{BUMP}">',
    f"<svg onload={BUMP}>",
    f'<iframe src="javascript:{BUMP}"></iframe>',
    f'<a href="javascript:{BUMP}">click</a>',
    f"<details open ontoggle={BUMP}>",
    f"\"><body onload={BUMP}>",
    f"</script><script>{BUMP}</script>",
    f"';{BUMP};'",
    f"[link](javascript:{BUMP})",
    "<style>body{display:none}</style>",
    "\u202eevil\u202c",
]
HOSTILE_URLS = [
    f"javascript:{BUMP}",
    f"data:text/html,<script>{BUMP}</script>",
    f" JaVaScRiPt:{BUMP}",
]
FIND_GROUP = """
window.__hxGroup = function () {
  const seen = new Set();
  const walk = (layer) => {
    if (!layer || seen.has(layer)) { return null; }
    seen.add(layer);
    if (layer.evMarkers) { return layer; }
    for (const child of Object.values(layer._layers || {})) { const g = walk(child); if (g) { return g; } }
    return null;
  };
  return walk(window.__geoEvOverlay);
};
"""
SHOW_MARKER = """(i) => new Promise((resolve) => {
  // after a click the app reruns and the map fetches its new events layer: wait for it
  const group = window.__hxGroup();
  if (!group) { setTimeout(() => resolve(false), 300); return; }
  const m = group.evMarkers[i];
  document.querySelectorAll('[data-hx]').forEach((e) => e.removeAttribute('data-hx'));
  if (group.evCluster._map) { group.evCluster._map.closePopup(); }  // the last popup covers markers
  // the legend (already seen) is large: out of the way of the markers under it
  document.querySelectorAll('.geo-legend').forEach((e) => { e.style.display = 'none'; });
  // a popup the app re-opens for the selected event must not take the next click
  document.querySelectorAll('.leaflet-popup-pane').forEach((e) => { e.style.pointerEvents = 'none'; });
  const done = () => { if (m._icon) { m._icon.setAttribute('data-hx', String(i)); } resolve(!!m._icon); };
  setTimeout(() => resolve(false), 8000);
  // bring it into view and away from the legend and controls at the map's edges
  group.evCluster.zoomToShowLayer(m, () => {
    group.evCluster._map.panTo(m._icon ? group.evCluster._map.layerPointToLatLng(
      L.DomUtil.getPosition(m._icon)) : m.getLatLng(), {animate: false});
    setTimeout(done, 400);
  });
})"""
INIT = """
(() => {
  window.__xss = window.__xss || 0;
  for (const name of ['alert', 'confirm', 'prompt']) {
    const original = window[name];
    window[name] = function (...args) { window.__xss = (window.__xss || 0) + 1; return original.apply(this, args); };
  }
})();
"""


def _article(n: int, payload: str) -> str:
    return (
        f"{payload} Report {n}\n\n"
        f"Shelling hit {payload} Lachin on Tuesday, August 2, killing two soldiers. {payload}\n\n"
        f"Protesters gathered in Stepanakert {payload} on Wednesday, August 3.\n"
    )


def _hand_made(sample: dict[str, Any], payload: str, n: int) -> dict[str, Any]:
    """An event whose every text property carries *payload*."""
    f = copy.deepcopy(sample)
    eid = f"hostile{n}-1"
    f["id"] = f"{eid}@curated:{payload}"
    p = f["properties"]
    p.update(
        event_id=eid, event_type=f"Battles {payload}", sub_event_type=payload, summary=payload, quote=payload,
        place=f"Place {payload}", place_id=f"curated:{payload}", mention=payload, actors=[payload],
        alternate_names=[payload], kind="settlement", article_id=f"hostile{n}", place_source=payload,
        source={"title": payload, "url": HOSTILE_URLS[n % len(HOSTILE_URLS)], "outlet": payload, "published": "2022-08-05"},
    )
    f["geometry"] = {"type": "Point", "coordinates": [46.5 + n * 0.01, 39.6 + n * 0.01]}
    return f


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("hostile-data")
    for n, payload in enumerate(PAYLOADS):
        report = ingest_text(
            _article(n, payload), data_dir=data, published="2022-08-05",
            title=f"Title {payload}", outlet=f"Outlet {payload}", url=HOSTILE_URLS[n % len(HOSTILE_URLS)],
        )
        assert report.ok, report.summary()
    sample = json.loads((FIXTURES / "events_sample.geojson").read_text(encoding="utf-8"))["features"][0]
    with store.locked(data):
        store.upsert(data / store.EVENTS_FILE, [_hand_made(sample, p, n) for n, p in enumerate(PAYLOADS)])
    return data


@pytest.fixture(scope="module")
def hostile_url(hostile_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    log = tmp_path_factory.mktemp("hostile-log") / "streamlit.log"
    with shot.running_app(hostile_data, log=log) as url:
        yield url


class Watch:
    """The counter in every frame, and every dialog."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.surfaces = 0
        page.on("dialog", self._on_dialog)

    def _on_dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def executed(self) -> int:
        total = 0
        for frame in self.page.frames:
            try:
                total += int(frame.evaluate("() => window.__xss || 0"))
            except Exception:  # a frame detached mid-read  # noqa: BLE001
                continue
        return total + len(self.dialogs)

    def injected_elements(self) -> int:
        """Elements an article's markup would have created, in any frame."""
        total = 0
        for frame in self.page.frames:
            try:
                total += int(frame.evaluate(
                    """() => document.querySelectorAll(
                        'img[src="x"], svg[onload], details[ontoggle], iframe[src^="javascript"], '
                        + 'a[href^="javascript"], a[href^="data:"], a[href^=" "], body[onload]').length"""
                ))
            except Exception:  # noqa: BLE001
                continue
        return total


@pytest.fixture()
def watched(browser: Any) -> Iterator[Watch]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    context.add_init_script(INIT)
    page = context.new_page()
    watch = Watch(page)
    yield watch
    context.close()


def _wait(page: Any, predicate: Any, what: str, timeout_ms: int = 60000) -> None:
    wait_until(page, predicate, what, timeout_ms)


def _idle(page: Any) -> None:
    idle(page, 60000)


def _finish(watch: Watch) -> None:
    watch.page.wait_for_timeout(1000)  # let any deferred handler (onerror, onload) fire
    executed, injected = watch.executed(), watch.injected_elements()
    record("browser", inputs=watch.surfaces, scripts=executed)
    assert executed == 0, f"article text executed {executed} time(s); dialogs: {watch.dialogs}"
    assert injected == 0, f"{injected} element(s) from article markup are in the page"


def test_dashboard_map_popups_tooltips_table(watched: Watch, hostile_url: str) -> None:
    page = watched.page
    page.goto(hostile_url)
    frame = shot.map_frame(page, timeout_ms=90000)
    _idle(page)
    frame.evaluate("() => { " + FIND_GROUP + " }")
    # the events table is fetched after the map is drawn: wait for its markers
    _wait(page, lambda: frame.evaluate("() => !!window.__hxGroup()"), "the events layer")
    n = int(frame.evaluate("() => window.__hxGroup().evMarkers.length"))
    assert n > 0
    opened = shown_as_text = 0
    for i in range(n):
        # bring marker i out of its cluster (zoom or spiderfy), then hover and click it for real
        _wait(page, lambda: frame.evaluate("() => !!window.__hxGroup()"), "the events layer")
        shown = frame.evaluate(SHOW_MARKER, i)
        if not shown:
            continue
        marker = frame.locator(f'[data-hx="{i}"]')
        try:
            marker.hover(timeout=5000)  # tooltip
            marker.click(timeout=5000)  # popup
        except Exception:  # noqa: BLE001 - the marker moved (a cluster re-formed): next one
            continue
        watched.surfaces += 2
        popup = frame.locator(".ev-popup")
        _wait(page, lambda popup=popup: popup.count() > 0, "a popup", 10000)
        opened += 1
        assert popup.locator("script, img, svg, iframe, details").count() == 0
        assert popup.locator('a[href^="javascript"], a[href^="data:"]').count() == 0
        if "<" in popup.first.inner_text():
            shown_as_text += 1
    assert opened >= n // 2, f"only {opened} of {n} popups could be opened"
    assert shown_as_text > 0, "no popup showed an article's markup as text (nothing hostile was tested)"
    # the legend and layer control list the hostile event types
    watched.surfaces += frame.locator(".leaflet-control").count()
    # the page shows the hostile text as text: it is there, not interpreted
    _wait(page, lambda: page.get_by_text("Battles <script>", exact=False).count() > 0
          or page.locator('[data-testid="stDataFrame"]').count() > 0, "the table")
    watched.surfaces += 1
    # the sidebar's filters list the hostile event types, actors and places
    sidebar = page.locator('[data-testid="stSidebar"]')
    for label in ("Event type", "Actor", "Place"):
        box = sidebar.get_by_text(label, exact=True)
        if box.count():
            try:
                sidebar.locator('[data-baseweb="select"]').nth(("Event type", "Actor", "Place").index(label)).click(timeout=5000)
                page.wait_for_timeout(500)
                watched.surfaces += 1
                page.keyboard.press("Escape")
            except Exception:  # noqa: BLE001
                pass
    _finish(watched)


def test_details_panel_of_every_hostile_event(watched: Watch, hostile_url: str, hostile_data: Path) -> None:
    page = watched.page
    events = store.read_collection(hostile_data / store.EVENTS_FILE)["features"]
    hostile_ids = [str(f["id"]) for f in events if "<" in json.dumps(f["properties"])]
    assert len(hostile_ids) >= len(PAYLOADS)
    for fid in hostile_ids[:: max(1, len(hostile_ids) // 12)]:
        page.goto(f"{hostile_url}?event={quote(fid, safe='')}")
        shot.map_frame(page, timeout_ms=90000)
        _idle(page)
        page.get_by_text("Selected event").wait_for(timeout=60000)
        watched.surfaces += 3  # the details panel, the selected popup, the table
        main = page.locator('[data-testid="stMain"]')
        _wait(page, lambda main=main: main.get_by_text("window.__xss", exact=False).count() > 0,
              "the payload shown as text")
        assert main.locator('a[href^="javascript"], a[href^="data:"]').count() == 0
    _finish(watched)


def test_add_an_article_preview(watched: Watch, hostile_url: str) -> None:
    page = watched.page
    page.goto(hostile_url.rstrip("/") + "/Add_an_article")
    area = page.get_by_label("…or paste the article's text")
    area.wait_for(timeout=60000)
    article = "\n\n".join(_article(n, p) for n, p in enumerate(PAYLOADS))
    area.fill(article)
    area.press("Control+Enter")
    for label, value in (("Title", PAYLOADS[0]), ("URL", HOSTILE_URLS[0]), ("Outlet", PAYLOADS[1])):
        box = page.get_by_role("textbox", name=label, exact=True)
        box.fill(value)
        box.press("Enter")
    _idle(page)
    page.get_by_role("button", name="Preview the events").click()
    _wait(page, lambda: page.get_by_text("event-places found in the article", exact=False).count() > 0, "the preview")
    _idle(page)
    for frame in page.frames:  # the preview map's popups
        if "streamlit_folium" in frame.url:
            for i in range(min(frame.locator(".ev-marker").count(), 10)):
                try:
                    frame.locator(".ev-marker").nth(i).click(timeout=5000)
                    watched.surfaces += 1
                except Exception:  # noqa: BLE001
                    continue
    watched.surfaces += 2  # the preview table and the URL warning
    page.get_by_role("button", name="Save the article").click()
    _wait(page, lambda: page.get_by_text("new event-places saved", exact=False).count() > 0
          or page.get_by_text("not saved", exact=False).count() > 0, "the save")
    watched.surfaces += 1  # the save report
    _finish(watched)


def test_the_watch_sees_a_script(watched: Watch, hostile_url: str) -> None:
    """The counter and the dialog listener work, in the page and in the map's iframe (so a 0 means 0)."""
    page = watched.page
    page.goto(hostile_url)
    frame = shot.map_frame(page, timeout_ms=90000)
    page.evaluate(BUMP)
    frame.evaluate(BUMP)
    frame.evaluate("() => setTimeout(() => alert('x'), 0)")
    _wait(page, lambda: watched.executed() >= 4, "the counters and the dialog", 10000)
    assert watched.executed() == 4  # two bumps, alert() counted by the hook and by the dialog listener
