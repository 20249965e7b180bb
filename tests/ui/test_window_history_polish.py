"""The lead history in the real window after a new-user trial (issue 18): a big status change
written without holding the GUI thread, the status menu, the file shrinking after Forget…"""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from mymove_viewer import APP_NAME
from mymove_viewer.store import database, history_jobs, records, store_path
from mymove_viewer.table.display import WORK_STATUS
from mymove_viewer.ui.work_actions import ACTION_NAMES

from .conftest import TIMEOUT_MS
from .test_window_history import wait_written
from .test_window_table import click_header, click_row
from .test_window_work_status import select_rows, status_texts


def fetch_month(make_window, do_fetch):
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(30)
    do_fetch(window)
    return window


def test_a_big_status_change_is_written_offering_the_gil_all_along(
    qtbot, make_window, do_fetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Alt+2 on every row: the history hashes the leads and updates them in slices, handing the
    GIL to the GUI thread between them, on its worker (a 100k change stalled the GUI 53-84 ms)."""
    window = fetch_month(make_window, do_fetch)
    n = window.model.rowCount()
    assert n > 2000
    wait_written(qtbot, window)
    offers: list[str] = []

    def offer() -> None:
        offers.append(threading.current_thread().name)

    monkeypatch.setattr(history_jobs, "yield_gil", offer)
    monkeypatch.setattr(database, "yield_gil", offer)
    gui = threading.current_thread().name
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    label = window.status.selected_label
    qtbot.waitUntil(lambda: label.text() == f"{n:,} selected", timeout=TIMEOUT_MS)
    qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: bool(offers) and not window.history.queue.busy, timeout=TIMEOUT_MS)
    # Three passes a slice while hashing, one per statement of 1000 keys while updating.
    assert len(offers) >= 3 * (n // records.PACED_SLICE) + n // 1000
    assert gui not in offers


def test_the_title_ends_with_the_apps_name_once(qtbot, make_window, sandbox) -> None:
    """Qt adds the application's name to a title that does not end with it (X11, Windows):
    the title ends with it, so the name shows once, with the environment and the new count."""
    window = make_window()
    assert window.windowTitle() == f"Production — {APP_NAME}"
    assert window.windowTitle().count(APP_NAME) == 1
    window.panel.environment_combo.setCurrentIndex(1)  # Staging
    qtbot.waitUntil(lambda: window.windowTitle() == f"Staging — {APP_NAME}", timeout=TIMEOUT_MS)


def context_menu_of(qtbot, window, row: int) -> list[tuple[str, str, bool, bool]]:
    """Right-click ``row``; the popup's items as (objectName, text, enabled, checked), then
    Escape closes it."""
    table, seen = window.table, []

    def read_menu() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        seen.extend(
            (a.objectName(), a.text(), a.isEnabled(), a.isChecked()) for a in menu.actions()
        )
        qtbot.keyClick(menu, Qt.Key.Key_Escape)

    QTimer.singleShot(50, read_menu)  # the menu runs its own loop until closed
    at = table.visualRect(window.model.index(row, 1)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, table.viewport().mapToGlobal(at))
    QApplication.sendEvent(table.viewport(), event)
    qtbot.waitUntil(lambda: bool(seen), timeout=TIMEOUT_MS)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)
    return seen


@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing", "does not support propagateSizeHints"
)
def test_the_context_menu_heads_the_statuses_and_checks_the_shared_one(qtbot, fetched) -> None:
    window = fetched
    select_rows(qtbot, window, 2, 4)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: status_texts(window, [2, 3, 4]) == ["Contacted"] * 3)

    items = context_menu_of(qtbot, window, 3)
    names = [name for name, *_ in items]
    at = names.index("statusHeading")
    assert items[at][1:3] == ("Set status:", False)
    assert names[at + 1 : at + 6] == list(ACTION_NAMES)
    checked = [name for name, _text, _on, ticked in items if ticked]
    assert checked == ["statusContactedAction"]

    select_rows(qtbot, window, 3, 6)  # Contacted and New: no status is shared
    items = context_menu_of(qtbot, window, 5)
    assert [name for name, *_, ticked in items if ticked] == []

    click_row(qtbot, window, 10)  # one New lead
    qtbot.waitUntil(lambda: window.status.selected_label.text() == "1 selected")
    items = context_menu_of(qtbot, window, 10)
    assert [name for name, *_, ticked in items if ticked] == ["statusNewAction"]


def sorted_by(qtbot, window, field: str, order: Qt.SortOrder) -> None:
    """Click ``field``'s header until the table is sorted that way."""
    column = window.model.column_of(field)
    for _ in range(2):
        if click_header(qtbot, window, field) == order:
            break
    qtbot.waitUntil(lambda: window.model.sort_state == (column, order), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.session.sort_flow.busy, timeout=TIMEOUT_MS)


def test_a_status_sort_keeps_the_tables_order_among_leads_of_one_status(qtbot, fetched) -> None:
    """Sorted newest first, then by Status (either way): each status's leads still come newest
    first (they came oldest first, whatever the table showed)."""
    window, model = fetched, fetched.model
    n = model.rowCount()
    select_rows(qtbot, window, 5, 9)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_1, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: status_texts(window, [5, 9]) == ["Contacted"] * 2)
    sorted_by(qtbot, window, "created_at", Qt.SortOrder.DescendingOrder)
    newest_first = [lead.created_at for lead in model.leads_at(range(n))]
    assert newest_first == sorted(newest_first, reverse=True) != sorted(newest_first)

    for order, first in (
        (Qt.SortOrder.AscendingOrder, "New"),
        (Qt.SortOrder.DescendingOrder, "Contacted"),
    ):
        sorted_by(qtbot, window, WORK_STATUS, order)
        texts = status_texts(window, range(n))
        assert texts[0] == first and texts.count("Contacted") == 5
        for status in ("New", "Contacted"):
            rows = [r for r, text in enumerate(texts) if text == status]
            created = [lead.created_at for lead in model.leads_at(rows)]
            assert created == sorted(created, reverse=True), (order, status)


def history_bytes() -> int:
    path = store_path()
    files = (path, path.with_name(path.name + "-wal"))
    return sum(p.stat().st_size for p in files if p.exists())


def test_forgetting_many_leads_makes_the_file_smaller(qtbot, make_window, do_fetch) -> None:
    """Forget… zeroes the leads in place (``secure_delete``); the history's worker then
    rewrites the file without them, after the table is cleared."""
    window = fetch_month(make_window, do_fetch)
    assert window.model.rowCount() > 2000
    wait_written(qtbot, window)
    full = history_bytes()
    assert full > 500_000
    window.history.forget_action.trigger()
    qtbot.waitUntil(lambda: window.history.forget_dialog is not None, timeout=TIMEOUT_MS)
    dialog = window.history.forget_dialog
    with qtbot.waitSignal(window.history.forgotten, timeout=TIMEOUT_MS) as forgotten:
        qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert forgotten.args[0] > 2000
    assert window.model.total_count() == 0
    wait_written(qtbot, window)
    assert history_bytes() < full / 10


@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing", "does not support propagateSizeHints"
)
def test_undo_status_change_is_first_in_the_edit_menu(qtbot, fetched) -> None:
    window = fetched
    bar = window.menuBar()
    [edit] = [a for a in bar.actions() if a.text().replace("&", "") == "Edit"]
    undo = edit.menu().actions()[0]
    assert undo.objectName() == "undoStatusAction" and not undo.isEnabled()
    select_rows(qtbot, window, 2, 3)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_3, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: status_texts(window, [2, 3]) == ["Not interested"] * 2)
    assert undo.isEnabled()

    qtbot.mouseClick(bar, Qt.MouseButton.LeftButton, pos=bar.actionGeometry(edit).center())
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is edit.menu(), timeout=TIMEOUT_MS)
    menu = edit.menu()
    qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(undo).center())
    qtbot.waitUntil(lambda: status_texts(window, [2, 3]) == ["New"] * 2, timeout=TIMEOUT_MS)
    assert window.status.text().startswith("Undone: 2 leads no longer marked Not interested")
