"""The window from the keyboard alone: Enter in the query's boxes fetches, Tab leaves the table."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mymove_viewer.sandbox import DEMO_CLIENT_ID

from .conftest import TIMEOUT_MS


def press_enter_and_wait(qtbot, window, widget) -> None:
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(widget, Qt.Key.Key_Return)


def test_enter_in_client_id_fetches(qtbot, make_window, sandbox) -> None:
    window = make_window(client_ids={})
    edit = window.panel.client_id_edit
    edit.setFocus()
    qtbot.keyClicks(edit, DEMO_CLIENT_ID)
    assert sandbox.requests == []
    press_enter_and_wait(qtbot, window, edit)
    assert sandbox.requests[-1].path.endswith(f"/{DEMO_CLIENT_ID}/leads")
    assert window.model.rowCount() > 0


def test_enter_in_hours_and_days_boxes_fetches_what_was_typed(qtbot, make_window, sandbox) -> None:
    window = make_window()
    panel = window.panel
    panel.hours_spin.setFocus()
    panel.hours_spin.selectAll()
    qtbot.keyClicks(panel.hours_spin, "3")
    press_enter_and_wait(qtbot, window, panel.hours_spin)
    assert sandbox.requests[-1].query == {"hrs": "3"}

    qtbot.mouseClick(panel.days_radio, Qt.MouseButton.LeftButton)
    panel.days_spin.setFocus()
    panel.days_spin.selectAll()
    qtbot.keyClicks(panel.days_spin, "12")
    press_enter_and_wait(qtbot, window, panel.days_spin)
    assert sandbox.requests[-1].query == {"days": "12"}
    assert window.model.rowCount() == len(sandbox.served_leads({"days": "12"}))


def test_enter_without_client_id_says_why_and_sends_nothing(qtbot, make_window, sandbox) -> None:
    window = make_window(client_ids={})
    window.panel.client_id_edit.setFocus()
    qtbot.keyClick(window.panel.client_id_edit, Qt.Key.Key_Return)
    assert window.controller.busy is False
    assert sandbox.requests == []
    assert "client ID" in window.panel.reason_label.text()


def test_tab_moves_focus_out_of_the_table(qtbot, fetched) -> None:
    window = fetched
    table = window.table
    table.setFocus()
    table.setCurrentIndex(window.model.index(0, 0))
    qtbot.waitUntil(table.hasFocus, timeout=TIMEOUT_MS)
    qtbot.keyClick(table, Qt.Key.Key_Tab)
    assert not table.hasFocus()
    assert table.currentIndex().column() == 0  # Tab did not walk along the row
    focused = QApplication.focusWidget()
    assert focused is not None and window.isAncestorOf(focused)
    qtbot.keyClick(focused, Qt.Key.Key_Backtab)
    assert table.hasFocus()  # and Shift+Tab comes back
