"""Browser fixtures: a real `streamlit run app.py` on 127.0.0.1 over a tmp copy of the sample
data, and Debian's headless Chromium driven by Playwright, with every request recorded."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"


def _load_screenshot_module() -> Any:
    spec = importlib.util.spec_from_file_location("screenshot_script", ROOT / "scripts" / "screenshot.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


shot = _load_screenshot_module()


def wait_until(pg: Any, predicate: Any, what: str, timeout_ms: int = 30000) -> None:
    """Poll *predicate* (no timing assertion: only a generous limit on waiting)."""
    waited = 0
    while waited < timeout_ms:
        try:
            if predicate():
                return
        except Exception:  # noqa: BLE001 - the iframe may be mid-update
            pass
        pg.wait_for_timeout(250)
        waited += 250
    raise AssertionError(f"timed out waiting for {what}")


def idle(pg: Any, timeout_ms: int = 30000) -> None:
    """Wait until Streamlit is not running the script."""
    wait_until(pg, lambda: pg.locator('[data-testid="stStatusWidget"]').count() == 0, "the app to be idle", timeout_ms)


def sample_data_dir(target: Path) -> Path:
    """A data folder holding the sample events and places."""
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "events_sample.geojson", target / "events.geojson")
    shutil.copy(FIXTURES / "places_sample.geojson", target / "places.geojson")
    return target


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_data_dir(tmp_path_factory.mktemp("browser-data"))


@pytest.fixture(scope="session")
def app_url(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed")
    log = tmp_path_factory.mktemp("streamlit-log") / "streamlit.log"
    with shot.running_app(data_dir, log=log) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = shot.launch_browser(pw)
        yield b
        b.close()


class Recorder:
    """Every request the page (and its iframes) makes, and every dialog that opened."""

    def __init__(self) -> None:
        self.urls: list[str] = []
        self.dialogs: list[str] = []


@pytest.fixture()
def page(browser: Any) -> Iterator[tuple[Any, Recorder]]:
    context = browser.new_context(viewport={"width": 1400, "height": 1100})
    pg = context.new_page()
    rec = Recorder()
    pg.on("request", lambda req: rec.urls.append(req.url))

    def on_dialog(dialog: Any) -> None:
        rec.dialogs.append(dialog.message)
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    yield pg, rec
    context.close()
