"""Selections as a user makes them (Ctrl+A, clicks, Ctrl+click) through export, copy, the
status bar count and Esc; a lead with a 1 MB value in the table, its details and copies."""

from __future__ import annotations

import csv
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from mymove_viewer.ui.model import DISPLAY_LIMIT, RawRole

from .conftest import TIMEOUT_MS
from .test_window_table import click_header, click_row, copy_keys

CTRL = Qt.KeyboardModifier.ControlModifier
MB = 1 << 20


@pytest.fixture
def window(fetched, local_tz):
    local_tz("Asia/Kolkata")  # the copied "Created" must be the local time the table shows
    return fetched


def shown_text(window, rows: list[int]) -> list[str]:
    """The header and rows as the table shows them, for the visible columns in their order."""
    model, columns = window.model, window.table.visible_columns()
    lines = ["\t".join(model.headerData(c, Qt.Orientation.Horizontal) for c in columns)]
    for r in rows:
        lines.append("\t".join(model.data(model.index(r, c)) for c in columns))
    return lines


def export_csv(qtbot, window, target: Path) -> list[list[str]]:
    window.ask_export_path = lambda _suggested: target
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_E, CTRL)
    with target.open(newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def visible_fields(window) -> list[str]:
    """The API's fields shown, in order: what an export writes (the work status is not one)."""
    fields = [window.model.columns[c].field for c in window.table.visible_columns()]
    return [f for f in fields if f != "@status"]


def wait_selected(qtbot, window, text: str) -> None:
    label = window.status.selected_label
    qtbot.waitUntil(lambda: label.text() == text and label.isVisible(), timeout=TIMEOUT_MS)


def test_select_all_then_export_and_copy_every_row_in_view_order(qtbot, window, tmp_path) -> None:
    click_header(qtbot, window, "last_name")  # view order is not the order leads arrived in
    header = window.table.horizontalHeader()
    header.moveSection(header.visualIndex(window.model.column_of("email")), 0)
    header.setSectionHidden(window.model.column_of("old_tenure"), True)
    n = window.model.rowCount()
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, CTRL)
    wait_selected(qtbot, window, f"{n:,} selected")

    rows = export_csv(qtbot, window, tmp_path / "all.csv")
    fields = visible_fields(window)
    assert fields[0] == "email" and "old_tenure" not in fields
    assert rows[0] == fields
    assert rows[1:] == [lead.values(fields) for lead in window.model.shown_leads()]
    assert f"Exported {n:,} leads" in window.status.text()

    copy_keys(qtbot, window)
    assert QGuiApplication.clipboard().text().splitlines() == shown_text(window, list(range(n)))
    assert window.status.text() == f"Copied {n:,} rows to the clipboard."


def test_ctrl_click_rows_export_and_copy_exactly_those(qtbot, window, tmp_path) -> None:
    click_header(qtbot, window, "new_city")
    table = window.table
    click_row(qtbot, window, 2)
    click_row(qtbot, window, 4, Qt.KeyboardModifier.ShiftModifier)  # 2-4
    click_row(qtbot, window, 12, CTRL)
    click_row(qtbot, window, 9, CTRL)
    click_row(qtbot, window, 3, CTRL)  # off again: the first span splits
    picked = [2, 4, 9, 12]
    assert table.selected_spans() == [(2, 2), (4, 4), (9, 9), (12, 12)]
    wait_selected(qtbot, window, "4 selected")

    rows = export_csv(qtbot, window, tmp_path / "picked.csv")
    fields = visible_fields(window)
    assert rows[1:] == [window.model.lead_at(r).values(fields) for r in picked]

    copy_keys(qtbot, window)
    assert QGuiApplication.clipboard().text().splitlines() == shown_text(window, picked)

    table.clearSelection()
    qtbot.waitUntil(lambda: not window.status.selected_label.isVisible(), timeout=TIMEOUT_MS)
    qtbot.keyClick(table, Qt.Key.Key_C, CTRL)
    assert window.status.text().startswith("Nothing to copy")


def test_esc_cancels_a_long_copy(qtbot, window) -> None:
    entered, release = threading.Event(), threading.Event()

    def held() -> None:  # the worker's pause between slices: hold it until the test has pressed Esc
        entered.set()
        release.wait(TIMEOUT_MS / 1000)

    window.paint_gate.wait_turn = held
    QGuiApplication.clipboard().setText("before")
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, CTRL)
    qtbot.keyClick(window.table, Qt.Key.Key_C, CTRL)
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT_MS)
    n = window.model.rowCount()
    assert window.status.text() == f"Copying {n:,} rows… (Esc cancels)"
    assert window.cancel_action.isEnabled() and window.status.progress.isVisible()
    try:
        with qtbot.waitSignal(window.copy_flow.runner.cancelled, timeout=TIMEOUT_MS):
            qtbot.keyClick(window.table, Qt.Key.Key_Escape)
            release.set()
    finally:
        release.set()
    assert window.status.text() == "Copy cancelled; the clipboard is unchanged."
    assert QGuiApplication.clipboard().text() == "before"
    assert not window.cancel_action.isEnabled() and not window.status.progress.isVisible()
    assert window.table.selected_spans() == [(0, n - 1)]  # the selection stays


def test_a_1mb_value_shows_in_details_and_copies_in_full(
    qtbot, make_window, do_fetch, sandbox
) -> None:
    template = sandbox.served_leads({"days": "7"})[0]
    huge = "".join(f"word{i} " for i in range(MB))[: MB - 3] + "END"
    sandbox.add_leads([{**template, "last_name": "<b>Zyzzyva</b>", "new_address_2": huge}])
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(7)
    do_fetch(window)
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, "zyzzyva")
    model = window.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT_MS)
    cell = model.index(0, model.column_of("new_address_2"))
    assert model.data(cell) == huge[:DISPLAY_LIMIT] + "…"
    assert model.data(cell, RawRole) == huge
    assert "1,048,576 characters" in model.data(cell, Qt.ItemDataRole.ToolTipRole)

    click_row(qtbot, window, 0)
    qtbot.keyClick(window.table, Qt.Key.Key_Return)
    detail = window.detail
    assert detail.isVisible() and detail.lead == model.lead_at(0)
    label = detail.value_labels["new_address_2"]
    assert huge.startswith(label.text().removesuffix("…")) and len(label.text()) <= 1001
    note = detail.findChild(QLabel, "detailNote_new_address_2")
    assert note.text() == "(1,048,576 characters — Copy to get all)"
    name = detail.value_labels["last_name"]
    assert name.text() == "<b>Zyzzyva</b>" and name.textFormat() == Qt.TextFormat.PlainText
    assert set(detail.copy_buttons) == {"new_address_2"}  # short values need no button
    detail.copy_buttons["new_address_2"].click()
    assert QGuiApplication.clipboard().text() == huge

    copy_keys(qtbot, window)  # the row, whole: the table's cut text is not what is copied
    header, line = QGuiApplication.clipboard().text().splitlines()
    columns = header.split("\t")
    assert line.split("\t")[columns.index("New address 2")] == huge


def selected_leads(window) -> list:
    return [window.model.lead_at(r) for r in window.table.selected_rows()]


@pytest.mark.parametrize("rows", [3, 200])  # Qt carries a few rows; more, the window's keeper
def test_selection_follows_its_leads_through_sort_and_filter(qtbot, window, rows) -> None:
    click_header(qtbot, window, "created_at")
    click_row(qtbot, window, 10)
    window.table.scrollTo(window.model.index(10 + rows - 1, 0))
    click_row(qtbot, window, 10 + rows - 1, Qt.KeyboardModifier.ShiftModifier)
    picked = selected_leads(window)
    assert len(picked) == rows

    click_header(qtbot, window, "created_at")  # the other way round: still one span
    assert selected_leads(window) == picked[::-1]
    assert len(window.table.selected_spans()) == 1

    click_header(qtbot, window, "new_state")  # scattered, but every lead still selected
    assert sorted(map(tuple, selected_leads(window))) == sorted(map(tuple, picked))
    wait_selected(qtbot, window, f"{rows:,} selected")

    term = picked[0].new_state.lower()
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, term)
    qtbot.waitUntil(lambda: window.model.filter_text == term, timeout=TIMEOUT_MS)
    kept = [lead for lead in picked if term in "\x1f".join(lead[:19]).lower()]
    assert sorted(map(tuple, selected_leads(window))) == sorted(map(tuple, kept))
    wait_selected(qtbot, window, f"{len(kept):,} selected")
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)  # what the filter hid is not selected
    qtbot.waitUntil(lambda: window.model.filter_text == "", timeout=TIMEOUT_MS)
    assert sorted(map(tuple, selected_leads(window))) == sorted(map(tuple, kept))


def test_a_selection_scattered_too_widely_is_cleared_and_said(qtbot, window, monkeypatch) -> None:
    from mymove_viewer.ui import selection

    monkeypatch.setattr(selection, "MAX_SPANS", 5)  # the window has a few hundred rows here
    window.table.setFocus()
    qtbot.keyClick(window.table, Qt.Key.Key_A, CTRL)
    click_header(qtbot, window, "last_name")  # every row stays selected: one span
    n = window.model.rowCount()
    assert window.table.selected_spans() == [(0, n - 1)]
    click_row(qtbot, window, 0)
    window.table.scrollTo(window.model.index(199, 0))
    click_row(qtbot, window, 199, Qt.KeyboardModifier.ShiftModifier)
    with qtbot.waitSignal(window.table.selectionDropped, timeout=TIMEOUT_MS) as dropped:
        click_header(qtbot, window, "email")
    assert dropped.args == [200]
    assert window.table.selected_spans() == []
    qtbot.waitUntil(lambda: not window.status.selected_label.isVisible(), timeout=TIMEOUT_MS)
    assert window.status.text().startswith("Selection cleared: the new order scattered its 200")
