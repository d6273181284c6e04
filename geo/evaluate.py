"""Measure extraction against an annotated corpus: ``python -m geo.evaluate CORPUS_DIR``.

The folder holds article files (``SOURCE: <url> | PUBLISHED: <date>`` on line 1) and
``gold.json`` keyed by file name, laid out like ``../shared/corpus`` (see its README).

How predictions are matched to gold (the gold lists one entry per distinct surface form):

- **What is predicted as a place**: every distinct mention text of every ``place`` feature of
  :func:`geo.places.extract_places` (only names whose role is ``location``; metonyms, actors,
  datelines and non-locations are not features, so they are not predictions).
- **What gold asks for**: entries whose role is ``event``, ``background`` or ``origin``.
  Entries whose role is ``metonym``, ``dateline``, ``non-location`` or ``actor`` must *not* be
  predicted: a prediction matching one is a false positive, as is a prediction matching no
  gold entry at all. (``--lenient-actors`` leaves ``actor`` entries out of the score, because
  annotators differ on "Azerbaijan" as a polity or a territory.)
- **Matching**: folded (:func:`geo.names.fold`) surface forms are equal, a trailing generic
  word aside ("Syunik region" ~ "Syunik", :func:`form_key`); where gold has two
  entries for one string ("Lachin" the town and the district) each takes the prediction of
  the closest kind.
- **Within 5 km**: for gold entries with coordinates, the distance from the gold point to the
  predicted geometry (0 inside a polygon). A point-like place (settlement, height) counts when
  it is within 5 km; a line or area (road, ridge, district, region, border, lake, country)
  when the gold point is within max(5 km, the place's ``uncertainty_km``) of the geometry.
  The mean error is the mean of those distances.
- **Event dates**: a gold event with places is matched to the predicted events that share a
  place with it (the same surface form, or the place our place extraction gives that form)
  and whose dates are best; it is correct when the
  predicted ``date_start``..``date_end`` lies within the gold range (for a "by <deadline>"
  gold event, when the predicted end is the deadline). ``exact`` also requires equal ranges.
  Gold events without places cannot be shown on a map and are not scored.

``--dates`` instead prints our resolver against dateparser on :data:`DATE_CASES`.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from geo.articles import read_article
from geo.errors import GeoError
from geo.names import fold

POSITIVE_ROLES = frozenset({"event", "background", "origin"})
NEGATIVE_ROLES = frozenset({"metonym", "dateline", "non-location", "actor"})
POINT_KINDS = frozenset({"settlement", "height", "landmark"})
KIND_FAMILY = {
    "district": "area", "region": "area", "country": "area", "border-area": "area",
    "settlement": "point", "height": "point", "road": "line", "ridge": "line", "mountain-range": "line",
    "lake": "point", "river": "line",
}
EARTH_KM = 6371.0

# Date expressions and what they mean (written for this project), used by ``--dates`` to
# measure dateparser against our resolver: (text, published, start, end).
DATE_CASES: list[tuple[str, str, str, str]] = [
    ("The calls were made on Friday, August 5.", "2022-08-05", "2022-08-05", "2022-08-05"),
    ("On August 3 the fighting started.", "2022-08-05", "2022-08-03", "2022-08-03"),
    ("A soldier died on the morning of August 3.", "2022-08-05", "2022-08-03", "2022-08-03"),
    ("Tension rose in the summer of 2020. From September 27 to November 9, the two armies fought.",
     "2022-08-05", "2020-09-27", "2020-11-09"),
    ("The region broke away after the collapse of the USSR.", "2022-08-05", "1991-01-01", "1991-12-31"),
    ("The treaty was signed in 1994 in Bishkek.", "2022-08-05", "1994-01-01", "1994-12-31"),
    ("The minister spoke yesterday.", "2022-08-05", "2022-08-04", "2022-08-04"),
    ("Trucks were stopped last week.", "2022-08-05", "2022-07-25", "2022-07-31"),
    ("The governor resigned on Tuesday.", "2022-08-05", "2022-08-02", "2022-08-02"),
    ("At 00:05 on 6 August the guns opened fire.", "2022-08-05", "2022-08-06", "2022-08-06"),
    ("Convoys have waited for 10 days.", "2022-08-05", "2022-07-27", "2022-08-05"),
    ("Villagers returned last autumn.", "2022-08-05", "2021-09-01", "2021-11-30"),
    ("On December 20 the pipeline burst.", "2023-01-10", "2022-12-20", "2022-12-20"),
    ("Clashes began on April 2, 2016. On April 4 they stopped.", "2020-04-02", "2016-04-04", "2016-04-04"),
]


def haversine_km(lon_lat_a: tuple[float, float], lon_lat_b: tuple[float, float]) -> float:
    """Great-circle distance between two ``(lon, lat)`` points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*lon_lat_a, *lon_lat_b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(h)))


def _segment_km(p: tuple[float, float], a: list[float], b: list[float]) -> float:
    # local equirectangular projection around p: good enough at tens of km
    k = math.cos(math.radians(p[1]))
    ax, ay = (a[0] - p[0]) * k, a[1] - p[1]
    bx, by = (b[0] - p[0]) * k, b[1] - p[1]
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
    x, y = ax + t * dx, ay + t * dy
    return math.hypot(x, y) * math.pi / 180 * EARTH_KM


def _in_ring(p: tuple[float, float], ring: list[list[float]]) -> bool:
    inside = False
    x, y = p
    for (x1, y1), (x2, y2) in zip(ring, ring[1:], strict=False):
        if (y1 > y) != (y2 > y) and x < (x2 - x1) * (y - y1) / (y2 - y1) + x1:
            inside = not inside
    return inside


def distance_to_geometry_km(lon_lat: tuple[float, float], geometry: dict[str, Any]) -> float:
    """Distance from a ``(lon, lat)`` point to a GeoJSON geometry (0 inside a polygon)."""
    kind, coords = geometry["type"], geometry["coordinates"]
    if kind == "Point":
        return haversine_km(lon_lat, (coords[0], coords[1]))
    if kind == "MultiPoint":
        return min(haversine_km(lon_lat, (c[0], c[1])) for c in coords)
    if kind in ("LineString", "MultiLineString"):
        lines = [coords] if kind == "LineString" else coords
        return min(_segment_km(lon_lat, a, b) for line in lines for a, b in zip(line, line[1:], strict=False))
    polygons = [coords] if kind == "Polygon" else coords
    best = math.inf
    for rings in polygons:
        outer = rings[0]
        if _in_ring(lon_lat, outer) and not any(_in_ring(lon_lat, hole) for hole in rings[1:]):
            return 0.0
        best = min(best, min(_segment_km(lon_lat, a, b) for a, b in zip(outer, outer[1:], strict=False)))
    return best


@dataclass
class FileScore:
    """Scores of one file."""

    name: str
    gold_places: int = 0
    found: int = 0
    predicted: int = 0
    correct_predictions: int = 0
    with_coords: int = 0
    within: int = 0
    errors_km: list[float] = field(default_factory=list)
    gold_events: int = 0
    dates_ok: int = 0
    dates_exact: int = 0
    misses: list[str] = field(default_factory=list)
    false_positives: list[str] = field(default_factory=list)
    far: list[str] = field(default_factory=list)
    date_misses: list[str] = field(default_factory=list)


_GENERIC_TAIL = re.compile(r"(?:\s+(?:state\s+)?(?:regions?|districts?|provinces?|rayons?|marz))+$", re.IGNORECASE)


def form_key(text: str) -> str:
    """Folded surface form without a trailing generic word ("Syunik region" ~ "Syunik")."""
    return fold(_GENERIC_TAIL.sub("", text.strip())) or fold(text)


def _prefix_match(a: str, b: str) -> bool:
    """One folded form starts the other at a word boundary (folded forms have no spaces, so
    this is checked on the words): "Yerablur military cemetery" ~ "Yerablur"."""
    return bool(a) and bool(b) and a != b and (a.startswith(b) or b.startswith(a)) and min(len(a), len(b)) >= 4


def _pred_forms(collection: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(folded form, form as written, feature) for each distinct mention text of each place."""
    out = []
    for feature in collection["features"]:
        seen: set[str] = set()
        for m in feature["properties"].get("mentions", []):
            key = form_key(m["text"])
            if key and key not in seen:
                seen.add(key)
                out.append((key, m["text"], feature))
    return out


def score_places(collection: dict[str, Any], gold: dict[str, Any], score: FileScore, *, lenient_actors: bool) -> None:
    """Fill the place figures of *score* from a predicted collection and one gold entry."""
    negative = NEGATIVE_ROLES - ({"actor"} if lenient_actors else set())
    preds = _pred_forms(collection)
    by_form: dict[str, list[dict[str, Any]]] = {}
    for g in gold["places"]:
        by_form.setdefault(form_key(g["mention"]), []).append(g)
    # precision: each predicted (feature, surface form)
    def gold_for(key: str) -> list[dict[str, Any]]:
        if key in by_form:
            return by_form[key]
        return next((gs for k, gs in by_form.items() if _prefix_match(key, k)), [])

    for key, text, _feature in preds:
        golds = gold_for(key)
        roles = {g["role"] for g in golds}
        if lenient_actors and roles and roles <= {"actor"}:
            continue
        score.predicted += 1
        if roles & POSITIVE_ROLES:
            score.correct_predictions += 1
        else:
            why = "/".join(sorted(roles & negative)) or "not in gold"
            score.false_positives.append(f"{text} ({why})")
    # recall and distance: each positive gold entry
    for g in gold["places"]:
        if g["role"] not in POSITIVE_ROLES:
            continue
        score.gold_places += 1
        key = form_key(g["mention"])
        candidates = [f for k, _, f in preds if k == key] or [f for k, _, f in preds if _prefix_match(k, key)]
        if not candidates:
            score.misses.append(g["mention"])
            continue
        score.found += 1
        family = KIND_FAMILY.get(g.get("kind") or "", "")
        candidates.sort(key=lambda f: 0 if KIND_FAMILY.get(f["properties"]["kind"], "?") == family else 1)
        if g.get("lat") is None or g.get("lon") is None:
            continue
        feature = candidates[0]
        score.with_coords += 1
        dist = distance_to_geometry_km((g["lon"], g["lat"]), feature["geometry"])
        score.errors_km.append(dist)
        props = feature["properties"]
        limit = 5.0 if props["kind"] in POINT_KINDS else max(5.0, float(props["uncertainty_km"]))
        if dist <= limit:
            score.within += 1
        else:
            score.far.append(f"{g['mention']} {dist:.1f} km (limit {limit:.0f})")


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def score_events(
    collection: dict[str, Any], gold: dict[str, Any], score: FileScore, places: dict[str, Any] | None = None
) -> None:
    """Fill the event-date figures of *score*.

    A gold event's places are its surface forms; they stand for the place ids that the
    predicted *places* collection gives those forms (so "Stepanakert" in gold matches an
    event written "the Karabakh capital" when both resolved to the same place)."""
    form_ids: dict[str, set[str]] = {}
    for key, _, feature in _pred_forms(places or {"features": []}):
        form_ids.setdefault(key, set()).add(feature["properties"]["place_id"])
    events: dict[str, dict[str, Any]] = {}
    for f in collection["features"]:
        p = f["properties"]
        ev = events.setdefault(p["event_id"], {"forms": set(), "start": p["date_start"], "end": p["date_end"],
                                              "quote": p["quote"]})
        ev["forms"].add(form_key(p["mention"]))
        ev["forms"].add(p["place_id"])
    for g in gold["events"]:
        forms = {form_key(x) for x in g.get("places", [])}
        if not forms:
            continue
        wanted = set(forms)
        for form in forms:
            ids = form_ids.get(form) or {pid for k, v in form_ids.items() if _prefix_match(k, form) for pid in v}
            wanted |= ids
        score.gold_events += 1
        g_start, g_end = _date(g.get("date_start")), _date(g["date_end"])
        best_ok = best_exact = False
        for ev in events.values():
            if not (ev["forms"] & wanted):
                continue
            p_start, p_end = _date(ev["start"]), _date(ev["end"])
            assert p_start is not None and p_end is not None
            if g_start is None:
                ok = p_end == g_end
                exact = ok
            else:
                assert g_end is not None
                ok = g_start <= p_start <= p_end <= g_end
                exact = (p_start, p_end) == (g_start, g_end)
            best_ok = best_ok or ok
            best_exact = best_exact or exact
        score.dates_ok += best_ok
        score.dates_exact += best_exact
        if not best_ok:
            score.date_misses.append(f"{g.get('date_start')}..{g['date_end']} {g.get('date_text', '')!r} at {sorted(g['places'])[:3]}")


def evaluate(corpus_dir: str | Path, *, lenient_actors: bool = False, geocoder: Any = None) -> list[FileScore]:
    """Run extraction over every annotated file of *corpus_dir*; one :class:`FileScore` each."""
    from geo.events import extract_events
    from geo.places import extract_places

    corpus_dir = Path(corpus_dir)
    gold_path = corpus_dir / "gold.json"
    try:
        gold_all = json.loads(gold_path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise GeoError(f"{gold_path}: not found; CORPUS_DIR must hold gold.json (see ../shared/corpus/README.md)") from None
    scores = []
    for name in sorted(gold_all):
        gold = gold_all[name]
        article = read_article(corpus_dir / name)
        score = FileScore(name)
        places = extract_places(article.text, geocoder=geocoder)
        score_places(places, gold, score, lenient_actors=lenient_actors)
        events = extract_events(article.text, published=gold["published"], url=gold.get("source", ""), geocoder=geocoder)
        score_events(events, gold, score, places)
        scores.append(score)
    return scores


def _ratio(a: float, b: float) -> float:
    return a / b if b else float("nan")


def report(scores: list[FileScore], *, verbose: bool = False) -> str:
    """The per-file and overall table."""
    lines = [f"{'file':<58} {'recall':>6} {'prec':>6} {'<=5km':>6} {'err km':>7} {'dates':>6}"]
    total = FileScore("overall")
    for s in scores:
        mean = sum(s.errors_km) / len(s.errors_km) if s.errors_km else float("nan")
        lines.append(
            f"{s.name[:58]:<58} {_ratio(s.found, s.gold_places):>6.2f} {_ratio(s.correct_predictions, s.predicted):>6.2f} "
            f"{_ratio(s.within, s.with_coords):>6.2f} {mean:>7.1f} {_ratio(s.dates_ok, s.gold_events):>6.2f}"
        )
        if verbose:
            for label, items in (("missed", s.misses), ("false+", s.false_positives), ("far", s.far),
                                 ("date", s.date_misses)):
                for item in items:
                    lines.append(f"    {label}: {item}")
        for attr in ("gold_places", "found", "predicted", "correct_predictions", "with_coords", "within",
                     "gold_events", "dates_ok", "dates_exact"):
            setattr(total, attr, getattr(total, attr) + getattr(s, attr))
        total.errors_km += s.errors_km
    mean = sum(total.errors_km) / len(total.errors_km) if total.errors_km else float("nan")
    lines.append(
        f"{'OVERALL':<58} {_ratio(total.found, total.gold_places):>6.2f} "
        f"{_ratio(total.correct_predictions, total.predicted):>6.2f} {_ratio(total.within, total.with_coords):>6.2f} "
        f"{mean:>7.1f} {_ratio(total.dates_ok, total.gold_events):>6.2f}"
    )
    lines.append(
        f"place recall {total.found}/{total.gold_places} = {_ratio(total.found, total.gold_places):.3f}; "
        f"precision {total.correct_predictions}/{total.predicted} = {_ratio(total.correct_predictions, total.predicted):.3f}; "
        f"within 5 km (or the uncertainty of a line/area) {total.within}/{total.with_coords} = "
        f"{_ratio(total.within, total.with_coords):.3f}; mean error {mean:.1f} km; "
        f"event-date accuracy {total.dates_ok}/{total.gold_events} = {_ratio(total.dates_ok, total.gold_events):.3f} "
        f"(exact range {total.dates_exact}/{total.gold_events} = {_ratio(total.dates_exact, total.gold_events):.3f})"
    )
    return "\n".join(lines)


def compare_dateparser() -> str:
    """Our resolver and dateparser's ``search_dates`` (RELATIVE_BASE = publication) on :data:`DATE_CASES`."""
    from geo.dates import find_dates

    try:
        from dateparser.search import search_dates
    except ImportError:  # pragma: no cover - dateparser is in requirements
        search_dates = None
    lines = [f"{'case':<60} {'expected':<23} {'geo.dates':<23} dateparser"]
    ours_ok = theirs_ok = 0
    for text, published, start, end in DATE_CASES:
        pub = dt.date.fromisoformat(published)
        found = find_dates(text, pub)
        last = found[-1] if found else None
        ours = f"{last.date_start}..{last.date_end}" if last else "-"
        ours_ok += ours == f"{start}..{end}"
        theirs = "-"
        if search_dates is not None:
            base = dt.datetime.combine(pub, dt.time(12))
            hits = search_dates(text, languages=["en"], settings={"RELATIVE_BASE": base}) or []
            theirs = "; ".join(f"{t!r}->{d.date()}" for t, d in hits) or "-"
            dates = [d.date().isoformat() for _, d in hits]
            theirs_ok += bool(dates) and dates[-1] == end and (start == end or dates[0] == start)
        lines.append(f"{text[:60]:<60} {start + '..' + end:<23} {ours:<23} {theirs}")
    lines.append(f"correct: geo.dates {ours_ok}/{len(DATE_CASES)}, dateparser {theirs_ok}/{len(DATE_CASES)}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m geo.evaluate", description=__doc__.split("\n")[0])
    parser.add_argument("corpus_dir", nargs="?", help="folder with article files and gold.json")
    parser.add_argument("-v", "--verbose", action="store_true", help="list misses, false positives, far places")
    parser.add_argument("--lenient-actors", action="store_true", help="leave gold 'actor' entries out of precision")
    parser.add_argument("--dates", action="store_true", help="compare our date resolver with dateparser")
    args = parser.parse_args(argv)
    if args.dates:
        print(compare_dateparser())
        return 0
    if not args.corpus_dir:
        parser.error("give CORPUS_DIR (or --dates)")
    try:
        scores = evaluate(args.corpus_dir, lenient_actors=args.lenient_actors)
    except GeoError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(report(scores, verbose=args.verbose))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
