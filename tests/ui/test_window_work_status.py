"""The work status in the window (issue 18): the Status column, the status actions on the
selected rows, the note in the detail pane, the filter terms and exports with status."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from mymove_viewer.sandbox import Sandbox
from mymove_viewer.store.records import Status
from mymove_viewer.table.display import WORK_STATUS

from .conftest import FIXED_NOW, TIMEOUT_MS
from .test_window_table import click_header, click_row

CTRL, SHIFT = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier


def status_texts(window, rows) -> list[str]:
    model = window.model
    col = model.column_of(WORK_STATUS)
    return [model.data(model.index(r, col)) for r in rows]


def select_rows(qtbot, window, first: int, last: int) -> None:
    click_row(qtbot, window, first)
    click_row(qtbot, window, last, SHIFT)
    n = last - first + 1
    label = window.status.selected_label
    qtbot.waitUntil(lambda: label.text() == f"{n:,} selected", timeout=TIMEOUT_MS)


def action(window, name: str) -> QAction:
    found = window.findChild(QAction, name)
    assert found is not None, name
    return found


def filter_to(qtbot, window, text: str) -> None:
    window.filter_edit.clear()
    qtbot.keyClicks(window.filter_edit, text)
    qtbot.waitUntil(lambda: window.model.filter_text == text.lower(), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.filter_flow.busy, timeout=TIMEOUT_MS)


def pick_from_context_menu(qtbot, window, row: int, name: str) -> None:
    """Right-click ``row`` and click the context menu's action ``name``, like a user."""
    table = window.table
    picked: list[str] = []

    def click_in_menu() -> None:
        menu = QApplication.activePopupWidget()
        assert isinstance(menu, QMenu)
        [target] = [a for a in menu.actions() if a.objectName() == name]
        picked.append(target.text())
        qtbot.mouseClick(menu, Qt.MouseButton.LeftButton, pos=menu.actionGeometry(target).center())

    QTimer.singleShot(50, click_in_menu)  # the menu runs its own loop until clicked
    at = table.visualRect(window.model.index(row, 1)).center()
    event = QContextMenuEvent(QContextMenuEvent.Reason.Mouse, at, table.viewport().mapToGlobal(at))
    QApplication.sendEvent(table.viewport(), event)
    qtbot.waitUntil(lambda: bool(picked), timeout=TIMEOUT_MS)
    window.activateWindow()  # offscreen, the closed popup leaves no window active
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)


# A real popup menu, offscreen: the platform says it cannot raise it or grab the keyboard.
@pytest.mark.qt_log_ignore(
    "does not support raise", "does not support grabbing", "does not support propagateSizeHints"
)
def test_status_from_the_leads_menu_and_the_context_menu_shows_sorts_and_filters(
    qtbot, fetched
) -> None:
    window = fetched
    header = window.table.horizontalHeader()
    col = window.model.column_of(WORK_STATUS)
    assert (
        header.visualIndex(col) == 0
        and window.model.headerData(col, Qt.Orientation.Horizontal) == "Status"
    )
    contacted = action(window, "statusContactedAction")
    assert not contacted.isEnabled()  # nothing selected yet
    menu = window.findChild(QMenu, "statusMenu")
    assert contacted in menu.actions() and contacted in window.table.actions()

    select_rows(qtbot, window, 2, 4)
    assert contacted.isEnabled()
    chosen = window.model.leads_at([2, 3, 4])
    contacted.trigger()  # as clicked in the Leads menu's "Set status"
    assert status_texts(window, range(2, 5)) == ["Contacted"] * 3
    assert status_texts(window, [0, 1, 5]) == ["New"] * 3
    assert window.status.text().startswith("3 leads marked Contacted.")
    work = window.model.table.work
    assert [work.status_of(lead) for lead in chosen] == [Status.CONTACTED] * 3

    select_rows(qtbot, window, 10, 12)
    qualified = window.model.leads_at([10, 11, 12])
    pick_from_context_menu(qtbot, window, 11, "statusQualifiedAction")
    assert status_texts(window, range(10, 13)) == ["Qualified"] * 3
    assert window.status.text().startswith("3 leads marked Qualified.")

    assert click_header(qtbot, window, WORK_STATUS) == Qt.SortOrder.AscendingOrder
    n = window.model.rowCount()
    assert status_texts(window, range(n - 6, n)) == ["Contacted"] * 3 + ["Qualified"] * 3
    assert set(window.model.leads_at(range(n - 3, n))) == set(qualified)
    click_header(qtbot, window, WORK_STATUS)  # descending: the worked leads first
    assert status_texts(window, range(7)) == ["Qualified"] * 3 + ["Contacted"] * 3 + ["New"]

    filter_to(qtbot, window, "status:contacted")
    assert window.model.rowCount() == 3 and set(window.model.shown_leads()) == set(chosen)
    # The filter follows a change: a lead marked New leaves the rows (Alt+0, the shortcut).
    select_rows(qtbot, window, 0, 0)
    gone = window.model.lead_at(0)
    qtbot.keyClick(window.table, Qt.Key.Key_0, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=TIMEOUT_MS)
    assert gone not in window.model.shown_leads()
    # Ctrl+Z in the table gives it its status back.
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_Z, CTRL)
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=TIMEOUT_MS)
    assert work.status_of(gone) is Status.CONTACTED

    filter_to(qtbot, window, 'status:"not interested"')
    assert window.model.rowCount() == 0 and not window.filter_edit.problems.isVisible()
    filter_to(qtbot, window, "-status:new")
    assert window.model.rowCount() == 6
    filter_to(qtbot, window, "status:called")
    qtbot.waitUntil(window.filter_edit.problems.isVisible, timeout=TIMEOUT_MS)
    assert "status:called" in window.filter_edit.problems.text()


def test_a_note_typed_in_the_detail_pane_is_kept_and_survives_a_refetch(
    qtbot, fetched, do_fetch
) -> None:
    window = fetched
    click_row(qtbot, window, 3)
    lead = window.model.lead_at(3)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    detail = window.detail
    qtbot.waitUntil(detail.isVisible, timeout=TIMEOUT_MS)
    assert detail.status_label.text() == "New"
    note = detail.note_edit
    qtbot.mouseClick(note.viewport(), Qt.MouseButton.LeftButton)
    qtbot.keyClicks(note, "Call after 5pm")
    assert window.model.table.work.note_of(lead) == ""  # not per keystroke
    qtbot.keyClick(note, Qt.Key.Key_Return, CTRL)
    assert window.model.table.work.note_of(lead) == "Call after 5pm"
    assert window.status.text() == "Note saved."
    assert status_texts(window, [3]) == ["New \N{LOWER RIGHT PENCIL}"]

    qtbot.keyClicks(note, ", ask for Ann")
    click_row(qtbot, window, 5)  # the focus leaves the note: kept
    assert window.model.table.work.note_of(lead) == "Call after 5pm, ask for Ann"

    do_fetch(window)  # the same leads come back as new objects: still the same leads
    assert window.model.table.work.note_of(lead) == "Call after 5pm, ask for Ann"
    filter_to(qtbot, window, 'note:"ask for ann"')
    assert window.model.shown_leads() == [lead]
    assert status_texts(window, [0]) == ["New \N{LOWER RIGHT PENCIL}"]


def read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def export_rows(qtbot, window, target: Path) -> list[list[str]]:
    window.ask_export_path = lambda _suggested: target
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_E, CTRL)
    return read_csv(target)


def test_exports_add_status_and_note_when_asked_and_mark_the_leads_exported(
    qtbot, fetched, tmp_path
) -> None:
    window = fetched
    select_rows(qtbot, window, 0, 1)
    qtbot.keyClick(window.table, Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)  # Qualified
    select_rows(qtbot, window, 0, 4)
    plain = export_rows(qtbot, window, tmp_path / "plain.csv")
    assert "status" not in plain[0] and "@status" not in plain[0]  # the API's fields only
    assert plain[0][0] == "offer_id"
    work = window.model.table.work
    written = window.model.leads_at(range(5))
    assert all(lead in work.exported for lead in written)
    assert not any(lead in work.exported for lead in window.model.leads_at([5, 6]))

    with_status = action(window, "exportWithStatusAction")
    file_menu = with_status.associatedObjects()
    assert any(isinstance(m, QMenu) for m in file_menu)
    with_status.trigger()  # checked, as clicked in the File menu
    assert window.settings_writer.flush()  # saved on the writer's thread
    assert window._store.load().settings.export_with_status is True
    rows = export_rows(qtbot, window, tmp_path / "with.csv")
    assert rows[0][-2:] == ["status", "note"]
    assert [r[-2] for r in rows[1:]] == ["Qualified", "Qualified", "New", "New", "New"]
    assert rows[0][:-2] == plain[0] and [r[:-2] for r in rows[1:]] == plain[1:]

    filter_to(qtbot, window, "exported:yes")
    assert set(window.model.shown_leads()) == set(written)
    filter_to(qtbot, window, "exported:no")
    assert window.model.rowCount() == window.model.total_count() - 5


def fetch_week(make_window, do_fetch, sandbox: Sandbox):
    """A window showing the last 7 days of ``sandbox``'s leads."""
    window = make_window(base_url=sandbox.base_url)
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(7)
    do_fetch(window)
    return window


def test_an_api_field_named_status_keeps_its_own_column(qtbot, make_window, do_fetch) -> None:
    stamp = FIXED_NOW.replace(hour=10).strftime("%Y-%m-%dT%H:%M:%SZ")
    leads = [
        {"created_at": stamp, "first_name": name, "email": f"{name}@x.test", "status": api}
        for name, api in (("ann", "active"), ("bo", "closed"), ("cy", "active"))
    ]
    with Sandbox(leads=leads, now=FIXED_NOW) as sandbox:
        window = fetch_week(make_window, do_fetch, sandbox)
        model = window.model
        api_col = model.column_of("status")
        assert api_col >= 0 and api_col != model.column_of(WORK_STATUS)
        assert model.headerData(api_col, Qt.Orientation.Horizontal) == "Status (API)"
        assert sorted(model.data(model.index(r, api_col)) for r in range(3)) == [
            "active", "active", "closed",
        ]  # fmt: skip
        assert status_texts(window, range(3)) == ["New"] * 3
        filter_to(qtbot, window, "api.status:active")
        assert model.rowCount() == 2 and not window.filter_edit.problems.isVisible()
        filter_to(qtbot, window, "status:new")
        assert model.rowCount() == 3
        window.close()


def test_a_large_selection_is_marked_from_a_worker_in_the_order_asked(
    qtbot, fetched, monkeypatch
) -> None:
    from mymove_viewer.ui import work_actions

    monkeypatch.setattr(work_actions, "WORKER_FROM", 2)  # as 100k selected rows would
    window = fetched
    actions = window.work_actions
    n = window.model.rowCount()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, CTRL)
    qtbot.waitUntil(lambda: window.status.selected_label.text() == f"{n:,} selected")
    changes: list[object] = []
    window.session.workChanged.connect(changes.append)
    alt = Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(window.table, Qt.Key.Key_1, alt)  # Contacted, then at once Do not contact
    qtbot.keyClick(window.table, Qt.Key.Key_4, alt)
    qtbot.waitUntil(lambda: not actions.busy and len(changes) == 2, timeout=TIMEOUT_MS)
    assert [c.status for c in changes] == [Status.CONTACTED, Status.DO_NOT_CONTACT]
    assert len(changes[0].leads) == n and set(status_texts(window, range(n))) == {"Do not contact"}
    assert window.status.text().startswith(f"{n:,} leads marked Do not contact.")
    qtbot.keyClick(window.table, Qt.Key.Key_Z, CTRL)  # back to Contacted, from the worker too
    qtbot.waitUntil(lambda: not actions.busy and len(changes) == 3, timeout=TIMEOUT_MS)
    assert set(status_texts(window, range(n))) == {"Contacted"}


@pytest.mark.parametrize("on_worker", [False, True])
def test_a_refetch_sorted_by_status_comes_sorted_by_it(
    qtbot, fetched, do_fetch, monkeypatch, on_worker
) -> None:
    from mymove_viewer.ui import sort_flow

    window = fetched
    select_rows(qtbot, window, 5, 6)
    worked = set(window.model.leads_at([5, 6]))
    action(window, "statusDoNotContactAction").trigger()
    click_header(qtbot, window, WORK_STATUS)
    if click_header(qtbot, window, WORK_STATUS) != Qt.SortOrder.DescendingOrder:
        click_header(qtbot, window, WORK_STATUS)
    assert set(window.model.leads_at([0, 1])) == worked
    if on_worker:
        monkeypatch.setattr(sort_flow, "ASYNC_FROM", 0)
    do_fetch(window)  # new lead objects: the fetch's worker cannot sort them by status
    qtbot.waitUntil(lambda: not window.session.sort_flow.busy, timeout=TIMEOUT_MS)
    assert window.model.sort_state == (
        window.model.column_of(WORK_STATUS),
        Qt.SortOrder.DescendingOrder,
    )
    assert set(window.model.leads_at([0, 1])) == worked
    assert status_texts(window, range(3)) == ["Do not contact"] * 2 + ["New"]
