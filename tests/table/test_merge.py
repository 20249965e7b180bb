"""Merges planned off the GUI thread: rankings extended to new leads against rankings made afresh,
and plans against a plain reference of the merged table."""

from __future__ import annotations

from array import array

from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer.table.char_masks import char_masks
from mymove_viewer.table.display import columns_for, search_texts
from mymove_viewer.table.merge import MergeState, extend_ranking, plan_merge
from mymove_viewer.table.overview import instants
from mymove_viewer.table.sort import Ranking, rank_column, rows_for

from .test_sort import CREATED, FEW, MANY, MOVE, make, reference

FIELDS = ("last_name", "email", "created_at", "move_date", "old_housing_tenure")
# Canonical times only: the old leads' ranking is then made from their text, the new leads'
# keys (some not canonical) from instants; the extension must agree with both.
CANONICAL = st.sampled_from(
    ["2026-11-27T09:41:05Z", "2026-11-27T09:41:06Z", "2026-11-28T00:00:00Z"]
)
LEADS = st.integers(0, 40).flatmap(
    lambda n: st.tuples(
        st.lists(FEW | MANY, min_size=n, max_size=n),
        st.lists(CREATED | CANONICAL, min_size=n, max_size=n),
        st.lists(MOVE, min_size=n, max_size=n),
    )
)


def column_of(field: str):
    return next(c for c in columns_for(["old_housing_tenure"]) if c.field == field)


@settings(max_examples=300, deadline=None)
@given(old=LEADS, new=LEADS, field=st.sampled_from(FIELDS), orders=st.sampled_from(range(4)))
def test_an_extended_ranking_is_the_ranking_made_afresh(old, new, field, orders) -> None:
    before = make(*old, extra=True)
    after = make(*new, extra=True)
    leads = before + after
    column = column_of(field)
    made = rank_column(before, column)
    up = array("I", rows_for(made, False)) if orders & 1 else None
    down = rows_for(made, True) if orders & 2 else None  # a list or an array: both are kept
    extended = extend_ranking(Ranking(made.ranks, up, down), leads, len(before), column)
    afresh = rank_column(leads, column)
    assert list(extended.ranks) == list(afresh.ranks)
    for descending, rows in ((False, extended.ascending), (True, extended.descending)):
        if rows is None:
            continue
        assert list(rows) == reference(leads, field, descending)
        assert list(rows) == rows_for(afresh, descending)


def state_of(leads, field: str | None, descending: bool, term: str = "", period=None):
    columns = columns_for(["old_housing_tenure"])
    sort = None
    order = list(range(len(leads)))
    ranks = {}
    if field is not None:
        column = column_of(field)
        ranking = rank_column(leads, column)
        order = rows_for(ranking, descending)
        ranks = {field: Ranking(ranking.ranks), "email": rank_column(leads, column_of("email"))}
        sort = ([c.field for c in columns].index(field), descending)
    at = instants(leads)
    texts = search_texts(leads, at=at)
    rows = [
        i for i in order if term in texts[i] and (period is None or period[0] <= at[i] < period[1])
    ]
    if not term and period is None:
        rows = order
    return MergeState(
        leads,
        None,
        columns,
        order,
        rows,
        sort,
        ranks,
        texts,
        at,
        False,
        term,
        period,
        chars=char_masks(texts),
    )


@settings(max_examples=150, deadline=None)
@given(
    old=LEADS,
    new=LEADS,
    field=st.sampled_from((None, "last_name", "created_at")),
    descending=st.booleans(),
    term=st.sampled_from(["", "a", "smith"]),
)
def test_a_plan_gives_the_table_a_fresh_sort_and_filter_would(old, new, field, descending, term):
    before = make(*old, extra=False)
    incoming = make(*new, extra=False) + before[:3]  # repeats are dropped
    state = state_of(before, field, descending, term)
    plan = plan_merge(state, incoming)
    assert plan.fresh == list(dict.fromkeys(x for x in incoming if x not in set(before)))
    assert plan.leads == before + plan.fresh and plan.lead_set == set(plan.leads)
    assert plan.texts == search_texts(plan.leads) and plan.instants == instants(plan.leads)
    assert plan.chars == char_masks(plan.texts)
    want = state_of(plan.leads, field, descending, term)
    rows = list(state.rows)
    for at, block in plan.runs:
        rows[at:at] = block
    assert rows == want.rows
    if plan.order is not None:
        assert plan.order == want.order
    for name, ranking in plan.ranks.items():  # the sort's and the email's, both grown
        assert list(ranking.ranks) == list(rank_column(plan.leads, column_of(name)).ranks)
    assert field is None or set(plan.ranks) == {field, "email"} or not plan.fresh
