"""What trying issue 18 as a user found, in the real window: the Status column wide enough for
every status, stored leads sorted by status in status order, and Alt+1 on three rows kept across
a restart with the server gone."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QLabel

from mymove_viewer.sandbox import Sandbox
from mymove_viewer.store import Status
from mymove_viewer.table.display import WORK_STATUS
from mymove_viewer.table.work import LABELS, NOTE_MARK, WorkChange

from .conftest import FIXED_NOW, TIMEOUT_MS
from .test_window_history import range_settings, restart, wait_written
from .test_window_table import click_header, click_row
from .test_window_work_status import export_rows, fetch_week, select_rows, status_texts

ALT = Qt.KeyboardModifier.AltModifier


def in_status_order(window) -> bool:
    """Every shown row's status is at or after the one above, in the order of ``LABELS``."""
    codes = [
        LABELS.index(t.removesuffix(f" {NOTE_MARK}"))
        for t in status_texts(window, range(window.model.rowCount()))
    ]
    return codes == sorted(codes)


def test_the_status_column_shows_every_status_whole(qtbot, fetched) -> None:
    window = fetched
    assert set(status_texts(window, range(window.model.rowCount()))) == {"New"}
    col = window.model.column_of(WORK_STATUS)
    bold = window.table.font()
    bold.setBold(True)
    widest = max(QFontMetrics(bold).horizontalAdvance(f"{s} {NOTE_MARK}") for s in LABELS)
    # Measured on rows that are all New, the column must still hold "Not interested ✎".
    assert window.table.columnWidth(col) >= widest + 8


def test_stored_leads_sorted_by_status_come_in_status_order(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    model = window.model
    n = model.rowCount()
    # The newest leads get the last statuses: in fetched order they are at the end.
    window.session.change_work(WorkChange(model.leads_at([n - 2, n - 1]), Status.DO_NOT_CONTACT))
    window.session.change_work(WorkChange(model.leads_at([0]), Status.CONTACTED))
    click_header(qtbot, window, WORK_STATUS)
    if window.table.horizontalHeader().sortIndicatorOrder() != Qt.SortOrder.AscendingOrder:
        click_header(qtbot, window, WORK_STATUS)
    assert in_status_order(window)
    wait_written(qtbot, window)

    again = restart(qtbot, make_window, window)
    qtbot.waitUntil(lambda: again.model.total_count() == n, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not again.session.sort_flow.busy, timeout=TIMEOUT_MS)
    assert again.model.sort_state == (
        again.model.column_of(WORK_STATUS),
        Qt.SortOrder.AscendingOrder,
    )
    assert status_texts(again, [n - 3, n - 2, n - 1]) == ["Contacted"] + ["Do not contact"] * 2
    assert in_status_order(again)


def test_statuses_a_fetch_finds_in_the_history_put_a_status_sort_in_order(
    qtbot, make_window, do_fetch
) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    model = window.model
    n = model.rowCount()
    window.session.change_work(WorkChange(model.leads_at([n // 2]), Status.QUALIFIED))
    click_header(qtbot, window, WORK_STATUS)
    if window.table.horizontalHeader().sortIndicatorOrder() != Qt.SortOrder.DescendingOrder:
        click_header(qtbot, window, WORK_STATUS)
    wait_written(qtbot, window)
    model.table.work.clear()  # as a table that never showed these leads (another window)
    do_fetch(window)
    qtbot.waitUntil(lambda: bool(model.table.work.status), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: status_texts(window, [0]) == ["Qualified"], timeout=TIMEOUT_MS)


def test_alt_1_on_three_rows_survives_a_restart_without_the_server(
    qtbot, make_window, do_fetch, sandbox
) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    select_rows(qtbot, window, 2, 4)
    marked = window.model.leads_at([2, 3, 4])
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_1, ALT)
    qtbot.waitUntil(lambda: status_texts(window, [2, 3, 4]) == ["Contacted"] * 3)
    assert window.status.text().startswith("3 leads marked Contacted.")
    wait_written(qtbot, window)

    window.close()
    sandbox.clear_requests()
    sandbox.stop()
    again = make_window()
    qtbot.waitUntil(lambda: again.model.total_count() > 50, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: bool(again.model.table.work.status), timeout=TIMEOUT_MS)
    model = again.model
    rows = range(model.rowCount())
    shown = dict(zip(model.leads_at(list(rows)), status_texts(again, rows), strict=True))
    assert {lead: shown[lead] for lead in marked} == dict.fromkeys(marked, "Contacted")
    assert sum(text == "Contacted" for text in shown.values()) == 3
    assert sandbox.requests == []


def test_an_api_field_named_note_is_told_apart_from_the_users_note(
    qtbot, make_window, do_fetch
) -> None:
    stamp = FIXED_NOW.replace(hour=10).strftime("%Y-%m-%dT%H:%M:%SZ")
    leads = [{"created_at": stamp, "first_name": "ann", "note": "from the API", "status": "open"}]
    with Sandbox(leads=leads, now=FIXED_NOW) as sandbox:
        window = fetch_week(make_window, do_fetch, sandbox)
        model = window.model
        headers = [
            model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
        ]
        assert headers.count("Note") == 0 and "Note (API)" in headers and "Status (API)" in headers
        click_row(qtbot, window, 0)
        qtbot.keyClick(window.table, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: window.detail.isVisible(), timeout=TIMEOUT_MS)
        names = [label.text() for label in window.detail.findChildren(QLabel)]
        assert names.count("Note:") == 1 and "Note (API):" in names  # the user's, the API's
        window.close()


def test_f2_puts_the_cursor_in_the_selected_leads_note(qtbot, fetched) -> None:
    window = fetched
    select_rows(qtbot, window, 3, 3)
    lead = window.model.lead_at(3)
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_F2)
    note = window.detail.note_edit
    qtbot.waitUntil(note.hasFocus, timeout=TIMEOUT_MS)
    assert window.detail.isVisible()
    qtbot.keyClicks(note, "call back Friday")
    qtbot.keyClick(note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert window.model.table.work.note_of(lead) == "call back Friday"
    assert status_texts(window, [3]) == [f"New {NOTE_MARK}"]
    assert window.status.text() == "Note saved."
    names = {a.objectName() for a in window.table.actions()}
    assert "editNoteAction" in names  # in the table's context menu too


def test_the_details_say_when_a_lead_was_first_exported(qtbot, fetched, tmp_path) -> None:
    window = fetched
    select_rows(qtbot, window, 0, 1)
    lead = window.model.lead_at(1)  # the current row: the one clicked last
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    exported = window.detail.exported_label
    qtbot.waitUntil(window.detail.isVisible, timeout=TIMEOUT_MS)
    assert window.detail.lead == lead and exported.text() == "Not yet"
    export_rows(qtbot, window, tmp_path / "two.csv")
    at = window.model.table.work.exported[lead]
    qtbot.waitUntil(lambda: exported.text() != "Not yet", timeout=TIMEOUT_MS)
    assert exported.text() == datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M")
