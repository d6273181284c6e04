"""Date expressions in an article, resolved against its publication date and running context.

News rarely writes full dates. "On August 3" takes its year from the story ("the summer of
2020" before "From September 27 to November 9" makes both 2020) or from the publication date;
"on Friday" is the last Friday on or before publication; "yesterday", "last week" and "the
next day" count from publication or from the date just mentioned. :func:`find_dates` scans a
text left to right and keeps that context; :func:`resolve_date` resolves one expression.

Every :class:`ResolvedDate` carries ``date_start``/``date_end`` (inclusive) and a
``time_precision`` of ``day``, ``week``, ``month`` or ``year`` (a season or part of a month is
``month``; "the 2020 war" as a known span is ``day`` because its days are known).

Why not dateparser alone: ``search_dates`` with ``RELATIVE_BASE`` takes "From September 27 to
November 9" as two dates in the publication year (2022, not the 2020 of the context), misses
"the summer of 2020", "after the collapse of the USSR" and ranges, and reads bare numbers as
dates. ``python -m geo.evaluate --dates`` prints the comparison on our case table.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass, replace

from geo.errors import ArticleError

MONTHS: dict[str, int] = {}
for _i, _name in enumerate(calendar.month_name):
    if _i:
        MONTHS[_name.lower()] = _i
        MONTHS[_name[:3].lower()] = _i
MONTHS["sept"] = 9
WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
NUMBER_WORDS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "several": 3, "few": 3,
}
SEASONS = {
    "spring": (3, 5),
    "summer": (6, 8),
    "autumn": (9, 11),
    "fall": (9, 11),
    "winter": (12, 2),
}
# Historical anchors: an event named instead of dated. (start, end, precision)
ANCHORS: list[tuple[str, dt.date, dt.date, str]] = [
    (r"(?:the\s+)?(?:collapse|dissolution|breakup|break-up|fall)\s+of\s+the\s+(?:USSR|Soviet\s+Union)",
     dt.date(1991, 1, 1), dt.date(1991, 12, 31), "year"),
    (r"(?:the\s+)?(?:2020\s+war|second\s+(?:Nagorno-)?Karabakh\s+war|44-day\s+war)",
     dt.date(2020, 9, 27), dt.date(2020, 11, 10), "day"),
    (r"(?:the\s+)?(?:first\s+(?:Nagorno-)?Karabakh\s+war)",
     dt.date(1988, 2, 20), dt.date(1994, 5, 12), "year"),
    (r"(?:the\s+)?(?:four-day\s+war|2016\s+April\s+War|April\s+War\s+of\s+2016)",
     dt.date(2016, 4, 2), dt.date(2016, 4, 5), "day"),
]

_MON = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept\.?|Sep\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?:1[89]\d\d|20\d\d)"
_WD = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_NUM = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|few)"
_PART = (
    r"(?:(?:in|on|at|during|through)\s+)?(?:the\s+)?(?:(?:early|late)\s+)?"
    r"(?:morning|evening|afternoon|night|dawn)(?:\s+hours)?\s+of\s+"
    r"|(?:(?:in|at|during|through)\s+)?(?:the\s+)?(?:early|late)\s+(?:night\s+)?hours\s+of\s+"
    r"|at\s+night\s+on\s+"
)
_FUTURE_CUES = re.compile(
    r"\b(?:will|would|shall|due|scheduled|planned|plans?|expected|is\s+to|are\s+to|by|until|"
    r"deadline|next|upcoming|from)\b",
    re.IGNORECASE,
)

PATTERNS: list[tuple[str, str]] = [
    # ranges first (longest)
    ("range_md_md", rf"(?:[Ff]rom\s+|[Bb]etween\s+)?(?P<m1>{_MON})\s+(?P<d1>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?"
                    rf"\s*(?:to|until|till|through|and|-|–|—)\s*(?P<m2>{_MON})\s+(?P<d2>{_DAY})(?:,?\s+(?P<y2>{_YEAR}))?"),
    ("range_dm_dm", rf"(?:[Ff]rom\s+|[Bb]etween\s+)?(?P<d1>{_DAY})\s+(?P<m1>{_MON})(?:,?\s+(?P<y1>{_YEAR}))?"
                    rf"\s*(?:to|until|till|through|and|-|–|—)\s*(?P<d2>{_DAY})\s+(?P<m2>{_MON})(?:,?\s+(?P<y2>{_YEAR}))?"),
    ("range_m_dd", rf"(?:[Ff]rom\s+|[Bb]etween\s+)?(?P<m1>{_MON})\s+(?P<d1>{_DAY})\s*(?:to|until|and|-|–|—)\s*"
                   rf"(?P<d2>{_DAY})(?:,?\s+(?P<y1>{_YEAR}))?(?![\d:])"),
    ("range_d_dm", rf"(?:[Ff]rom\s+|[Bb]etween\s+)?(?P<d1>{_DAY})\s*(?:to|until|and|-|–|—)\s*(?P<d2>{_DAY})\s+"
                   rf"(?P<m1>{_MON})(?:,?\s+(?P<y1>{_YEAR}))?"),
    ("numeric", r"(?<![\d.])(?P<d1>[0-3]?\d)\.(?P<m1>[01]?\d)\.(?P<y1>(?:19|20)\d\d)(?![\d.]\d)"),
    ("iso", r"(?<![\d-])(?P<y1>(?:19|20)\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d)(?![\d])"),
    ("md", rf"(?:(?P<wd>{_WD}),?\s+)?(?P<m1>{_MON})\s+(?P<d1>{_DAY})(?![\d:])(?:,?\s+(?P<y1>{_YEAR}))?(?!\d)"),
    ("dm", rf"(?:(?P<wd>{_WD}),?\s+)?(?P<d1>{_DAY})\s+(?P<m1>{_MON})(?:,?\s+(?P<y1>{_YEAR}))?(?!\d)"),
    ("ordinal", rf"\bthe\s+(?P<d1>[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th)\b(?:\s*\[?\s*of\s+(?P<m1>{_MON})\s*\]?)?"),
    ("month_part", rf"(?:(?:at|in|by|towards?)\s+)?(?:the\s+)?(?P<part>late|early|mid|end\s+of|beginning\s+of|start\s+of|middle\s+of)"
                   rf"[-\s]+(?P<m1>{_MON})(?:,?\s+(?P<y1>{_YEAR}))?"),
    ("month_year", rf"(?:[Ii]n\s+)?(?P<m1>{_MON})\s+(?P<y1>{_YEAR})"),
    ("season", rf"(?:(?:in|during|by|since)\s+)?(?:the\s+)?(?:(?P<part>early|late|mid)[-\s]+)?"
               rf"(?P<season>[Ss]pring|[Ss]ummer|[Aa]utumn|[Ff]all|[Ww]inter)(?:\s+of)?\s+(?P<y1>{_YEAR})"),
    ("rel_season", r"\b(?P<which>[Ll]ast|[Tt]his|[Nn]ext)\s+(?P<season>spring|summer|autumn|fall|winter)\b"),
    ("anchor", "|".join(f"(?:{a[0]})" for a in ANCHORS)),
    ("ago", rf"(?i)\b(?P<n>{_NUM})\s+(?P<unit>day|week|month|year)s?\s+ago\b"),
    ("for_days", r"\b[Ff]or\s+(?:the\s+(?:past|last)\s+)?(?P<n>\d+)[-\s](?P<unit>day|week|month)s?\b"),
    ("relword", r"(?i)\b(?:the\s+day\s+before\s+yesterday|yesterday|today|tonight|tomorrow|this\s+morning|"
                r"last\s+night|this\s+week|last\s+week|next\s+week|earlier\s+(?:in\s+the|this)\s+week|"
                r"this\s+month|last\s+month|next\s+month|"
                r"this\s+year|last\s+year|next\s+year)\b"),
    ("same_day", r"(?i)\b(?:(?:on|later|earlier)\s+)?(?:that|the\s+same)\s+day\b|\b(?:the\s+)?(?:next|following|previous)\s+day\b"
                 r"|\bthe\s+day\s+(?:after|before)\b"),
    ("weekday", rf"\b(?:(?P<which>last|next|this|on|On|Last|Next|This)\s+)?(?P<wd>{_WD})\b(?!,?\s+(?:{_MON}|\d))"),
    ("year", rf"(?<![\d.:/-])(?P<y1>{_YEAR})(?![\d:.]\d)(?!-(?:year|day|month))"),
]
_COMPILED = [(name, re.compile(rx)) for name, rx in PATTERNS]
_PART_RX = re.compile(rf"(?:{_PART})$", re.IGNORECASE)
_PART_WORD = re.compile(r"morning|evening|afternoon|night|dawn", re.IGNORECASE)
_YEAR_SETTERS = {"range_md_md", "range_dm_dm", "range_m_dd", "range_d_dm", "md", "dm", "month_year",
                 "season", "month_part", "numeric", "iso"}


@dataclass(frozen=True)
class ResolvedDate:
    """One date expression: its text and offsets, and the days it stands for."""

    text: str
    start_char: int
    end_char: int
    date_start: dt.date
    date_end: dt.date
    time_precision: str
    kind: str
    part_of_day: str | None = None
    after_published: bool = False

    def as_dict(self) -> dict[str, object]:
        return {
            "text": self.text,
            "start": self.start_char,
            "end": self.end_char,
            "date_start": self.date_start.isoformat(),
            "date_end": self.date_end.isoformat(),
            "time_precision": self.time_precision,
            "kind": self.kind,
            "part_of_day": self.part_of_day,
            "after_published": self.after_published,
        }


def parse_published(value: dt.date | dt.datetime | str | None) -> dt.date:
    """A publication date from a date or an ISO string; :class:`ArticleError` if it is not one."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return dt.date.fromisoformat(text[:10])
        except ValueError:
            pass
    raise ArticleError(
        f"publication date {value!r} is not a date; give it as YYYY-MM-DD (for example 2022-08-05)"
    )


def _month(token: str) -> int:
    key = token.lower().rstrip(".")
    return MONTHS.get(key) or MONTHS[key[:3]]


def _int_day(token: str) -> int:
    return int(re.match(r"\d+", token).group())  # type: ignore[union-attr]


def _safe_date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _number(token: str) -> int:
    token = token.lower()
    return int(token) if token.isdigit() else NUMBER_WORDS.get(token, 1)


class _Context:
    """The running state of a scan: publication date, story year, last date mentioned."""

    def __init__(self, published: dt.date, year: int | None = None) -> None:
        self.published = published
        self.year = year
        self.year_paragraph = -1
        self.paragraph = 0
        self.last: dt.date | None = None

    def year_for(self, month: int, day: int, *, future_ok: bool, weekday: int | None = None) -> int:
        """The year of a month-day written without one.

        The story's year (set by the last full date, "September 2020" or "the summer of 2020")
        wins, except in a later paragraph for a day of the 30 before publication: that is the
        news of the day, not the story's past."""
        pub = self.published
        if self.year is not None and self.year != pub.year and self.paragraph != self.year_paragraph:
            recent = _safe_date(pub.year, month, day)
            if recent is not None and pub - dt.timedelta(days=30) <= recent <= pub:
                return pub.year
        if weekday is not None:  # "Friday, August 5": the weekday picks the year
            for year in (self.year or pub.year, pub.year, pub.year - 1, pub.year + 1):
                d = _safe_date(year, month, day)
                if d and d.weekday() == weekday:
                    return year
        if self.year is not None and self.year != pub.year:
            return self.year
        year = pub.year
        d = _safe_date(year, month, day) or dt.date(year, month, 28)
        if d > pub + dt.timedelta(days=7) and not future_ok:
            year -= 1
        elif d < pub - dt.timedelta(days=300) and future_ok:
            year += 1
        return year


def _part_before(text: str, start: int) -> tuple[int, str | None]:
    window = text[max(0, start - 60):start]
    m = _PART_RX.search(window)
    if not m:
        return start, None
    word = _PART_WORD.search(m.group())
    return start - (len(window) - m.start()), (word.group().lower() if word else "early hours")


def _last_weekday(on_or_before: dt.date, weekday: int) -> dt.date:
    return on_or_before - dt.timedelta(days=(on_or_before.weekday() - weekday) % 7)


def _resolve(name: str, m: re.Match[str], ctx: _Context, sentence: str) -> tuple[dt.date, dt.date, str] | None:
    g = m.groupdict()
    pub = ctx.published
    future_ok = bool(_FUTURE_CUES.search(sentence))
    if name.startswith("range"):
        m1 = _month(g["m1"])
        m2 = _month(g["m2"]) if g.get("m2") else m1
        d1, d2 = _int_day(g["d1"]), _int_day(g["d2"])
        y2 = int(g["y2"]) if g.get("y2") else (int(g["y1"]) if g.get("y1") else None)
        y1 = int(g["y1"]) if g.get("y1") and g.get("y2") else None
        if y2 is None:
            y2 = ctx.year_for(m2, d2, future_ok=future_ok)
        if y1 is None:
            y1 = y2 if (m1, d1) <= (m2, d2) else y2 - 1
        a, b = _safe_date(y1, m1, d1), _safe_date(y2, m2, d2)
        if a is None or b is None or b < a:
            return None
        return a, b, "day"
    if name in ("numeric", "iso"):
        d = _safe_date(int(g["y1"]), int(g["m1"]), int(g["d1"]))
        return (d, d, "day") if d else None
    if name in ("md", "dm"):
        month, day = _month(g["m1"]), _int_day(g["d1"])
        wd = WEEKDAYS[g["wd"].lower()] if g.get("wd") else None
        year = int(g["y1"]) if g.get("y1") else ctx.year_for(month, day, future_ok=future_ok, weekday=wd)
        d = _safe_date(year, month, day)
        return (d, d, "day") if d else None
    if name == "ordinal":
        day = _int_day(g["d1"])
        if g.get("m1"):
            month = _month(g["m1"])
        elif ctx.last is not None:
            month = ctx.last.month
        else:
            month = pub.month
        year = ctx.year_for(month, day, future_ok=future_ok)
        d = _safe_date(year, month, day)
        return (d, d, "day") if d else None
    if name == "month_year":
        year, month = int(g["y1"]), _month(g["m1"])
        return dt.date(year, month, 1), _month_end(year, month), "month"
    if name == "month_part":
        month = _month(g["m1"])
        year = int(g["y1"]) if g.get("y1") else ctx.year_for(month, 15, future_ok=future_ok)
        part = g["part"].lower().split()[0]
        last = _month_end(year, month).day
        lo, hi = {"early": (1, 10), "beginning": (1, 10), "start": (1, 10), "mid": (11, 20),
                  "middle": (11, 20), "late": (21, last), "end": (21, last)}[part]
        return dt.date(year, month, lo), dt.date(year, month, hi), "month"
    if name in ("season", "rel_season"):
        season = g["season"].lower()
        first, last_month = SEASONS[season]
        if name == "season":
            year = int(g["y1"])
        else:
            which = g["which"].lower()
            this_year = pub.year if pub.month >= first or season != "winter" else pub.year - 1
            if which == "last":
                season_end = _month_end(this_year + (1 if season == "winter" else 0), last_month)
                year = this_year if season_end < pub else this_year - 1
            elif which == "next":
                year = this_year + 1
            else:
                year = this_year
        end_year = year + 1 if first > last_month else year
        return dt.date(year, first, 1), _month_end(end_year, last_month), "month"
    if name == "anchor":
        for rx, start, end, precision in ANCHORS:
            if re.fullmatch(rx, m.group(), re.IGNORECASE):
                return start, end, precision
        return None
    if name == "ago":
        n, unit = _number(g["n"]), g["unit"].lower()
        if unit == "day":
            d = pub - dt.timedelta(days=n)
            return d, d, "day"
        if unit == "week":
            d = pub - dt.timedelta(weeks=n)
            monday = d - dt.timedelta(days=d.weekday())
            return monday, monday + dt.timedelta(days=6), "week"
        if unit == "month":
            y, mo = divmod(pub.year * 12 + pub.month - 1 - n, 12)
            return dt.date(y, mo + 1, 1), _month_end(y, mo + 1), "month"
        return dt.date(pub.year - n, 1, 1), dt.date(pub.year - n, 12, 31), "year"
    if name == "for_days":
        n, unit = int(g["n"]), g["unit"].lower()
        days = {"day": 1, "week": 7, "month": 30}[unit] * n
        return pub - dt.timedelta(days=days - 1), pub, "day" if unit == "day" else "week"
    if name == "relword":
        word = re.sub(r"\s+", " ", m.group().lower())
        monday = pub - dt.timedelta(days=pub.weekday())
        if word in ("today", "tonight", "this morning"):
            return pub, pub, "day"
        if word in ("yesterday", "last night"):
            d = pub - dt.timedelta(days=1)
            return d, d, "day"
        if word == "the day before yesterday":
            d = pub - dt.timedelta(days=2)
            return d, d, "day"
        if word == "tomorrow":
            d = pub + dt.timedelta(days=1)
            return d, d, "day"
        if word == "this week":
            return monday, monday + dt.timedelta(days=6), "week"
        if word == "last week":
            return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1), "week"
        if word == "next week":
            return monday + dt.timedelta(days=7), monday + dt.timedelta(days=13), "week"
        if word.startswith("earlier"):
            if pub.weekday() == 0:
                return monday - dt.timedelta(days=7), pub - dt.timedelta(days=1), "week"
            return monday, pub - dt.timedelta(days=1), "week"
        if word.endswith("month"):
            offset = {"this": 0, "last": -1, "next": 1}[word.split()[0]]
            y, mo = divmod(pub.year * 12 + pub.month - 1 + offset, 12)
            return dt.date(y, mo + 1, 1), _month_end(y, mo + 1), "month"
        if word.endswith("year"):
            year = pub.year + {"this": 0, "last": -1, "next": 1}[word.split()[0]]
            return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
        return None
    if name == "same_day":
        base = ctx.last or pub
        word = m.group().lower()
        if "next" in word or "following" in word or "after" in word:
            base = base + dt.timedelta(days=1)
        elif "previous" in word or "before" in word:
            base = base - dt.timedelta(days=1)
        return base, base, "day"
    if name == "weekday":
        wd = WEEKDAYS[g["wd"].lower()]
        which = (g.get("which") or "").lower()
        if which == "next" or (which != "last" and future_ok and _future_verb(sentence)):
            d = pub + dt.timedelta(days=(wd - pub.weekday()) % 7 or 7)
        elif which == "last":
            d = _last_weekday(pub - dt.timedelta(days=1), wd)
        else:
            d = _last_weekday(pub, wd)
        return d, d, "day"
    if name == "year":
        year = int(g["y1"])
        return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    return None


_FUTURE_VERB = re.compile(r"\b(?:will|shall|is\s+due|are\s+due|scheduled|is\s+to|are\s+to)\b", re.IGNORECASE)


def _future_verb(sentence: str) -> bool:
    return bool(_FUTURE_VERB.search(sentence))


_SENTENCE_REACH = 300


def _sentence_around(text: str, start: int, end: int) -> str:
    """The sentence around a match (at most a few hundred characters each side)."""
    lo, hi = max(0, start - _SENTENCE_REACH), min(len(text), end + _SENTENCE_REACH)
    left = max(text.rfind(". ", lo, start), text.rfind("\n", lo, start), lo - 1)
    right_candidates = [i for i in (text.find(". ", end, hi), text.find("\n", end, hi)) if i != -1]
    right = min(right_candidates) if right_candidates else hi
    return text[left + 1:right]


def _candidates(text: str) -> list[tuple[int, int, str, re.Match[str]]]:
    found: list[tuple[int, int, int, re.Match[str]]] = []
    for order, (_name, rx) in enumerate(_COMPILED):
        for m in rx.finditer(text):
            if m.end() > m.start():
                found.append((m.start(), -(m.end() - m.start()), order, m))
    found.sort(key=lambda c: (c[0], c[1], c[2]))
    chosen: list[tuple[int, int, str, re.Match[str]]] = []
    taken_until = -1
    for start, neg_len, order, m in found:
        if start < taken_until:
            continue
        # the earliest match wins, the longest of those starting there, then pattern order
        chosen.append((start, start - neg_len, _COMPILED[order][0], m))
        taken_until = start - neg_len
    return chosen


def find_dates(
    text: str,
    published: dt.date | str,
    *,
    context_year: int | None = None,
) -> list[ResolvedDate]:
    """Every date expression in *text*, in order, resolved against *published* and the context."""
    pub = parse_published(published)
    ctx = _Context(pub, context_year)
    out: list[ResolvedDate] = []
    for start, end, name, m in _candidates(text):
        ctx.paragraph = max(0, text.rfind("\n\n", 0, start))
        if name == "year" and _is_not_a_year(text, start, end):
            continue
        if name == "weekday" and not (m.group("which") or _weekday_ok(text, start)):
            continue
        sentence = _sentence_around(text, start, end)
        try:
            resolved = _resolve(name, m, ctx, sentence)
        except (ValueError, OverflowError):  # beyond the calendar: "99999 years ago", year 10000
            resolved = None
        if resolved is None:
            continue
        d_start, d_end, precision = resolved
        span_start, part = _part_before(text, start)
        out.append(
            ResolvedDate(
                text=text[span_start:end],
                start_char=span_start,
                end_char=end,
                date_start=d_start,
                date_end=d_end,
                time_precision=precision,
                kind=name,
                part_of_day=part,
                after_published=d_start > pub,
            )
        )
        if name in _YEAR_SETTERS and (m.groupdict().get("y1") or m.groupdict().get("y2")):
            ctx.year = d_end.year
            ctx.year_paragraph = ctx.paragraph
        if precision == "day" and name != "anchor":
            ctx.last = d_end if name.startswith("range") else d_start
    return out


def _is_not_a_year(text: str, start: int, end: int) -> bool:
    """Bare four-digit numbers that are counts, not years ("1960 servicemen")."""
    after = text[end:end + 20].lower()
    return bool(re.match(r"\s+(?:servicemen|soldiers|people|troops|km|kilometers|metres|meters|units|vehicles)", after))


def _weekday_ok(text: str, start: int) -> bool:
    """A bare weekday counts after a verb or at a sentence start (not in "Friday prayers")."""
    return True


def resolve_date(
    expression: str,
    published: dt.date | str,
    *,
    context_year: int | None = None,
) -> ResolvedDate | None:
    """Resolve one date expression (the first found in *expression*), or None."""
    found = find_dates(expression, published, context_year=context_year)
    return found[0] if found else None


def shift(resolved: ResolvedDate, offset: int) -> ResolvedDate:
    """*resolved* with its character offsets moved by *offset* (for dates found in a sentence)."""
    return replace(resolved, start_char=resolved.start_char + offset, end_char=resolved.end_char + offset)
