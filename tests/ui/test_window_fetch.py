"""Fetching from the real window: time windows, status, errors, cancel, races, closing, demo."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.api import errors as E
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Fault
from mymove_viewer.ui.model import RawRole
from mymove_viewer.ui.query_panel import to_qdatetime

from .conftest import FIXED_NOW, TIMEOUT_MS, dispose


def raw_column(window, field: str) -> list[str]:
    model = window.model
    col = model.column_of(field)
    return [model.data(model.index(r, col), RawRole) for r in range(model.rowCount())]


def test_last_hours_fetch_shows_rows_and_summary(make_window, do_fetch, sandbox) -> None:
    window = make_window()
    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(24)
    outcome = do_fetch(window)

    expected = sandbox.served_leads({"hrs": "24"})
    assert len(expected) > 50
    assert window.model.rowCount() == len(expected) == len(outcome.result.leads)
    assert sorted(raw_column(window, "email")) == sorted(lead["email"] for lead in expected)
    assert sandbox.requests[-1].query == {"hrs": "24"}
    status = window.status_label.text()
    pattern = rf"^{len(expected):,} leads \({len(expected):,} shown\) · Production · \d\d:\d\d · "
    assert re.match(pattern + r"\d+\.\d s$", status), status
    assert window.findChild(type(window.status_label), "statusLabel") is window.status_label
    assert not window.banner.isVisible()


def test_last_days_fetch(make_window, do_fetch, sandbox) -> None:
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(3)
    assert not window.panel.hours_spin.isEnabled() and window.panel.days_spin.isEnabled()
    do_fetch(window, key=Qt.Key.Key_F5)
    assert sandbox.requests[-1].query == {"days": "3"}
    assert window.model.rowCount() == len(sandbox.served_leads({"days": "3"}))


def test_range_fetch_converts_local_time_to_utc(make_window, qtbot, sandbox, local_tz) -> None:
    local_tz("America/Los_Angeles")
    window = make_window()
    window.panel.range_radio.click()
    la = ZoneInfo("America/Los_Angeles")
    start = (FIXED_NOW - timedelta(days=2)).astimezone(la).replace(second=0, tzinfo=None)
    end = (FIXED_NOW - timedelta(days=1)).astimezone(la).replace(second=0, tzinfo=None)
    window.panel.start_edit.setDateTime(to_qdatetime(start))
    window.panel.end_edit.setDateTime(to_qdatetime(end))
    assert window.panel.start_edit.calendarPopup()

    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_R, Qt.KeyboardModifier.ControlModifier)  # Fetch
    utc = ZoneInfo("UTC")
    params = {
        "start": start.replace(tzinfo=la).astimezone(utc).strftime("%Y-%m-%dT%H:%M:00Z"),
        "end": end.replace(tzinfo=la).astimezone(utc).strftime("%Y-%m-%dT%H:%M:00Z"),
    }
    assert sandbox.requests[-1].query == params
    assert window.model.rowCount() == len(sandbox.served_leads(params)) > 0


def test_presets_select_range(make_window) -> None:
    window = make_window()
    window.panel.preset_buttons["yesterday"].click()
    assert window.panel.range_radio.isChecked()
    start, end = window.panel.range_bounds()
    assert end - start == timedelta(days=1)
    assert start.hour == start.minute == 0
    window.panel.preset_buttons["week"].click()
    start, end = window.panel.range_bounds()
    assert timedelta(days=7) <= end - start <= timedelta(days=7, minutes=1)


@pytest.mark.parametrize(
    ("status", "error_type", "action"),
    [
        (401, E.AuthenticationError, "Set API key…"),
        (404, E.ClientNotFoundError, "Check client ID"),
        (500, E.ServerError, "Retry"),
    ],
)
def test_error_banner_keeps_table(
    make_window, do_fetch, qtbot, sandbox, status, error_type, action
) -> None:
    window = make_window()
    do_fetch(window)
    before = raw_column(window, "email")
    assert before

    sandbox.inject(Fault(kind="status", status=status, times=None))
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_F5)
    sandbox.clear_faults()
    error = blocker.args[1]
    assert isinstance(error, error_type)
    assert window.banner.isVisible()
    assert window.banner.message() == error.message
    assert str(status) in window.banner.message()
    assert window.banner.action_text() == action
    assert raw_column(window, "email") == before  # previous table intact
    assert DEMO_API_KEY not in window.banner.message()

    button = window.banner.action_button
    if action == "Retry":
        with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
            qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert not window.banner.isVisible()
    elif action == "Check client ID":
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert window.panel.client_id_edit.hasFocus()
        assert window.panel.client_id_edit.selectedText() == DEMO_CLIENT_ID
    else:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        assert window.key_dialog is not None and window.key_dialog.isVisible()
        window.key_dialog.reject()


def test_a_first_fetch_that_fails_says_no_leads_are_shown(make_window, qtbot, sandbox) -> None:
    """It said "the table still shows the previous leads" when there had never been any."""
    window = make_window()
    sandbox.inject(Fault(kind="status", status=401, times=None))
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    sandbox.clear_faults()
    status = window.status_label.text()
    assert "no leads are shown" in status and "previous" not in status
    assert status.lower().count("no leads") == 1  # said once (the idle hint repeated it)
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    sandbox.inject(Fault(kind="status", status=500, times=None))
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    sandbox.clear_faults()
    assert "still shows the previous leads" in window.status_label.text()


def test_cancel_mid_download(make_window, do_fetch, qtbot, sandbox) -> None:
    window = make_window()
    do_fetch(window)
    before = window.model.rowCount()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(30)
    sandbox.inject(Fault(kind="slow_body", delay=20.0, pieces=50))
    with qtbot.waitSignal(
        window.controller.progress, timeout=TIMEOUT_MS, check_params_cb=lambda g, got, t: got > 0
    ):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.panel.cancel_button.isEnabled()
    assert "Downloading" in window.status_label.text()
    started = time.monotonic()
    with qtbot.waitSignal(window.controller.cancelled, timeout=5000):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert time.monotonic() - started < 5.0  # the body would take 20 s; a loaded CI is slow
    assert "cancelled" in window.status_label.text().lower()
    assert window.model.rowCount() == before
    assert not window.panel.cancel_button.isEnabled()
    qtbot.waitUntil(lambda: window.controller.thread_count() == 0, timeout=TIMEOUT_MS)


def test_fetch_twice_quickly_shows_only_second(make_window, qtbot, sandbox) -> None:
    window = make_window()
    sandbox.inject(Fault(kind="delay", delay=3.0))  # the first answer comes late
    window.panel.hours_spin.setValue(24)
    first = window.fetch()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(2)
    delivered: list[int] = []
    window.controller.finished.connect(lambda gen, _o: delivered.append(gen))
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS) as blocker:
        second = window.fetch()
    assert first is not None and second is not None and second != first
    assert blocker.args[0] == second
    qtbot.waitUntil(lambda: window.controller.thread_count() == 0, timeout=TIMEOUT_MS)
    assert delivered == [second]
    assert window.model.rowCount() == len(sandbox.served_leads({"days": "2"}))


def test_close_during_fetch_stops_thread(make_window, qtbot, sandbox) -> None:
    window = make_window()
    sandbox.inject(Fault(kind="slow_body", delay=20.0, pieces=50))
    with qtbot.waitSignal(
        window.controller.progress, timeout=TIMEOUT_MS, check_params_cb=lambda g, got, t: got > 0
    ):
        window.fetch()
    assert window.controller.thread_count() == 1
    started = time.monotonic()
    window.close()
    assert time.monotonic() - started < 5.0  # the body would take 20 s
    assert window.controller.thread_count() == 0
    assert window.fetch() is None  # nothing starts after close


def test_environment_switch_during_fetch_drops_result(make_window, qtbot, sandbox) -> None:
    window = make_window()
    sandbox.inject(Fault(kind="delay", delay=0.5))
    delivered: list[int] = []
    window.controller.finished.connect(lambda gen, _o: delivered.append(gen))
    window.fetch()
    window.panel.select_environment(window.environment.STAGING)
    assert not window.controller.busy
    qtbot.waitUntil(lambda: window.controller.thread_count() == 0, timeout=TIMEOUT_MS)
    assert delivered == []
    assert window.model.rowCount() == 0
    assert window.table_title.text() == "Leads from Staging"


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Asia/Tokyo"])
def test_dates_in_local_zone_and_move_date_never_shifted(
    make_window, do_fetch, sandbox, local_tz, zone
) -> None:
    local_tz(zone)
    record = dict.fromkeys(FIELDS, "")
    record.update(
        offer_id="99999",
        first_name="Zed",
        last_name="Zoned",
        email="zed@example.com",
        created_at="2026-11-27T03:30:00Z",
        move_date="2026-12-01T00:00:00Z",
    )
    sandbox.add_leads([record])
    window = make_window()
    do_fetch(window)
    model = window.model
    row = raw_column(window, "email").index("zed@example.com")
    created = model.column_of("created_at")
    move = model.column_of("move_date")
    expected = (
        datetime(2026, 11, 27, 3, 30, tzinfo=ZoneInfo("UTC"))
        .astimezone(ZoneInfo(zone))
        .strftime("%Y-%m-%d %H:%M")
    )
    assert expected == ("2026-11-26 19:30" if zone.startswith("America") else "2026-11-27 12:30")
    assert model.data(model.index(row, created)) == expected
    assert "2026-11-27T03:30:00Z" in model.data(model.index(row, created), Qt.ToolTipRole)
    assert model.data(model.index(row, move)) == "2026-12-01"
    for r in range(model.rowCount()):
        raw = model.data(model.index(r, move), RawRole)
        assert model.data(model.index(r, move)) == raw[:10]


def test_demo_window_fetches_at_once(qtbot, credentials, settings_store) -> None:
    from mymove_viewer.sandbox import Sandbox
    from mymove_viewer.ui.app import start_demo_fetch
    from mymove_viewer.ui.window import DemoSetup, MainWindow

    with Sandbox(leads=3000, seed=3) as sandbox:
        window = MainWindow(
            credentials=credentials,
            settings_store=settings_store,
            demo=DemoSetup(sandbox.base_url, DEMO_API_KEY, DEMO_CLIENT_ID),
        )
        qtbot.addWidget(window)
        window.show()
        assert "DEMO" in window.windowTitle()
        assert window.demo_banner.isVisible()
        assert window.panel.environment_combo.currentText() == "Demo"
        assert window.panel.client_id_edit.isReadOnly()
        with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
            start_demo_fetch(window)
        assert window.model.rowCount() > 0
        assert "Demo" in window.status_label.text()
        window.close()
        assert window.controller.thread_count() == 0
        dispose(window)
    assert "demo" not in settings_store.load().settings.client_ids


def test_run_gui_self_test(qtbot, capsys) -> None:
    from mymove_viewer.ui.app import run_gui

    assert run_gui(self_test=True) == 0
    assert "ok" in capsys.readouterr().out


def test_skipped_records_in_status(make_window, do_fetch, sandbox) -> None:
    bad = dict.fromkeys(FIELDS, "")
    bad.update(email="bad@example.com", created_at="yesterday-ish")
    sandbox.add_leads([bad])  # undated: served with every answer, then skipped by the client
    window = make_window()
    outcome = do_fetch(window)
    assert outcome.result.skipped == 1
    assert window.status_label.text().endswith(" · 1 record skipped")
    assert "bad@example.com" not in raw_column(window, "email")
