"""The offline basemap: country borders and the Nagorno-Karabakh outline from Natural Earth.

Files live in ``data/basemap/`` beside the package (see its README for sources and licence);
they are read once per process. No tiles, no network.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

BASEMAP_DIR = Path(__file__).resolve().parent.parent / "data" / "basemap"
COUNTRIES_FILE = "caucasus_countries.geojson"
REGION_FILE = "nagorno_karabakh_ne50m.geojson"
# What the offline map fills outside the land polygons with (the Caspian and Black Sea, beyond the clip).
BACKGROUND = "#dfe8ee"
LAND = "#f6f3ec"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
NE_ATTRIBUTION = "Borders: Natural Earth (public domain)"


@lru_cache(maxsize=4)
def _load(name: str, basemap_dir: str) -> dict[str, Any]:
    path = Path(basemap_dir) / name
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"type": "FeatureCollection", "features": []}


def countries(basemap_dir: Path = BASEMAP_DIR) -> dict[str, Any]:
    """Country polygons of the Caucasus window (lon 38..52, lat 36..44); empty if the file is gone."""
    return _load(COUNTRIES_FILE, str(basemap_dir))


def region_outline(basemap_dir: Path = BASEMAP_DIR) -> dict[str, Any]:
    """The Nagorno-Karabakh outline (de facto extent before 2020)."""
    return _load(REGION_FILE, str(basemap_dir))
