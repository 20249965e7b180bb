"""Watch mode against the sandbox: polls with overlap, an outage, merging, marks, stopping."""

from __future__ import annotations

import threading
from datetime import timedelta

from PySide6.QtCore import Qt

from mymove_viewer.api.lead import Lead
from mymove_viewer.api.query import Environment
from mymove_viewer.sandbox import Fault
from mymove_viewer.table import lead_table, merge
from mymove_viewer.table.sort import rank_column, rows_for
from mymove_viewer.ui import session, watch_flow
from mymove_viewer.ui.watch import backoff_delay, overlap_hours

from .conftest import FIXED_NOW, TIMEOUT_MS

FAST_POLL_S = 0.2


def identity(lead: Lead) -> tuple[str, str, str]:
    return lead.offer_id, lead.email, lead.created_at


def served(sandbox, query: dict[str, str]) -> list[tuple[str, str, str]]:
    return [identity(Lead.from_mapping(d)) for d in sandbox.served_leads(query)]


def watching_window(make_window, do_fetch, *, indexed: bool = True):
    window = make_window(watch_interval_s=FAST_POLL_S)
    window.clock = window.watch.clock = lambda: FIXED_NOW  # the sandbox's fixed "now"
    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(24)
    do_fetch(window, indexed=indexed)
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
    assert window.windowTitle() == "(3 new) Production — MyMove Lead Viewer"

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
    assert model.new_count() == 5 and window.windowTitle().startswith("(5 new) ")
    new_row = next(r for r in range(model.rowCount()) if model.is_new(r))
    assert model.data(model.index(new_row, 2), Qt.ItemDataRole.FontRole).bold()
    table.selectRow(new_row)  # seeing a lead clears its mark
    assert model.new_count() == 4 and window.windowTitle().startswith("(4 new) ")
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


def one_poll_window(make_window, do_fetch, *, indexed: bool = True):
    """A fetched window whose watch polls once when turned on (the one poll under test);
    ``indexed``: also wait for the indexer to be done."""
    window = watching_window(make_window, do_fetch, indexed=indexed)
    window.watch.interval_s = 600
    return window


def reference_order(model, field: str, descending: bool) -> list[Lead]:
    """The order a sort of all the leads from scratch gives (not the merge's incremental one)."""
    column = model.columns[model.column_of(field)]
    ranking = rank_column(list(model.leads), column)
    return [model.leads[i] for i in rows_for(ranking, descending)]


def on_threads(monkeypatch) -> tuple[set[bool], threading.Event, threading.Event]:
    """Wrap the merge's heavy steps: which threads ran them (True: the GUI's), and a gate that
    holds the planning until opened (``entered`` is set once a plan waits at it)."""
    on_gui: set[bool] = set()
    gate, entered = threading.Event(), threading.Event()
    gate.set()
    plan, extend = session.plan_merge, merge.extend_ranking

    def planning(*args, **kwargs):
        on_gui.add(threading.current_thread() is threading.main_thread())
        entered.set()
        gate.wait(30)
        return plan(*args, **kwargs)

    def extending(*args, **kwargs):
        on_gui.add(threading.current_thread() is threading.main_thread())
        return extend(*args, **kwargs)

    monkeypatch.setattr(session, "plan_merge", planning)
    monkeypatch.setattr(merge, "extend_ranking", extending)
    return on_gui, gate, entered


def poll_held_at_merge(qtbot, window, sandbox, gates, count: int) -> None:
    """Add ``count`` leads, turn Watch on, and wait until its merge is held at the gate."""
    gate, entered = gates
    gate.clear()
    sandbox.add_leads(count)
    window.watch_flow.action.trigger()
    qtbot.waitUntil(entered.is_set, timeout=TIMEOUT_MS)


def test_a_merge_is_planned_on_a_worker_and_keeps_sort_selection_and_rankings(
    qtbot, make_window, do_fetch, sandbox, monkeypatch
) -> None:
    window = one_poll_window(make_window, do_fetch)
    model, table = window.model, window.table
    down = Qt.SortOrder.DescendingOrder
    table.sortByColumn(model.column_of("email"), Qt.SortOrder.AscendingOrder)
    table.sortByColumn(model.column_of("last_name"), down)
    table.selectRow(7)
    picked, first = model.lead_at(7), model.total_count()
    on_gui, gate, entered = on_threads(monkeypatch)
    gate.clear()
    sandbox.add_leads(4)
    with qtbot.waitSignal(window.watch_flow.merged, timeout=TIMEOUT_MS) as merged:
        window.watch_flow.action.trigger()
        qtbot.waitUntil(entered.is_set, timeout=TIMEOUT_MS)
        assert model.total_count() == first  # nothing merged while the worker plans
        gate.set()
    assert merged.args == [4] and model.total_count() == first + 4
    assert on_gui == {False}  # de-duplicating, ranking: never on the GUI thread
    assert window.windowTitle().startswith("(4 new) ")
    assert sum(model.is_new(r) for r in range(model.rowCount())) == 4
    assert model.sort_state == (model.column_of("last_name"), down)
    assert model.shown_leads() == reference_order(model, "last_name", True)
    assert [model.lead_at(r) for r in table.selected_rows()] == [picked]
    assert model.new_count() == 4  # a kept selection is not a new one: nothing marked seen
    # Both rankings were extended: sorting by email again ranks nothing on the GUI thread.
    assert {"email", "last_name"} <= set(model.ranked_fields())
    monkeypatch.setattr(lead_table, "rank_column", None)  # would fail if called
    table.sortByColumn(model.column_of("email"), down)
    assert model.shown_leads() == reference_order(model, "email", True)
    assert [model.lead_at(r) for r in table.selected_rows()] == [picked]


def test_a_fetch_drops_a_merge_being_planned_and_a_new_sort_replans_it(
    qtbot, make_window, do_fetch, sandbox, monkeypatch
) -> None:
    window = one_poll_window(make_window, do_fetch)
    model, flow = window.model, window.watch_flow
    on_gui, gate, entered = on_threads(monkeypatch)
    merges: list[int] = []
    flow.merged.connect(merges.append)

    # A fetch starts while the merge is planned: the plan is dropped, the fetch fills the table.
    poll_held_at_merge(qtbot, window, sandbox, (gate, entered), 3)
    window.watch.stop()  # no further poll; the one planned is what is tested
    at_start: list[bool] = []  # after the flow's own slot: is the plan still awaited?
    window.controller.started.connect(lambda _gen: at_start.append(flow._merger.busy))
    outcome = do_fetch(window)
    assert at_start == [False]
    threads = flow._merger.thread_count()
    gate.set()
    qtbot.waitUntil(lambda: flow._merger.thread_count() < threads, timeout=TIMEOUT_MS)
    assert merges == [] and model.new_count() == 0 and not flow.merging
    assert model.leads == outcome.result.leads  # no lead twice, none marked new

    # The user sorts while a merge is planned: it is planned again on the new order.
    entered.clear()
    gate.clear()
    sandbox.add_leads(2)
    with qtbot.waitSignal(flow.merged, timeout=TIMEOUT_MS):
        flow.action.trigger()
        qtbot.waitUntil(entered.is_set, timeout=TIMEOUT_MS)
        window.table.sortByColumn(model.column_of("email"), Qt.SortOrder.AscendingOrder)
        gate.set()
    assert merges == [2] and model.new_count() == 2 and on_gui == {False}
    assert model.shown_leads() == reference_order(model, "email", False)


def test_a_merge_into_a_large_selection_keeps_exactly_the_old_leads_selected(
    qtbot, make_window, do_fetch, sandbox, monkeypatch
) -> None:
    window = one_poll_window(make_window, do_fetch)
    model, table = window.model, window.table
    monkeypatch.setattr(watch_flow, "MANY_INSERTS", 1)  # the selection is put back by spans
    table.sortByColumn(model.column_of("email"), Qt.SortOrder.AscendingOrder)
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    before = set(model.leads)
    assert len(table.selected_rows()) == len(before)
    added = sandbox.add_leads(12)  # scattered among the old leads by email
    with qtbot.waitSignal(window.watch_flow.merged, timeout=TIMEOUT_MS) as merged:
        window.watch_flow.action.trigger()
    assert merged.args == [12] and model.new_count() == 12
    selected = [model.lead_at(r) for r in table.selected_rows()]
    assert len(selected) == len(before) and set(selected) == before
    new_rows = [r for r in range(model.rowCount()) if model.is_new(r)]
    assert len(new_rows) == 12 and {identity(model.lead_at(r)) for r in new_rows} == {
        identity(Lead.from_mapping(d)) for d in added
    }
    assert new_rows != list(range(new_rows[0], new_rows[0] + 12))  # in many places
    assert model.shown_leads() == reference_order(model, "email", False)


def test_a_poll_during_a_merge_is_merged_next(
    qtbot, make_window, do_fetch, sandbox, monkeypatch
) -> None:
    window = one_poll_window(make_window, do_fetch)
    model, flow = window.model, window.watch_flow
    first = model.total_count()
    _on_gui, gate, entered = on_threads(monkeypatch)
    merges: list[int] = []
    flow.merged.connect(merges.append)
    poll_held_at_merge(qtbot, window, sandbox, (gate, entered), 2)
    sandbox.add_leads(3)
    window.watch.poll()  # the next poll, while the first one's merge is being planned
    qtbot.waitUntil(lambda: window.watch.polls_done == 2, timeout=TIMEOUT_MS)
    gate.set()
    qtbot.waitUntil(lambda: len(merges) == 2, timeout=TIMEOUT_MS)
    assert merges == [2, 3] and model.total_count() == first + 5 == len(set(model.leads))
    assert model.new_count() == 5 and window.windowTitle().startswith("(5 new) ")
