"""The lead table as a user drives it: sort, filter, select, copy, details, export, columns."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from mymove_viewer.api.lead import parse_timestamp
from mymove_viewer.ui import gui_state
from mymove_viewer.ui.model import RawRole
from tests.table.text_reference import person_key

from .conftest import TIMEOUT_MS


def raw_column(window, field: str) -> list[str]:
    model = window.model
    col = model.column_of(field)
    return [model.data(model.index(r, col), RawRole) for r in range(model.rowCount())]


def click_header(qtbot, window, field: str) -> Qt.SortOrder:
    table, col = window.table, window.model.column_of(field)
    table.scrollTo(window.model.index(0, col))
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    assert header.sortIndicatorSection() == col
    return header.sortIndicatorOrder()


def click_row(qtbot, window, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    table = window.table
    rect = table.visualRect(window.model.index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def copy_keys(qtbot, window) -> None:
    """Ctrl+C in the table, then wait for the text to reach the clipboard."""
    with qtbot.waitSignal(window.copy_flow.copied, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)


@pytest.mark.parametrize(
    ("field", "key"),
    [
        ("created_at", lambda v: parse_timestamp(v).timestamp()),
        ("move_date", lambda v: v[:10]),
        ("last_name", person_key),  # "García" beside "Garcia", not after "Young"
        ("new_postal_code", lambda v: v),  # ZIPs as text: "02134" before "10001"
    ],
)
def test_sort_each_kind_of_column(qtbot, fetched, field, key) -> None:
    for _ in range(2):  # each click flips the order; both directions must be right
        order = click_header(qtbot, fetched, field)
        values = raw_column(fetched, field)
        keys = [key(v) for v in values]
        descending = order == Qt.SortOrder.DescendingOrder
        assert keys == sorted(keys, reverse=descending)
    if field == "new_postal_code":
        assert any(v.startswith("0") for v in values)


def test_filter_is_throttled_and_shows_count(qtbot, fetched) -> None:
    window = fetched
    total = window.model.total_count()
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, "SMITH")
    assert window.model.filter_text == ""  # not applied per keystroke
    expected = sum(1 for lead in window.model.leads if "smith" in "\x1f".join(lead[:19]).lower())
    assert 0 < expected < total
    qtbot.waitUntil(lambda: window.filter_count.text() == f"{expected:,} of {total:,}")
    assert window.model.rowCount() == expected
    assert f"({expected:,} shown)" in window.status_label.text()
    for lead in window.model.shown_leads():
        assert any("smith" in value.lower() for value in lead.as_dict().values())

    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)  # Esc in the box clears it
    assert window.filter_edit.text() == ""
    qtbot.waitUntil(lambda: window.model.rowCount() == total)
    assert window.filter_count.text() == f"{total:,} of {total:,}"


def test_filter_finds_created_as_the_table_shows_it(qtbot, make_window, do_fetch, local_tz) -> None:
    local_tz("Asia/Kolkata")  # UTC+5:30: the shown minute differs from the UTC text
    window = make_window()
    do_fetch(window)
    model, col = window.model, window.model.column_of("created_at")
    shown = model.data(model.index(3, col))
    raw = model.data(model.index(3, col), RawRole)
    assert shown[11:16] != raw[11:16]
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, shown)
    qtbot.waitUntil(lambda: model.filter_text == shown)
    rows = [model.data(model.index(r, col)) for r in range(model.rowCount())]
    assert rows and set(rows) == {shown}  # every lead of that minute, and only those
    assert raw in [model.data(model.index(r, col), RawRole) for r in range(model.rowCount())]
    window.filter_edit.clear()
    qtbot.keyClicks(window.filter_edit, raw.lower())  # the UTC text as sent is not shown
    qtbot.waitUntil(lambda: model.filter_text == raw.lower())
    assert model.rowCount() == 0


def test_select_and_copy_rows_as_tsv(qtbot, fetched) -> None:
    window = fetched
    click_row(qtbot, window, 2)
    click_row(qtbot, window, 4, Qt.KeyboardModifier.ShiftModifier)
    assert window.table.selected_rows() == [2, 3, 4]
    copy_keys(qtbot, window)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == 4
    header = lines[0].split("\t")
    assert header[:4] == ["Status", "Offer ID", "Created", "First name"]  # Status first
    assert {line.split("\t")[0] for line in lines[1:]} == {"New"}
    assert "New ZIP+4" in header
    emails = raw_column(window, "email")[2:5]
    email_col = header.index("Email")
    assert [line.split("\t")[email_col] for line in lines[1:]] == emails

    menu = window.table.build_header_menu()
    [email_action] = [a for a in menu.actions() if a.text() == "Email"]
    email_action.trigger()  # hide the column from the header's context menu
    assert window.table.horizontalHeader().isSectionHidden(window.model.column_of("email"))
    copy_keys(qtbot, window)
    assert "Email" not in QGuiApplication.clipboard().text().splitlines()[0].split("\t")

    qtbot.keyClick(window.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert len(window.table.selected_rows()) == window.model.rowCount()


def test_detail_pane_by_double_click_and_enter(qtbot, fetched) -> None:
    window = fetched
    table = window.table
    rect = table.visualRect(window.model.index(1, 2))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    lead = window.model.lead_at(1)
    detail = window.detail
    assert detail.isVisible() and detail.objectName() == "leadDetail"
    assert detail.value_labels["email"].text() == lead.get("email")
    assert len(detail.value_labels) == len(window.model.columns) - 1  # Status: with the note
    flags = detail.value_labels["email"].textInteractionFlags()
    assert flags & Qt.TextInteractionFlag.TextSelectableByMouse
    detail.copy_email_button.click()
    assert QGuiApplication.clipboard().text() == lead.get("email")
    detail.copy_address_button.click()
    address = QGuiApplication.clipboard().text()
    assert lead.get("new_address_1") in address and lead.get("new_city") in address

    table.setCurrentIndex(window.model.index(5, 0))
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_Return)
    assert detail.lead == window.model.lead_at(5)


def test_export_selected_in_sort_order_with_visible_columns(qtbot, fetched, tmp_path) -> None:
    window = fetched
    click_header(qtbot, window, "last_name")
    header = window.table.horizontalHeader()
    header.setSectionHidden(window.model.column_of("old_address_2"), True)
    header.moveSection(header.visualIndex(window.model.column_of("email")), 0)  # drag to front
    click_row(qtbot, window, 0)
    click_row(qtbot, window, 9, Qt.KeyboardModifier.ShiftModifier)
    target = tmp_path / "out" / "picked.csv"
    target.parent.mkdir()
    suggested: list[Path] = []

    def ask(path: Path) -> Path:
        suggested.append(path)
        return target

    window.ask_export_path = ask
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert re.fullmatch(r"leads-production-\d{8}-\d{4}\.csv", suggested[0].name)
    with target.open(newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    columns = [window.model.columns[c].field for c in window.table.visible_columns()]
    columns.remove("@status")  # the work status is not the API's: not exported by default
    assert rows[0] == columns
    assert columns[0] == "email" and "old_address_2" not in columns
    expected = window.model.leads_at(range(10))
    assert [r[0] for r in rows[1:]] == [lead.get("email") for lead in expected]
    assert rows[1:] == [lead.values(columns) for lead in expected]
    assert str(target) in window.status_label.text() and "10 leads" in window.status_label.text()
    assert window._settings.last_export_dir == str(target.parent)

    # Nothing selected: offered all shown rows; the Excel option adds the BOM.
    window.table.clearSelection()
    window.confirm_export_all = lambda n: n == window.model.rowCount()
    window.excel_action.setChecked(True)
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        window.export_action.trigger()
    data = target.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\r\n") == window.model.rowCount() + 1
    assert window.settings_writer.flush()  # saved on the writer's thread
    assert window._store.load().settings.export_excel is True


def test_export_failure_shows_banner(qtbot, fetched, tmp_path) -> None:
    window = fetched
    window.table.selectRow(0)
    window.ask_export_path = lambda _p: tmp_path / "missing-folder" / "x.csv"
    with qtbot.waitSignal(window.exporter.failed, timeout=TIMEOUT_MS):
        window.export_selected()
    assert window.banner.isVisible() and window.banner.message()
    assert not (tmp_path / "missing-folder" / "x.csv").exists()


def test_column_state_and_query_remembered(qtbot, make_window, do_fetch) -> None:
    first = make_window()
    first.panel.days_radio.click()
    first.panel.days_spin.setValue(5)
    do_fetch(first)
    order = click_header(qtbot, first, "last_name")
    header = first.table.horizontalHeader()
    header.setSectionHidden(first.model.column_of("offer_id"), True)
    header.resizeSection(first.model.column_of("email"), 333)
    do_fetch(first)  # a refetch keeps the layout
    assert header.isSectionHidden(first.model.column_of("offer_id"))
    first.panel.environment_combo.setCurrentIndex(1)  # so does a switch of environment
    first.panel.environment_combo.setCurrentIndex(0)
    assert header.isSectionHidden(first.model.column_of("offer_id"))
    assert header.sectionSize(first.model.column_of("email")) == 333
    first.close()

    second = make_window()
    assert second.panel.days_radio.isChecked() and second.panel.days_spin.value() == 5
    do_fetch(second)
    header = second.table.horizontalHeader()
    assert header.isSectionHidden(second.model.column_of("offer_id"))
    assert header.sectionSize(second.model.column_of("email")) == 333
    assert header.sortIndicatorSection() == second.model.column_of("last_name")
    assert header.sortIndicatorOrder() == order
    names = list(map(person_key, raw_column(second, "last_name")))
    assert names == sorted(names, reverse=order == Qt.SortOrder.DescendingOrder)


def test_header_state_not_applied_to_other_columns(qapp) -> None:
    from PySide6.QtCore import QByteArray

    entry = gui_state.header_entry(QByteArray(b"state"), ["a", "b"])
    assert gui_state.header_state_for(entry, ["a", "b"]) == QByteArray(b"state")
    assert gui_state.header_state_for(entry, ["a", "b", "new_field"]) is None
    assert gui_state.header_state_for({"version": 99}, ["a", "b"]) is None
    assert gui_state.header_state_for({**entry, "state": "%%%"}, ["a", "b"]) is None


def test_row_numbers_fit_and_select_their_row(qtbot, fetched) -> None:
    window = fetched
    rows = window.table.verticalHeader()
    widest = rows.fontMetrics().horizontalAdvance(str(window.model.rowCount()))
    assert rows.width() >= widest
    assert rows.model().headerData(0, Qt.Orientation.Vertical) == 1
    y = rows.sectionViewportPosition(3) + rows.sectionSize(3) // 2
    qtbot.mouseClick(rows.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(rows.width() // 2, y))
    assert window.table.selected_rows() == [3]
