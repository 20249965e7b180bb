"""``LeadTable`` without Qt: sorting, filtering, merges that keep both, and what cells show,
with a listener recording the changes a view would be told of."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer.api.lead import Lead
from mymove_viewer.table.lead_table import (
    DISPLAY,
    DISPLAY_LIMIT,
    LEAD,
    RAW,
    TOOLTIP,
    LeadTable,
)
from mymove_viewer.table.merge import plan_merge
from mymove_viewer.table.search import run_filter
from mymove_viewer.table.sort import presort
from mymove_viewer.table.table_listener import TableListener
from tests.table.text_reference import person_key

BASE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
NAMES = ["Ash", "birch", "Cedar", "ash", "Dogwood", "elm"]


def make(i: int, minutes: int, name: str | None = None, **more: str) -> Lead:
    created = (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    fields = {
        "offer_id": f"{i:05d}",
        "created_at": created,
        "first_name": f"n{i}",
        "last_name": NAMES[i % len(NAMES)] if name is None else name,
        "new_state": "TX" if i % 3 else "CA",
    }
    return Lead.from_mapping({**fields, **more})


class Recorder(TableListener):
    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.table: LeadTable | None = None
        self.seen_before: list[list[int]] = []  # the rows as they stood when told "moving"

    def resetting(self) -> None:
        self.events.append(("resetting",))

    def reset(self) -> None:
        self.events.append(("reset",))

    def moving(self, sorting: bool) -> None:
        assert self.table is not None
        self.seen_before.append(list(self.table.rows))
        self.events.append(("moving", sorting))

    def moved(self, old_rows: list[int], sorting: bool) -> None:
        self.events.append(("moved", list(old_rows), sorting))

    def inserting_columns(self, first: int, last: int) -> None:
        self.events.append(("inserting_columns", first, last))

    def inserted_columns(self) -> None:
        self.events.append(("inserted_columns",))

    def inserting_rows(self, first: int, last: int) -> None:
        assert self.table is not None
        self.events.append(("inserting_rows", first, last, len(self.table.rows)))

    def inserted_rows(self) -> None:
        assert self.table is not None
        self.events.append(("inserted_rows", len(self.table.rows)))

    def counted(self, shown: int, total: int) -> None:
        self.events.append(("counted", shown, total))


def table_with(leads: list[Lead], extra: tuple[str, ...] = ()) -> tuple[LeadTable, Recorder]:
    ears = Recorder()
    table = LeadTable(ears)
    ears.table = table
    table.set_leads(list(leads), extra)
    ears.events.clear()
    return table, ears


def column(table: LeadTable, field: str) -> int:
    return table.column_of(field)


def shown(table: LeadTable, field: str) -> list[str]:
    col = column(table, field)
    return [table.text(row, col) for row in range(table.row_count())]  # type: ignore[misc]


def reference(leads: list[Lead], field: str, descending: bool, term: str = "") -> list[str]:
    """The leads matching ``term`` sorted by ``field`` as a person reads it (stable)."""
    kept = [x for x in leads if term in "\x1f".join(x[:19]).lower()]
    # Stable both ways (``reverse`` keeps equal keys in their fetched order), as the table is.
    ordered = sorted(kept, key=lambda x: person_key(x.get(field)), reverse=descending)
    return [x.get("offer_id") for x in ordered]


@pytest.fixture
def los_angeles(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_sort_moves_the_rows_both_ways_and_tells_the_listener() -> None:
    leads = [make(i, (i * 7) % 40) for i in range(12)]
    table, ears = table_with(leads)
    col = column(table, "last_name")
    table.sort(col)
    assert shown(table, "offer_id") == reference(leads, "last_name", False)
    assert ears.events == [
        ("moving", True),
        ("moved", list(range(12)), True),
        ("counted", 12, 12),
    ]
    assert ears.seen_before == [list(range(12))]  # told before the rows changed
    table.sort(col, descending=True)
    assert shown(table, "offer_id") == reference(leads, "last_name", True)
    assert table.sort_state == (col, True)
    assert table.sort_request == ("last_name", True)
    ears.events.clear()
    table.sort(col, descending=True)  # already so: views re-request it on header restores
    assert ears.events == []


def test_filter_narrows_the_sorted_rows_and_a_stale_plan_is_refused() -> None:
    leads = [make(i, i) for i in range(30)]
    table, ears = table_with(leads)
    table.sort(column(table, "last_name"))
    table.set_filter("  ASH ")  # trimmed and lowercased: "ash" and "Ash"
    assert table.filter_text == "ash"
    assert shown(table, "offer_id") == reference(leads, "last_name", False, "ash")
    assert ears.events[-1] == ("counted", 10, 30)
    table.sort(column(table, "offer_id"), descending=True)  # sorting keeps the filter
    assert shown(table, "offer_id") == reference(leads, "offer_id", True, "ash")
    plan = table.plan_filter("birch")
    assert plan is not None
    result = run_filter(plan)
    table.sort(column(table, "first_name"))  # the order changed after the plan was made
    assert not table.apply_filter(plan, result)
    assert table.filter_text == "ash"
    assert table.plan_filter("ash") is None  # shown already
    table.set_filter("")
    assert table.row_count() == 30


def test_new_leads_keep_the_sort_and_filter_and_may_come_presorted() -> None:
    table, _ = table_with([make(i, i) for i in range(8)])
    table.sort(column(table, "last_name"), descending=True)
    table.set_filter("a")
    fresh = [make(i, 100 - i) for i in range(20)]
    table.set_leads(list(fresh))
    assert shown(table, "offer_id") == reference(fresh, "last_name", True, "a")
    ahead = presort(fresh, (), "last_name", True)
    assert ahead is not None
    table.set_filter("")
    table.set_leads(list(fresh), presorted=ahead)
    assert table.rows is ahead.rows  # taken as it is, not sorted again
    assert table.ranked_fields() == ["last_name"]


def test_a_merge_inserts_rows_where_the_sort_and_filter_put_them() -> None:
    old = [make(i, (i * 7) % 50) for i in range(20)]
    table, ears = table_with(old)
    table.sort(column(table, "last_name"))
    table.set_filter("tx")
    ears.events.clear()
    fresh = [make(100 + i, i) for i in range(9)]
    assert table.merge_leads([*old[:5], *fresh]) == 9  # leads already present are dropped
    every = [*old, *fresh]
    assert shown(table, "offer_id") == reference(every, "last_name", False, "tx")
    kinds = [e[0] for e in ears.events]
    assert "resetting" not in kinds and "moving" not in kinds  # no reset, no relayout
    inserts = [e for e in ears.events if e[0] == "inserting_rows"]
    assert sum(last - first + 1 for _k, first, last, _n in inserts) == 6  # the fresh TX leads
    for (_k, first, last, before), after in zip(
        inserts, [e for e in ears.events if e[0] == "inserted_rows"], strict=True
    ):
        assert after[1] == before + last - first + 1  # told around each block it inserts
    assert ears.events[-1] == ("counted", table.row_count(), 29)
    table.set_filter("")  # the full order grew too, sorted
    assert shown(table, "offer_id") == reference(every, "last_name", False)
    assert table.merge_leads(fresh) == 0


def test_a_merge_with_an_extra_field_adds_its_column_first() -> None:
    table, ears = table_with([make(i, i) for i in range(3)])
    before = table.column_count()
    table.merge_leads([make(9, 9, old_housing_tenure="own")])
    assert ears.events[:2] == [("inserting_columns", before, before), ("inserted_columns",)]
    assert table.columns[-1].field == "old_housing_tenure"
    assert table.text(3, before) == "own"
    assert table.text(0, before) == ""


def test_a_plan_made_before_a_sort_is_refused_and_nothing_changes() -> None:
    table, _ = table_with([make(i, i) for i in range(10)])
    plan = plan_merge(table.merge_state(), [make(50, 3)])
    table.sort(column(table, "first_name"))
    rows = list(table.rows)
    assert table.apply_merge(plan) is None
    assert table.rows == rows and table.total_count() == 10


def test_cells_show_local_times_dates_and_cut_long_values_but_raw_keeps_them(
    los_angeles,
) -> None:
    huge = "x" * (DISPLAY_LIMIT + 50)
    one = make(0, 41, name=huge, move_date="2026-12-01T00:00:00Z", old_housing_tenure="rent")
    table, _ = table_with([one], ("old_housing_tenure",))
    created, move = column(table, "created_at"), column(table, "move_date")
    name, extra = column(table, "last_name"), column(table, "old_housing_tenure")
    assert table.text(0, created) == "2026-11-27 01:41"  # 09:41 UTC in Los Angeles
    assert table.cell(0, created, TOOLTIP) == "2026-11-27T09:41:00Z (as sent, UTC)"
    assert table.text(0, move) == "2026-12-01"
    assert table.raw(0, move) == "2026-12-01T00:00:00Z"
    assert table.text(0, name) == huge[:DISPLAY_LIMIT] + "…"
    assert table.raw(0, name) == huge
    tip = table.cell(0, name, TOOLTIP)
    assert isinstance(tip, str) and f"({len(huge):,} characters" in tip
    assert table.cell(0, column(table, "first_name"), TOOLTIP) is None
    assert table.text(0, extra) == "rent" and table.raw(0, extra) == "rent"
    assert table.cell(0, name, LEAD) is one
    assert table.cell(1, name, DISPLAY) is None and table.cell(0, extra + 1, RAW) is None


def test_rows_for_spans_is_a_copy_in_view_order() -> None:
    table, _ = table_with([make(i, i) for i in range(10)])
    table.sort(column(table, "created_at"), descending=True)
    assert table.rows_for([]) == list(range(9, -1, -1))
    picked = table.rows_for([(0, 1), (5, 5)])
    assert picked == [9, 8, 4]
    assert table.leads_at([5, 0, 1, 0]) == [table.leads[i] for i in picked]
    assert table.rows_for([]) is not table.rows


@settings(max_examples=60, deadline=None)
@given(
    old=st.lists(st.sampled_from(NAMES), max_size=25),
    new=st.lists(st.sampled_from([*NAMES, "ashen", "Birch"]), max_size=15),
    descending=st.booleans(),
    term=st.sampled_from(["", "a", "birch", "zz"]),
)
def test_a_merge_leaves_what_sorting_the_merged_leads_afresh_gives(
    old: list[str], new: list[str], descending: bool, term: str
) -> None:
    before = [make(i, i, name=n) for i, n in enumerate(old)]
    after = [make(100 + i, i, name=n) for i, n in enumerate(new)]
    table, _ = table_with(before)
    table.sort(column(table, "last_name"), descending)
    table.set_filter(term)
    table.merge_leads(after)
    merged = shown(table, "offer_id")
    fresh, _ = table_with([*before, *after])
    fresh.sort(column(fresh, "last_name"), descending)
    fresh.set_filter(term)
    assert merged == shown(fresh, "offer_id")


def test_a_worker_sort_leaves_the_positions_a_rare_term_is_placed_by() -> None:
    """Unfiltered, where a worker's sort put each lead is its position in the order: the next
    scan for a rare term uses them (no pass over every row) and finds the rows in view order."""
    from mymove_viewer.table.display import search_texts
    from mymove_viewer.table.full_scan import positions_of
    from mymove_viewer.table.sort_plan import run_sort
    from tests.store.helpers import make_leads

    leads = make_leads(3000)
    texts = search_texts(leads)
    table = LeadTable()
    table.set_leads(leads)
    for field, descending in (("last_name", False), ("email", True), ("created_at", True)):
        plan = table.plan_sort(table.column_of(field), descending)
        assert plan is not None and table.apply_sort(
            plan, run_sort(plan, lambda: None, positions=True)
        )
        filtering = table.plan_filter("smith")
        assert filtering is not None and filtering.positions is not None
        assert list(filtering.positions) == list(positions_of(table.rows))
        want = [row for row in table.rows if "smith" in texts[row]]
        table.set_filter("smith")
        assert 0 < len(want) * 16 < len(leads) and table.rows == want  # rare: placed by position
        table.set_filter("")
