"""Watch mode against the sandbox: polls with overlap, an outage, merging, marks, stopping."""

from __future__ import annotations

from datetime import timedelta

from PySide6.QtCore import Qt

from mymove_viewer.api.lead import Lead
from mymove_viewer.api.query import Environment
from mymove_viewer.sandbox import Fault
from mymove_viewer.ui.watch import backoff_delay, overlap_hours

from .conftest import FIXED_NOW, TIMEOUT_MS

FAST_POLL_S = 0.2


def identity(lead: Lead) -> tuple[str, str, str]:
    return lead.offer_id, lead.email, lead.created_at


def served(sandbox, query: dict[str, str]) -> list[tuple[str, str, str]]:
    return [identity(Lead.from_mapping(d)) for d in sandbox.served_leads(query)]


def watching_window(make_window, do_fetch):
    window = make_window(watch_interval_s=FAST_POLL_S)
    window.clock = window.watch.clock = lambda: FIXED_NOW  # the sandbox's fixed "now"
    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(24)
    do_fetch(window)
    return window


def test_overlap_and_backoff_rules() -> None:
    assert overlap_hours(FIXED_NOW, FIXED_NOW) == 1
    assert overlap_hours(FIXED_NOW, FIXED_NOW + timedelta(minutes=2)) == 2
    assert overlap_hours(FIXED_NOW, FIXED_NOW + timedelta(hours=9, seconds=1)) == 11  # a sleep
    assert [backoff_delay(120, n) for n in range(6)] == [120, 240, 480, 960, 1800, 1800]


def test_watch_merges_polls_through_an_outage(qtbot, make_window, do_fetch, sandbox) -> None:
    window = watching_window(make_window, do_fetch)
    model, table = window.model, window.table
    first = model.total_count()
    assert first == len(served(sandbox, {"hrs": "24"})) > 50
    table.selectRow(4)
    picked = model.lead_at(4)
    sort = model.sort_state
    requests_before = len(sandbox.requests)

    window.watch_flow.action.trigger()  # on: the fetch gave a baseline, so it polls at once
    assert window.watch.running and window.watch_flow.action.isChecked()
    qtbot.waitUntil(lambda: window.watch.polls_done >= 2, timeout=TIMEOUT_MS)
    assert model.total_count() == first and model.new_count() == 0  # overlap: all repeats

    added = sandbox.add_leads(3)
    qtbot.waitUntil(lambda: model.total_count() == first + 3, timeout=TIMEOUT_MS)
    assert window.windowTitle().endswith("(3 new)")

    sandbox.inject(Fault("status", status=503, times=4))  # two polls fail (two tries each)
    added += sandbox.add_leads(2)
    qtbot.waitUntil(lambda: window.watch.failures >= 1, timeout=TIMEOUT_MS)
    assert "retrying in" in window.status.watch_label.text()
    assert not window.banner.isVisible()  # a failed poll stays quiet
    qtbot.waitUntil(lambda: model.total_count() == first + 5, timeout=TIMEOUT_MS)
    assert window.watch.failures == 0 and "Watching" in window.status.watch_label.text()
    qtbot.waitUntil(lambda: window.watch.polls_done >= 5, timeout=TIMEOUT_MS)

    # The table is exactly what the sandbox served, once each.
    shown = [identity(lead) for lead in model.leads]
    assert len(shown) == len(set(shown)) == first + 5
    assert set(shown) == set(served(sandbox, {"hrs": "24"}))
    assert {identity(Lead.from_mapping(d)) for d in added} <= set(shown)
    polls = sandbox.requests[requests_before:]
    assert polls and all(r.query == {"hrs": "1"} for r in polls)

    # Selection and sort survived; the new leads are marked and counted.
    assert [model.lead_at(r) for r in table.selected_rows()] == [picked]
    assert model.sort_state == sort
    assert model.new_count() == 5 and window.windowTitle().endswith("(5 new)")
    new_row = next(r for r in range(model.rowCount()) if model.is_new(r))
    assert model.data(model.index(new_row, 2), Qt.ItemDataRole.FontRole).bold()
    table.selectRow(new_row)  # seeing a lead clears its mark
    assert model.new_count() == 4 and window.windowTitle().endswith("(4 new)")
    window.watch_flow.mark_seen_action.trigger()
    assert model.new_count() == 0 and "new)" not in window.windowTitle()

    window.watch_flow.action.trigger()  # off
    assert not window.watch.running
    qtbot.waitUntil(lambda: window.controller.thread_count() == 0, timeout=TIMEOUT_MS)
    assert window.status.watch_label.text() == ""


def test_manual_fetch_and_environment_switch_while_watching(
    qtbot, make_window, do_fetch, sandbox
) -> None:
    window = watching_window(make_window, do_fetch)
    window.watch_flow.action.trigger()
    qtbot.waitUntil(lambda: window.watch.polls_done >= 1, timeout=TIMEOUT_MS)
    # A manual fetch while watching replaces the table; polling carries on after it.
    outcome = do_fetch(window)
    assert window.model.total_count() == len(outcome.result.leads)
    done = window.watch.polls_done
    qtbot.waitUntil(lambda: window.watch.polls_done > done, timeout=TIMEOUT_MS)
    assert window.watch.running

    window.panel.select_environment(Environment.STAGING)  # switching stops the watch
    assert not window.watch.running and not window.watch_flow.action.isChecked()
    assert window.watch.baseline is None and window.model.total_count() == 0
    qtbot.waitUntil(lambda: window.controller.thread_count() == 0, timeout=TIMEOUT_MS)


def test_close_while_watching_leaves_no_thread(qtbot, make_window, do_fetch, sandbox) -> None:
    window = watching_window(make_window, do_fetch)
    sandbox.inject(Fault("delay", delay=0.5, times=None))  # a poll is in flight at close
    window.watch_flow.action.trigger()
    qtbot.waitUntil(lambda: window.watch.in_flight, timeout=TIMEOUT_MS)
    window.close()
    assert not window.watch.running
    assert window.controller.thread_count() == 0


def test_watch_interval_is_remembered(make_window) -> None:
    first = make_window()
    assert first.watch_flow.spin.value() == 2  # the default: every 2 minutes
    first.watch_flow.spin.setValue(7)
    assert first.watch.interval_s == 7 * 60
    first.close()
    second = make_window()
    assert second.watch_flow.spin.value() == 7
    assert second.watch.interval_s == 7 * 60
