"""A rare term's matches put in view order by the ranks the table was sorted by (no positions
worked out): the same rows, ties in memory order either way, as a scan in view order gives."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from mymove_viewer.api.lead import Lead
from mymove_viewer.slices import SCAN_SLICE
from mymove_viewer.table.display import search_texts
from mymove_viewer.table.lead_table import LeadTable
from mymove_viewer.table.search import run_filter
from mymove_viewer.table.sort import presort

BASE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
N = 2 * SCAN_SLICE + 77
TERM = "n123"  # first names n123, n1230-n1239, n12300-n12399: rare, spread over every tie


def _leads(n: int = N, seed: int = 5) -> list[Lead]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        # Few distinct values in every column sorted here: long runs of ties to keep in order.
        created = BASE + timedelta(seconds=rng.randrange(400))
        fields = {
            "offer_id": f"{i:05d}",
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "first_name": f"n{i}",
            "last_name": rng.choice(["Ash", "birch", "Cedar", "ash", "Dogwood"]),
            "new_state": rng.choice(["TX", "CA", "NY"]),
        }
        out.append(Lead.from_mapping(fields))
    return out


def _scanned(table: LeadTable) -> tuple[list[int], list[int]]:
    """(rows the filter finds on a worker, rows a scan of the table's order in view order keeps)"""
    plan = table.plan_filter(TERM)
    assert plan is not None and plan.ranks is not None  # the path under test is taken
    assert plan.positions is None
    texts = search_texts(table.leads)
    want = [row for row in plan.order if TERM in texts[row]]
    assert 0 < len(want) * 16 < len(texts)  # a rare term
    return run_filter(plan, lambda: None).rows, want


@pytest.mark.parametrize("field", ["last_name", "new_state", "created_at", "first_name"])
@pytest.mark.parametrize("descending", [False, True])
def test_a_rare_term_after_a_sort_comes_in_view_order(field: str, descending: bool) -> None:
    table = LeadTable()
    table.set_leads(_leads())
    table.sort(table.column_of(field), descending)
    got, want = _scanned(table)
    assert got == want


@pytest.mark.parametrize("descending", [False, True])
def test_a_rare_term_after_a_presorted_fetch_comes_in_view_order(descending: bool) -> None:
    leads = _leads(seed=8)
    table = LeadTable()
    table.set_leads([])
    table.sort(table.column_of("created_at"), descending)  # the sort the next fetch keeps
    ahead = presort(leads, (), "created_at", descending)
    assert ahead is not None
    table.set_leads(list(leads), presorted=ahead)
    assert table.rows is ahead.rows
    got, want = _scanned(table)
    assert got == want


def test_no_ranks_after_a_merge_or_for_a_status_sort() -> None:
    """A merge places new leads among their ties itself, and a status sort keeps the table's
    order for ties: neither order is a sort of memory order by ranks."""
    leads = _leads()
    table = LeadTable()
    table.set_leads(leads[:-50])
    table.sort(table.column_of("last_name"), True)
    assert table.plan_filter(TERM).ranks is not None  # type: ignore[union-attr]
    table.merge_leads(leads[-50:])
    plan = table.plan_filter(TERM)
    assert plan is not None and plan.ranks is None
    texts = search_texts(table.leads)
    assert run_filter(plan, lambda: None).rows == [r for r in plan.order if TERM in texts[r]]
    table.sort(table.column_of("status"), False)
    assert table.plan_filter(TERM).ranks is None  # type: ignore[union-attr]
