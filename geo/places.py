"""Place mentions in an article: what is named, where it is, and whether it is a place at all.

Two finders, merged:

1. the gazetteer's folded names (:meth:`geo.gazetteer.Gazetteer.scan`), ranked by the kind the
   words around them ask for ("Lachin region" is the district, "Lachin" alone the town);
2. the patterns news uses for places no gazetteer knows: "the heights of X, Y", "the X region",
   "X corridor" / "X road", "X ridge", "village(s) of X, Y and Z", "X, Y and Z villages",
   "lake X", "the line of contact", "the X border". A name no gazetteer (or geocoder) knows is
   placed near the place the text ties it to (the district of "villages of Fuzuli district",
   else the nearest located place before it) with ``geo_precision`` 2 or 3 and an honest
   ``uncertainty_km``, under a ``derived:<slug>`` id that says so.

Not every name is a place where something happened. Each mention gets a ``role``:

- ``location``: a place (an event place or background);
- ``metonym``: a capital standing for its government ("Baku and Yerevan accused each other");
- ``actor``: a country acting ("Armenia called on Russia", "Azerbaijan's Defence Ministry");
- ``dateline``: "MOSCOW, Nov 10 -" at the head of the story;
- ``non-location``: part of another name ("Moscow time", "OSCE Minsk Group", a slogan).

Only places with at least one ``location`` mention are features of :func:`extract_places`;
the other mentions are listed under the collection's ``not_places`` member.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from itertools import accumulate
from typing import Any, Protocol

from geo.articles import sentences
from geo.gazetteer import Gazetteer, Place, context_kind, load_gazetteer
from geo.model import feature_collection, validate_collection
from geo.names import fold, is_capitalized, tokens

CAPITAL_OF = {fold("Karabakh"): "Stepanakert", fold("Nagorno-Karabakh"): "Stepanakert",
              fold("Armenian"): "Yerevan", fold("Azerbaijani"): "Baku"}
ROLES = ("location", "metonym", "actor", "dateline", "non-location")
CAPITALS = frozenset(
    fold(n)
    for n in (
        "Baku", "Yerevan", "Moscow", "Ankara", "Washington", "Tehran", "Tbilisi", "Paris", "Brussels",
        "Berlin", "London", "Beijing", "Kyiv", "Kiev", "Minsk", "Stepanakert", "Khankendi",
    )
)
# capitals that name the government only (Stepanakert is also where things happen: keep it)
GOVERNMENT_CAPITALS = CAPITALS - {fold("Stepanakert"), fold("Khankendi")}
LOCATIVE = re.compile(
    r"(?:\b(?:in|into|inside|to|toward|towards|from|across|near|at|around|outside|within|through|"
    r"throughout|over|via|entered|reached|left|visited|struck|shelled|hit|captured|took|taken)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
PLACE_NOUN_OF = re.compile(
    r"\b(?:city|town|village|territory|territories|part|parts|region|regions|border|borders|soil|north|south|"
    r"east|west|centre|center|capital|side|areas?|lands?|cities|towns|villages|outskirts|districts?)\s+of\s+"
    r"(?:the\s+)?$",
    re.IGNORECASE,
)
PLACE_NOUN_AFTER_POSSESSIVE = re.compile(
    r"^['’]s\s+(?:[a-z-]+\s+){0,2}?(?:territory|territories|region|regions|border|borders|soil|towns?|"
    r"cities|city|villages?|settlements?|districts?|land|lands|airspace|side|positions)\b",
)
BETWEEN_PLACES = re.compile(
    r"\b(?:border|borders|link|linking|road|corridor|line|frontier|route|traffic)\b[^.]{0,40}\b(?:between|with|and)\s+"
    r"(?:the\s+)?(?:[A-Z][\w-]*\s+){0,3}(?:and\s+)?$"
)
ORG_WORDS = frozenset(
    ["observer", "group", "times", "news", "agency", "press", "post", "daily", "tv", "television", "radio", "service", "foundation", "institute", "university", "club", "airlines", "airways", "bank", "committee", "council"]
)
POLITY_OF = re.compile(
    r"\b(?:Security\s+Council|Council|Government|government|Parliament|President|president|authorities|"
    r"leadership|Ministry\s+of\s+\w+(?:\s+\w+)?)\s+of\s+(?:the\s+)?$"
)
NOT_PLACE_AFTER = re.compile(r"^\s+(?:time|standard\s+time)\b", re.IGNORECASE)

# A name starts where a word does, not inside one or after a hyphen (else every letter of a long
# word is tried as a start: quadratic), and a hyphenated part is plain ``-\w+`` (``-[A-Z]?\w+``
# matches each part two ways: exponential backtracking on a long hyphenated word).
_NAME = r"(?<![\w-])[A-Z]\w*(?:-\w+)*(?:\s+(?:[A-Z]\w*(?:-\w+)*))?(?!['’]s\b)"
_NAME_LIST = rf"(?P<list>{_NAME}(?:\s*,\s*{_NAME})*(?:,?\s+and\s+{_NAME})?)"
_KIND_WORDS = {
    "region": "region", "regions": "region", "province": "region", "district": "district",
    "districts": "district", "rayon": "district", "corridor": "road", "road": "road", "highway": "road",
    "ridge": "ridge", "range": "mountain-range", "mountains": "mountain-range", "heights": "height",
    "height": "height", "hill": "height", "river": "river", "lake": "lake", "bridge": "road",
    "border": "border-area",
}
PATTERNS: list[tuple[str, re.Pattern[str], str]] = [
    ("heights of", re.compile(rf"\bheights?\s+of\s+{_NAME_LIST}"), "height"),
    ("villages of", re.compile(rf"\b(?:villages?|settlements?|hamlets?)\s+of\s+{_NAME_LIST}"), "settlement"),
    # "X, Y and Z villages": searched backwards from each "villages" (see _pattern_spans)
    ("X villages", re.compile(rf"{_NAME_LIST}\s+$"), "settlement"),
    ("town of", re.compile(rf"\b(?:city|town)\s+of\s+(?P<list>{_NAME})"), "settlement"),
    ("towns of", re.compile(rf"\b(?:towns|cities)\s+of\s+{_NAME_LIST}"), "settlement"),
    ("lake X", re.compile(rf"\b[Ll]ake\s+(?P<list>{_NAME})"), "lake"),
    ("X kind", re.compile(
        rf"(?P<list>{_NAME})\s+(?P<kw>[Rr]egions?|[Pp]rovince|[Dd]istricts?|[Rr]ayon|[Cc]orridor|[Rr]oad|[Hh]ighway|"
        r"[Rr]idge|[Mm]ountain\s+[Rr]ange|[Hh]eights|[Rr]iver(?:\s+bridge)?|(?:state\s+)?[Bb]order)\b"), ""),
    ("line of contact", re.compile(r"\b[Ll]ine\s+of\s+(?:[Cc]ontact|[Dd]emarcation)"), "border-area"),
    ("the X capital", re.compile(r"\bthe\s+(?P<list>Karabakh|Nagorno-Karabakh|Armenian|Azerbaijani)\s+capital\b"), "settlement"),
]
# Words a capitalised run may start with that are not names.
NOT_NAMES = frozenset(
    fold(w) for w in ["The", "A", "An", "In", "On", "At", "Of", "And", "Or", "But", "After", "Before", "Under", "Since", "During", "Its", "Their", "His", "Her", "This", "That", "These", "Those", "Azerbaijani", "Armenian", "Russian", "Turkish", "Iranian", "Soviet", "Karabakh's", "Several", "Other", "Some", "Many", "Both", "Each", "Operation", "Ministry", "Defense", "Defence", "President", "Prime", "Minister", "Deputy", "Security", "Council", "State", "US", "UN", "EU", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December", "Today", "Yesterday", "However", "Meanwhile", "According", "North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central", "Upper", "Lower", "Line", "Lake", "Mount", "River"]
)


class Geocoder(Protocol):
    """Anything with ``geocode(name, *, kind=None) -> Place | None`` (see :mod:`geo.geocoding`)."""

    def geocode(self, name: str, *, kind: str | None = None) -> Place | None: ...


@dataclass(frozen=True)
class Mention:
    """One place name as written: offsets, its sentence, what it is and what it refers to."""

    start: int
    end: int
    text: str
    sentence: str
    sentence_start: int
    role: str
    place: Place | None
    finder: str = "gazetteer"
    kind: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end, "sentence": self.sentence, "role": self.role}


@dataclass
class _Span:
    start: int
    end: int
    text: str
    kind: str | None
    finder: str
    candidates: tuple[Place, ...] = ()
    anchor: Place | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "place"


def _split_list(m: re.Match[str]) -> list[tuple[int, int]]:
    """Offsets of the names of a ``"X, Y and Z"`` list match."""
    start = m.start("list")
    chunk = m.group("list")
    out = []
    for part in re.finditer(r"[^,]+", chunk):
        piece = part.group()
        for sub in re.split(r"\s+and\s+", piece):
            sub_stripped = sub.strip()
            if not sub_stripped:
                continue
            offset = start + part.start() + piece.find(sub_stripped)
            out.append((offset, offset + len(sub_stripped)))
    return out


def _trim_name(text: str, start: int, end: int) -> tuple[int, int] | None:
    """Drop leading non-name words ("The Lachin" -> "Lachin"); None if nothing is left."""
    words = list(re.finditer(r"\S+", text[start:end]))
    while words and fold(words[0].group()) in NOT_NAMES:
        words.pop(0)
    if not words:
        return None
    return start + words[0].start(), start + words[-1].end()


_VILLAGES = re.compile(r"\bvillages\b")
_LIST_WINDOW = 300


def _pattern_matches(name: str, rx: re.Pattern[str], text: str) -> list[re.Match[str]]:
    """Matches of one pattern; a list that ends at a keyword is searched in a window before
    each keyword, so that long capitalised lists cost linear time, not quadratic."""
    if name != "X villages":
        return list(rx.finditer(text))
    found = []
    for kw in _VILLAGES.finditer(text):
        lo = max(0, kw.start() - _LIST_WINDOW)
        m = rx.search(text, lo, kw.start())
        if m:
            found.append(m)
    return found


def _pattern_spans(text: str) -> list[_Span]:
    spans: list[_Span] = []
    for name, rx, kind in PATTERNS:
        for m in _pattern_matches(name, rx, text):
            if name == "line of contact":
                spans.append(_Span(m.start(), m.end(), m.group(), "border-area", name))
                continue
            if name == "the X capital":
                capital = CAPITAL_OF.get(fold(m.group("list")))
                if capital:
                    spans.append(_Span(m.start(), m.end(), m.group(), "settlement", name, extra={"lookup": capital}))
                continue
            if name == "X kind":
                kw = re.sub(r"\s+", " ", m.group("kw").lower())
                key = kw.split()[-1] if kw.startswith("state") else kw.split()[0]
                if kw == "mountain range":
                    key = "range"
                k = _KIND_WORDS.get(key, "unknown")
                if kw.startswith("river bridge"):
                    k = "road"
                trimmed = (m.start("list"), m.end("list")) if k == "border-area" else _trim_name(
                    text, m.start("list"), m.end("list"))
                if trimmed is None:
                    continue
                if k == "border-area" and not re.search(r"[Aa]rmeni|[Aa]zerbaij|[Ii]ran|[Tt]urk", text[trimmed[0]:trimmed[1]]):
                    continue
                spans.append(_Span(trimmed[0], m.end(), text[trimmed[0]:m.end()], k, name,
                                   extra={"core": trimmed}))
                continue
            for a, b in _split_list(m):
                trimmed = _trim_name(text, a, b)
                if trimmed is None:
                    continue
                a, b = trimmed
                # "villages of Jabrayil district": the district is the parent, not a village
                after = text[b:b + 12].lower()
                if re.match(r"\s+(?:district|region|province|rayon)", after):
                    continue
                spans.append(_Span(a, b, text[a:b], kind, name))
    return spans


def _role(text: str, span: _Span, place: Place | None, line_start: int, line: str) -> str:
    before = text[max(0, span.start - 60):span.start]
    after = text[span.end:span.end + 40]
    key = fold(span.text)
    # dateline: first words of a short line or of a line followed by ", <Month>" / "(" / "/"
    if span.start - line_start <= 1 and re.match(r"^\s*(?:,|\(|/|—|–|-\s)", after) and (
        span.text.isupper() or len(line) < 60 or re.search(r"/[A-Z]+/|\(.*?\)\s*[-—–]", line[:80])
    ):
        return "dateline"
    if NOT_PLACE_AFTER.match(after):
        return "non-location"
    nxt = re.match(r"^\s+([A-Z][a-z]+)", after)
    if nxt and nxt.group(1).lower() in ORG_WORDS:
        return "non-location"
    if _in_slogan(text, span.start, span.end):
        return "non-location"
    if re.match(r"^[-‐]brokered|^[-‐]backed|^[-‐]led", after):
        return "metonym"
    kind = place.kind if place else span.kind
    if re.match(r"(?i)republic\s+of\b", span.text) or POLITY_OF.search(before):
        return "actor"
    locative = bool(LOCATIVE.search(before) or PLACE_NOUN_OF.search(before) or BETWEEN_PLACES.search(before))
    if kind == "country" or (place is None and span.kind == "country"):
        if locative or PLACE_NOUN_AFTER_POSSESSIVE.match(after):
            return "location"
        conj = re.search(r"\b(?:in|into|to|from|between|across|of)\s+(?:the\s+)?[A-Z][\w-]+(?:\s+[A-Z][\w-]+)?\s*,?\s+(?:and|or)\s+$", before)
        if conj:
            return "location"
        return "actor"
    if key in GOVERNMENT_CAPITALS and (span.finder == "gazetteer"):
        if locative:
            return "location"
        return "metonym"
    return "location"


def _in_slogan(text: str, start: int, end: int) -> bool:
    left = max(text.rfind("\"", 0, start), text.rfind("“", 0, start))
    if left == -1 or start - left > 30:
        return False
    right_candidates = [i for i in (text.find("\"", end), text.find("”", end)) if i != -1]
    if not right_candidates:
        return False
    right = min(right_candidates)
    quoted = text[left + 1:right]
    return right - end < 30 and quoted.rstrip().endswith("!") and len(quoted.split()) <= 6


def _fits(place: Place, kind: str | None) -> bool:
    if kind is None:
        return True
    families = {
        "region": {"region", "district"}, "district": {"district", "region"}, "road": {"road"},
        "ridge": {"ridge", "mountain-range"}, "mountain-range": {"mountain-range", "ridge"},
        "height": {"height"}, "settlement": {"settlement"}, "lake": {"lake"}, "river": {"river"},
        "border-area": {"border-area"}, "country": {"country"},
    }
    return place.kind in families.get(kind, {kind})


_UNCERTAINTY = {"settlement": 10.0, "height": 10.0, "road": 15.0, "ridge": 20.0, "mountain-range": 50.0,
                "district": 25.0, "region": 40.0, "lake": 10.0, "river": 20.0, "border-area": 40.0}


FAR_ANCHOR_KM = 50.0


def _derive(name: str, kind: str, anchor: Place, *, how: str, near: bool = True) -> Place:
    """A place no gazetteer knows, put at *anchor* with an honest precision and uncertainty
    (coarser when the anchor is only the last place named before, not in the same sentence)."""
    coarse = not near or anchor.kind in ("region", "district", "country", "mountain-range", "border-area")
    geometry = anchor.geometry
    if anchor.geometry["type"] != "Point" and kind in ("settlement", "height", "lake"):
        lon, lat = anchor.lon_lat
        geometry = {"type": "Point", "coordinates": [round(lon, 5), round(lat, 5)]}
    uncertainty = max(anchor.uncertainty_km, _UNCERTAINTY.get(kind, 20.0), 0.0 if near else FAR_ANCHOR_KM)
    pid = f"derived:{_slug(name)}"
    return Place(
        place_id=pid,
        name=name[:1].upper() + name[1:],
        kind=kind,
        geometry=geometry,
        geo_precision=3 if coarse else 2,
        uncertainty_km=float(uncertainty),
        source=pid,
        alternate_names=(),
        country=anchor.country,
        approximate=True,
        citation=f"not in the gazetteer; placed at {anchor.name} ({anchor.place_id}), {how}",
    )


def _kind_core_name(span: _Span) -> str:
    a, b = span.extra.get("core", (span.start, span.end))
    return span.text[: b - span.start] if span.extra.get("core") else span.text


def _resolve_span(
    span: _Span, gz: Gazetteer, geocoder: Geocoder | None
) -> tuple[Place | None, bool]:
    """(place, exact): a gazetteer/geocoder place for the whole span, its core name, or None."""
    if "lookup" in span.extra:
        found_capital = gz.lookup(span.extra["lookup"], kind="settlement")
        return (found_capital[0], True) if found_capital else (None, False)
    for name in (span.text, _kind_core_name(span)):
        found = gz.lookup(name, kind=span.kind if span.kind in _KIND_SET else None)
        fitting = [p for p in found if _fits(p, span.kind)]
        if fitting:
            return fitting[0], name == span.text or True
    fuzzy = [p for p in fuzzy_lookup(gz, _kind_core_name(span)) if _fits(p, span.kind)]
    if fuzzy:
        return fuzzy[0], True
    if geocoder is not None:
        try:
            place = geocoder.geocode(_kind_core_name(span), kind=span.kind)
        except Exception:  # a geocoder failure must not stop extraction; the chain logs it
            place = None
        if place is not None and _fits(place, span.kind):
            return place, True
    return None, False


_KIND_SET = frozenset(_KIND_WORDS.values()) | {"settlement", "country"}
_FUZZY: weakref.WeakKeyDictionary[Gazetteer, dict[str, list[tuple[str, Place]]]] = weakref.WeakKeyDictionary()
FUZZY_MIN = 6
FUZZY_MIN_POPULATION = 5000
# words one letter away from a place name that are not misspellings of it
NOT_FUZZY = frozenset(fold(w) for w in ["Armenian", "Armenians", "Azerbaijani", "Azerbaijanis", "Russian", "Georgian", "Iranian", "Turkish", "Karabakhi", "Armenia's", "Azerbaijan's", "Ganjavi"])


def _deletions(key: str) -> set[str]:
    return {key} | {key[:i] + key[i + 1:] for i in range(len(key))}


def _within_one_edit(a: str, b: str) -> bool:
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diffs = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


def fuzzy_lookup(gz: Gazetteer, name: str) -> list[Place]:
    """Places of the region whose folded name is one edit from *name*'s ("Kalabajar" -> Kalbajar).

    Only names of at least six folded letters, so that short words do not drift into places.
    """
    key = fold(name)
    if len(key) < FUZZY_MIN or key in NOT_FUZZY:
        return []
    index = _FUZZY.get(gz)
    if index is None:
        index = {}
        for place in gz:
            curated = place.place_id.startswith("curated:")
            if not place.in_region or (not curated and place.population < FUZZY_MIN_POPULATION):
                continue
            names = (place.name, *place.alternate_names) if curated else (place.name,)
            for alt in {fold(n) for n in names}:
                if len(alt) >= FUZZY_MIN:
                    for variant in _deletions(alt):
                        index.setdefault(variant, []).append((alt, place))
        _FUZZY[gz] = index
    found: dict[str, Place] = {}
    for variant in _deletions(key):
        for alt, place in index.get(variant, []):
            if _within_one_edit(key, alt):
                found.setdefault(place.place_id, place)
    order = {"settlement": 0, "district": 1, "region": 2}
    return sorted(found.values(), key=lambda p: (0 if p.place_id.startswith("curated:") else 1,
                                                 order.get(p.kind, 3), -p.population))


def _fuzzy_spans(text: str, gz: Gazetteer, taken: list[_Span]) -> list[_Span]:
    """Capitalised words no finder took that are one letter away from a place of the region."""
    covered = sorted((s.start, s.end) for s in taken)
    covered_starts = [a for a, _ in covered]
    covered_reach = list(accumulate((b for _, b in covered), max))  # furthest end so far
    out = []
    for start, end, key in tokens(text):
        word = text[start:end]
        if len(key) < FUZZY_MIN or not is_capitalized(word) or word.isupper():
            continue
        # a run of capitalised words is a name of something else ("Sabina Mammadli")
        if re.search(r"[A-Z][\w-]*\s+$", text[max(0, start - 30):start]) or re.match(r"\s+[A-Z]", text[end:end + 3]):
            continue
        i = bisect_right(covered_starts, start) - 1  # a taken span starts at or before this word
        if i >= 0 and covered_reach[i] > start:
            continue
        found = fuzzy_lookup(gz, word)
        if not found:
            continue
        kind = context_kind(text, start, end)
        fitting = [p for p in found if _fits(p, kind)]
        out.append(_Span(start, end, word, kind, "fuzzy", tuple(fitting or found)))
    return out


def find_mentions(
    text: str, *, gazetteer: Gazetteer | None = None, geocoder: Geocoder | None = None
) -> list[Mention]:
    """Every place name in *text* with its role and resolved place, in text order."""
    gz = gazetteer if gazetteer is not None else load_gazetteer()
    sents = sentences(text)
    ordered = all(a[1] <= b[0] for a, b in zip(sents, sents[1:], strict=False))  # sorted, not overlapping
    sent_starts = [a for a, _ in sents] if ordered else None
    hits = gz.scan(text)
    spans: list[_Span] = []
    for h in hits:
        spans.append(_Span(h.start, h.end, h.text, None, "gazetteer", h.candidates))
    pattern_spans = _pattern_spans(text)
    # a pattern span that covers gazetteer hits replaces them (it is longer: "Lachin corridor")
    for ps in pattern_spans:
        overlapping = [s for s in spans if s.start < ps.end and ps.start < s.end]
        if any(s.start <= ps.start and ps.end <= s.end and s.finder == "gazetteer" and
               (ps.kind is None or any(_fits(c, ps.kind) for c in s.candidates)) for s in overlapping):
            # the gazetteer already has the whole name; just ask for the pattern's kind
            for s in overlapping:
                if s.start <= ps.start and ps.end <= s.end and s.kind is None:
                    s.kind = ps.kind
            continue
        if any(s.finder != "gazetteer" for s in overlapping):
            continue
        for s in overlapping:
            spans.remove(s)
        ps.candidates = tuple(c for s in overlapping for c in s.candidates)
        spans.append(ps)
    spans += _fuzzy_spans(text, gz, spans)
    spans.sort(key=lambda s: s.start)

    mentions: list[Mention] = []
    located: list[tuple[int, Place]] = []
    pending: list[tuple[_Span, int]] = []
    for span in spans:
        sent_start, sent_end = _sentence_of(sents, span.start, len(text), sent_starts)
        line_start = text.rfind("\n", 0, span.start) + 1
        line_end = text.find("\n", span.start)
        line = text[line_start: line_end if line_end != -1 else len(text)]
        place: Place | None = None
        if span.finder in ("gazetteer", "fuzzy"):
            fitting = [c for c in span.candidates if _fits(c, span.kind)]
            ranked = fitting or list(span.candidates)
            place = ranked[0] if ranked else None
        else:
            place, _ = _resolve_span(span, gz, geocoder)
            if place is None and span.candidates:
                base = span.candidates[0]
                if span.kind and not _fits(base, span.kind):
                    place = _derive(span.text, span.kind, base, how=f"from the name ('{span.text}')")
                else:
                    place = base
        role = _role(text, span, place, line_start, line)
        if place is None and role == "location":
            pending.append((span, len(mentions)))
        mentions.append(
            Mention(span.start, span.end, span.text, text[sent_start:sent_end], sent_start, role, place,
                    span.finder, span.kind or (place.kind if place else None))
        )
        if place is not None and role == "location" and place.kind not in ("country",):
            located.append((span.start, place))
    # names no gazetteer knows: place them near what the text ties them to
    for span, index in pending:
        found = _anchor_for(text, span, mentions, located)
        if found is None:
            continue
        anchor, near = found
        kind = span.kind or "settlement"
        how = (f"the place the text ties it to ({span.finder})" if near
               else f"the last place of the region named before it ({span.finder}); far from certain")
        mentions[index] = replace(mentions[index], place=_derive(span.text, kind, anchor, how=how, near=near),
                                  kind=kind)
    return mentions


_ANCHOR_RANK = {"district": 0, "ridge": 0, "mountain-range": 1, "settlement": 1, "region": 2, "road": 2,
                "height": 3, "lake": 3, "border-area": 4}


def _anchor_for(
    text: str, span: _Span, mentions: list[Mention], located: list[tuple[int, Place]]
) -> tuple[Place, bool] | None:
    """The place of the region an unknown name is near, and whether it is near for sure: a
    named parent after it in the same sentence ("villages of Fuzuli district", "heights along
    the Karabakh ridge") or a place before it in the same sentence; else (not for sure) the
    last places named before it, or the first after it."""
    located = [(s, p) for s, p in located if p.in_region]
    sent_start = next((m.sentence_start for m in mentions if m.start == span.start), 0)
    sent_end = next((m.sentence_start + len(m.sentence) for m in mentions if m.start == span.start), span.end)
    after = [p for s, p in located if span.end <= s < sent_end and p.kind in ("district", "ridge", "region", "mountain-range")]
    if after:
        return sorted(after, key=lambda p: _ANCHOR_RANK.get(p.kind, 9))[0], True
    before = [(s, p) for s, p in located if s < span.start and p.kind not in ("border-area",)]
    same_sentence = [(s, p) for s, p in before if s >= sent_start]
    if same_sentence:
        return sorted(same_sentence, key=lambda sp: (_ANCHOR_RANK.get(sp[1].kind, 9), -sp[0]))[0][1], True
    if before:
        return sorted(before[-3:], key=lambda sp: (_ANCHOR_RANK.get(sp[1].kind, 9), -sp[0]))[0][1], False
    later = [p for s, p in located if s > span.end and p.kind not in ("border-area", "road")]
    return (later[0], False) if later else None


def _sentence_of(sents: list[tuple[int, int]], pos: int, n: int, starts: list[int] | None = None) -> tuple[int, int]:
    """The sentence holding *pos*; *starts* (the sentences' starts, sorted) saves a scan."""
    if starts is not None:
        i = bisect_right(starts, pos) - 1
        if i >= 0 and pos < sents[i][1]:
            return sents[i]
        return max(0, pos - 100), min(n, pos + 100)
    for a, b in sents:
        if a <= pos < b:
            return a, b
    return max(0, pos - 100), min(n, pos + 100)


def group_places(mentions: Iterable[Mention]) -> list[tuple[Place, list[Mention]]]:
    """Located mentions grouped by place, in order of first mention."""
    groups: dict[str, tuple[Place, list[Mention]]] = {}
    for m in mentions:
        if m.place is None or m.role != "location":
            continue
        groups.setdefault(m.place.place_id, (m.place, []))[1].append(m)
    return list(groups.values())


def place_feature(place: Place, mentions: list[Mention]) -> dict[str, Any]:
    """A ``place`` Feature with its mentions."""
    feature = place.to_feature()
    feature["properties"]["mentions"] = [m.as_dict() for m in mentions]
    return feature


def extract_places(
    text: str, *, geocoder: Geocoder | None = None, gazetteer: Gazetteer | None = None,
    mentions: list[Mention] | None = None,
) -> dict[str, Any]:
    """A FeatureCollection with one ``place`` Feature per distinct place *text* names.

    Names that are not places here (metonyms, actors, datelines, parts of other names) are
    listed under ``not_places`` with their role, text, offsets and sentence. *mentions* are
    :func:`find_mentions` of *text*, if already found.
    """
    if mentions is None:
        mentions = find_mentions(text, gazetteer=gazetteer, geocoder=geocoder)
    collection = feature_collection(place_feature(p, ms) for p, ms in group_places(mentions))
    collection["not_places"] = [
        {**m.as_dict(), "place_id": m.place.place_id if m.place else None}
        for m in mentions
        if m.role != "location"
    ]
    collection["unlocated"] = [m.as_dict() for m in mentions if m.role == "location" and m.place is None]
    return validate_collection(collection, source="extract_places")


# --- command line (registered by geo.cli) --------------------------------------------------


def read_cli_article(path: str) -> Any:
    """An :class:`~geo.articles.Article` from a path, or from stdin for ``-``."""
    from geo.articles import decode_bytes, parse_text, read_article

    if path == "-":
        import sys

        text, encoding = decode_bytes(sys.stdin.buffer.read(), name="<stdin>")
        return parse_text(text, path="<stdin>", encoding=encoding)
    return read_article(path)


def cli_geocoder(online: bool = False) -> Geocoder | None:
    """The geocoding chain from the environment (offline unless *online* or GEO_ONLINE=1)."""
    try:
        from geo.geocoding import GeocodingSettings, make_geocoder
    except ImportError:  # pragma: no cover - the chain is part of the package
        return None
    settings = GeocodingSettings.from_env()
    if online:
        settings.online = True
    return make_geocoder(settings)


def _cmd_places(args: Any) -> int:
    import json
    import sys

    article = read_cli_article(args.article)
    geocoder = cli_geocoder(args.online)
    collection = extract_places(article.text, geocoder=geocoder)
    sys.stdout.write(json.dumps(collection, ensure_ascii=False, indent=args.indent) + "\n")
    if not collection["features"]:
        print(f"{args.article}: no places found", file=sys.stderr)
        return 1
    return 0


def register_cli(parser: Any) -> None:
    """``python -m geo places ARTICLE``: one place Feature per distinct place, with mentions."""
    parser.add_argument("article", metavar="ARTICLE", help="article file (UTF-8, UTF-16 or cp1251), or - for stdin")
    parser.add_argument("--online", action="store_true", help="also ask the online geocoder for unknown names")
    parser.add_argument("--indent", type=int, default=1, help="JSON indentation (default 1)")
    parser.set_defaults(func=_cmd_places)
