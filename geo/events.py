"""Event sentences: what happened, where, when, who, typed with ACLED's vocabulary.

A sentence reports an event when it holds a trigger (fighting, shelling, a death, territory
taken or handed over, an agreement, peacekeepers deployed, a call, an accusation, a
declaration) and names at least one place (or follows, in the same paragraph, an event
sentence that did). Headlines (short lines without a full stop) are not events.

Types follow ACLED (``event_type`` / ``sub_event_type``): Battles (Armed clash, Government
regains territory), Explosions/Remote violence (Shelling/artillery/missile attack, Air/drone
strike, Remote explosive/landmine/IED), Protests (Peaceful protest), Strategic developments
(Agreement, Non-violent transfer of territory, Headquarters or base established, Other).
Three sub-event types are ours, under "Strategic developments", for what ACLED does not code
but the news is made of: **Diplomatic call** (a call for de-escalation, phone talks, an
appeal), **Accusation** (one side accusing the other) and **Declaration of independence**.

Following ACLED, an event at two places is two features that share an ``event_id``
(``<article_id>-<n>``); each feature's ``id`` is ``<event_id>@<place_id>``. When a sentence
names a precise place (a settlement, height, road, ridge, district ... known to within a few
km), the event is put there only, not also at the country or broad region the sentence names.
The date is the sentence's date expression nearest its trigger, else the last one before it
in the same paragraph, else the first after it there, else the publication date. A sentence
that gives different places different days is split into one event per day. A sentence that
only restates an earlier event (same type, dates and places) adds nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from geo.articles import MAX_BYTES, normalise_text, sentences
from geo.articles import article_id as make_article_id
from geo.dates import ResolvedDate, find_dates, parse_published
from geo.errors import ArticleError
from geo.gazetteer import Gazetteer
from geo.model import feature_collection, validate_collection
from geo.places import Geocoder, Mention, find_mentions

# (event_type, sub_event_type, trigger) in priority order: the first that matches wins.
TYPES: list[tuple[str, str, re.Pattern[str]]] = [
    ("Strategic developments", "Declaration of independence",
     re.compile(r"\bdeclared\s+(?:its\s+)?independence\b", re.I)),
    ("Explosions/Remote violence", "Air/drone strike",
     re.compile(r"\b(?:air\s*strikes?|drone\s+strikes?|bombed\s+from\s+the\s+air)\b", re.I)),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack",
     re.compile(r"\b(?:shell(?:ed|ing|s)?|artillery|missiles?|rockets?|mortars?|Smerch|Polonez|Grad|"
                r"bombard(?:ed|ing|ment)?|blasts?|opened\s+(?:intensive\s+)?fire)\b", re.I)),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED",
     re.compile(r"\b(?:land\s*mines?|lay\s+mines|mines?\s+(?:exploded|blast)|IEDs?|explosive\s+devices?)\b", re.I)),
    ("Battles", "Government regains territory",
     re.compile(r"\b(?:liberat(?:ed|ion|ing)|recaptured?|freed\s+from\s+occupation|captured?|seized|"
                r"(?:taken|took|take|gained|gaining|taking)\s+(?:under\s+)?control|(?:had\s+)?(?:taken|took)\s+(?:the\s+)?(?:city|town|villages?|heights?)|under\s+(?:its|their|Baku's)\s+control)\b", re.I)),
    ("Strategic developments", "Non-violent transfer of territory",
     re.compile(r"\b(?:handed\s+over|hand\s+over|handover|"
                r"return(?:ed|s)?\s+(?:[\w-]+\s+){0,4}?to\s+(?:the\s+)?(?:Republic|Azerbaijan|Armenia|[\w-]+\s+control)|"
                r"passed\s+to|transfer(?:red)?\s+(?:of|to)|"
                r"given\s+over|entered\s+the|(?:is|are)\s+due\s+to\s+go\s+to|go\s+to\s+the\s+\w+\s+side|moved\s+into|withdr[ae]w(?:n|al)?|pulled\s+out)\b", re.I)),
    ("Strategic developments", "Headquarters or base established",
     re.compile(r"\b(?:peacekeep\w*\s+(?:\w+\s+){0,3}(?:deployed|deploys|arrived?|brought|sent|stationed)|"
                r"(?:deployed|brought|sent|stationed)\b[^.]{0,40}\bpeacekeep\w*|"
                r"(?:installed|set\s+up|established)\s+(?:a\s+)?checkpoint|checkpoint\s+(?:was\s+)?(?:installed|set\s+up)|"
                r"(?:centre|center)\s+[^.]{0,40}\bis\s+set\s+up)", re.I)),
    ("Strategic developments", "Accusation", re.compile(r"\baccus(?:ed|ing|es)\b", re.I)),
    ("Strategic developments", "Diplomatic call",
     re.compile(r"\b(?:called\s+(?:for|on)|calls?\s+on|urged|appealed|telephone\s+(?:conversations?|call)|phone\s+talks|"
                r"phoned|held\s+talks|congratulated|de-escalation|(?:due|scheduled)\s+to\s+meet|negotiations\s+to)\b", re.I)),
    ("Strategic developments", "Other", re.compile(r"\bdecree\s+dissolving|\bdissolv(?:ed|ing)\s+(?:all\s+)?state\b", re.I)),
    ("Strategic developments", "Agreement",
     re.compile(r"\b(?:cease-?fire|truce|signed|agreement\s+on|agreed\s+to|end\s+to\s+all\s+military\s+operations)\b", re.I)),
    ("Battles", "Armed clash",
     re.compile(r"\b(?:fight(?:ing)?|fought|clash(?:es)?|battles?|hostilities|offensives?|attacks?|attacked|raid|"
                r"skirmish(?:es)?|at\s+war|war\s+broke\s+out|push\s+forward|advance[sd]?|crossed\s+\w+\s+border|"
                r"sabotage|killed|wounded)\b", re.I)),
    ("Protests", "Peaceful protest", re.compile(r"\b(?:protest(?:s|ers|ed)?|picket(?:s|ed|ing)?|rall(?:y|ied))\b", re.I)),
    ("Strategic developments", "Other",
     re.compile(r"\b(?:decree\s+dissolving|dissolv(?:ed|ing)|refugees?|commemorat\w*|honou?r(?:ed)?\s+the|visited|went\s+to|crossed|closed|shut|block(?:ing|ed|ade)|"
                r"border\s+adjustment|adjust\s+the\s+border|provocation|encroachment)\b", re.I)),
]
ACTORS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bAzerbaijani\s+(?:armed\s+forces|army|forces|troops|military|soldiers?|units)|"
                r"Azerbaijan's\s+armed\s+forces|Azerbaijani\s+Armed\s+Forces", re.I), "Military Forces of Azerbaijan"),
    (re.compile(r"\bArmenian\s+(?:armed\s+(?:forces|formations|groups)|army|forces|troops|military|units|side)|"
                r"Armenian\s+Armed\s+Forces|armed\s+groups|Defense\s+Army|Karabakh\s+(?:forces|army)", re.I),
     "Armenian forces"),
    (re.compile(r"\bRussian\s+peacekeep\w*|peacekeeping\s+contingent", re.I), "Russian peacekeepers"),
    (re.compile(r"\bAliyev\b|\bBaku\b|Azerbaijani\s+(?:President|Foreign\s+Ministry|Defen[cs]e\s+Ministry|officials?)|"
                r"Azerbaijan's\s+(?:Defen[cs]e\s+Ministry|Ministry)"), "Government of Azerbaijan"),
    (re.compile(r"\bPashinyan\b|\bYerevan\b|Armenian\s+(?:Prime\s+Minister|Foreign\s+Ministry|Defen[cs]e\s+Ministry)|"
                r"Armenia's\s+(?:Defen[cs]e\s+Ministry|Ministry|MoD)"), "Government of Armenia"),
    (re.compile(r"\bHarutiunian\b|\bShahramanyan\b|Karabakh\s+(?:officials|president)|Security\s+Council\s+of\s+Artsakh"),
     "Nagorno-Karabakh authorities"),
    (re.compile(r"\bPutin\b|\bMoscow\b|\bRussian\s+Federation\b"), "Government of Russia"),
    (re.compile(r"\bErdogan\b|\bAnkara\b|Turkish\s+president"), "Government of Turkey"),
    (re.compile(r"\bUS\b|\bUnited\s+States\b|State\s+Department|Blinken|Washington"), "Government of the United States"),
    (re.compile(r"\bEU\b|European\s+Union"), "European Union"),
    (re.compile(r"\bprotesters|eco-activists|activists\b", re.I), "Protesters"),
    (re.compile(r"\bcivilians?|residents\b", re.I), "Civilians"),
]
_NEGATED = re.compile(r"\b(?:not|never|no|without|failed\s+to)\s+(?:\w+\s+){0,2}$", re.I)
_NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
              "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "dozen": 12}
_KILLED = re.compile(r"\b(?:killed|died|dead|deaths|lost\s+their\s+lives)\b", re.I)
_NUMBER = re.compile(r"\b(\d{1,5}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\b", re.I)
_VICTIMS = re.compile(
    r"(?<!number\s)(?<!\d\.)\b(\d{1,5}|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)\s+"
    r"(?:[\w-]+\s+){0,2}?(?:civilians?|soldiers?|servicem[ae]n|people|persons?|residents?|troops|fighters|"
    r"officers?|policem[ae]n|children|women|men|villagers?|guards?|farmers?|workers?|journalists?|"
    r"servicemembers?|militants?|volunteers?|rescuers?|doctors?|drivers?)\b",
    re.I,
)
_MONTH_DAY = re.compile(
    r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b|\b\d{1,2}:\d\d\b"
)
_RISEN_TO = re.compile(r"(?:risen|rose|climbed|increased)\s+to\s+(\d{1,5})")
_PRECISE_KINDS = frozenset({"settlement", "height", "road", "ridge", "district", "lake", "river", "landmark"})


@dataclass
class Event:
    """One event: its type, sentence, places and dates (before it becomes features)."""

    event_type: str
    sub_event_type: str
    quote: str
    start: int
    mentions: list[Mention]
    date: ResolvedDate | None
    date_start: dt.date
    date_end: dt.date
    time_precision: str
    actors: list[str]
    fatalities: int | None


def classify(sentence: str) -> tuple[str, str] | None:
    """ACLED ``(event_type, sub_event_type)`` of a sentence, or None if it reports no event."""
    found = _trigger(sentence)
    return (found[0], found[1]) if found else None


def _trigger(sentence: str) -> tuple[str, str, int] | None:
    """Type and offset of the first trigger (by priority) that is not negated."""
    for event_type, sub, rx in TYPES:
        for m in rx.finditer(sentence):
            in_name = m.start() > 0 and m.group()[:1].isupper() and m.group()[1:2].islower()
            if in_name:  # "the Artsakh Liberation War" names a war, it does not report a liberation
                continue
            if not _NEGATED.search(sentence[max(0, m.start() - 30):m.start()]):
                return event_type, sub, m.start()
    return None


def actors_in(sentence: str) -> list[str]:
    """Actors named in a sentence, in a fixed order."""
    found = []
    for rx, name in ACTORS:
        if rx.search(sentence) and name not in found:
            found.append(name)
    return found


def fatalities_in(sentence: str) -> int | None:
    """Deaths a sentence states ("an Azerbaijani soldier was killed" -> 1), else None."""
    m = _KILLED.search(sentence)
    if not m:
        return None
    risen = _RISEN_TO.search(sentence)
    if risen:
        return int(risen.group(1))
    clause = re.split(r"[;:]|\bbut\b", sentence[: m.start()])[-1]
    clause = _MONTH_DAY.sub(" ", clause)  # "On August 3 a soldier" is one soldier
    if re.search(r"\b(?:wounded|injured)\b", clause) and not re.search(r"\b(?:civilians?|soldiers?|people)\b", clause):
        return None
    if re.search(r"\bone\s+of\s+them\b", clause, re.I):
        return 1
    who = _VICTIMS.search(clause)
    if not who:
        return None
    first = who.group(1).lower()
    return int(first) if first.isdigit() else _NUM_WORDS.get(first)


# Lines are looked for this far around a sentence: a longer line is no headline, and a text of
# very long lines is not scanned from its start for every sentence (quadratic).
_LINE_REACH = 2000


def _is_headline(text: str, start: int, end: int) -> bool:
    lo, hi = max(0, start - _LINE_REACH), min(len(text), end + _LINE_REACH)
    before, line_end = text.rfind("\n", lo, start), text.find("\n", end, hi)
    if (before == -1 and lo > 0) or (line_end == -1 and hi < len(text)):
        return False
    line_start = before + 1
    line = text[line_start: line_end if line_end != -1 else len(text)].strip()
    return not re.search(r"[.!?:][\"”’)]*$", line) and len(line.split()) <= 25


def _paragraph_of(text: str, pos: int, breaks: list[int] | None = None) -> tuple[int, int]:
    """The paragraph around *pos*; *breaks* (every index of ``"\n\n"``, sorted) saves a scan."""
    if breaks is None:
        a = text.rfind("\n\n", 0, pos)
        b = text.find("\n\n", pos)
        return (0 if a == -1 else a + 2), (len(text) if b == -1 else b)
    i, j = bisect_right(breaks, pos - 2) - 1, bisect_left(breaks, pos)
    return (0 if i < 0 else breaks[i] + 2), (len(text) if j == len(breaks) else breaks[j])


def _choose_date(
    dates: list[ResolvedDate], sent: tuple[int, int], para: tuple[int, int], text: str,
    trigger_at: int | None = None,
) -> ResolvedDate | tuple[dt.date, dt.date, str, ResolvedDate] | None:
    inside = [d for d in dates if sent[0] <= d.start_char < sent[1]]
    if inside:
        fine = [d for d in inside if d.kind not in ("anchor", "year")] or inside
        not_since = [d for d in fine if not re.search(r"\bsince\s*$|\bSince\s+.*$", text[max(sent[0], d.start_char - 30):d.start_char])]
        fine = not_since or fine
        days = [d for d in fine if d.time_precision == "day" and d.date_start == d.date_end]
        if len(days) >= 2:
            lo, hi = min(d.date_start for d in days), max(d.date_end for d in days)
            between = text[days[0].end_char:days[-1].start_char]
            if (hi - lo).days <= 3 and re.search(r"\band\b|\buntil\b|\bthrough\b", between):
                return lo, hi, "day", days[0]
        if trigger_at is not None and len(fine) > 1:
            return min(fine, key=lambda d: (abs(d.start_char - trigger_at), d.start_char))
        return fine[0]
    before = [d for d in dates if para[0] <= d.end_char <= sent[0] and d.kind not in ("anchor", "year")]
    if before:
        return before[-1]
    after = [d for d in dates if sent[1] <= d.start_char < para[1] and d.kind not in ("anchor", "year")]
    if after:
        return after[0]
    return None


def _event_places(mentions: list[Mention]) -> list[Mention]:
    located = [m for m in mentions if m.role == "location" and m.place is not None]
    precise = [m for m in located if m.place is not None and m.place.kind in _PRECISE_KINDS]
    if precise:
        located = [m for m in located if m.place is not None and m.place.kind != "country" and
                   m.place.geo_precision < 3]
    elif any(m.place is not None and m.place.kind != "country" for m in located):
        located = [m for m in located if m.place is not None and m.place.kind != "country"]
    seen: set[str] = set()
    out = []
    for m in located:
        assert m.place is not None
        if m.place.place_id not in seen:
            seen.add(m.place.place_id)
            out.append(m)
    return out


def find_events(
    text: str,
    *,
    published: dt.date | str,
    geocoder: Geocoder | None = None,
    gazetteer: Gazetteer | None = None,
    mentions: list[Mention] | None = None,
) -> list[Event]:
    """The events of *text* in order (see the module docstring for the rules); *mentions*
    are :func:`geo.places.find_mentions` of the same text, if already found."""
    pub = parse_published(published)
    if mentions is None:
        mentions = find_mentions(text, gazetteer=gazetteer, geocoder=geocoder)
    dates = find_dates(text, pub)
    # indexes, so that each sentence looks only at its own mentions and its paragraph's dates
    # (not at all of them: quadratic in a long article)
    breaks = [m.start() for m in re.finditer(r"(?=\n\n)", text)]
    m_starts = [m.start for m in mentions]
    m_sorted = all(a <= b for a, b in zip(m_starts, m_starts[1:], strict=False))
    d_starts = [d.start_char for d in dates]
    d_sorted = all(a <= b for a, b in zip(d_starts, d_starts[1:], strict=False))

    fine = [d for d in dates if d.kind not in ("anchor", "year")]  # what _choose_date takes around a sentence
    f_starts, f_ends = [d.start_char for d in fine], [d.end_char for d in fine]
    f_sorted = all(a <= b for a, b in zip(f_ends, f_ends[1:], strict=False))

    def sentence_dates(s: int, e: int, para: tuple[int, int]) -> list[ResolvedDate]:
        """The dates _make_events can pick for the sentence [s, e) of *para*: its own, the last
        one before it and the first one after it in the paragraph (what it would pick from all
        of them, found by bisection instead of a scan of all of them)."""
        if not (d_sorted and f_sorted):
            return dates
        picked = dates[bisect_left(d_starts, s): bisect_left(d_starts, e)]
        i = bisect_right(f_ends, s) - 1
        if i >= 0 and f_ends[i] >= para[0]:
            picked = [fine[i], *picked]
        j = bisect_left(f_starts, e)
        if j < len(fine) and f_starts[j] < para[1]:
            picked = [*picked, fine[j]]
        return picked

    events: list[Event] = []
    last_places: tuple[int, list[Mention]] | None = None
    waiting: list[tuple[int, int, tuple[str, str]]] = []  # typed sentences still without a place
    for s, e in sentences(text):
        if _is_headline(text, s, e):
            continue
        sentence = text[s:e]
        typed = classify(sentence)
        para = _paragraph_of(text, s, breaks)
        if m_sorted:
            places = _event_places(mentions[bisect_left(m_starts, s): bisect_left(m_starts, e)])
        else:
            places = _event_places([m for m in mentions if s <= m.start < e])
        waiting = [w for w in waiting if _paragraph_of(text, w[0], breaks)[0] == para[0]]
        if places:
            for ws, we, wtyped in waiting:  # "... counted two dozen blasts. They hit Stepanakert."
                events += _make_events(text, ws, we, wtyped, places, sentence_dates(ws, we, para), para, pub)
            waiting = []
        if typed is None:
            if places:
                last_places = (para[0], places)
            continue
        if not places and last_places is not None and last_places[0] == para[0]:
            places = last_places[1]
        if not places:
            waiting.append((s, e, typed))
            continue
        last_places = (para[0], places)
        events += _make_events(text, s, e, typed, places, sentence_dates(s, e, para), para, pub)
    events.sort(key=lambda ev: ev.start)
    # ACLED's unit is one event type, on one day, at one place: a later sentence that only
    # restates an earlier event (same type, dates and places) is not a new event
    seen: set[tuple[Any, ...]] = set()
    unique = []
    for ev in events:
        key = (ev.event_type, ev.sub_event_type, ev.date_start, ev.date_end,
               frozenset(m.place.place_id for m in ev.mentions if m.place is not None))
        if key not in seen:
            seen.add(key)
            unique.append(ev)
    events = unique
    return events


_POINT_DATE_KINDS = frozenset({"md", "dm", "numeric", "iso", "weekday", "relword", "ordinal"})


def _make_events(
    text: str, s: int, e: int, typed: tuple[str, str], places: list[Mention],
    dates: list[ResolvedDate], para: tuple[int, int], pub: dt.date,
) -> list[Event]:
    """One event for a sentence, or one per date when it gives different places different
    days ("returns Kelbajar by 15 November, and Lachin by 1 December")."""
    sentence = text[s:e]
    actors = actors_in(sentence)
    fatalities = fatalities_in(sentence) if typed[0] != "Strategic developments" else None
    own = [d for d in dates if s <= d.start_char < e and d.kind in _POINT_DATE_KINDS]
    distinct = {d.date_start for d in own}
    in_sentence = [m for m in places if s <= m.start < e]
    if len(distinct) >= 2 and (max(distinct) - min(distinct)).days > 3 and len(in_sentence) >= 2:
        groups: dict[int, list[Mention]] = {}
        for m in in_sentence:
            nearest = min(range(len(own)), key=lambda i: abs(own[i].start_char - m.end))
            groups.setdefault(nearest, []).append(m)
        return [
            Event(typed[0], typed[1], sentence, s + i, group, own[i], own[i].date_start, own[i].date_end,
                  own[i].time_precision, actors, fatalities)
            for i, group in sorted(groups.items())
        ]
    found = _trigger(sentence)
    chosen = _choose_date(dates, (s, e), para, text, s + found[2] if found else None)
    if chosen is None:
        d_start = d_end = pub
        precision, rdate = "day", None
    elif isinstance(chosen, tuple):
        d_start, d_end, precision, rdate = chosen
    else:
        d_start, d_end, precision, rdate = chosen.date_start, chosen.date_end, chosen.time_precision, chosen
    return [Event(typed[0], typed[1], sentence, s, places, rdate, d_start, d_end, precision, actors, fatalities)]


def _summary(ev: Event) -> str:
    names = ", ".join(dict.fromkeys(m.place.name for m in ev.mentions if m.place is not None))
    line = f"{ev.sub_event_type} at {names}"
    if ev.fatalities:
        line += f"; {ev.fatalities} killed"
    if ev.actors:
        line += f" ({', '.join(ev.actors[:3])})"
    return line


def event_features(
    events: list[Event], *, article_id: str, source: dict[str, str]
) -> list[dict[str, Any]]:
    """``event`` features, one per event and place, ids as in docs/architecture.md."""
    features = []
    for n, ev in enumerate(events, start=1):
        event_id = f"{article_id}-{n}"
        summary = _summary(ev)
        for m in ev.mentions:
            place = m.place
            assert place is not None
            props: dict[str, Any] = {
                "feature_kind": "event",
                "event_id": event_id,
                "event_type": ev.event_type,
                "sub_event_type": ev.sub_event_type,
                "date_start": ev.date_start.isoformat(),
                "date_end": ev.date_end.isoformat(),
                "time_precision": ev.time_precision,
                "date_text": ev.date.text if ev.date else "",
                "summary": summary,
                "quote": ev.quote,
                "place": place.name,
                "place_id": place.place_id,
                "place_source": place.source,
                "mention": m.text,
                "kind": place.kind,
                "geo_precision": place.geo_precision,
                "uncertainty_km": place.uncertainty_km,
                "approximate": place.approximate or place.geo_precision > 1,
                "actors": ev.actors,
                "fatalities": ev.fatalities,
                "alternate_names": list(place.alternate_names),
                "article_id": article_id,
                "source": dict(source),
            }
            features.append({"type": "Feature", "id": f"{event_id}@{place.place_id}",
                             "geometry": place.geometry, "properties": props})
    return features


def extract_events(
    text: str,
    *,
    published: dt.date | str,
    title: str = "",
    url: str = "",
    outlet: str = "",
    geocoder: Geocoder | None = None,
    gazetteer: Gazetteer | None = None,
    mentions: list[Mention] | None = None,
) -> dict[str, Any]:
    """A validated FeatureCollection of the ``event`` features of *text* (*mentions*: the
    place mentions of the normalised text, if already found)."""
    pub = parse_published(published)
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > MAX_BYTES:  # the limit ingest applies, for every caller (the app's preview too)
        raise ArticleError(
            f"the article is {size / 1e6:.1f} MB, more than the {MAX_BYTES // (1024 * 1024)} MB limit for one "
            "article; pass only the article's text"
        )
    text = normalise_text(text)
    events = find_events(text, published=pub, geocoder=geocoder, gazetteer=gazetteer, mentions=mentions)
    source = {"title": title, "url": url, "outlet": outlet, "published": pub.isoformat()}
    features = event_features(events, article_id=make_article_id(text), source=source)
    return validate_collection(feature_collection(features), source="extract_events")


# --- command line (registered by geo.cli) --------------------------------------------------


def _cmd_extract(args: Any) -> int:
    import json
    import sys

    from geo.errors import ArticleError
    from geo.places import cli_geocoder, read_cli_article

    article = read_cli_article(args.article)
    published = args.published or article.published
    if not published:
        raise ArticleError(f"{args.article}: no publication date; pass --published YYYY-MM-DD")
    collection = extract_events(
        article.text, published=published, title=args.title or "", url=args.url or article.url,
        outlet=args.outlet or "", geocoder=cli_geocoder(args.online),
    )
    sys.stdout.write(json.dumps(collection, ensure_ascii=False, indent=args.indent) + "\n")
    if not collection["features"]:
        print(f"{args.article}: no events found (no sentence reports an event at a place)", file=sys.stderr)
    return 0


def register_cli(parser: Any) -> None:
    """``python -m geo extract ARTICLE --published YYYY-MM-DD [--title --url --outlet]``."""
    parser.add_argument("article", metavar="ARTICLE", help="article file (UTF-8, UTF-16 or cp1251), or - for stdin")
    parser.add_argument("--published", help="publication date YYYY-MM-DD (default: the file's PUBLISHED header)")
    parser.add_argument("--title", help="the article's title")
    parser.add_argument("--url", help="where the article was published")
    parser.add_argument("--outlet", help="the news outlet")
    parser.add_argument("--online", action="store_true", help="also ask the online geocoder for unknown names")
    parser.add_argument("--indent", type=int, default=1, help="JSON indentation (default 1)")
    parser.set_defaults(func=_cmd_extract)
