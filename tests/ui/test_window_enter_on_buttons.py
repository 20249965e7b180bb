"""Enter presses the focused button of the query panel, the error banner and the details pane,
as Space does: a keyboard user who tabs to "Today" or to "Retry" and presses Enter expects it
to act."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from mymove_viewer.sandbox import Fault

from .conftest import TIMEOUT_MS


def test_enter_on_a_range_preset_applies_it(qtbot, make_window) -> None:
    window = make_window()
    panel = window.panel
    assert panel.mode() == "hours"
    today = panel.preset_buttons["today"]
    today.setFocus()
    qtbot.keyClick(today, Qt.Key.Key_Return)
    assert panel.mode() == "range"
    start, _end = panel.range_bounds()
    assert start == start.replace(hour=0, minute=0) and start.date() == datetime.now().date()
    panel.hours_radio.click()
    qtbot.keyClick(panel.preset_buttons["yesterday"], Qt.Key.Key_Enter)  # the keypad's Enter
    assert panel.mode() == "range"


def test_enter_on_the_banners_retry_fetches_again(qtbot, make_window, sandbox) -> None:
    window = make_window()
    sandbox.inject(Fault(kind="status", status=503, times=2))  # the client tries twice
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    retry = window.banner.action_button
    assert window.banner.action_text() == "Retry"
    retry.setFocus()
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(retry, Qt.Key.Key_Return)
        assert window.controller.busy  # the fetch started at once
    assert window.model.rowCount() > 0 and window.banner.message() == ""


def test_enter_on_the_details_copy_buttons_copies(qtbot, fetched) -> None:
    window = fetched
    window.table.setCurrentIndex(window.model.index(2, 0))
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Return)  # the details pane, for that lead
    lead, detail = window.model.lead_at(2), window.detail
    assert detail.isVisible() and detail.lead == lead
    QGuiApplication.clipboard().clear()
    detail.copy_address_button.setFocus()
    qtbot.keyClick(detail.copy_address_button, Qt.Key.Key_Return)
    assert lead.get("new_address_1") in QGuiApplication.clipboard().text()
    qtbot.keyClick(detail.copy_email_button, Qt.Key.Key_Enter)
    assert QGuiApplication.clipboard().text() == lead.get("email")
