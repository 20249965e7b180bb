"""The table says what was asked when nothing came, and what to do before the first fetch."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.sandbox import DEMO_CLIENT_ID, Sandbox
from mymove_viewer.ui.query_panel import to_qdatetime

from .conftest import FIXED_NOW, TIMEOUT_MS


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    # Few leads over 30 days: the last two hours have none, the last 30 days some.
    with Sandbox(leads=40, seed=7, now=FIXED_NOW, days=30) as sb:
        yield sb


def shown_message(window) -> str:
    label = window.empty_state.label
    if not label.isVisible():
        return ""
    viewport = window.table.viewport()
    assert viewport.rect().contains(label.geometry()), "the message is cut off"
    return " ".join(label.text().replace("<", " <").split())


def test_first_hint_then_what_was_asked_then_gone(qtbot, make_window, do_fetch, sandbox) -> None:
    assert sandbox.served_leads({"hrs": "2"}) == []
    assert sandbox.served_leads({"days": "30"})
    window = make_window()
    assert "No leads yet" in shown_message(window)
    assert "F5" in shown_message(window)

    window.panel.hours_spin.setValue(2)
    do_fetch(window)
    assert window.model.rowCount() == 0
    message = shown_message(window)
    assert f"No leads for client {DEMO_CLIENT_ID} in the last 2 hours" in message
    assert "Production" in message

    qtbot.mouseClick(window.panel.days_radio, Qt.MouseButton.LeftButton)
    window.panel.days_spin.setValue(30)
    do_fetch(window)
    assert window.model.rowCount() > 0
    assert shown_message(window) == ""

    window.filter_edit.setFocus()
    qtbot.keyClicks(window.filter_edit, "no lead has this text")
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=TIMEOUT_MS)
    total = window.model.total_count()
    assert "No leads match the filter" in shown_message(window)
    assert f"{total:,} lead" in shown_message(window)
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)  # Esc clears the box
    qtbot.waitUntil(lambda: window.model.rowCount() == total, timeout=TIMEOUT_MS)
    assert shown_message(window) == ""


def test_empty_range_names_its_local_bounds(qtbot, make_window, do_fetch, sandbox) -> None:
    window = make_window()
    panel = window.panel
    qtbot.mouseClick(panel.range_radio, Qt.MouseButton.LeftButton)
    start, end = datetime(2026, 11, 27, 15, 0), datetime(2026, 11, 27, 17, 30)
    panel.start_edit.setDateTime(to_qdatetime(start))
    panel.end_edit.setDateTime(to_qdatetime(end))
    do_fetch(window)
    assert window.model.rowCount() == 0
    message = shown_message(window)
    assert (
        f"No leads for client {DEMO_CLIENT_ID} between 2026-11-27 15:00 and 2026-11-27 17:30"
        in message
    )

    # Another environment drops the leads: the message goes back to the first hint.
    panel.environment_combo.setCurrentIndex(1)
    assert "No leads yet" in shown_message(window)


def test_message_follows_the_viewport_size(qtbot, make_window) -> None:
    window = make_window()
    label, viewport = window.empty_state.label, window.table.viewport()
    window.resize(1400, 800)
    qtbot.waitUntil(lambda: viewport.width() > 900, timeout=TIMEOUT_MS)
    wide, wide_viewport = label.geometry(), viewport.width()
    assert abs(wide.center().x() - viewport.rect().center().x()) <= 2
    window.resize(window.minimumSizeHint())  # as narrow as the window goes
    qtbot.waitUntil(lambda: viewport.width() < wide_viewport, timeout=TIMEOUT_MS)
    narrow = label.geometry()
    assert viewport.rect().contains(narrow)
    assert abs(narrow.center().x() - viewport.rect().center().x()) <= 2


def test_a_short_table_shows_the_headline_whole(qtbot, make_window) -> None:
    window = make_window()
    label, viewport = window.empty_state.label, window.table.viewport()
    window.resize(1280, window.minimumSizeHint().height())  # as short as the window goes
    qtbot.waitUntil(lambda: viewport.height() < 80, timeout=TIMEOUT_MS)
    assert label.isVisible() and viewport.rect().contains(label.geometry())
    assert "No leads yet" in label.text() and "F5" not in label.text()
    assert label.heightForWidth(label.width()) <= viewport.height()  # nothing cut off
    window.resize(1280, 760)
    qtbot.waitUntil(lambda: "F5" in label.text(), timeout=TIMEOUT_MS)  # room for all again
