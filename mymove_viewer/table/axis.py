"""Time labels under the lead-volume chart: which bars get one, and what it says. No Qt.

The bars are hours, days, months or years (``overview.unit_for``). Labels go on bars that start
a round period (every 3 hours, each Monday-ish quarter of a month, each January...), the finest
such step whose labels do not overlap at the chart's width. Worked out once per new bars or
width, never per paint: five years of days is ~1,800 bars.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, tzinfo
from itertools import pairwise

from ..api.moments import wall_clock
from .overview import _MONTHS, DAY, HOUR, MONTH, YEAR, Volume

Tick = tuple[int, str]  # (bar index, label)
GAP = 10  # px between two labels
# Steps tried, finest first: (unit of the step, how many of it).
_STEPS = {
    HOUR: [("h", 1), ("h", 2), ("h", 3), ("h", 6), ("h", 12), ("d", 1)],
    DAY: [("d", 1), ("d", 2), ("w", 1), ("w", 2), ("m", 1), ("m", 3), ("m", 6), ("y", 1)],
    MONTH: [("m", 1), ("m", 3), ("m", 6), *[("y", n) for n in (1, 2, 5, 10, 20, 50)]],
    YEAR: [("y", n) for n in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000)],
}
_WEEK_DAYS = {1: (1, 8, 15, 22), 2: (1, 15)}  # a "week" step: fixed days of each month
# The shortest a period of each unit is (a "week" is at least 6 days), and its shortest label.
_SECONDS = {"h": 3600.0, "d": 86_400.0, "w": 6 * 86_400.0, "m": 28 * 86_400.0, "y": 365 * 86_400.0}
_SHORTEST = {"h": "00:00", "d": "May 1", "w": "May 1", "m": "May", "y": "2000"}


def _starts(moment: datetime, unit: str, n: int) -> bool:
    """Whether a bar starting at ``moment`` starts a period of ``n`` ``unit``s."""
    if unit == "h":
        return moment.hour % n == 0
    if moment.hour:  # hour bars: a longer step starts at midnight
        return False
    if unit == "d":  # every n-th day from the 1st, none in the few days before the next 1st
        return n == 1 or ((moment.day - 1) % n == 0 and moment.day + n <= 29)
    if unit == "w":
        return moment.day in _WEEK_DAYS[n]
    if unit == "m":
        return moment.day == 1 and (moment.month - 1) % n == 0
    return moment.day == 1 and moment.month == 1 and moment.year % n == 0


def _text(moment: datetime, bar_unit: str, unit: str, first: bool, dated: bool) -> str:
    """``dated``: the bars are not all in the current year, so the first label says the date
    and year ("Dec 3 2025"), as the January ones always do; otherwise labels stay short."""
    month = _MONTHS[moment.month - 1]
    if unit == "y" or bar_unit == YEAR:
        return f"{moment.year:04d}"
    if unit == "m" or bar_unit == MONTH:
        return f"{month} {moment.year:04d}" if first or moment.month == 1 else month
    day = f"{month} {moment.day}"
    if (first and dated) or (moment.month == 1 and moment.day == 1):  # say which year
        day = f"{day} {moment.year:04d}"
    if unit == "h" and moment.hour:
        hour = f"{moment.hour:02d}:00"
        return f"{day} {hour}" if first and dated else hour
    return day  # a day, or the midnight that starts one


def bar_starts(data: Volume, tz: tzinfo | None) -> list[datetime]:
    """The wall-clock start of each bar (the slow part: keep it while only the width changes)."""
    return [wall_clock(edge, tz) for edge in data.edges[: len(data)]]


def time_ticks(
    data: Volume,
    starts: Sequence[datetime],
    width: int,
    text_width: Callable[[str], int],
    this_year: int,
) -> list[Tick]:
    """Labels for ``data``'s bars drawn ``width`` px wide, each starting at its bar's left edge
    (bar ``i`` starts at ``i * width // len(data)``); ``starts``: ``bar_starts(data, tz)``;
    ``text_width`` measures a label in px; ``this_year``: today's, in the same zone (bars in
    another year get one on the first label: "Dec 3" alone would read as this year's)."""
    n = len(data)
    if not n or width <= 0:
        return []
    dated = not starts[0].year == starts[-1].year == this_year
    px_per_s = width / max(1.0, data.edges[-1] - data.edges[0])
    best: list[Tick] = []
    for unit, step in _STEPS.get(data.unit, []):
        # A step whose periods are clearly narrower than its shortest label cannot fit: not
        # tried, so 10,000 yearly bars cost a few passes, not one per step.
        if _SECONDS[unit] * step * px_per_s < text_width(_SHORTEST[unit]) + GAP:
            continue
        picked = [i for i, moment in enumerate(starts) if _starts(moment, unit, step)]
        best = [(i, _text(starts[i], data.unit, unit, k == 0, dated)) for k, i in enumerate(picked)]
        ticks = _fitting(best, n, width, text_width)
        if ticks is not None:
            return ticks
    return _thinned(best, n, width, text_width)


def _fitting(
    ticks: list[Tick], n: int, width: int, text_width: Callable[[str], int]
) -> list[Tick] | None:
    """``ticks`` if no two overlap (the last may be dropped where it would run off the chart);
    None when some do."""
    for (a, text), (b, _next) in pairwise(ticks):
        if b * width // n - a * width // n < text_width(text) + GAP:
            return None
    if ticks and ticks[-1][0] * width // n + text_width(ticks[-1][1]) > width:
        ticks = ticks[:-1]
    return ticks


def _thinned(ticks: list[Tick], n: int, width: int, text_width: Callable[[str], int]) -> list[Tick]:
    """The coarsest step still overlaps (a very narrow chart): keep each label that has room."""
    kept: list[Tick] = []
    free = 0
    for i, text in ticks:
        x = i * width // n
        w = text_width(text)
        if x >= free and x + w <= width:
            kept.append((i, text))
            free = x + w + GAP
    return kept
