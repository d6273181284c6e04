"""Refresh docs/screenshot.png: start `streamlit run app.py` on 127.0.0.1, open it in Debian's
headless Chromium (Playwright) and take a picture of the dashboard once the markers are drawn.

    python scripts/screenshot.py [--out docs/screenshot.png] [--data-dir DIR] [--query "type=Battles"]

Also home of :func:`running_app` and :func:`launch_browser`, which the browser tests use.
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as `python scripts/screenshot.py`
    sys.path.insert(0, str(ROOT))

from geo.bench import CHROMIUM_ARGS, streamlit_server  # noqa: E402  (after the path above)


@contextlib.contextmanager
def running_app(data_dir: Path | None = None, *, timeout: float = 60.0, log: Path | None = None) -> Iterator[str]:
    """Run the dashboard with `streamlit run` on a free port of 127.0.0.1; yield its URL."""
    with streamlit_server(data_dir, app_path=ROOT / "app.py", timeout=timeout, log=log) as (url, _pid):
        yield url


def launch_browser(playwright: Any) -> Any:
    """Debian's Chromium, headless (never a downloaded browser)."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise RuntimeError("Chromium is not installed: apt-get install chromium")
    return playwright.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)


def map_frame(page: Any, timeout_ms: float = 30000) -> Any:
    """The streamlit-folium iframe, once Leaflet has drawn the events layer in it."""
    deadline = time.monotonic() + timeout_ms / 1000
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "streamlit_folium" in frame.url:
                with contextlib.suppress(Exception):
                    if frame.evaluate("() => (window.__geoEvBuilt || 0) > 0"):
                        return frame
        page.wait_for_timeout(200)
    raise TimeoutError("the map did not draw its events layer")


def marker_count(frame: Any) -> int:
    """Events on the map: single markers plus the numbers on clusters and on per-place markers."""
    return int(
        frame.evaluate(
            """() => {
            let n = document.querySelectorAll('.ev-marker').length;
            document.querySelectorAll('.marker-cluster span, .ev-agg span').forEach(s => { n += parseInt(s.textContent, 10) || 0; });
            return n;
        }"""
        )
    )


def take(url: str, out: Path, *, width: int = 1400, height: int = 1250) -> Path:
    """Open *url* and save a screenshot of the viewport to *out*."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = launch_browser(pw)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(url)
            frame = map_frame(page)
            frame.wait_for_selector(".ev-marker, .marker-cluster", timeout=30000)
            page.wait_for_timeout(1500)  # let the tiles-free map and the chart settle
            out.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(out))
        finally:
            browser.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--data-dir", type=Path, default=None, help="data folder (default: the bundled data/)")
    parser.add_argument("--query", default="", help="query string of the view, e.g. 'type=Battles'")
    args = parser.parse_args(argv)
    with running_app(args.data_dir) as url:
        path = take(url + (f"?{args.query}" if args.query else ""), args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
