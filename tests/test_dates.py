"""Date resolution: every form the issue names, on sentences written for these tests."""

from __future__ import annotations

import datetime as dt

import pytest

from geo.dates import find_dates, parse_published, resolve_date
from geo.errors import ArticleError, GeoError

PUB = "2022-08-05"  # a Friday

# (text, published, expected text, start, end, precision)
CASES = [
    ("The talks took place on Friday, August 5.", PUB, "Friday, August 5", "2022-08-05", "2022-08-05", "day"),
    ("On August 3 the road was closed.", PUB, "August 3", "2022-08-03", "2022-08-03", "day"),
    ("Shots were heard on the morning of August 3.", PUB, "on the morning of August 3", "2022-08-03", "2022-08-03", "day"),
    ("Drones flew at night on July 30.", PUB, "at night on July 30", "2022-07-30", "2022-07-30", "day"),
    ("It ended on 14 June 2019 at noon.", PUB, "14 June 2019", "2019-06-14", "2019-06-14", "day"),
    ("A note dated 01.02.2021 was found.", PUB, "01.02.2021", "2021-02-01", "2021-02-01", "day"),
    ("The pact was signed in 1994 in a hurry.", PUB, "1994", "1994-01-01", "1994-12-31", "year"),
    ("Prices rose in March 2021 again.", PUB, "in March 2021", "2021-03-01", "2021-03-31", "month"),
    ("Rain came in the spring of 2018.", PUB, "in the spring of 2018", "2018-03-01", "2018-05-31", "month"),
    ("Troops moved in late May.", PUB, "in late May", "2022-05-21", "2022-05-31", "month"),
    ("The minister left yesterday.", PUB, "yesterday", "2022-08-04", "2022-08-04", "day"),
    ("Today the border is calm.", PUB, "Today", "2022-08-05", "2022-08-05", "day"),
    ("Convoys stopped last week.", PUB, "last week", "2022-07-25", "2022-07-31", "week"),
    ("She spoke on Tuesday about it.", PUB, "on Tuesday", "2022-08-02", "2022-08-02", "day"),
    ("He resigned three days ago.", PUB, "three days ago", "2022-08-02", "2022-08-02", "day"),
    ("The plant closed two years ago.", PUB, "two years ago", "2020-01-01", "2020-12-31", "year"),
    ("Farmers have protested for 10 days.", PUB, "for 10 days", "2022-07-27", "2022-08-05", "day"),
    ("The region split after the collapse of the USSR.", PUB, "the collapse of the USSR", "1991-01-01", "1991-12-31", "year"),
    ("Crowds were seen last autumn.", PUB, "last autumn", "2021-09-01", "2021-11-30", "month"),
    ("Between 3 and 5 March 2019 it snowed.", PUB, "Between 3 and 5 March 2019", "2019-03-03", "2019-03-05", "day"),
    ("Talks on December 3 and 7, 2021 failed.", PUB, "December 3 and 7, 2021", "2021-12-03", "2021-12-07", "day"),
]


@pytest.mark.parametrize(("text", "published", "expr", "start", "end", "precision"), CASES)
def test_each_date_form(text: str, published: str, expr: str, start: str, end: str, precision: str) -> None:
    found = resolve_date(text, published)
    assert found is not None, text
    assert found.text == expr
    assert text[found.start_char:found.end_char] == expr
    assert (found.date_start.isoformat(), found.date_end.isoformat()) == (start, end)
    assert found.time_precision == precision


def test_range_takes_year_from_running_context_not_publication() -> None:
    text = (
        "Tension grew in the summer of 2019. From September 27 to November 9, the two sides "
        "fought over the valley."
    )
    found = find_dates(text, PUB)
    rng = [d for d in found if d.kind.startswith("range")]
    assert len(rng) == 1
    assert (rng[0].date_start, rng[0].date_end) == (dt.date(2019, 9, 27), dt.date(2019, 11, 9))
    assert not any(d.date_start.year == 2021 for d in found)


def test_month_day_follows_a_story_year_then_keeps_it() -> None:
    text = "On April 2 the mayor laid flowers. Clashes began on April 2, 2016. On April 4 they stopped."
    found = find_dates(text, "2020-04-02")
    assert [d.date_start.isoformat() for d in found] == ["2020-04-02", "2016-04-02", "2016-04-04"]


def test_same_day_and_next_day_count_from_the_last_date() -> None:
    text = "A bridge was hit on May 10. On that day two people died. The next day it was repaired."
    found = find_dates(text, "2022-05-20")
    assert [d.date_start.isoformat() for d in found] == ["2022-05-10", "2022-05-10", "2022-05-11"]


def test_weekday_is_last_occurrence_on_or_before_publication() -> None:
    assert resolve_date("announced on Friday", PUB).date_start == dt.date(2022, 8, 5)
    assert resolve_date("announced on Saturday", PUB).date_start == dt.date(2022, 7, 30)


def test_date_after_publication_when_the_text_says_so() -> None:
    found = resolve_date("At 00:05 on 6 August the guns opened fire.", PUB)
    assert found.date_start == dt.date(2022, 8, 6)
    assert found.after_published
    planned = resolve_date("The road is to be handed over by December 1.", PUB)
    assert planned.date_start == dt.date(2022, 12, 1)


def test_month_day_far_after_publication_goes_to_last_year() -> None:
    found = resolve_date("On December 20 the pipeline burst.", "2023-01-10")
    assert found.date_start == dt.date(2022, 12, 20)


def test_counts_are_not_years() -> None:
    assert find_dates("About 1960 servicemen were deployed.", PUB) == []


def test_times_are_not_dates() -> None:
    assert find_dates("The siren sounded at 7:30 and again at 12:00.", PUB) == []


@pytest.mark.parametrize("text", ["", "No dates in here at all.", "   \n  "])
def test_no_dates(text: str) -> None:
    assert find_dates(text, PUB) == []


@pytest.mark.parametrize("bad", ["yesterday", "2022-13-01", "", None, "05/08/2022x"])
def test_bad_publication_date_is_a_clear_error(bad: object) -> None:
    with pytest.raises(ArticleError) as info:
        parse_published(bad)  # type: ignore[arg-type]
    assert isinstance(info.value, GeoError) and isinstance(info.value, ValueError)
    assert "YYYY-MM-DD" in str(info.value)


def test_published_accepts_dates_and_datetimes() -> None:
    assert parse_published(dt.datetime(2022, 8, 5, 12, 0)) == dt.date(2022, 8, 5)
    assert parse_published(" 2022-08-05 ") == dt.date(2022, 8, 5)
