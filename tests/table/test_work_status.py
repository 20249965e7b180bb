"""The work status in the table without Qt: its column, sort (here and on a worker), filter
terms, merges under a status filter, exports' status columns and the default column order."""

from __future__ import annotations

import pytest

from mymove_viewer.api.lead import Lead
from mymove_viewer.slices import yield_gil
from mymove_viewer.store.records import Status, StoredLeads
from mymove_viewer.table.display import WORK_STATUS
from mymove_viewer.table.filter_leads import filter_rows
from mymove_viewer.table.filter_query import parse_filter
from mymove_viewer.table.layout import ColumnLayout
from mymove_viewer.table.lead_table import DISPLAY, RAW, TOOLTIP, LeadTable
from mymove_viewer.table.merge import plan_merge
from mymove_viewer.table.search import rows_matching
from mymove_viewer.table.sort_plan import run_sort
from mymove_viewer.table.work import LeadWork, WorkChange, export_field_names, with_work
from tests.table.test_lead_table import make


def table_of(count: int, extra: tuple[str, ...] = ()) -> LeadTable:
    table = LeadTable()
    table.set_leads([make(i, i) for i in range(count)], extra)
    return table


def mark(table: LeadTable, leads: list[int], status: Status | None = None, **what) -> None:
    table.work.apply(WorkChange([table.leads[i] for i in leads], status=status, **what))
    table.work_changed()


def shown_status(table: LeadTable) -> list[str]:
    col = table.column_of(WORK_STATUS)
    return [table.text(r, col) for r in range(table.row_count())]


def test_the_status_column_shows_labels_and_a_note_mark_after_the_documented_fields() -> None:
    table = table_of(4)
    col = table.column_of(WORK_STATUS)
    assert col == 19 and table.columns[col].header == "Status"
    mark(table, [1], Status.NOT_INTERESTED)
    mark(table, [2], note="x" * 600)
    assert shown_status(table) == ["New", "Not interested", "New \N{LOWER RIGHT PENCIL}", "New"]
    assert table.cell(2, col, TOOLTIP) == "x" * 500 + "…" and table.cell(0, col, TOOLTIP) is None
    assert table.cell(1, col, RAW) == "Not interested"  # what a copy takes: no mark


def test_an_api_field_named_status_is_its_own_column() -> None:
    lead = Lead.from_mapping({"created_at": "2026-11-27T09:00:00Z", "status": "active"})
    table = LeadTable()
    table.set_leads([lead], ("status",))
    api = table.column_of("status")
    assert api == 20 and table.columns[api].header == "Status (API)"
    assert table.text(0, api) == "active" and table.text(0, 19) == "New"
    table.set_filter("api.status:active")
    assert table.rows == [0]
    # The work status has no such value: the term is named and left out, as any unreadable one.
    assert parse_filter("status:active").problems and not parse_filter("status:active").terms


@pytest.mark.parametrize("on_worker", [False, True])
def test_sorting_by_status_orders_by_its_number_and_a_change_sorts_again(on_worker) -> None:
    table = table_of(6)
    mark(table, [4], Status.DO_NOT_CONTACT)
    mark(table, [1, 5], Status.CONTACTED)
    col = table.column_of(WORK_STATUS)
    plan = table.plan_sort(col, False)
    assert plan is not None
    result = run_sort(plan, yield_gil, positions=True) if on_worker else run_sort(plan)
    assert table.apply_sort(plan, result)
    assert shown_status(table) == ["New"] * 3 + ["Contacted"] * 2 + ["Do not contact"]
    assert table.rows[:3] == [0, 2, 3]  # equal statuses keep the fetched order
    mark(table, [0], Status.QUALIFIED)  # the rows stay where they are...
    assert shown_status(table)[0] == "Qualified"
    plan = table.plan_sort(col, False)  # ...until sorted again, which the change allows
    assert plan is not None and table.apply_sort(plan, run_sort(plan))
    assert shown_status(table)[-2:] == ["Qualified", "Do not contact"]


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ("status:contacted", [1, 2]),
        ("status:Contacted", [1, 2]),
        ('status:"not interested"', [3]),
        ("status:not-interested", [3]),
        ("status:NOT_INTERESTED", [3]),
        ("status:new", [0, 4]),
        ("-status:new", [1, 2, 3]),
        ("status:contacted n2", [2]),
        ("exported:yes", [0, 1]),
        ("exported:no", [2, 3, 4]),
        ("-exported:no", [0, 1]),
        ("note:callback", [4]),
        ("note:CALLBACK -status:new", []),
    ],
)
def test_work_terms_filter_by_what_the_user_did(text, rows) -> None:
    table = table_of(5)
    mark(table, [1, 2], Status.CONTACTED)
    mark(table, [3], Status.NOT_INTERESTED)
    mark(table, [0, 1], exported_at=100.0)
    mark(table, [4], note="Callback Friday")
    table.set_filter(text)
    assert table.rows == rows
    assert not parse_filter(text).problems


def test_unreadable_work_terms_are_named() -> None:
    problems = parse_filter("status:called exported:maybe status:").problems
    assert len(problems) == 2
    assert problems[0].startswith("status:called: not a status")
    assert "exported:yes" in problems[1]


def test_a_change_runs_a_filter_reading_the_work_again() -> None:
    table = table_of(5)
    table.set_filter("n")
    mark(table, [0], Status.CONTACTED)
    assert table.work_changed() is False  # the filter does not read the work
    table.set_filter("-status:new")
    assert table.rows == [0]
    mark(table, [1], Status.QUALIFIED)
    assert table.work_changed() is True
    assert table.plan_filter("-status:new") is None  # shown already, unless asked again
    table.set_filter("-status:new", again=True)
    assert table.rows == [0, 1]


def test_a_merge_under_a_status_filter_shows_only_the_new_leads_it_lets_through() -> None:
    table = table_of(3)
    fresh = [make(10, 10), make(11, 11)]
    table.work.apply(WorkChange([fresh[1]], status=Status.CONTACTED))  # known before they come
    mark(table, [0], Status.CONTACTED)
    table.set_filter("status:contacted")
    assert table.apply_merge(plan_merge(table.merge_state(), fresh)) == 2
    assert [table.lead_at(r) for r in range(table.row_count())] == [table.leads[0], fresh[1]]


def test_a_merge_into_a_table_sorted_by_status_places_the_new_leads_by_it() -> None:
    table = table_of(4)
    mark(table, [1], Status.QUALIFIED)
    table.sort(table.column_of(WORK_STATUS), True)
    fresh = make(9, 9)
    table.work.apply(WorkChange([fresh], status=Status.DO_NOT_CONTACT))
    assert table.merge_leads([fresh]) == 1
    assert table.lead_at(0) == fresh and shown_status(table)[:2] == ["Do not contact", "Qualified"]


def test_the_command_line_filter_reads_no_work_unless_given() -> None:
    leads = [make(i, i) for i in range(3)]
    assert filter_rows(leads, "status:new") == ([0, 1, 2], [])
    work = LeadWork()
    work.apply(WorkChange(leads[:1], status=Status.CONTACTED))
    assert rows_matching(leads, "status:contacted", work=work) == [0]


def test_work_passes_keep_the_first_export_and_the_history_wins() -> None:
    a, b, c = (make(i, i) for i in range(3))
    work = LeadWork()
    assert work.status_codes([a, b]) == [0, 0]
    work.apply(WorkChange([a, b], status=Status.CONTACTED, note="n"))
    work.apply(WorkChange([b], status=Status.NEW, note=""))
    assert work.status_codes([a, b, c]) == [1, 0, 0] and work.notes == {a: "n"}
    found = StoredLeads(
        [b, c], [b"1", b"2"], [Status.QUALIFIED, Status.NEW], ["", "c"], [None, 5.0]
    )
    work.take(found)
    assert work.status == {a: Status.CONTACTED, b: Status.QUALIFIED}
    assert work.notes == {a: "n", c: "c"} and work.exported == {c: 5.0}


def test_exports_name_the_status_columns_as_the_command_line_does() -> None:
    assert export_field_names(["lead_source"]) == ("status", "note")
    assert export_field_names(["status", "note"]) == ("history_status", "history_note")
    lead = Lead.from_mapping({"created_at": "2026-11-27T09:00:00Z", "status": "active"})
    work = LeadWork()
    work.apply(WorkChange([lead], status=Status.QUALIFIED, note="hot"))
    names = export_field_names(lead.extra_names)
    [out] = with_work([lead], names, work)
    assert out.extra == {"status": "active", "history_status": "Qualified", "note": "hot"}


def test_the_status_column_comes_first_unless_the_layout_placed_it() -> None:
    fields = ["offer_id", "created_at", WORK_STATUS, "lead_source"]
    assert ColumnLayout().arranged(fields) == [WORK_STATUS, "offer_id", "created_at", "lead_source"]
    kept = ColumnLayout(("created_at", WORK_STATUS, "offer_id"))
    assert kept.arranged(fields) == ["created_at", "lead_source", WORK_STATUS, "offer_id"]
    old = ColumnLayout(("email", "offer_id"))  # saved before the status existed
    assert old.arranged(fields)[0] == WORK_STATUS


def test_display_of_a_cell_outside_the_table_is_none() -> None:
    table = table_of(1)
    assert table.cell(1, 19, DISPLAY) is None


@pytest.mark.parametrize("changed_meanwhile", [False, True])
def test_a_status_change_prepared_on_a_worker_is_swapped_in_or_merged(changed_meanwhile) -> None:
    a, b, c, d = (make(i, i) for i in range(4))
    work = LeadWork()
    work.apply(WorkChange([a, b], status=Status.QUALIFIED))
    ready = work.prepare([b, c], Status.CONTACTED, work.status_codes([b, c]), yield_gil)
    if changed_meanwhile:  # the history's statuses arrived while the worker prepared
        work.take(StoredLeads([d], [b"d"], [Status.DO_NOT_CONTACT], [""], [None]))
    before = work.status
    work.take_prepared(ready)
    assert (work.status is before) == changed_meanwhile  # merged, else swapped in whole
    expected = {a: Status.QUALIFIED, b: Status.CONTACTED, c: Status.CONTACTED}
    assert work.status == (
        {**expected, d: Status.DO_NOT_CONTACT} if changed_meanwhile else expected
    )
    undo = work.prepare([b, c], Status.NEW, work.status_codes([b, c]))
    assert set(undo.dropped) == {b, c} and not undo.changed
    work.take_prepared(undo)
    assert work.status_codes([a, b, c]) == [Status.QUALIFIED, 0, 0]


def test_an_export_prepared_on_a_worker_keeps_each_first_export() -> None:
    a, b = make(1, 1), make(2, 2)
    work = LeadWork()
    work.apply(WorkChange([a], exported_at=1.0))
    prepared = work.prepare_exported([a, b], 2.0)
    assert prepared.at == 2.0
    work.take_exported(prepared)
    assert work.exported == {a: 1.0, b: 2.0}
    # Exported again: the export says its own time, though every lead keeps its first.
    later = work.prepare_exported([a, b], 3.0)
    work.take_exported(later)
    assert later.at == 3.0 and work.exported == {a: 1.0, b: 2.0}


def test_a_saved_view_sorted_and_filtered_by_status_for_the_command_line() -> None:
    from mymove_viewer.table.view_rows import rows_for_view
    from mymove_viewer.table.views import SavedView, ViewWindow

    leads = [make(i, i) for i in range(4)]
    work = LeadWork()
    work.apply(WorkChange([leads[2]], status=Status.QUALIFIED))
    work.apply(WorkChange([leads[1]], status=Status.CONTACTED))
    window = ViewWindow("hours", 24)
    view = SavedView("worked", window, "-status:new", sort=(WORK_STATUS, True))
    assert rows_for_view(leads, view, (), work) == [2, 1]
    assert rows_for_view(leads, view) == []  # no history: every lead is New


def test_the_table_knows_the_statuses_as_the_store_does() -> None:
    """``table.work`` names the statuses without importing the store (its package loads sqlite3
    and msgspec, which the window's first paint does without)."""
    from mymove_viewer.table.work import LABELS, status_code, status_of_code

    assert tuple(s.label for s in Status) == LABELS
    for s in Status:
        for text in (s.label, s.name, s.label.lower().replace(" ", "-"), f"  {s.label.upper()} "):
            assert status_code(text) == int(Status.from_label(text)) == s
        assert status_of_code(int(s)) is s
    assert status_code("called") is None and status_code("not") is None
