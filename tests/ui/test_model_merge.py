"""Merging watch results into the model, the period filter, and the "new" marks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QItemSelection, QItemSelectionModel, QPersistentModelIndex, Qt

from mymove_viewer.api.lead import Lead
from mymove_viewer.table.display import columns_for
from mymove_viewer.table.sort import sort_keys
from mymove_viewer.ui.model import LeadTableModel
from mymove_viewer.ui.new_leads import MarkedLeadModel
from mymove_viewer.ui.selection import spans_after_inserts, spans_of

BASE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def make(i: int, minutes: int, name: str = "", state: str = "TX") -> Lead:
    created = (BASE + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return Lead.from_mapping(
        {
            "offer_id": f"{i:05d}",
            "created_at": created,
            "first_name": name or f"n{i}",
            "last_name": random.Random(i).choice(["Ash", "birch", "Cedar", "ash"]),
            "new_state": state,
        }
    )


@pytest.fixture
def new_model():
    """Models deleted on the GUI thread when the test ends: one left for interpreter
    shutdown can crash the process (see shared measurements)."""
    import shiboken6

    made: list[LeadTableModel] = []

    def make_model(cls: type[LeadTableModel] = LeadTableModel) -> LeadTableModel:
        made.append(cls())
        return made[-1]

    yield make_model
    for model in made:
        if shiboken6.isValid(model):
            shiboken6.delete(model)


def expected_rows(model: LeadTableModel, field: str, descending: bool, term: str = "") -> list:
    column = next(c for c in columns_for() if c.field == field)
    leads = [x for x in model.leads if term in "\x1f".join(x[:19]).lower()]
    keys = sort_keys(leads, column)
    order = sorted(range(len(leads)), key=keys.__getitem__, reverse=descending)
    return [leads[i] for i in order]


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("field", ["created_at", "last_name", None])
def test_merge_inserts_in_sort_order_without_reset(
    new_model, qtmodeltester, field, descending
) -> None:
    model = new_model()
    old = [make(i, i * 7 % 200) for i in range(30)]
    model.set_leads(list(old))
    order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
    if field is not None:
        model.sort(model.column_of(field), order)
    if field == "created_at" and descending:  # Qt's own tester; slow, so once
        qtmodeltester.check(model, force_py=False)
    seen: list[str] = []
    model.modelReset.connect(lambda: seen.append("reset"))
    model.layoutChanged.connect(lambda *_a: seen.append("layout"))
    model.rowsInserted.connect(lambda *_a: seen.append("insert"))
    fresh = [make(100 + i, i * 13 % 220) for i in range(12)]
    assert model.merge_leads([*old[:10], *fresh, fresh[0]]) == 12  # repeats are dropped
    assert set(seen) == {"insert"}
    assert model.rowCount() == model.total_count() == 42
    if field is None:
        assert model.shown_leads() == old + fresh
    else:
        assert model.shown_leads() == expected_rows(model, field, descending)
        model.sort(model.column_of(field), Qt.SortOrder.AscendingOrder)  # cache stays coherent
        assert model.shown_leads() == expected_rows(model, field, False)
    assert model.merge_leads(fresh) == 0


def test_merge_respects_filter_and_keeps_selection_and_search(new_model) -> None:
    model = new_model()
    model.set_leads([make(i, i) for i in range(40)])
    model.sort(model.column_of("created_at"), Qt.SortOrder.DescendingOrder)
    model.set_filter("ash")
    selection = QItemSelectionModel(model)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    picked = model.lead_at(3)
    selection.select(model.index(3, 0), flags)
    current = QPersistentModelIndex(model.index(3, 2))
    new = [make(200 + i, 100 + i) for i in range(12)]
    model.merge_leads(new)
    assert model.shown_leads() == expected_rows(model, "created_at", True, "ash")
    assert [model.lead_at(i.row()) for i in selection.selectedRows()] == [picked]
    assert model.lead_at(current.row()) == picked
    model.set_filter("")  # the full order grew too
    assert model.shown_leads() == expected_rows(model, "created_at", True)
    model.set_filter("n205")  # the search index covers merged leads
    assert model.shown_leads() == [new[5]]


def test_period_filter_combines_with_text_and_merge(new_model) -> None:
    model = new_model()
    model.set_leads([make(i, i * 10, state="CA" if i % 2 else "TX") for i in range(30)])
    start = (BASE + timedelta(minutes=50)).timestamp()
    model.set_period((start, start + 3600))  # minutes 50 … 109
    assert [x.offer_id for x in model.shown_leads()] == [f"{i:05d}" for i in range(5, 11)]
    model.set_filter("ca")
    assert {x.offer_id for x in model.shown_leads()} == {"00005", "00007", "00009"}
    assert len(model.text_rows()) == 15
    model.sort(model.column_of("offer_id"), Qt.SortOrder.DescendingOrder)
    assert [x.offer_id for x in model.shown_leads()] == ["00009", "00007", "00005"]
    model.merge_leads([make(99, 55, state="CA"), make(98, 200, state="CA")])
    assert [x.offer_id for x in model.shown_leads()] == ["00099", "00009", "00007", "00005"]
    model.set_filter("")
    assert len(model.shown_leads()) == 7
    model.set_period(None)
    assert model.shown_count() == model.total_count() == 32
    model.set_period((start, start + 3600))
    model.set_leads([make(1, 1)])  # new content drops the period
    assert model.period is None and model.shown_count() == 1


def test_new_marks_until_seen(new_model, qtmodeltester) -> None:
    model = new_model(MarkedLeadModel)
    model.set_leads([make(i, i) for i in range(6)])
    model.sort(model.column_of("created_at"), Qt.SortOrder.DescendingOrder)
    counts: list[int] = []
    model.newCountChanged.connect(counts.append)
    fresh = model.merge_new([make(50, 100), make(51, 101), make(3, 3)])
    assert {x.offer_id for x in fresh} == {"00050", "00051"} and model.new_count() == 2
    assert counts == [2]
    assert [model.is_new(r) for r in range(3)] == [True, True, False]
    font = model.data(model.index(0, 4), Qt.ItemDataRole.FontRole)
    assert font.bold() and model.data(model.index(2, 4), Qt.ItemDataRole.FontRole) is None
    assert "New lead" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.DecorationRole) is not None
    assert model.headerData(0, Qt.Orientation.Vertical).startswith("●")
    qtmodeltester.check(model, force_py=False)
    last = model.columnCount() - 1
    picked = QItemSelection(model.index(0, 0), model.index(0, last))  # one new row, one old
    picked.select(model.index(5, 0), model.index(5, last))
    model.mark_selection_seen(picked)
    assert model.new_count() == 1 and counts == [2, 1]
    assert not model.is_new(0) and model.is_new(1)
    model.mark_all_seen()
    assert model.new_count() == 0 and not model.is_new(1)
    model.merge_new([make(60, 200)])
    model.set_leads([make(1, 1)])
    assert model.new_count() == 0


def test_merge_adds_columns_for_extra_fields_only_new_leads_carry(new_model, qtmodeltester):
    model = new_model()
    model.set_leads([make(1, 0), make(2, 1)], ())
    qtmodeltester.check(model, force_py=False)
    inserted: list[tuple[int, int]] = []
    model.columnsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    resets: list[bool] = []
    model.modelReset.connect(lambda: resets.append(True))
    extra = Lead.from_mapping(
        {"created_at": "2026-11-27T10:00:00Z", "first_name": "Zed", "pets": "2 cats"}
    )
    assert model.merge_leads([extra, make(1, 0)]) == 1
    assert inserted == [(20, 20)] and resets == []  # after the documented ones and Status
    assert model.columnCount() == 21
    assert model.headerData(20, Qt.Orientation.Horizontal) == "Pets"
    row = [lead.first_name for lead in model.shown_leads()].index("Zed")
    assert model.data(model.index(row, 20)) == "2 cats"
    other = [lead.first_name for lead in model.shown_leads()].index("n1")
    assert model.data(model.index(other, 20)) == ""
    assert model.merge_leads([Lead.from_mapping({"created_at": "2026-11-27T11:00:00Z",
                                                 "pets": "1 dog"})]) == 1  # fmt: skip
    assert inserted == [(20, 20)]  # a known extra adds no second column


@pytest.mark.parametrize("sort", [None, "last_name"])
def test_a_merge_extends_a_given_index(new_model, sort) -> None:
    from mymove_viewer.table.index import build_index

    model = new_model()
    if sort is not None:
        model.sort(model.column_of(sort), Qt.SortOrder.AscendingOrder)
    old = [make(i, i, name=f"old{i % 7}") for i in range(60)]
    model.set_leads(old)
    index = build_index(old, None)
    assert model.table.set_index(index.leads, index.texts, index.instants)
    other = list(old)  # other leads: refused
    assert not model.table.set_index(other, index.texts, index.instants)
    model.merge_leads([make(100 + i, 100 + i, name=f"new{i % 3}") for i in range(12)])
    for term in ("new1", "old3", "n", "ne", "zz"):
        model.set_filter("")
        model.set_filter(term)
        want = [x for x in model.leads if term in "\x1f".join(x[:19]).lower()]
        assert sorted(model.shown_leads()) == sorted(want), term
        if sort is not None:
            assert model.shown_leads() == expected_rows(model, sort, False, term)


def test_selecting_rows_clears_the_marks_of_exactly_those(new_model) -> None:
    model = new_model(MarkedLeadModel)
    model.set_leads([make(i, 2 * i) for i in range(60)])
    model.sort(model.column_of("created_at"), Qt.SortOrder.DescendingOrder)
    fresh = model.merge_new([make(100 + i, 2 * i + 1) for i in range(30)])  # between the old
    assert model.new_count() == 30
    new_rows = [r for r in range(model.rowCount()) if model.is_new(r)]
    assert new_rows == list(range(30, 90, 2))  # between the old ones
    changed: list[int] = []
    model.dataChanged.connect(lambda top, _bottom, _roles: changed.append(top.row()))
    selection = QItemSelectionModel(model)
    selection.selectionChanged.connect(model.mark_selection_seen)
    rows = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(model.index(30, 0), rows)
    last = model.columnCount() - 1
    span = QItemSelection(model.index(33, 0), model.index(79, last))  # 23 new rows
    selection.select(span, QItemSelectionModel.SelectionFlag.Select)
    picked = {30, *range(33, 80)}
    assert sorted(changed) == [r for r in new_rows if r in picked]
    assert [r for r in range(model.rowCount()) if model.is_new(r)] == [
        r for r in new_rows if r not in picked
    ]
    assert model.new_count() == 30 - len(changed) and {lead.offer_id for lead in fresh} >= {
        model.lead_at(r).offer_id for r in changed
    }


def test_a_merge_extends_every_ranking_so_later_sorts_rank_nothing(new_model, monkeypatch):
    from mymove_viewer.table import lead_table

    model = new_model()
    model.set_leads([make(i, i * 7 % 200, name=f"N{i % 9}") for i in range(80)])
    sorts = [("first_name", False), ("last_name", True), ("created_at", True)]
    for field, descending in sorts:
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        model.sort(model.column_of(field), order)
    fresh = [make(300 + i, i * 11 % 230, name=f"n{i % 4}x"[: 2 + i % 2]) for i in range(25)]
    assert model.merge_leads(fresh) == 25
    assert set(model.ranked_fields()) == {"first_name", "last_name", "created_at"}

    def no_ranking(*_args, **_kwargs):
        raise AssertionError("a sort after the merge ranked a column again")

    monkeypatch.setattr(lead_table, "rank_column", no_ranking)
    for field, descending in [*sorts, ("last_name", False), ("first_name", True)]:
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        model.sort(model.column_of(field), order)
        assert model.shown_leads() == expected_rows(model, field, descending), field


def test_a_merge_into_many_places_keeps_selection_current_row_and_marks(new_model):
    model = new_model(MarkedLeadModel)
    model.set_leads([make(i, 2 * i) for i in range(60)])
    model.sort(model.column_of("created_at"), Qt.SortOrder.DescendingOrder)
    selection = QItemSelectionModel(model)
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    picked = [model.lead_at(r) for r in (2, 3, 40)]
    for row in (2, 3, 40):
        selection.select(model.index(row, 0), flags)
    current = QPersistentModelIndex(model.index(40, 1))
    seen: list[str] = []
    model.layoutChanged.connect(lambda *_a: seen.append("layout"))
    model.rowsInserted.connect(lambda *_a: seen.append("insert"))
    fresh = model.merge_new([make(100 + i, 2 * i + 1) for i in range(30)])  # 30 places
    assert seen == ["insert"] * 30 and len(fresh) == 30
    assert model.shown_leads() == expected_rows(model, "created_at", True)
    assert sorted(model.lead_at(i.row()) for i in selection.selectedRows()) == sorted(picked)
    assert model.lead_at(current.row()) == picked[2]
    marked = [model.lead_at(r) for r in range(model.rowCount()) if model.is_new(r)]
    assert sorted(marked) == sorted(fresh)


@settings(max_examples=200, deadline=None)
@given(
    selected=st.lists(st.booleans(), min_size=0, max_size=30),
    inserts=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 3)), max_size=8),
)
def test_spans_after_inserts_follow_their_rows(selected, inserts) -> None:
    rows = [("old", i) for i in range(len(selected))]
    runs, grown = [], list(rows)
    for k, (at, size) in enumerate(sorted(inserts)):  # positions in the old rows, ascending
        at = min(at, len(rows))
        final = at + sum(len(b) for _a, b in runs)
        block = [("new", k, j) for j in range(size)]
        runs.append((final, block))
        grown[final:final] = block
    spans = spans_of([i for i, s in enumerate(selected) if s], list(range(len(rows))), len(rows))
    moved = spans_after_inserts(spans, runs)
    want = {("old", i) for i, s in enumerate(selected) if s}
    assert {grown[r] for top, bottom in moved for r in range(top, bottom + 1)} == want
    assert moved == spans_of(
        sorted(grown.index(x) for x in want), list(range(len(grown))), len(grown)
    )
