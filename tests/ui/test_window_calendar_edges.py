"""The window with leads created in the years 1 and 9999, a range editor at its limits, and saved
settings out of range: the table, chart, filter, sort, export and closing all keep working."""

from __future__ import annotations

import json
import time
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QDate, QDateTime, QPoint, Qt, QTime

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.moments import LAST
from mymove_viewer.api.query import parse_rfc3339
from mymove_viewer.sandbox import Fault
from mymove_viewer.table.display import CREATED, display
from mymove_viewer.table.overview import YEAR
from tests.calendar_edges import EDGE_STAMPS

from .conftest import FAST, FIXED_NOW, TIMEOUT_MS, dispose

RECENT = ["2026-11-27T10:00:00Z", "2026-11-27T16:30:00Z"]


def edge_body() -> bytes:
    """Leads at both ends of the calendar and two recent ones, whatever the query asked."""
    records = []
    for i, created in enumerate([*EDGE_STAMPS, *RECENT]):
        record = {f: f"{f}-{i}" for f in FIELDS}
        record.update(created_at=created, first_name=f"edge{i}")
        records.append(record)
    return json.dumps({"leads": records}).encode()


@pytest.fixture
def edge_window(make_window, sandbox, local_tz, request):
    local_tz(getattr(request, "param", "America/New_York"))
    window = make_window()
    window.clock = lambda: FIXED_NOW
    sandbox.inject(Fault("raw_body", body=edge_body(), times=None))
    return window


def cells(window, field: str) -> list[str]:
    model = window.model
    column = model.column_of(field)
    return [model.index(r, column).data() for r in range(model.rowCount())]


@pytest.mark.parametrize("edge_window", ["America/New_York", "Asia/Kolkata"], indirect=True)
def test_leads_at_year_1_and_9999_show_chart_filter_and_sort(qtbot, edge_window, do_fetch) -> None:
    window = edge_window
    total = len(EDGE_STAMPS) + len(RECENT)
    do_fetch(window)
    model, chart = window.model, window.overview.chart
    assert model.total_count() == total
    assert "Downloading" not in window.status_label.text()
    assert f"{total:,} leads" in window.status_label.text()

    # The table: each time in local time where it has one, else as sent; never an error.
    created = cells(window, "created_at")
    sent = [model.lead_at(r).created_at for r in range(model.rowCount())]
    assert created == [display(CREATED, s) for s in sent]
    assert "0999-06-01" in "".join(created)  # four-digit years
    window.table.viewport().repaint()

    # Sorted newest first by instant: the year 9999 on top, the year 1 at the bottom.
    instants = [parse_rfc3339(s) for s in sent]
    assert instants == sorted(instants, reverse=True)
    header = window.table.horizontalHeader()
    qtbot.mouseClick(
        header.viewport(),
        Qt.MouseButton.LeftButton,
        pos=QPoint(header.sectionViewportPosition(model.column_of("created_at")) + 5, 5),
    )
    oldest_first = [parse_rfc3339(model.lead_at(r).created_at) for r in range(model.rowCount())]
    assert oldest_first == sorted(instants)

    # The chart: counted (not stuck at "Counting…"), a bar a year, every lead in a bar.
    assert window.overview.states_label.text().startswith("To: ")
    data = chart.volume
    assert data.unit == YEAR and len(data) <= 10_001 and sum(data.counts) == total
    first = next(i for i, n in enumerate(data.counts) if n)
    assert chart.tooltip_for(first).startswith("0001 · ")
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_slot(first).center())
    assert window.filter_edit.text() == "created:0001"  # with what local time cannot show
    qtbot.waitUntil(lambda: model.shown_count() == data.counts[first] > 0, timeout=TIMEOUT_MS)
    assert chart.selected == first
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_slot(first).center())
    qtbot.waitUntil(lambda: model.shown_count() == total, timeout=TIMEOUT_MS)

    # The filter finds each edge lead by what its cell shows, typed as a user would.
    for text in {display(CREATED, "9999-12-31T23:59:59Z"), display(CREATED, EDGE_STAMPS[0])}:
        window.filter_edit.clear()
        qtbot.keyClicks(window.filter_edit, f'"{text[:13]}"')  # a phrase: words would AND
        want = sum(text[:13].lower() in c.lower() for c in created)
        qtbot.waitUntil(lambda w=want: model.shown_count() == w, timeout=TIMEOUT_MS)
        assert window.filter_count.text() == f"{want:,} of {total:,}"
        qtbot.waitUntil(lambda w=want: sum(chart.volume.counts) == w, timeout=TIMEOUT_MS)
    window.filter_edit.clear()
    qtbot.waitUntil(lambda: model.shown_count() == total, timeout=TIMEOUT_MS)


def test_xlsx_export_of_edge_leads_keeps_every_time(qtbot, edge_window, do_fetch, tmp_path) -> None:
    window = edge_window
    do_fetch(window)
    target = tmp_path / "edges.xlsx"
    window.ask_export_path = lambda _path: target
    window.confirm_export_all = lambda _count: True
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        window.export_selected_xlsx()
    book = openpyxl.load_workbook(target)
    try:
        rows = list(book["Leads"].iter_rows(values_only=True))
    finally:
        book.close()
    column = rows[0].index("created_at")
    written = {row[rows[0].index("first_name")]: row[column] for row in rows[1:]}
    assert written["edge0"] == "0001-01-01T00:00:00Z"  # before 1900 and the year 0 here: text
    assert written["edge6"] == "0999-06-01T12:00:00Z"
    assert written["edge1"].year == 9999  # 18:59 on 9999-12-31 in New York: a real date
    assert len(written) == len(EDGE_STAMPS) + len(RECENT)


def test_closing_while_edge_leads_are_indexed_joins_every_thread(
    qtbot, edge_window, do_fetch
) -> None:
    window = edge_window
    do_fetch(window, indexed=False)
    started = time.monotonic()
    window.close()  # the index worker may still be counting the chart's years
    assert time.monotonic() - started < 8.0  # it froze for 24 s
    assert window.indexer.thread_count() == 0 and window.controller.thread_count() == 0


def type_range(panel, start: str, end: str) -> None:
    """Choose "From … to …" and type both times (test_fuzz's way: sections eat keystrokes)."""
    panel.range_radio.click()
    for edit, text in ((panel.start_edit, start), (panel.end_edit, end)):
        edit.lineEdit().setText(text)
        edit.interpretText()


def test_range_editor_at_its_limits_sends_the_calendars_edges(
    qtbot, make_window, sandbox, settings_store, local_tz
) -> None:
    local_tz("America/New_York")  # 9999-12-31 23:59 here is the year 10000 in UTC
    window = make_window()
    panel = window.panel
    type_range(panel, "1752-09-14 00:00", "9999-12-31 23:59")
    assert panel.end_edit.dateTime() == panel.end_edit.maximumDateTime().addMSecs(-59_999)
    assert window.fetch_block_reason() is None and panel.fetch_button.isEnabled()
    params = panel.query().params()
    assert params == {"start": "1752-09-14T04:56:02Z", "end": "9999-12-31T23:59:59.999999Z"}
    with qtbot.waitSignal(window.controller.idle, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert sandbox.requests[-1].query == params
    window.close()  # saves the range: the close handler must not raise
    saved = settings_store.load().settings
    assert saved.query_mode == "range" and saved.range_end.startswith("9999-12-31T23:59:00")

    again = make_window(settings=None)  # what was saved on closing
    assert again.panel.mode() == "range"
    assert again.panel.end_edit.dateTime() == QDateTime(QDate(9999, 12, 31), QTime(23, 59))
    assert again.fetch_block_reason() is None


@pytest.mark.parametrize(
    "saved",
    [
        {"hours": 1_000_000_000_000, "query_mode": "hours"},
        {"days": 10**30, "query_mode": "days"},
        {"range_start": "0001-01-01T00:00:00+14:00", "range_end": "9999-12-31T23:59:00-05:00"},
        {"range_start": "0001-01-01T00:00:00", "range_end": "9999-12-31T23:59:59.999999+23:59"},
    ],
    ids=["hours", "days", "range-utc-beyond", "range-naive-and-offset"],
)
def test_settings_out_of_range_never_keep_the_window_from_opening(
    qtbot, saved: dict, credentials, settings_store, sandbox, local_tz
) -> None:
    from mymove_viewer.ui.window import MainWindow

    local_tz("America/New_York")
    settings_store.directory.mkdir(parents=True, exist_ok=True)
    file = settings_store.path
    file.write_text(json.dumps({"schema": 1, "query_mode": "range", **saved}))
    window = MainWindow(
        credentials=credentials,
        settings_store=settings_store,
        base_url=sandbox.base_url,
        client_settings=FAST,
    )
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    panel = window.panel
    assert 1 <= panel.hours_spin.value() <= panel.hours_spin.maximum()
    assert 1 <= panel.days_spin.value() <= panel.days_spin.maximum()
    if "hours" in saved or "days" in saved:
        assert "reset to their defaults" in window.banner.message()
    else:
        assert panel.mode() == "range"
        panel.query().params()  # the restored range can be sent (clamped to the calendar)
    window.close()
    assert Path(file).exists()
    dispose(window)


def test_a_range_wholly_past_the_last_utc_instant_says_so(make_window, local_tz) -> None:
    local_tz("America/New_York")  # 20:00 on 9999-12-31 here is 01:00 in the year 10000 UTC
    window = make_window()
    panel = window.panel
    type_range(panel, "9999-12-31 20:00", "9999-12-31 23:59")
    assert not panel.fetch_button.isEnabled()
    assert panel.reason_label.text().startswith("The start of the range is after 9999-12-31")
    window.clock = lambda: LAST  # else the start below is in the future, which has no leads
    type_range(panel, "9999-12-31 18:00", "9999-12-31 23:59")  # from 23:00 UTC: fine again
    assert panel.fetch_button.isEnabled() and panel.reason_label.text() == ""


def test_bars_narrower_than_a_pixel_still_show(edge_window, do_fetch) -> None:
    window = edge_window
    do_fetch(window)
    chart = window.overview.chart
    data = chart.volume
    assert len(data) > chart.width()  # thousands of years in a few hundred pixels
    image = chart.grab().toImage()
    background = image.pixelColor(chart.width() // 2, 1)
    for i, n in enumerate(data.counts):
        if n:
            x = chart.bar_slot(i).left()
            bottom = chart.bar_slot(i).bottom()  # the bars' foot, above the time axis
            assert image.pixelColor(min(x, chart.width() - 1), bottom) != background
