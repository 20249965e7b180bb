"""What a first try of the real window (Xvfb, keys and clicks) found, driven here as a user
would: the lead details follow the row picked in the table; Ctrl+E exports from the filter and
query boxes; the client ID's clear button shows only when there is something to clear; Tab
goes through the window in the order it is read; the demo gets new leads for its watch."""

from __future__ import annotations

import csv

import pytest
from PySide6.QtCore import QEvent, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QApplication, QLineEdit, QMenu, QToolButton, QWidget

from mymove_viewer.api.query import Environment
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID

from .conftest import FIXED_NOW, TIMEOUT_MS
from .test_window_table import click_row


def test_open_details_follow_the_row_picked(qtbot, fetched) -> None:
    window = fetched
    model, table, detail = window.model, window.table, window.detail
    click_row(qtbot, window, 0)
    qtbot.keyClick(table, Qt.Key.Key_Return)
    qtbot.waitUntil(detail.isVisible, timeout=TIMEOUT_MS)
    assert detail.lead == model.lead_at(0)

    click_row(qtbot, window, 3)  # a click on another lead: the pane shows that one
    assert detail.lead == model.lead_at(3)
    last_name = model.data(model.index(3, model.column_of("last_name")))
    assert detail.value_labels["last_name"].text() == last_name  # what the pane shows
    qtbot.keyClick(table, Qt.Key.Key_Down)  # and so do the arrows
    assert detail.lead == model.lead_at(4)

    detail.close()  # closed, it stays closed while the rows are walked
    qtbot.keyClick(table, Qt.Key.Key_Down)
    assert detail.isHidden()


def test_a_note_typed_then_a_click_elsewhere_keeps_it_for_its_lead(qtbot, fetched) -> None:
    window = fetched
    model, table, detail = window.model, window.table, window.detail
    click_row(qtbot, window, 1)
    qtbot.waitUntil(window.work_actions.note_action.isEnabled, timeout=TIMEOUT_MS)
    qtbot.keyClick(table, Qt.Key.Key_F2)
    qtbot.waitUntil(detail.note_edit.hasFocus, timeout=TIMEOUT_MS)
    first = model.lead_at(1)
    qtbot.keyClicks(detail.note_edit, "call back")
    click_row(qtbot, window, 2)
    assert detail.lead == model.lead_at(2)
    assert detail.note_edit.toPlainText() == ""
    assert table.model().table.work.note_of(first) == "call back"


@pytest.fixture
def x11_line_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    """Line edits as Qt's X11 key bindings make them on a Linux desktop (the tests' offscreen
    platform has none): Ctrl+E is theirs, "move to the end of the line". Requested before the
    window is made: PySide looks for a Python ``event`` once per widget."""
    plain = QLineEdit.event

    def event(self: QLineEdit, e: QEvent) -> bool:
        override = e.type() == QEvent.Type.ShortcutOverride and isinstance(e, QKeyEvent)
        if override and QKeySequence(e.keyCombination()) == QKeySequence("Ctrl+E"):
            e.accept()
            return True
        return plain(self, e)

    monkeypatch.setattr(QLineEdit, "event", event)


def test_ctrl_e_right_after_typing_a_filter_exports(qtbot, x11_line_edits, fetched, tmp_path):
    window = fetched
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, "state:TX")
    qtbot.waitUntil(lambda: 0 < window.model.rowCount() < 100, timeout=TIMEOUT_MS)
    shown = window.model.rowCount()
    target = tmp_path / "texas.csv"
    window.ask_export_path = lambda _path: target
    window.confirm_export_all = lambda _n: True
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.filter_edit, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert window.filter_edit.hasFocus()  # still typing-ready
    with target.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == shown and {r["new_state"] for r in rows} == {"TX"}


def clear_button(edit: QLineEdit) -> QWidget:
    """The ⓧ Qt puts in a line edit with a clear button."""
    action = edit.findChild(QAction, "_q_qlineeditclearaction")
    assert action is not None
    (button,) = [o for o in action.associatedObjects() if isinstance(o, QWidget)]
    return button


def test_the_client_id_clear_button_follows_the_environment(qtbot, make_window) -> None:
    window = make_window(client_ids={"production": DEMO_CLIENT_ID})  # none for Staging yet
    combo, edit = window.panel.environment_combo, window.panel.client_id_edit
    assert edit.text() == DEMO_CLIENT_ID
    qtbot.waitUntil(lambda: clear_button(edit).isVisibleTo(edit), timeout=TIMEOUT_MS)

    combo.setFocus()
    qtbot.keyClick(combo, Qt.Key.Key_Down)  # Staging: no client ID, nothing to clear
    assert window.environment is Environment.STAGING and edit.text() == ""
    qtbot.waitUntil(lambda: not clear_button(edit).isVisibleTo(edit), timeout=TIMEOUT_MS)

    qtbot.keyClick(combo, Qt.Key.Key_Up)  # Production's ID is back, and the ⓧ with it
    assert edit.text() == DEMO_CLIENT_ID
    qtbot.waitUntil(lambda: clear_button(edit).isVisibleTo(edit), timeout=TIMEOUT_MS)


def test_tab_goes_through_the_window_as_it_is_read(qtbot, fetched) -> None:
    window = fetched
    counts = window.overview
    qtbot.waitUntil(lambda: bool(counts.tenure_label.buttons), timeout=TIMEOUT_MS)
    order: list[QWidget] = []
    window.panel.fetch_button.setFocus()
    qtbot.waitUntil(window.panel.fetch_button.hasFocus, timeout=TIMEOUT_MS)
    while window.table not in order and len(order) < 40:
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget())
    watch = window.watch_flow
    first = order[0]  # the watch button, beside the title
    assert isinstance(first, QToolButton) and first.defaultAction() is watch.action
    assert order[1] is watch.spin  # then its interval ("Mark all seen" is off: no new lead)
    assert order[2:4] == [window.filter_edit, counts.chart]
    shown = [*counts.states_label.buttons.values(), *counts.tenure_label.buttons.values()]
    assert order[4:-1] == shown  # the counts beside the chart, left to right
    assert order[-1] is window.table


def test_ctrl_e_from_the_client_id_box_exports(qtbot, x11_line_edits, fetched, tmp_path):
    window = fetched  # fetched with Enter in a query box, the focus still there
    box = window.panel.client_id_edit
    box.setFocus()
    qtbot.waitUntil(box.hasFocus, timeout=TIMEOUT_MS)
    target = tmp_path / "week.csv"
    window.ask_export_path = lambda _path: target
    window.confirm_export_all = lambda _n: True
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    with target.open(encoding="utf-8", newline="") as f:
        assert sum(1 for _row in csv.DictReader(f)) == window.model.rowCount()


def test_the_demo_gets_new_leads_now_and_then(qtbot, make_window, sandbox, local_tz) -> None:
    from mymove_viewer.ui.app import demo_arrivals, start_demo_fetch
    from mymove_viewer.ui.window import DemoSetup

    local_tz("UTC")
    window = make_window(demo=DemoSetup(sandbox.base_url, DEMO_API_KEY, DEMO_CLIENT_ID))
    window.clock = lambda: FIXED_NOW  # the sandbox's now, when its new leads are made
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        start_demo_fetch(window)
    before, served = window.model.rowCount(), sandbox.count
    arrivals = demo_arrivals(sandbox, window, interval_ms=10)
    qtbot.waitUntil(lambda: sandbox.count >= served + 3, timeout=TIMEOUT_MS)
    arrivals.stop()
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F5)  # what a watch poll would find
    assert window.model.rowCount() == before + sandbox.count - served


@pytest.mark.qt_log_ignore(  # popup menus on the offscreen platform
    "does not support raise", "does not support grabbing", "does not support propagateSizeHints"
)
def test_alt_e_opens_the_edit_menu(qtbot, fetched) -> None:
    window = fetched
    window.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)
    # It went to the environment box, whose label had the same key.
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=TIMEOUT_MS)
    edit = QApplication.activePopupWidget()
    assert isinstance(edit, QMenu) and edit.title() == "&Edit"
    assert not window.panel.environment_combo.hasFocus()
    qtbot.keyClick(edit, Qt.Key.Key_Escape)


@pytest.mark.qt_log_ignore(  # popup menus on the offscreen platform
    "does not support raise", "does not support grabbing", "does not support propagateSizeHints"
)
def test_columns_are_shown_and_hidden_from_the_keyboard(qtbot, fetched) -> None:
    window = fetched
    email = window.model.column_of("email")
    picked: list[str] = []

    def in_columns_menu() -> None:  # the columns menu runs its own loop: act from inside it
        menu = QApplication.activePopupWidget()
        if menu is None or menu.objectName() != "columnsMenu":
            QTimer.singleShot(10, in_columns_menu)
            return
        target = next(a for a in menu.actions() if a.text() == "Email")
        menu.setActiveAction(target)  # as the arrows would
        picked.append(target.text())
        qtbot.keyClick(menu, Qt.Key.Key_Return)

    QTimer.singleShot(0, in_columns_menu)
    window.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # the Edit menu
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is not None, timeout=TIMEOUT_MS)
    edit = QApplication.activePopupWidget()
    qtbot.keyClick(edit, Qt.Key.Key_O)  # C&olumns…
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is None, timeout=TIMEOUT_MS)
    assert picked == ["Email"] and window.table.isColumnHidden(email)


def test_the_empty_table_says_what_fetch_still_needs(qtbot, make_window) -> None:
    window = make_window(client_ids={})  # a first start: no client ID yet
    state = window.empty_state
    qtbot.waitUntil(lambda: "client ID" in state.message[1], timeout=TIMEOUT_MS)
    assert state.message[0] == "No leads yet" and state.label.isVisible()
    window.panel.client_id_edit.setFocus()
    qtbot.keyClicks(window.panel.client_id_edit, DEMO_CLIENT_ID)  # all Fetch needed
    qtbot.waitUntil(lambda: state.message[1].startswith("Choose a time window"), timeout=TIMEOUT_MS)
    assert window.panel.fetch_button.isEnabled()


def test_the_selection_count_and_the_watch_state_read_apart(qtbot, fetched) -> None:
    window = fetched
    status = window.status
    click_row(qtbot, window, 0)
    window.watch_flow.action.trigger()  # "Watching for new leads · last checked …"
    qtbot.waitUntil(lambda: status.watch_label.isVisible(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: status.selected_label.isVisible(), timeout=TIMEOUT_MS)
    count, watch = status.selected_label, status.watch_label
    count_end = (
        count.x()
        + count.contentsRect().left()
        + count.fontMetrics().horizontalAdvance(count.text())
    )
    watch_start = watch.x() + watch.contentsRect().left()
    # "1 selected  Watching for new leads" read as one phrase: a clear gap between them.
    assert watch_start - count_end >= count.fontMetrics().horizontalAdvance("  ·  ")
    window.watch_flow.action.trigger()
