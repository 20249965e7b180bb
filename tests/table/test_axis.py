"""Time labels under the chart (table.axis): the step suits the span and the labels never meet."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime

import pytest

from mymove_viewer.table.axis import GAP, bar_starts
from mymove_viewer.table.axis import time_ticks as ticks_at
from mymove_viewer.table.overview import volume

END = datetime(2026, 11, 27, 17, 41, tzinfo=UTC).timestamp()
DAY = 86_400.0
END_YEAR = 2026  # today's, for the labels: END's


def width_of(text: str) -> int:
    return 7 * len(text)  # a monospaced stand-in for the font's metrics


@pytest.mark.parametrize(
    ("days", "unit", "pattern"),
    [
        (1, "hour", r"\d\d:00|[A-Z][a-z]{2} \d{1,2}"),
        (30, "day", r"[A-Z][a-z]{2} \d{1,2}"),
        (400, "day", r"[A-Z][a-z]{2}( \d{1,2})?( \d{4})?"),
        (3000, "month", r"\d{4}|[A-Z][a-z]{2}( \d{4})?"),
        (40_000, "year", r"\d{4}"),
    ],
)
@pytest.mark.parametrize("width", [240, 760, 1600])
def test_labels_suit_the_span_and_never_overlap(days, unit, pattern, width) -> None:
    data = volume([], (END - days * DAY, END), UTC)
    assert data.unit == unit
    ticks = time_ticks(data, UTC, width, width_of)
    assert len(ticks) >= 2
    assert all(re.fullmatch(pattern, text) for _i, text in ticks), ticks
    n = len(data)
    xs = [(i * width // n, i * width // n + width_of(t)) for i, t in ticks]
    assert all(b[0] - a[1] >= GAP for a, b in itertools.pairwise(xs)), xs
    assert xs[-1][1] <= width
    # Each label names the start of its bar.
    for i, text in ticks:
        start = datetime.fromtimestamp(data.edges[i], UTC)
        assert text in (
            f"{start:%H}:00",
            f"{start:%b} {start.day}",
            f"{start:%b} {start.day} {start.year}",  # the first, for bars partly in 2025
            f"{start:%b}",
            f"{start:%b %Y}",
            f"{start.year:04d}",
        )


def test_wider_charts_get_finer_steps() -> None:
    data = volume([], (END - 30 * DAY, END), UTC)
    narrow, wide = (time_ticks(data, UTC, w, width_of) for w in (300, 1600))
    assert len(wide) > len(narrow)
    # Every other day, but never the 31st right before the 1st.
    days = [int(t.split()[1]) for _i, t in wide]
    assert 31 not in days and 30 not in days


def test_no_bars_or_no_room_no_labels() -> None:
    data = volume([], (END - DAY, END), UTC)
    assert time_ticks(data, UTC, 0, width_of) == []
    assert time_ticks(volume([]), UTC, 500, width_of) == []
    tiny = time_ticks(data, UTC, 30, width_of)
    assert all(i * 30 // len(data) + width_of(t) <= 30 for i, t in tiny)


def time_ticks(data, tz, width, text_width, this_year=END_YEAR):
    return ticks_at(data, bar_starts(data, tz), width, text_width, this_year)


def test_bars_in_another_year_say_it_on_the_first_label() -> None:
    """A window in 2025 seen in 2026: "Dec 3" alone would read as this year's."""
    end = datetime(2025, 12, 20, tzinfo=UTC).timestamp()
    days = volume([], (end - 30 * DAY, end), UTC)
    labels = [t for _i, t in time_ticks(days, UTC, 1600, width_of)]
    assert re.fullmatch(r"Nov \d{1,2} 2025", labels[0]), labels
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", t) for t in labels[1:]), labels
    # The same bars seen in 2025: short labels, as before.
    same_year = [t for _i, t in time_ticks(days, UTC, 1600, width_of, 2025)]
    assert same_year[0] == labels[0].removesuffix(" 2025"), same_year
    assert same_year[1:] == labels[1:]
    # A few hours: the first label says the day and year before its hour.
    hours = volume([], (end - 6 * 3600, end - 3600), UTC)
    assert hours.unit == "hour"
    first = time_ticks(hours, UTC, 800, width_of)
    assert first[0][1] == "Dec 19 2025 18:00" and first[1][1] == "19:00", first


def test_bars_across_new_year_name_both_years() -> None:
    end = datetime(2026, 1, 10, tzinfo=UTC).timestamp()
    labels = [
        t for _i, t in time_ticks(volume([], (end - 20 * DAY, end), UTC), UTC, 1600, width_of)
    ]
    assert labels[0] == "Dec 21 2025" and "Jan 1 2026" in labels, labels
    assert sum(bool(re.search(r"\d{4}", t)) for t in labels) == 2, labels
