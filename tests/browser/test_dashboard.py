"""The real dashboard in headless Chromium: markers, the slider, popups, share links, privacy."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import ROOT, Recorder, sample_data_dir, shot

pytestmark = pytest.mark.browser

SHOWN = re.compile(r"([\d,]+) of ([\d,]+) event-places shown")


def shown_count(pg: Any) -> int:
    text = pg.get_by_text(SHOWN).inner_text(timeout=30000)
    match = SHOWN.search(text)
    assert match, text
    return int(match.group(1).replace(",", ""))


def wait_until(pg: Any, predicate: Any, what: str, timeout_ms: int = 30000) -> None:
    """Poll *predicate* (no timing assertion: only a generous limit on waiting)."""
    waited = 0
    while waited < timeout_ms:
        try:
            if predicate():
                return
        except Exception:  # the iframe may be mid-update
            pass
        pg.wait_for_timeout(250)
        waited += 250
    raise AssertionError(f"timed out waiting for {what}")


def markers_match(pg: Any, expected: int) -> bool:
    return shot.marker_count(shot.map_frame(pg)) == expected


def idle(pg: Any) -> None:
    """Wait until Streamlit is not running the script."""
    wait_until(pg, lambda: pg.locator('[data-testid="stStatusWidget"]').count() == 0, "the app to be idle")


def open_app(pg: Any, url: str) -> None:
    pg.goto(url)
    shot.map_frame(pg)
    pg.get_by_text(SHOWN).wait_for(timeout=30000)


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
    link = pg.locator('[data-testid="stCode"] code').first.inner_text().strip()
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
