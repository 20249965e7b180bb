"""A date range that starts in the future, chosen with the keyboard only: Fetch waits, saying
why, instead of asking MYMOVE and showing "no leads, try a longer window"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from .conftest import TIMEOUT_MS

FUTURE = "The range starts in the future"


def focused() -> str:
    widget = QApplication.focusWidget()
    return widget.objectName() if widget is not None else ""


def tab_out(qtbot, name: str) -> str:
    """Tab past the date editor ``name``: Tab walks its sections (year … minute) first."""
    for _ in range(6):
        if focused() != name:
            break
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    return focused()


def test_a_future_start_typed_with_the_keyboard_disables_fetch(qtbot, make_window, sandbox) -> None:
    window = make_window()
    panel = window.panel
    sandbox.clear_requests()
    panel.hours_radio.setFocus()
    qtbot.keyClick(panel.hours_radio, Qt.Key.Key_Down)  # the radio below: "From … to …"
    assert panel.mode() == "range" and focused() == "rangeRadio"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert focused() == "startEdit"
    qtbot.keyClick(panel.start_edit, Qt.Key.Key_Up)  # the year, selected on entry: next year
    assert panel.reason_label.text() == "The start of the range must be before its end."
    assert tab_out(qtbot, "startEdit") == "endEdit"
    qtbot.keyClick(panel.end_edit, Qt.Key.Key_Up)
    qtbot.keyClick(panel.end_edit, Qt.Key.Key_Up)  # both next year and after: a valid range

    start, end = panel.range_bounds()
    assert datetime.now(UTC) < start < end
    reason = panel.reason_label.text()
    assert reason.startswith(FUTURE) and "Choose a start before now." in reason
    assert not panel.fetch_button.isEnabled() and not window.fetch_action.isEnabled()
    assert panel.fetch_button.toolTip() == reason
    qtbot.keyClick(panel.end_edit, Qt.Key.Key_Return)  # Enter fetches from a box, when it may
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.controller.busy and sandbox.requests == []

    assert tab_out(qtbot, "endEdit") == "preset_today"
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)  # from midnight: it has begun
    assert panel.reason_label.text() == "" and panel.fetch_button.isEnabled()


def test_fetch_turns_on_when_the_start_comes(qtbot, make_window) -> None:
    window = make_window()
    panel = window.panel
    start = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
    now = [start - timedelta(milliseconds=300)]
    window.clock = lambda: now[0]
    panel.set_range(start, start + timedelta(hours=1))
    panel.range_radio.click()
    assert panel.reason_label.text().startswith(FUTURE)
    assert not panel.fetch_button.isEnabled()
    now[0] = start + timedelta(seconds=1)  # the start has come, with nothing edited
    qtbot.waitUntil(panel.fetch_button.isEnabled, timeout=TIMEOUT_MS)
    assert panel.reason_label.text() == ""
