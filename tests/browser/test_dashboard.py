"""The real dashboard in headless Chromium: markers, the slider, popups, share links, privacy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ROOT, Recorder, idle, sample_data_dir, shot, wait_until

pytestmark = pytest.mark.browser

SHOWN = re.compile(r"([\d,]+) of ([\d,]+) event-places shown")


def shown_count(pg: Any) -> int:
    text = pg.get_by_text(SHOWN).inner_text(timeout=30000)
    match = SHOWN.search(text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def markers_match(pg: Any, expected: int) -> bool:
    return shot.marker_count(shot.map_frame(pg)) == expected


def open_app(pg: Any, url: str) -> None:
    pg.goto(url)
    shot.map_frame(pg)
    pg.get_by_text(SHOWN).wait_for(timeout=30000)


def share_box(pg: Any) -> tuple[str, int] | None:
    """The Share box's link and the app's run number (``data-run``: one more per rerun), or None."""
    for frame in pg.frames:
        try:
            got = frame.evaluate(
                "() => { const i = document.getElementById('link');"
                " return i && document.body.dataset.run ? [i.value, Number(document.body.dataset.run)] : null; }"
            )
        except Exception:  # a frame being replaced
            continue
        if got:
            return str(got[0]), int(got[1])
    return None


def map_view(pg: Any) -> tuple[float, float, int]:
    """(lat, lon, zoom) of the Leaflet map inside the streamlit-folium iframe."""
    got = shot.map_frame(pg).evaluate("() => { const c = window.map.getCenter(); return [c.lat, c.lng, window.map.getZoom()]; }")
    return float(got[0]), float(got[1]), int(got[2])


def url_view(url: str) -> tuple[float, float, int] | None:
    query = parse_qs(urlparse(url).query)
    if not all(k in query for k in ("lat", "lon", "zoom")):
        return None
    return float(query["lat"][0]), float(query["lon"][0]), int(query["zoom"][0])


def only_loopback(rec: Recorder) -> list[str]:
    """URLs of requests that went anywhere but 127.0.0.1 (data: and about: excluded)."""
    bad = []
    for url in rec.urls:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "about", "blob"):
            continue
        if parsed.hostname != "127.0.0.1":
            bad.append(url)
    return bad


def test_map_shows_one_marker_per_filtered_event(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url)
    total = shown_count(pg)
    assert total == 14
    wait_until(pg, lambda: markers_match(pg, total), f"{total} markers")
    # A filter from the URL: only battles.
    open_app(pg, app_url + "?type=Battles")
    battles = shown_count(pg)
    assert 0 < battles < total
    wait_until(pg, lambda: markers_match(pg, battles), f"{battles} markers")
    assert only_loopback(rec) == []


def test_moving_the_slider_changes_the_markers(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url)
    before = shown_count(pg)
    frames_before = sum(1 for u in rec.urls if "streamlit_folium" in u and "index.html" in u)
    start = pg.locator('input[aria-label^="Date window"]').first
    start.focus()
    start.press("End")  # the window's start jumps to its end: the last day of the data
    wait_until(pg, lambda: shown_count(pg) < before, "fewer events after moving the slider")
    after = shown_count(pg)
    wait_until(pg, lambda: markers_match(pg, after), f"{after} markers after the slider moved")
    assert "from=" in pg.url
    # The map was updated in place, not reloaded.
    frames_after = sum(1 for u in rec.urls if "streamlit_folium" in u and "index.html" in u)
    assert frames_after == frames_before
    assert only_loopback(rec) == []


def test_popup_shows_hostile_text_escaped(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url + "?q=heights")
    assert shown_count(pg) == 2
    wait_until(pg, lambda: markers_match(pg, 2), "2 markers")
    frame = shot.map_frame(pg)
    wait_until(pg, lambda: frame.evaluate("() => !window.map._animatingZoom"), "the map at rest")
    idle(pg)
    for _attempt in range(3):  # a click during the app's first reruns can be lost; click again
        shot.map_frame(pg).locator(".ev-marker").first.click()
        try:
            wait_until(pg, lambda: "event=" in pg.url, "the click to select the event", 8000)
            break
        except AssertionError:
            continue
    # The click's popup, then the rerun's map zooms to the selected event and opens its own
    # (for a moment both are there): wait for that view, then for the one popup.
    wait_until(pg, lambda: "zoom=" in pg.url, "the map to show the selected event")
    idle(pg)
    wait_until(pg, lambda: shot.map_frame(pg).locator(".ev-popup").count() == 1, "a popup")
    popup = shot.map_frame(pg).locator(".ev-popup")
    wait_until(pg, lambda: "onerror" in popup.inner_text(), "the popup's text")
    text = popup.inner_text()
    assert "<img src=x onerror=alert(1)>" in text
    assert "<script>alert('quote')</script>" in text
    assert popup.locator("img, script").count() == 0
    assert popup.locator("a").count() == 0  # the article's javascript: URL is not a link
    assert "approximate: within ~8 km" in text
    pg.wait_for_timeout(500)
    assert rec.dialogs == []
    # The details panel shows the same text as text.
    pg.get_by_text("Selected event").wait_for(timeout=30000)
    assert pg.get_by_text("<img src=x onerror=alert(1)>", exact=False).count() >= 1
    assert pg.locator('[data-testid="stMain"] img[src="x"]').count() == 0
    assert only_loopback(rec) == []


def test_shared_link_reopens_the_same_view(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url + "?type=Battles|Protests&from=2022-10-01&to=2023-07-31&precise=1")
    count = shown_count(pg)
    wait_until(pg, lambda: markers_match(pg, count), f"{count} markers")
    wait_until(pg, lambda: "type=" in (share_box(pg) or ("", 0))[0], "the Share box")
    link = share_box(pg)[0]  # type: ignore[index]
    assert link.startswith(app_url)
    query = parse_qs(urlparse(link).query)
    assert query["type"] == ["Battles|Protests"]
    assert query["from"] == ["2022-10-01"] and query["precise"] == ["1"]
    other = pg.context.new_page()
    other.on("request", lambda req: rec.urls.append(req.url))
    open_app(other, link)
    assert shown_count(other) == count
    wait_until(other, lambda: markers_match(other, count), f"{count} markers in the reopened view")
    assert parse_qs(urlparse(other.url).query) == query
    other.close()
    assert only_loopback(rec) == []


def test_bad_link_shows_a_note(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url + "?from=yesterday&zoom=99&" + "q=" + "x" * 10000)
    pg.get_by_text("is not a date").wait_for(timeout=30000)
    assert shown_count(pg) == 14
    assert only_loopback(rec) == []


def test_screenshot_script_writes_a_png(tmp_path: Path) -> None:
    data = sample_data_dir(tmp_path / "data")
    out = tmp_path / "shot.png"
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "screenshot.py"), "--out", str(out), "--data-dir", str(data)],
        check=True, cwd=ROOT, timeout=240,
    )
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert out.stat().st_size > 20000


def test_play_steps_the_window(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url + "?from=2023-07-01&to=2023-07-10")
    pg.get_by_text("Play").click()
    wait_until(pg, lambda: "from=2023-07-10" in pg.url, "the first step")
    wait_until(pg, lambda: "from=2023-07-19" in pg.url, "the second step")
    pg.get_by_text("Play").click()  # pause
    assert only_loopback(rec) == []


def test_pan_and_zoom_go_into_the_link_without_a_rerun(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url)
    total = shown_count(pg)
    wait_until(pg, lambda: markers_match(pg, total), f"{total} markers")
    idle(pg)
    wait_until(pg, lambda: share_box(pg) is not None, "the Share box")
    assert url_view(pg.url) is None  # the first view fits the events: no centre in the link yet
    runs_before = share_box(pg)[1]  # type: ignore[index]
    lat0, lon0, zoom0 = map_view(pg)
    # Drag the map with the mouse, then zoom in with the + button.
    box = pg.locator('iframe[title="streamlit_folium.st_folium"]').bounding_box()
    x, y = box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.6
    pg.mouse.move(x, y)
    pg.mouse.down()
    pg.mouse.move(x + 150, y + 80, steps=10)
    pg.mouse.up()
    wait_until(pg, lambda: url_view(pg.url) is not None, "the pan in the page URL")
    shot.map_frame(pg).locator(".leaflet-control-zoom-in").click()
    wait_until(pg, lambda: (url_view(pg.url) or (0, 0, 0))[2] == zoom0 + 1, "the zoom in the page URL")
    lat, lon, zoom = map_view(pg)
    assert (round(lat, 4), round(lon, 4)) != (round(lat0, 4), round(lon0, 4)) and zoom == zoom0 + 1
    in_url = url_view(pg.url)
    assert in_url is not None
    assert abs(in_url[0] - lat) < 1e-4 and abs(in_url[1] - lon) < 1e-4 and in_url[2] == zoom
    # The Share box shows the same live link; the app did not run again for the pan or the zoom.
    wait_until(pg, lambda: share_box(pg)[0] == pg.url, "the Share box to show the page URL")  # type: ignore[index]
    assert share_box(pg)[1] == runs_before  # type: ignore[index]

    # The link opens the same view in a fresh page.
    link = share_box(pg)[0]  # type: ignore[index]
    other = pg.context.new_page()
    other.on("request", lambda req: rec.urls.append(req.url))
    open_app(other, link)
    wait_until(other, lambda: map_view(other)[2] == zoom, "the link's zoom")
    wait_until(other, lambda: abs(map_view(other)[0] - lat) < 1e-3 and abs(map_view(other)[1] - lon) < 1e-3,
               "the link's centre")
    other.close()

    # A filter change afterwards keeps the pan's centre and zoom in the URL, and the map stays.
    pg.get_by_text("Precise locations only").click()
    wait_until(pg, lambda: "precise=1" in pg.url, "the filter in the URL")
    wait_until(pg, lambda: shown_count(pg) < total, "fewer events")
    idle(pg)
    assert url_view(pg.url) == in_url
    wait_until(pg, lambda: share_box(pg)[0] == pg.url, "the Share box after the filter change")  # type: ignore[index]
    after = map_view(pg)
    assert abs(after[0] - lat) < 1e-4 and abs(after[1] - lon) < 1e-4 and after[2] == zoom
    assert only_loopback(rec) == []


def test_offline_map_names_its_places(page: tuple[Any, Recorder], app_url: str) -> None:
    pg, rec = page
    open_app(pg, app_url)
    frame = shot.map_frame(pg)
    wait_until(pg, lambda: frame.locator(".gl").count() > 20, "the place names")
    shown = frame.evaluate(
        "() => [...document.querySelectorAll('.gl')].filter(e => e.offsetParent !== null).map(e => e.textContent)"
    )
    for name in ("Stepanakert / Khankendi", "Shusha / Shushi", "Lachin / Berdzor", "Goris"):
        assert name in shown, shown
    assert map_view(pg)[2] <= 9  # the first view shows the region, not a close-up
    # No uncertainty circle of a country- or region-wide place blankets the map.
    radii = frame.evaluate(
        "() => { const r = []; window.map.eachLayer(l => { if (l instanceof L.Circle) { r.push(l.getRadius()); } }); return r; }"
    )
    assert radii and max(radii) <= 30_000
    assert only_loopback(rec) == []


@pytest.mark.parametrize("query", ["lat=40.2&lon=46&zoom=8", "type=Battles&lat=39.6&lon=46.9&zoom=10",
                                   "event=3c3c3c3c3c3c3c3c-1@curated:girkhgyz&lat=39.9&lon=46.5&zoom=9"])
def test_link_opens_at_its_centre_and_zoom(page: tuple[Any, Recorder], app_url: str, query: str) -> None:
    pg, rec = page
    open_app(pg, app_url + "?" + query)
    want = url_view(app_url + "?" + query)
    assert want is not None
    idle(pg)
    wait_until(pg, lambda: map_view(pg)[2] == want[2], "the link's zoom")
    pg.wait_for_timeout(1000)  # a late move (a fit, a selection) would show here
    lat, lon, zoom = map_view(pg)
    assert abs(lat - want[0]) < 1e-3 and abs(lon - want[1]) < 1e-3 and zoom == want[2]
    assert url_view(pg.url) == want
    assert only_loopback(rec) == []
