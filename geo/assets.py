"""Leaflet and Leaflet.markercluster from installed PyPI packages, never from a CDN.

The files come from ``XStatic-Leaflet`` and ``XStatic-Leaflet-MarkerCluster``. The app copies them
once into ``static/vendor/`` beside ``app.py`` (git-ignored), which Streamlit serves at
``<app>/app/static/vendor/...`` when ``server.enableStaticServing`` is on. streamlit-folium loads
a map's ``default_js``/``default_css`` as ``<script src>``/``<link href>`` inside its component
iframe, served from ``<app>/component/streamlit_folium.st_folium/index.html``; hence the default
:data:`IFRAME_BASE`, relative to that page so it works under any ``server.baseUrlPath``.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

# From the component iframe (<base>/component/<name>/index.html) to <base>/app/static/vendor.
IFRAME_BASE = "../../app/static/vendor"
VENDOR_SUBDIR = Path("static") / "vendor"
# The dashboard's events tables, one file per content (see publish_layer), and how many are kept.
LAYERS_SUBDIR = Path("static") / "layers"
LAYERS_IFRAME_BASE = "../../app/static/layers"
LAYERS_KEPT = 256


@dataclass(frozen=True)
class Asset:
    """One vendored file: its name in folium's lists, the package it comes from, its path there."""

    name: str
    package: str
    path: str


LEAFLET_JS = Asset("leaflet", "leaflet", "leaflet.js")
LEAFLET_CSS = Asset("leaflet_css", "leaflet", "leaflet.css")
CLUSTER_JS = Asset("markerclusterjs", "leaflet_markercluster", "leaflet.markercluster.js")
CLUSTER_CSS = Asset("markerclustercss", "leaflet_markercluster", "MarkerCluster.css")
CLUSTER_DEFAULT_CSS = Asset("markerclusterdefaultcss", "leaflet_markercluster", "MarkerCluster.Default.css")


def package_dir(package: str) -> Path:
    """The data folder of an installed XStatic package (``leaflet``, ``leaflet_markercluster``)."""
    if package == "leaflet":
        import xstatic.pkg.leaflet as pkg
    elif package == "leaflet_markercluster":
        import xstatic.pkg.leaflet_markercluster as pkg
    else:
        raise ValueError(f"unknown asset package: {package!r}")
    return Path(pkg.BASE_DIR)


def url(asset: Asset, base: str = IFRAME_BASE) -> str:
    """The URL of *asset* under *base* (a relative URL or a ``file://`` folder)."""
    return f"{base.rstrip('/')}/{asset.package}/{asset.path}"


def map_js(base: str = IFRAME_BASE) -> list[tuple[str, str]]:
    """folium ``default_js`` for a map: Leaflet only (no jQuery, Bootstrap or awesome-markers)."""
    return [(LEAFLET_JS.name, url(LEAFLET_JS, base))]


def map_css(base: str = IFRAME_BASE) -> list[tuple[str, str]]:
    """folium ``default_css`` for a map: Leaflet's stylesheet only."""
    return [(LEAFLET_CSS.name, url(LEAFLET_CSS, base))]


def cluster_js(base: str = IFRAME_BASE) -> list[tuple[str, str]]:
    """folium ``default_js`` for the clustered events layer."""
    return [(CLUSTER_JS.name, url(CLUSTER_JS, base))]


def cluster_css(base: str = IFRAME_BASE) -> list[tuple[str, str]]:
    """folium ``default_css`` for the clustered events layer."""
    return [(CLUSTER_CSS.name, url(CLUSTER_CSS, base)), (CLUSTER_DEFAULT_CSS.name, url(CLUSTER_DEFAULT_CSS, base))]


def install_vendor(app_dir: str | Path) -> Path:
    """Copy the packages' files into ``<app_dir>/static/vendor/<package>/`` unless already there.

    Idempotent and cheap on reruns (one stat per package); returns the vendor folder.
    """
    vendor = Path(app_dir) / VENDOR_SUBDIR
    for package in ("leaflet", "leaflet_markercluster"):
        src = package_dir(package)
        dst = vendor / package
        marker = dst / ".complete"
        if marker.exists():
            continue
        vendor.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{package}.", dir=vendor)) / package
        shutil.copytree(src, tmp, ignore=shutil.ignore_patterns("*.map", "*.esm.js", "*-src.js"))
        (tmp / ".complete").write_text("copied from the installed XStatic package\n")
        try:
            if not marker.exists():  # another process may have finished first
                shutil.rmtree(dst, ignore_errors=True)
                tmp.replace(dst)
        except OSError:
            if not marker.exists():
                raise
        finally:
            shutil.rmtree(tmp.parent, ignore_errors=True)
    return vendor



def publish_layer(app_dir: str | Path, digest: str, text: str, *, keep: int = LAYERS_KEPT) -> str | None:
    """Put an events table (*text*, named by its content's *digest*) where Streamlit serves
    static files, ``<app_dir>/static/layers/<digest>.json``, and return its URL from the map's
    iframe; None when the folder cannot be written (the caller then puts the table in the page).

    The file is written once (temporary file, then renamed) and touched when used again, so
    that pruning to the *keep* most recently used tables never removes a table a session is
    showing. A table is immutable under its name: the browser may cache it.
    """
    if not digest.isalnum():
        raise ValueError(f"a layer's digest must be letters and digits, got {digest!r}")
    folder = Path(app_dir) / LAYERS_SUBDIR
    path = folder / f"{digest}.json"
    try:
        if path.exists():
            os.utime(path)
            return f"{LAYERS_IFRAME_BASE}/{path.name}"
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _prune(folder, keep)
    except OSError:
        return None
    return f"{LAYERS_IFRAME_BASE}/{path.name}"


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the *keep* most recently used tables of *folder*."""
    tables = []
    for entry in os.scandir(folder):
        if entry.name.endswith(".json"):
            try:
                tables.append((entry.stat().st_mtime_ns, entry.path))
            except FileNotFoundError:
                continue
    for _mtime, path in sorted(tables, reverse=True)[keep:]:
        Path(path).unlink(missing_ok=True)
