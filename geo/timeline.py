"""The timeline beside the date slider: events per day or week, stacked by event type in the
map's colours, with the slider's window shaded; one small SVG page.

Drawn here rather than by a charting library: Altair cost the dashboard about 0.3 s of imports on
a cold start, and its Vega bundle most of a second of the browser's time before the map showed
(docs/benchmark.md). A bar chart of a few hundred rectangles needs neither. Every text from the
data (event types) is escaped; the page has no script: hovering a bar shows its counts through
the SVG ``<title>`` of the bar.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from html import escape
from typing import Any

HEIGHT = 96  # pixels: the plot and its axis labels; the width follows the page
TOP, BOTTOM = 6, 18
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
WINDOW_FILL = "#1f77b4"


def _period_days(freq: str) -> int:
    if freq not in ("day", "week"):
        raise ValueError(f"freq must be 'day' or 'week', got {freq!r}")
    return 1 if freq == "day" else 7


def _ticks(first: dt.date, last: dt.date, min_gap_days: float) -> list[tuple[dt.date, str]]:
    """Month starts (labelled ``Mar``, January with its year) or, when months would crowd, year
    starts, between *first* and *last* (the day after the span), at least *min_gap_days* apart;
    for a span with fewer than two month starts, its first and last day."""
    months = [(y, m) for y in range(first.year, last.year + 1) for m in range(1, 13)]
    starts = [dt.date(y, m, 1) for y, m in months if first <= dt.date(y, m, 1) <= last]
    for step in (1, 2, 3, 6, 12, 24, 60):
        if step * 30.4 >= min_gap_days:
            break
    if step >= 12:
        years = [d for d in starts if d.month == 1 and (d.year % (step // 12) == 0)]
        return [(d, str(d.year)) for d in years]
    chosen = [d for d in starts if (d.month - 1) % step == 0]
    if len(chosen) < 2:  # a span of days or weeks: its first and last day
        return [(first, first.isoformat()), (last - dt.timedelta(days=1), (last - dt.timedelta(days=1)).isoformat())]
    return [(d, str(d.year) if d.month == 1 else MONTHS[d.month - 1]) for d in chosen]


def timeline_html(
    rows: Sequence[Mapping[str, Any]],
    *,
    freq: str,
    span: tuple[dt.date, dt.date],
    window: tuple[dt.date, dt.date] | None = None,
    types: Sequence[str] = (),
    color: Callable[[str], str] = lambda _t: "#7f7f7f",
) -> str:
    """A page (for an iframe, no script) with an SVG bar chart of *rows* (``{"period": date,
    "event_type": str, "count": int}``, as :func:`geo.filters.timeline_counts` gives them) over
    the data's *span*, the slider's *window* shaded, and its y axis. Bars stack in the order of
    *types* (others after them), coloured by *color*."""
    days = _period_days(freq)
    first, last = span
    if last < first:
        raise ValueError(f"span ends before it starts: {span!r}")
    x0 = first - dt.timedelta(days=first.weekday()) if freq == "week" else first
    x1 = last + dt.timedelta(days=1)
    plot_h = HEIGHT - TOP - BOTTOM
    total_days = max((x1 - x0).days, 1)

    def x_of(day: dt.date) -> float:  # percent of the width: the chart stretches, its text does not
        return 100 * (day - x0).days / total_days

    by_period: dict[dt.date, dict[str, int]] = defaultdict(dict)
    for row in rows:
        counts = by_period[row["period"]]
        counts[row["event_type"]] = counts.get(row["event_type"], 0) + int(row["count"])
    order = {t: i for i, t in enumerate(types)}
    peak = max((sum(counts.values()) for counts in by_period.values()), default=0)
    # a gap between bars while they are wide enough; never thinner than about two pixels
    bar_w = max(100 * days / total_days * (0.85 if total_days / days <= 400 else 1.0), 0.2)
    base_y = TOP + plot_h
    unit = "day" if freq == "day" else "week"

    parts: list[str] = []
    if window is not None:
        wx0, wx1 = x_of(max(window[0], x0)), x_of(min(window[1] + dt.timedelta(days=1), x1))
        parts.append(
            f'<rect class="window" x="{wx0:.3f}%" y="{TOP - 4}" width="{max(wx1 - wx0, 0.2):.3f}%" height="{plot_h + 4}" '
            f'fill="{WINDOW_FILL}" fill-opacity="0.13" stroke="{WINDOW_FILL}" stroke-opacity="0.5"/>'
        )
    for period in sorted(by_period):
        counts = by_period[period]
        total = sum(counts.values())
        stack = sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0]))
        end = period + dt.timedelta(days=days - 1)
        when = period.isoformat() if days == 1 else f"week of {period.isoformat()} to {end.isoformat()}"
        tip = f"{when}: {total:,} event(s)" + "".join(f"\n{t}: {n:,}" for t, n in stack)
        x = x_of(period)
        y = float(base_y)
        bars = []
        for etype, n in stack:
            h = plot_h * n / peak if peak else 0
            y -= h
            bars.append(f'<rect class="bar" x="{x:.3f}%" y="{y:.2f}" width="{bar_w:.3f}%" height="{h:.2f}" '
                        f'fill="{escape(color(etype))}" data-count="{n}"/>')
        parts.append(f'<g class="period"><title>{escape(tip)}</title>{"".join(bars)}</g>')
    axis = [f'<line x1="0" y1="{base_y}" x2="100%" y2="{base_y}" stroke="#bbb"/>']
    for day, label in _ticks(x0, x1, min_gap_days=total_days / 14):
        x = x_of(day)
        axis.append(f'<line x1="{x:.3f}%" y1="{base_y}" x2="{x:.3f}%" y2="{base_y + 4}" stroke="#bbb"/>'
                    f'<text x="{x:.3f}%" y="{HEIGHT - 4}" text-anchor="{"start" if x < 3 else "middle"}">{escape(label)}</text>')
    label = (f"Events per {unit} from {first.isoformat()} to {last.isoformat()}, at most {peak:,} in a {unit}"
             + (f"; the date window is {window[0].isoformat()} to {window[1].isoformat()}" if window else ""))
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="{HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" font-family="Source Sans Pro, system-ui, sans-serif" font-size="11" fill="#6b6b76">'
        f'<title>{escape(label)}</title>{"".join(parts)}{"".join(axis)}</svg>'
    )
    return (
        '<!doctype html><html><head><meta charset="utf-8"><style>'
        'body{margin:0;font:11px/1 "Source Sans Pro",system-ui,sans-serif;color:#6b6b76}'
        f".row{{display:flex}}.y{{width:62px;flex:none;position:relative;height:{HEIGHT}px}}"
        ".y span{position:absolute;right:6px}.plot{flex:1;min-width:0}svg{display:block;overflow:visible}"
        "g.period:hover rect{opacity:.7}"
        '</style></head><body><div class="row"><div class="y">'
        f'<span style="top:{TOP - 1}px">{peak:,}</span><span style="top:{TOP + 14}px">per {escape(unit)}</span>'
        f'<span style="top:{HEIGHT - BOTTOM - 10}px">0</span></div><div class="plot">{svg}</div></div></body></html>'
    )
