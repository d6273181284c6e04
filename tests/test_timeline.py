"""The timeline's SVG (geo/timeline.py): bars, stacking, the window, axis labels, escaping."""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET

import pytest

from geo.timeline import HEIGHT, timeline_html

SVG_NS = "{http://www.w3.org/2000/svg}"
D = dt.date


def svg_of(page: str) -> ET.Element:
    match = re.search(r"<svg.*</svg>", page, re.S)
    assert match, page
    return ET.fromstring(match.group(0))


def bars(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(SVG_NS + "rect") if r.get("class") == "bar"]


def pct(value: str | None) -> float:
    assert value is not None and value.endswith("%")
    return float(value[:-1])


ROWS = [
    {"period": D(2022, 8, 1), "event_type": "Battles", "count": 3},
    {"period": D(2022, 8, 1), "event_type": "Protests", "count": 1},
    {"period": D(2022, 8, 8), "event_type": "Battles", "count": 2},
]
COLORS = {"Battles": "#d62728", "Protests": "#2ca02c"}


def test_one_bar_per_period_and_type_stacked_to_the_peak() -> None:
    root = svg_of(timeline_html(ROWS, freq="week", span=(D(2022, 8, 1), D(2022, 8, 14)),
                                types=["Protests", "Battles"], color=COLORS.__getitem__))
    rects = bars(root)
    assert [r.get("data-count") for r in rects] == ["1", "3", "2"]  # Protests first: the order of types
    assert [r.get("fill") for r in rects] == ["#2ca02c", "#d62728", "#d62728"]
    heights = [float(r.get("height") or 0) for r in rects]
    assert heights[0] * 3 == pytest.approx(heights[1])  # proportional to the counts
    assert heights[0] + heights[1] == pytest.approx(heights[2] * 2)  # the peak week is 4, the other 2
    # the first week starts at the left edge, the second half-way along the two weeks
    assert pct(rects[0].get("x")) == pytest.approx(0)
    assert pct(rects[2].get("x")) == pytest.approx(50)
    assert "4" in re.search(r'<div class="y">(.*?)</div>', timeline_html(ROWS, freq="week", span=(D(2022, 8, 1), D(2022, 8, 14)))).group(1)


def test_the_window_is_shaded_where_its_dates_are() -> None:
    root = svg_of(timeline_html([], freq="day", span=(D(2022, 1, 1), D(2022, 1, 10)), window=(D(2022, 1, 3), D(2022, 1, 7))))
    (window,) = [r for r in root.iter(SVG_NS + "rect") if r.get("class") == "window"]
    assert pct(window.get("x")) == pytest.approx(20)  # day 2 of 10
    assert pct(window.get("width")) == pytest.approx(50)  # 5 days, the last one included
    assert bars(root) == []
    assert "the date window is 2022-01-03 to 2022-01-07" in (root.get("aria-label") or "")


def test_hover_titles_give_the_counts() -> None:
    root = svg_of(timeline_html(ROWS, freq="week", span=(D(2022, 8, 1), D(2022, 8, 14))))
    titles = [g.find(SVG_NS + "title").text for g in root.iter(SVG_NS + "g")]
    assert titles[0] == "week of 2022-08-01 to 2022-08-07: 4 event(s)\nBattles: 3\nProtests: 1"


def test_axis_labels_months_years_or_the_first_and_last_day() -> None:
    def labels(span: tuple[dt.date, dt.date], freq: str) -> list[str]:
        return [t.text or "" for t in svg_of(timeline_html([], freq=freq, span=span)).iter(SVG_NS + "text")]

    two_years = labels((D(2022, 1, 1), D(2023, 12, 31)), "week")
    assert "2023" in two_years and len(two_years) <= 15
    assert labels((D(1991, 9, 2), D(2022, 8, 5)), "week") == ["1995", "2000", "2005", "2010", "2015", "2020"]
    assert labels((D(2022, 8, 3), D(2022, 8, 9)), "day") == ["2022-08-03", "2022-08-09"]
    months = labels((D(2022, 3, 15), D(2022, 7, 1)), "day")
    assert months == ["Apr", "May", "Jun", "Jul"]


def test_text_from_the_data_is_escaped() -> None:
    hostile = '<script>alert(1)</script>"'
    page = timeline_html([{"period": D(2022, 8, 3), "event_type": hostile, "count": 1}], freq="day",
                         span=(D(2022, 8, 1), D(2022, 8, 5)), color=lambda _t: '"><script>x()</script>')
    assert "<script" not in page
    root = svg_of(page)
    assert hostile in root.find(f"{SVG_NS}g/{SVG_NS}title").text
    assert f"height:{HEIGHT}px" in page


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="freq"):
        timeline_html([], freq="month", span=(D(2022, 1, 1), D(2022, 2, 1)))
    with pytest.raises(ValueError, match="span"):
        timeline_html([], freq="day", span=(D(2022, 2, 1), D(2022, 1, 1)))
