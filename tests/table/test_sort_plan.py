"""A sort planned on the table, run on a worker (paced, with positions) and applied (issue 15)."""

from __future__ import annotations

from array import array
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer.api.lead import Lead
from mymove_viewer.sandbox.leads import generate_leads
from mymove_viewer.table import sort_plan
from mymove_viewer.table.lead_table import LeadTable
from mymove_viewer.table.sort import Ranking, order_in_place, rows_for
from mymove_viewer.table.sort_plan import NOT_SHOWN, counting_order, quick_sort, run_sort
from tests.table.text_reference import person_key

NOW = datetime(2026, 11, 27, 17, 41, tzinfo=UTC)
paced: list[int] = []


def pace() -> None:
    paced.append(1)


def table_of(count: int = 300) -> LeadTable:
    table = LeadTable()
    table.set_leads([Lead.from_mapping(d) for d in generate_leads(count, seed=3, now=NOW)])
    return table


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=300), st.booleans())
def test_counting_order_is_the_stable_sort_and_says_where_each_lead_lands(values, down) -> None:
    # Dense ranks: every value below the largest is used (as ``rank_column`` makes them).
    dense = {v: i for i, v in enumerate(sorted(set(values)))}
    ranks = array("I", [dense[v] for v in values])
    order, where = counting_order(ranks, down, pace)
    assert order == rows_for(Ranking(ranks), down)
    assert [order[where[i]] for i in range(len(ranks))] == list(range(len(ranks)))


def test_a_worker_sort_of_filtered_rows_keeps_them_and_places_each() -> None:
    table = table_of()
    table.set_filter("a")
    shown = set(table.rows)
    plan = table.plan_sort(table.column_of("last_name"), False)
    assert plan is not None and table.sort_request == ("last_name", False)
    assert table.sort_state != (table.column_of("last_name"), False)  # not applied yet
    paced.clear()
    result = run_sort(plan, pace, positions=True)
    assert paced  # handed over between slices
    assert table.apply_sort(plan, result)
    assert set(table.rows) == shown and table.pending_sort is None
    names = [person_key(table.leads[i].last_name) for i in table.rows]
    assert names == sorted(names)
    at = table.row_positions()
    assert at is not None
    assert all(at[lead] == row for row, lead in enumerate(table.rows))
    assert sum(1 for x in at if x == NOT_SHOWN) == len(table.leads) - len(table.rows)


def test_a_stale_or_superseded_sort_is_not_applied() -> None:
    table = table_of()
    last, zip_ = table.column_of("last_name"), table.column_of("new_postal_code")
    first = table.plan_sort(last, False)
    second = table.plan_sort(zip_, True)  # newer: the first is not wanted any more
    assert first is not None and second is not None
    assert not table.apply_sort(first, run_sort(first))
    assert "last_name" in table.ranked_fields()  # its ranks are kept for next time
    table.set_filter("e")  # the rows changed under the second
    assert not table.apply_sort(second, run_sort(second))
    assert table.sort_request == ("new_postal_code", True)
    again = table.plan_sort(zip_, True)
    assert again is not None and table.apply_sort(again, run_sort(again))
    assert table.sort_state == (zip_, True)


def test_new_leads_take_the_sort_on_its_way() -> None:
    table = table_of()
    plan = table.plan_sort(table.column_of("last_name"), True)
    assert plan is not None
    table.set_leads([Lead.from_mapping(d) for d in generate_leads(50, seed=4, now=NOW)])
    assert table.sort_state == (table.column_of("last_name"), True)
    assert table.pending_sort is None and not table.apply_sort(plan, run_sort(plan))
    names = [person_key(table.leads[i].last_name) for i in table.rows]
    assert names == sorted(names, reverse=True)


def test_a_worker_sort_with_an_order_at_hand_matches_the_one_made_here() -> None:
    table, here = table_of(), table_of()
    created = table.column_of("created_at")
    for descending in (False, True):
        plan = table.plan_sort(created, descending)
        assert plan is not None
        assert table.apply_sort(plan, run_sort(plan, pace, positions=True))
        here.sort(created, descending)
        assert table.rows == here.rows


def _dense(values: list[int]) -> array:
    rank = {v: i for i, v in enumerate(sorted(set(values)))}
    return array("I", [rank[v] for v in values])


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.integers(0, 30), max_size=200),
    st.sampled_from(["any", "rising", "falling"]),
    st.booleans(),
    st.booleans(),
)
def test_ranked_order_is_the_stable_sort_whichever_way_it_is_found(
    values, shape, down, one_sort
) -> None:
    if shape != "any":  # ranks already in order (created_at as fetched), with ties
        values = sorted(values, reverse=shape == "falling")
    ranks = _dense(values)
    limit = sort_plan.ONE_SORT_UP_TO
    sort_plan.ONE_SORT_UP_TO = len(ranks) if one_sort else -1  # else: counting, in slices
    try:
        order, where = sort_plan.ranked_order(ranks, down, pace)
    finally:
        sort_plan.ONE_SORT_UP_TO = limit
    assert order == rows_for(Ranking(ranks), down)  # the GUI thread's plain sorted()
    if where is not None:
        assert [order[where[i]] for i in range(len(ranks))] == list(range(len(ranks)))


@pytest.mark.parametrize("down", [False, True])
@pytest.mark.parametrize("rising", [False, True])
def test_ranks_in_order_of_many_leads_are_ordered_in_slices(down, rising) -> None:
    values = [i // 7 for i in range(40_000)]  # runs of ties across the slices' edges
    ranks = _dense(values if rising else values[::-1])
    order = order_in_place(ranks, down, pace)
    assert order == rows_for(Ranking(ranks), down)
    assert order_in_place(_dense([2, 1, 3]), down, pace) is None  # not in order: a sort


def test_quick_sort_only_for_an_order_at_hand() -> None:
    table = table_of()
    table.set_filter("a")
    name, created = table.column_of("last_name"), table.column_of("created_at")
    plan = table.plan_sort(name, False)
    assert plan is not None and quick_sort(plan) is None  # no ranks yet: a worker's job
    assert table.apply_sort(plan, run_sort(plan))
    plan = table.plan_sort(name, True)
    assert plan is not None and quick_sort(plan) is None  # ranked, but a sort all the same
    table.sort(created, False)  # created_at as fetched: ranks in order
    plan = table.plan_sort(created, True)
    assert plan is not None and (quick := quick_sort(plan)) is not None
    assert quick == run_sort(plan)  # the same order and filtered rows as a sort's
    assert table.apply_sort(plan, quick)
