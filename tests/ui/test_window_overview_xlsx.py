"""The lead-volume chart (buckets, tooltip, click to filter) and the Excel export action."""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import openpyxl
from PySide6.QtCore import Qt

from mymove_viewer.api.lead import Lead
from mymove_viewer.table.overview import HOUR
from mymove_viewer.ui.overview import VolumeChart

from .conftest import TIMEOUT_MS


def test_bucket_counts_for_the_sandbox_day(fetched_24h, sandbox) -> None:
    window = fetched_24h
    chart = window.findChild(VolumeChart, "volumeChart")
    assert chart is window.overview.chart
    data = chart.volume
    assert data.unit == HOUR and len(data) == 25  # 17:00 yesterday … 17:00 today (UTC)
    by_hour = Counter(d["created_at"][:13] for d in sandbox.served_leads({"hrs": "24"}))
    got = {
        datetime.fromtimestamp(edge).strftime("%Y-%m-%dT%H"): n
        for edge, n in zip(data.edges[:-1], data.counts, strict=True)
    }
    assert {h: n for h, n in got.items() if n} == dict(by_hour)
    i = max(range(len(data)), key=data.counts.__getitem__)
    assert re.fullmatch(
        rf"Nov 2[67] \d\d:00–\d\d:00 · {data.counts[i]} leads\nClick to show only these leads",
        chart.tooltip_for(i),
    )
    recounts = window.overview.recounts
    chart.repaint()
    window.model.sort(window.model.column_of("last_name"))
    assert window.overview.recounts == recounts  # not per paint, not per sort
    states = Counter(d["new_state"] for d in sandbox.served_leads({"hrs": "24"}))
    top_state, top_n = states.most_common(1)[0]
    assert window.overview.states_label.text().startswith(f"To: {top_state} {top_n:,}")
    assert window.overview.tenure_label.text().startswith("Own ")


def test_click_a_bar_filters_the_table_and_again_clears(qtbot, fetched_24h) -> None:
    window = fetched_24h
    model, chart, box = window.model, window.overview.chart, window.filter_edit
    total = model.total_count()
    data = chart.volume
    i = max(range(len(data)), key=data.counts.__getitem__)
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_slot(i).center())
    start, end = data.period(i)
    term = f"created:{datetime.fromtimestamp(start):%Y-%m-%dT%H}"  # the bar's hour, as text
    assert box.text() == term
    qtbot.waitUntil(lambda: model.filter_text == term.lower(), timeout=TIMEOUT_MS)
    assert model.shown_count() == data.counts[i] < total
    assert all(start <= lead.created.timestamp() < end for lead in model.shown_leads())
    assert window.filter_count.text() == f"{data.counts[i]:,} of {total:,}"
    assert chart.selected == i and chart.volume is data  # the bars stay as they were

    box.end(False)
    qtbot.keyClicks(box, " a")  # a word combines with the period
    qtbot.waitUntil(lambda: model.filter_text == f"{term} a".lower(), timeout=TIMEOUT_MS)
    assert 0 < model.shown_count() <= data.counts[i]
    # The chart recounts once typing pauses, not on every keystroke.
    qtbot.waitUntil(lambda: sum(chart.volume.counts) == len(model.text_rows()), timeout=TIMEOUT_MS)
    assert chart.selected == i
    box.setText(term)
    qtbot.waitUntil(lambda: model.filter_text == term.lower(), timeout=TIMEOUT_MS)

    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_slot(i).center())
    assert box.text() == "" and chart.selected is None
    qtbot.waitUntil(lambda: model.shown_count() == total, timeout=TIMEOUT_MS)
    assert model.period is None


def test_export_selected_as_xlsx(qtbot, make_window, do_fetch, tmp_path) -> None:
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(3)
    do_fetch(window)
    header = window.table.horizontalHeader()
    header.setSectionHidden(window.model.column_of("old_address_2"), True)
    window.table.selectRow(2)
    window.table.selectionModel().select(
        window.model.index(5, 0),
        window.table.selectionModel().SelectionFlag.Select
        | window.table.selectionModel().SelectionFlag.Rows,
    )
    target = tmp_path / "leads.xlsx"
    suggested: list[Path] = []
    window.ask_export_path = lambda path: suggested.append(path) or target
    assert window.export_xlsx_action.shortcut().toString() == "Ctrl+Shift+E"
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(
            window.table,
            Qt.Key.Key_E,
            Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
        )
    assert re.fullmatch(r"leads-production-\d{8}-\d{4}\.xlsx", suggested[0].name)
    assert "Exported 2 leads" in window.status_label.text()

    columns = [window.model.columns[c].field for c in window.table.visible_columns()]
    columns.remove("@status")  # the work status is not the API's: not exported by default
    expected: list[Lead] = window.model.leads_at([2, 5])
    book = openpyxl.load_workbook(target)
    try:
        sheet = book["Leads"]
        rows = list(sheet.iter_rows(values_only=True))
    finally:
        book.close()
    assert list(rows[0]) == columns and "old_address_2" not in columns
    assert len(rows) == 3
    for lead, row in zip(expected, rows[1:], strict=True):
        cells = dict(zip(columns, row, strict=True))
        assert cells["offer_id"] == lead.offer_id and isinstance(cells["offer_id"], str)
        assert cells["new_postal_code"] == lead.new_postal_code  # text: leading zeros kept
        created = lead.created.astimezone().replace(tzinfo=None)
        assert isinstance(cells["created_at"], datetime)
        assert abs((cells["created_at"] - created).total_seconds()) < 0.001
        assert isinstance(cells["move_date"], datetime)
        assert cells["move_date"].date() == lead.move_day
        assert cells["email"] == lead.email
