"""The offline basemap: country borders and the Nagorno-Karabakh outline from Natural Earth, and
the names drawn on it (countries, the region's towns from the gazetteer, the events' places).

Files live in ``data/basemap/`` beside the package (see its README for sources and licence);
they are read once per process. No tiles, no network.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
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


# ---------------------------------------------------------------- place names on the offline map

# Where the offline map's town names are taken from: Nagorno-Karabakh and its neighbours.
LABEL_WINDOW = (38.3, 43.8, 41.5, 48.3)  # (south, west, north, east)
# Places of the region named on the map whatever their population in GeoNames (Khankendi is
# listed with 2,100 people), with both names where both are in use; each other name must be
# one of the gazetteer's alternate names for the place.
KEY_PLACES: dict[str, tuple[str, str | None]] = {
    "geonames:146970": ("Stepanakert / Khankendi", "Stepanakert"),
    "geonames:147105": ("Shusha / Shushi", "Shushi"),
    "geonames:147625": ("Lachin / Berdzor", "Berdzor"),
    "curated:martakert": ("Martakert / Aghdara", "Aghdara"),
    "geonames:146969": ("Khojavend / Martuni", "Martuni"),
    "geonames:148450": ("Askeran", "Askeran"),
    "curated:hadrut": ("Hadrut", None),
    "geonames:174895": ("Goris", None),
    "geonames:174875": ("Kapan", None),
    "geonames:174884": ("Jermuk", None),
    "geonames:586268": ("Kalbajar", None),
    "geonames:148619": ("Aghdam", None),
    "geonames:147774": ("Khojaly", None),
    "geonames:148106": ("Fuzuli", None),
    "geonames:148141": ("Jabrayil", None),
    "geonames:147305": ("Kubadli", None),
    "geonames:146901": ("Zangilan", None),
    "geonames:174763": ("Sisian", None),
    "geonames:174823": ("Meghri", None),
    "geonames:616108": ("Vardenis", None),
    "geonames:584871": ("Tartar", None),
    "geonames:587057": ("Barda", None),
}
CAPITALS = ("geonames:616052", "geonames:587084", "geonames:611717")  # Yerevan, Baku, Tbilisi
LABELED_COUNTRIES = ("Armenia", "Azerbaijan", "Iran", "Georgia", "Turkey", "Russia")
# Label tiers: the lower, the more important (drawn first, hides what it overlaps); and the
# zoom levels each tier is shown at.
TIER_ZOOMS: dict[int, tuple[int, int]] = {
    0: (5, 9),    # countries
    1: (5, 18),   # capitals, the region
    2: (7, 18),   # the region's towns, cities over 100,000
    3: (8, 18),   # towns over 8,000
    4: (9, 18),   # the events' places, towns over 2,500
}
REGION_LABEL_AT = (40.0, 46.42)  # (lat, lon) of the name "Nagorno-Karabakh"
BIG_CITY_RADIUS_KM = 15.0  # quarters of Yerevan and Baku (GeoNames lists them as towns) are left out


@dataclass(frozen=True)
class Label:
    """A name drawn on the offline map: text only."""

    lat: float
    lon: float
    text: str
    kind: str  # "country", "region", "city", "town", "place"
    tier: int
    population: int = 0
    rank: int = 1000  # within a tier: lower first (the key places keep their listed order)
    zooms: tuple[int, int] | None = None  # shown at these zoom levels (default: the tier's)

    def row(self) -> list[Any]:
        """``[lat, lon, text, kind, min zoom, max zoom]`` for the browser."""
        lo, hi = self.zooms or TIER_ZOOMS[self.tier]
        return [round(self.lat, 4), round(self.lon, 4), self.text, self.kind, lo, hi]


def _ring_centroid(ring: list[list[float]]) -> tuple[float, float, float]:
    """(area, lon, lat) of a ring (shoelace; planar, which is fine for a label)."""
    area = cx = cy = 0.0
    for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False):
        cross = x0 * y1 - x1 * y0
        area += cross
        cx += (x0 + x1) * cross
        cy += (y0 + y1) * cross
    if abs(area) < 1e-12:
        xs, ys = [p[0] for p in ring], [p[1] for p in ring]
        return 0.0, sum(xs) / len(xs), sum(ys) / len(ys)
    return abs(area) / 2, cx / (3 * area), cy / (3 * area)


def label_point(geometry: Mapping[str, Any]) -> tuple[float, float] | None:
    """(lat, lon) where a (Multi)Polygon's name goes: the centroid of its largest part."""
    if geometry.get("type") == "Polygon":
        polygons = [geometry["coordinates"]]
    elif geometry.get("type") == "MultiPolygon":
        polygons = geometry["coordinates"]
    else:
        return None
    best = max((_ring_centroid(p[0]) for p in polygons if p and len(p[0]) > 2), default=None)
    return None if best is None else (best[2], best[1])


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


def _in_countries_window(lat: float, lon: float) -> bool:
    return 36.0 <= lat <= 44.0 and 38.0 <= lon <= 52.0


def _in_window(lat: float, lon: float) -> bool:
    south, west, north, east = LABEL_WINDOW
    return south <= lat <= north and west <= lon <= east


LABELS_FILE = "labels.json"  # the names below but the events' places, precomputed (see base_labels)


def compute_base_labels(basemap_dir: Path = BASEMAP_DIR) -> tuple[list[Label], list[str]]:
    """The names the offline map shows whatever the data, most important first: countries
    (Natural Earth), the capitals, Nagorno-Karabakh, the region's towns (the gazetteer, by
    population and a list of key places); and the place ids they name."""
    from geo.gazetteer import load_gazetteer

    out: list[Label] = []
    for feature in countries(basemap_dir).get("features", []):
        name = feature.get("properties", {}).get("name")
        point = label_point(feature.get("geometry") or {})
        if name in LABELED_COUNTRIES and point is not None:
            out.append(Label(point[0], point[1], str(name).upper(), "country", 0))
    if region_outline(basemap_dir).get("features"):
        # In the region's empty north-west, away from its towns (its centroid is among them);
        # after the towns: where they are is what a reader needs first.
        out.append(Label(*REGION_LABEL_AT, "Nagorno-Karabakh", "region", 2, rank=500, zooms=(6, 10)))
    gazetteer = load_gazetteer()
    named: dict[str, None] = {}
    big: list[tuple[float, float]] = []
    for pid in CAPITALS:
        if pid in gazetteer:
            place = gazetteer.get(pid)
            out.append(Label(*place.lat_lon, place.name, "city", 1, place.population))
            named[pid] = None
            big.append(place.lat_lon)
    for pid, (text, other) in KEY_PLACES.items():
        if pid not in gazetteer:
            continue
        place = gazetteer.get(pid)
        if other is not None and other not in place.alternate_names and other != place.name:
            text = place.name  # the other name is not the gazetteer's: show its own
        out.append(Label(*place.lat_lon, text, "town", 2, place.population, rank=len(named)))
        named[pid] = None
    towns = sorted(
        (p for p in gazetteer if p.kind == "settlement" and p.place_id not in named and p.population >= 2500),
        key=lambda p: -p.population,
    )
    for place in towns:
        lat, lon = place.lat_lon
        near_big = any(_km((lat, lon), b) < BIG_CITY_RADIUS_KM for b in big)
        if place.population >= 100_000 and not near_big and _in_countries_window(lat, lon):
            out.append(Label(lat, lon, place.name, "city", 2, place.population))
        elif _in_window(lat, lon) and not near_big:
            out.append(Label(lat, lon, place.name, "town", 3 if place.population >= 8000 else 4, place.population))
        else:
            continue
        named[place.place_id] = None
        if place.population >= 500_000:
            big.append((lat, lon))
    return out, list(named)


def write_base_labels(basemap_dir: Path = BASEMAP_DIR) -> Path:
    """Write :func:`compute_base_labels` to ``labels.json`` (after the gazetteer or the borders
    change; a test fails while the file is stale)."""
    found, named = compute_base_labels(basemap_dir)
    path = basemap_dir / LABELS_FILE
    rows = [[lb.lat, lb.lon, lb.text, lb.kind, lb.tier, lb.population, lb.rank, list(lb.zooms) if lb.zooms else None]
            for lb in found]
    text = ('{"labels": [\n' + ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
            + '\n],\n"named": ' + json.dumps(named) + "}\n")
    path.write_text(text, encoding="utf-8")
    return path


@lru_cache(maxsize=4)
def base_labels(basemap_dir: Path = BASEMAP_DIR) -> tuple[tuple[Label, ...], frozenset[str]]:
    """:func:`compute_base_labels`, read from ``labels.json`` when it is there (loading the
    gazetteer to compute them costs a cold start about 0.2 s)."""
    try:
        saved = json.loads((basemap_dir / LABELS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        found, named = compute_base_labels(basemap_dir)
        return tuple(found), frozenset(named)
    found = [Label(lat, lon, text, kind, tier, pop, rank, tuple(zooms) if zooms else None)
             for lat, lon, text, kind, tier, pop, rank, zooms in saved["labels"]]
    return tuple(found), frozenset(saved["named"])


def labels(
    event_places: Iterable[tuple[str, float, float, str]] = (), basemap_dir: Path = BASEMAP_DIR
) -> list[Label]:
    """The names the offline map shows, most important first: :func:`base_labels` and the
    *event_places* (``(place_id, lat, lon, name)``) not named already."""
    found, named_ids = base_labels(basemap_dir)
    out = list(found)
    named = set(named_ids)
    for pid, lat, lon, name in event_places:
        if pid in named or not name:
            continue
        named.add(pid)
        out.append(Label(lat, lon, name, "place", 4))
    out.sort(key=lambda lb: (lb.tier, lb.rank, -lb.population))
    return out


if __name__ == "__main__":
    print(write_base_labels())
