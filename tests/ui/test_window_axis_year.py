"""The chart's time axis names the year when the bars are not this year's (new-user trial):
"Dec 3" under a 2025 window read as this December."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.sandbox import Sandbox
from mymove_viewer.ui.query_panel import to_qdatetime

from .conftest import FIXED_NOW, TIMEOUT_MS
from .test_window_chart_keyboard import assert_no_overlap, ticks_of

DAY_LABEL = r"[A-Z][a-z]{2} \d{1,2}"


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # Leads over the last 400 days before FIXED_NOW (2026-11-27): late 2025 has some.
    with Sandbox(leads=800, seed=7, now=FIXED_NOW, days=400) as sb:
        yield sb


def fetch_range(qtbot, window, do_fetch, start: datetime, end: datetime) -> list[str]:
    """Fetch ``start``..``end`` as a user would and return the axis labels drawn after it."""
    panel, chart = window.panel, window.overview.chart
    qtbot.mouseClick(panel.range_radio, Qt.MouseButton.LeftButton)
    panel.start_edit.setDateTime(to_qdatetime(start))
    panel.end_edit.setDateTime(to_qdatetime(end))
    do_fetch(window)
    first = start.replace(tzinfo=UTC).timestamp()
    qtbot.waitUntil(lambda: chart.volume.edges[:1] == (first,), timeout=TIMEOUT_MS)
    assert chart.volume.unit == "day"
    assert_no_overlap(chart)
    return [text for _i, text in ticks_of(chart)]


def test_a_past_years_window_names_its_year(qtbot, make_window, do_fetch, local_tz) -> None:
    local_tz("UTC")
    window = make_window()
    window.clock = lambda: FIXED_NOW  # today is in 2026
    window.resize(1600, 760)

    labels = fetch_range(qtbot, window, do_fetch, datetime(2025, 11, 3), datetime(2025, 12, 3))
    assert window.model.rowCount() > 0
    assert re.fullmatch(r"Nov \d{1,2} 2025", labels[0]), labels
    assert all(re.fullmatch(DAY_LABEL, t) for t in labels[1:]), labels  # the rest stay short

    # Across New Year: the first says 2025, and the year changes at "Jan 1 2026".
    labels = fetch_range(qtbot, window, do_fetch, datetime(2025, 12, 10), datetime(2026, 1, 9))
    assert re.fullmatch(r"Dec \d{1,2} 2025", labels[0]), labels
    assert "Jan 1 2026" in labels, labels

    # A window in this year keeps short labels, as before.
    labels = fetch_range(qtbot, window, do_fetch, datetime(2026, 10, 3), datetime(2026, 11, 3))
    assert all(re.fullmatch(DAY_LABEL, t) for t in labels), labels

    # Seen from 2025 (the clock says so), the first window is this year's: short labels again.
    window.clock = lambda: datetime(2025, 12, 20, tzinfo=UTC)
    labels = fetch_range(qtbot, window, do_fetch, datetime(2025, 11, 3), datetime(2025, 12, 3))
    assert all(re.fullmatch(DAY_LABEL, t) for t in labels), labels


def test_a_past_years_bar_names_its_year_in_its_tooltip(
    qtbot, make_window, do_fetch, local_tz
) -> None:
    """The tooltip and the keyboard's hint say the bar's year, as the axis does."""
    local_tz("UTC")
    window = make_window()
    window.clock = lambda: FIXED_NOW  # today is in 2026
    window.resize(1600, 760)
    chart = window.overview.chart
    fetch_range(qtbot, window, do_fetch, datetime(2025, 11, 3), datetime(2025, 12, 3))
    assert chart.tooltip_for(0).startswith("Nov 3 2025 · ")
    chart.setFocus()
    qtbot.keyClick(chart, Qt.Key.Key_End)
    hint = window.overview.chart_hint
    qtbot.waitUntil(hint.isVisible, timeout=TIMEOUT_MS)
    assert re.search(r"Dec \d{1,2} 2025 · ", hint.text()), hint.text()

    fetch_range(qtbot, window, do_fetch, datetime(2026, 10, 3), datetime(2026, 11, 3))
    assert chart.tooltip_for(0).startswith("Oct 3 · ")  # this year's: short, as before
