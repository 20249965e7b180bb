"""New leads start at the table's top left; a watch poll's merge keeps the user's place
(new-user trial: after an environment switch the empty table stayed scrolled sideways, its
left columns and empty-state text off-screen)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollBar

from mymove_viewer.sandbox import DEMO_CLIENT_ID, Sandbox
from mymove_viewer.ui.query_panel import to_qdatetime

from .conftest import FIXED_NOW, TIMEOUT_MS
from .test_window_empty_state import shown_message
from .test_window_watch import FAST_POLL_S


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # A week of leads (~60 a day) before FIXED_NOW, none earlier.
    with Sandbox(leads=400, seed=7, now=FIXED_NOW, days=7) as sb:
        yield sb


def bars(window) -> tuple[QScrollBar, QScrollBar]:
    return window.table.horizontalScrollBar(), window.table.verticalScrollBar()


def scroll_away(qtbot, window) -> tuple[int, int]:
    """Drag the scroll bars to their far end, as a user would (the vertical one if there are
    rows); returns where they stopped."""
    across, down = bars(window)
    for bar in (across, down) if window.model.rowCount() else (across,):
        qtbot.waitUntil(lambda bar=bar: bar.maximum() > bar.minimum(), timeout=TIMEOUT_MS)
        bar.setValue(bar.maximum())
    assert across.value() > across.minimum() and window.table.horizontalHeader().offset() > 0
    return across.value(), down.value()


def at_top_left(window) -> bool:
    across, down = bars(window)
    header = window.table.horizontalHeader()
    return (
        across.value() == across.minimum()
        and down.value() == down.minimum()
        and (header.offset() == 0)
    )


def small_window(make_window, **kwargs):
    window = make_window(**kwargs)
    window.clock = window.watch.clock = lambda: FIXED_NOW  # the sandbox's fixed "now"
    window.resize(900, 640)  # narrower than the columns, shorter than the rows
    return window


def test_new_leads_and_a_switch_start_at_the_top_left(qtbot, make_window, do_fetch) -> None:
    # Staging asks the same server for the same client: its answers depend on the window asked.
    window = small_window(
        make_window, client_ids={"production": DEMO_CLIENT_ID, "staging": DEMO_CLIENT_ID}
    )
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(7)
    do_fetch(window)
    assert window.model.rowCount() > 100

    scroll_away(qtbot, window)
    do_fetch(window)  # a new answer: its first row and first column
    assert at_top_left(window)

    scroll_away(qtbot, window)
    window.panel.environment_combo.setCurrentIndex(1)  # Staging: the leads go
    assert window.model.rowCount() == 0
    assert at_top_left(window)
    assert "No leads yet" in shown_message(window)  # in sight, not scrolled off

    # An empty answer after the empty table was scrolled sideways (its header is as wide).
    scroll_away(qtbot, window)
    panel = window.panel
    qtbot.mouseClick(panel.range_radio, Qt.MouseButton.LeftButton)
    panel.start_edit.setDateTime(to_qdatetime(datetime(2026, 10, 1)))  # before any lead
    panel.end_edit.setDateTime(to_qdatetime(datetime(2026, 10, 2)))
    do_fetch(window)
    assert window.model.rowCount() == 0
    assert at_top_left(window)
    assert "No leads for client" in shown_message(window)


def test_a_watch_merge_keeps_the_place(qtbot, make_window, do_fetch, sandbox) -> None:
    window = small_window(make_window, watch_interval_s=FAST_POLL_S)
    window.watch.interval_s = 600  # one poll, when Watch is turned on
    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(24)
    do_fetch(window)
    first = window.model.total_count()
    assert first > 30

    across, down = bars(window)
    place = scroll_away(qtbot, window)
    table = window.table
    top = window.model.lead_at(table.rowAt(0))
    sandbox.add_leads(3)
    with qtbot.waitSignal(window.watch_flow.merged, timeout=TIMEOUT_MS) as merged:
        window.watch_flow.action.trigger()
    assert merged.args == [3] and window.model.total_count() == first + 3
    # Not a pixel sideways, and the same lead at the top (rows inserted above move it down).
    assert across.value() == place[0] and table.horizontalHeader().offset() == place[0]
    assert window.model.lead_at(table.rowAt(0)) == top and down.value() >= place[1]
