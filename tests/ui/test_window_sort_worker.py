"""A header click on a large table sorts on a worker (issue 15): the threshold is patched low so
the test window's few hundred leads take that path; the worker is held at its start (it keeps
pacing, so a newer sort still cancels it) until the test lets it go."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.api.lead import Lead, parse_timestamp
from mymove_viewer.sandbox.leads import generate_leads
from mymove_viewer.ui import sort_flow
from tests.table.text_reference import person_key

from .conftest import FIXED_NOW, TIMEOUT_MS
from .test_window_table import click_header, click_row, raw_column

_ASC = Qt.SortOrder.AscendingOrder


class Hold:
    """Holds the sort worker before its work until ``release``; ``started``: it got there."""

    def __init__(self) -> None:
        self.go = threading.Event()
        self.started = 0

    def release(self) -> None:
        self.go.set()


@pytest.fixture
def hold(monkeypatch: pytest.MonkeyPatch) -> Iterator[Hold]:
    monkeypatch.setattr(sort_flow, "ASYNC_FROM", 1)
    real, held = sort_flow.run_sort, Hold()

    def run(plan, pace=None, **kwargs):
        if pace is not None:  # the worker's call
            held.started += 1
            while not held.go.wait(0.005):
                pace()  # raises once a newer sort cancelled this one
        return real(plan, pace, **kwargs)

    monkeypatch.setattr(sort_flow, "run_sort", run)
    yield held
    held.release()


def landed(qtbot, window, field: str, order: Qt.SortOrder = _ASC) -> None:
    want = (window.model.column_of(field), order)
    flow = window.session.sort_flow
    qtbot.waitUntil(lambda: not flow.busy and window.model.sort_state == want, timeout=TIMEOUT_MS)


def assert_sorted_by_last_name(window) -> None:
    keys = [person_key(v) for v in raw_column(window, "last_name")]
    assert keys == sorted(keys)


def test_click_sorts_on_the_worker_and_the_rows_land_in_order(qtbot, fetched, hold) -> None:
    model = fetched.model
    before, shown = model.sort_state, model.shown_rows()[:]
    assert click_header(qtbot, fetched, "last_name") == _ASC  # the indicator moves at once
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    # The rows stay until the order lands; what is shown is still the old sort...
    assert model.sort_state == before and model.shown_rows() == shown
    # ... while the next fetch and a saved view take the one asked for.
    assert model.sort_request == ("last_name", False)
    qtbot.waitUntil(lambda: fetched.filter_count.text() == sort_flow.SORTING, timeout=TIMEOUT_MS)
    hold.release()
    landed(qtbot, fetched, "last_name")
    assert_sorted_by_last_name(fetched)
    assert fetched.filter_count.text() == f"{model.shown_count():,} of {model.total_count():,}"


def test_a_second_click_before_the_first_lands_wins(qtbot, fetched, hold) -> None:
    model = fetched.model
    applied: list[object] = []
    model.layoutChanged.connect(lambda: applied.append(model.sort_state))
    click_header(qtbot, fetched, "last_name")
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    click_header(qtbot, fetched, "new_postal_code")
    qtbot.waitUntil(lambda: hold.started == 2, timeout=TIMEOUT_MS)
    hold.release()
    landed(qtbot, fetched, "new_postal_code")
    zips = raw_column(fetched, "new_postal_code")
    assert zips == sorted(zips)
    assert applied == [(model.column_of("new_postal_code"), _ASC)]  # last name never shown


def test_a_click_back_to_the_order_shown_drops_the_pending_sort(qtbot, fetched, hold) -> None:
    model = fetched.model
    created = model.column_of("created_at")
    click_header(qtbot, fetched, "last_name")
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    fetched.table.sortByColumn(created, Qt.SortOrder.DescendingOrder)  # as shown
    qtbot.waitUntil(lambda: not fetched.session.sort_flow.busy, timeout=TIMEOUT_MS)
    assert model.sort_state == (created, Qt.SortOrder.DescendingOrder)
    assert model.sort_request == ("created_at", True)


def test_a_fetch_while_a_sort_is_pending_takes_that_sort(qtbot, fetched, hold, do_fetch) -> None:
    click_header(qtbot, fetched, "last_name")
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    old = fetched.model.leads
    fetched.panel.days_spin.setValue(14)
    do_fetch(fetched, indexed=False)
    assert fetched.model.leads is not old
    hold.release()
    landed(qtbot, fetched, "last_name")
    assert_sorted_by_last_name(fetched)
    assert fetched.model.shown_count() == len(fetched.model.leads)


@pytest.mark.parametrize("change", ["merge", "filter"])
def test_rows_changed_while_a_sort_is_pending_are_sorted_as_they_are(
    qtbot, fetched, hold, change
) -> None:
    model = fetched.model
    click_header(qtbot, fetched, "last_name")
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    if change == "merge":
        fresh = [Lead.from_mapping(d) for d in generate_leads(5, seed=99, now=FIXED_NOW)]
        assert model.merge_leads(fresh) == 5
    else:
        model.set_filter("a")
    wanted = model.shown_count()
    assert wanted > 0
    hold.release()
    landed(qtbot, fetched, "last_name")
    assert hold.started == 2  # the stale order was computed again, on the rows as they are
    assert model.shown_count() == wanted
    assert_sorted_by_last_name(fetched)
    if change == "merge":
        shown = set(map(id, model.shown_leads()))
        assert all(id(lead) in shown for lead in model.leads[-5:])


def test_selection_and_current_row_follow_their_leads(qtbot, fetched, hold) -> None:
    model, table = fetched.model, fetched.table
    click_row(qtbot, fetched, 3)
    click_row(qtbot, fetched, 7, Qt.KeyboardModifier.ControlModifier)
    chosen = {id(model.lead_at(3)), id(model.lead_at(7))}
    current = model.lead_at(7)
    click_header(qtbot, fetched, "last_name")
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    hold.release()
    landed(qtbot, fetched, "last_name")
    assert model.table.row_positions() is not None  # the worker's positions did the remap
    assert model.lead_at(table.current_row()) is current
    assert {id(model.lead_at(r)) for r in table.selected_rows()} == chosen


def test_the_current_row_alone_follows_its_lead_without_the_workers_positions(
    qtbot, fetched, hold
) -> None:
    model, table = fetched.model, fetched.table
    click_row(qtbot, fetched, 5)
    click_row(qtbot, fetched, 5, Qt.KeyboardModifier.ControlModifier)  # unselected, still current
    assert table.selected_rows() == [] and table.current_row() == 5
    current = model.lead_at(5)
    click_header(qtbot, fetched, "last_name")
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    hold.release()
    landed(qtbot, fetched, "last_name")
    assert model.table.row_positions() is None  # one lead: a scan of the rows found it
    assert table.current_row() != 5 and model.lead_at(table.current_row()) is current


def test_an_order_at_hand_is_shown_at_once_without_the_worker(qtbot, fetched, hold) -> None:
    model = fetched.model
    created = model.column_of("created_at")
    assert model.sort_state == (created, Qt.SortOrder.DescendingOrder)  # newest first, ranked
    times = [parse_timestamp(v) for v in raw_column(fetched, "created_at")]
    assert times == sorted(times, reverse=True)
    for want in (_ASC, Qt.SortOrder.DescendingOrder):  # ranks in order: no sort in either way
        assert click_header(qtbot, fetched, "created_at") == want
        assert model.sort_state == (created, want) and not hold.started
        times = [parse_timestamp(v) for v in raw_column(fetched, "created_at")]
        assert times == sorted(times, reverse=want != _ASC)
    click_header(qtbot, fetched, "last_name")  # ranks to be made: the worker's
    qtbot.waitUntil(lambda: hold.started == 1, timeout=TIMEOUT_MS)
    hold.release()
    landed(qtbot, fetched, "last_name")
