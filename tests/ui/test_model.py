"""The lead table model: Qt's model tester, sorting by the right key, filtering, selection."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt

from mymove_viewer.api.lead import Lead
from mymove_viewer.table.display import columns_for
from mymove_viewer.ui.model import LeadTableModel


def lead(**fields: str) -> Lead:
    base = {"created_at": "2026-11-01T10:00:00Z"}
    base.update(fields)
    return Lead.from_mapping(base)


LEADS = [
    lead(
        first_name="bob",
        last_name="Zed",
        created_at="2026-11-02T10:00:00Z",
        new_postal_code="10001",
        move_date="2026-12-01T00:00:00Z",
    ),
    lead(
        first_name="Al",
        last_name="adams",
        created_at="2026-11-01T09:00:00+02:00",
        new_postal_code="02134",
        move_date="2026-11-15T00:00:00Z",
    ),
    lead(
        first_name="Cy",
        last_name="Brown",
        created_at="2026-11-01T08:00:00.5Z",
        new_postal_code="9",
        move_date="",
    ),
]


def column(model: LeadTableModel, field: str) -> int:
    return model.column_of(field)


def shown(model: LeadTableModel, field: str) -> list[str]:
    return [lead.get(field) for lead in model.shown_leads()]


def test_model_passes_qt_model_tester(qtmodeltester) -> None:
    model = LeadTableModel()
    model.set_leads(list(LEADS), ("old_housing_tenure",))
    qtmodeltester.check(model, force_py=True)
    model.sort(column(model, "last_name"))
    model.set_filter("b")
    qtmodeltester.check(model, force_py=True)


def test_headers_are_readable_and_extras_follow_documented_fields() -> None:
    model = LeadTableModel()
    model.set_leads([lead(old_housing_tenure="rent")], ("old_housing_tenure",))
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers[:3] == ["Offer ID", "Created", "First name"]
    assert headers[12] == "New ZIP+4"
    assert headers[-1] == "Old tenure"
    assert headers[19] == "Status" and model.data(model.index(0, 19)) == "New"
    assert model.data(model.index(0, 20)) == "rent"


def test_sort_text_case_insensitively_and_both_directions() -> None:
    model = LeadTableModel()
    model.set_leads(list(LEADS))
    model.sort(column(model, "last_name"))
    assert shown(model, "last_name") == ["adams", "Brown", "Zed"]
    model.sort(column(model, "last_name"), Qt.SortOrder.DescendingOrder)
    assert shown(model, "last_name") == ["Zed", "Brown", "adams"]


def test_sort_created_by_instant_across_offsets_and_precision() -> None:
    model = LeadTableModel()
    model.set_leads(list(LEADS))
    model.sort(column(model, "created_at"))
    # 09:00+02:00 is 07:00Z: earliest, although its text sorts last of the three on 2026-11-01.
    assert shown(model, "first_name") == ["Al", "Cy", "bob"]


def test_sort_canonical_created_as_text_in_either_fetched_order() -> None:
    import random

    stamps = [f"2026-11-27T09:{m:02d}:{s:02d}Z" for m in range(3) for s in (5, 5, 7)]
    for shape in ("rising", "falling", "shuffled"):
        ordered = sorted(stamps, reverse=shape == "falling")
        if shape == "shuffled":
            random.Random(4).shuffle(ordered)
        leads = [lead(created_at=t, first_name=f"n{i}") for i, t in enumerate(ordered)]
        for descending in (False, True):
            want = sorted(range(len(leads)), key=lambda i: ordered[i], reverse=descending)
            for canonical, instants_known in ((True, False), (True, True), (False, True)):
                model = LeadTableModel()
                model.set_leads(list(leads), canonical_created=canonical)
                if instants_known:  # as after the index: the instants are the keys
                    model.instants()
                order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
                model.sort(column(model, "created_at"), order)
                # Stable: equal stamps keep their fetched order in both directions.
                assert shown(model, "first_name") == [f"n{i}" for i in want], (shape, descending)


def test_sort_zip_as_text_and_move_date_as_date() -> None:
    model = LeadTableModel()
    model.set_leads(list(LEADS))
    model.sort(column(model, "new_postal_code"))
    assert shown(model, "new_postal_code") == ["02134", "10001", "9"]
    model.sort(column(model, "move_date"))
    assert shown(model, "first_name") == ["Cy", "Al", "bob"]


def test_filter_is_case_insensitive_across_fields_and_narrows() -> None:
    model = LeadTableModel()
    model.set_leads(list(LEADS))
    counts = []
    model.countsChanged.connect(lambda s, t: counts.append((s, t)))
    model.set_filter("B")
    assert sorted(shown(model, "first_name")) == ["Cy", "bob"]
    model.set_filter("bro")
    assert shown(model, "first_name") == ["Cy"]
    model.set_filter("02134")
    assert shown(model, "first_name") == ["Al"]
    model.set_filter("")
    assert model.shown_count() == 3
    assert counts == [(2, 3), (1, 3), (1, 3), (3, 3)]


def test_filter_never_matches_across_two_fields() -> None:
    model = LeadTableModel()
    model.set_leads([lead(first_name="ab", last_name="cd")])
    model.set_filter("bc")
    assert model.shown_count() == 0


def test_selection_follows_its_lead_through_sort_and_filter(qtmodeltester) -> None:
    model = LeadTableModel()
    model.set_leads(list(LEADS))
    selection = QItemSelectionModel(model)
    bob_row = shown(model, "first_name").index("bob")
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    selection.select(model.index(bob_row, 0), flags)
    model.sort(column(model, "first_name"))
    rows = {i.row() for i in selection.selectedRows()}
    assert [model.lead_at(r).first_name for r in rows] == ["bob"]
    model.set_filter("zed")
    assert [model.lead_at(i.row()).first_name for i in selection.selectedRows()] == ["bob"]
    model.set_filter("adams")
    assert selection.selectedRows() == []


def test_sort_and_filter_survive_new_content() -> None:
    model = LeadTableModel()
    model.sort(0)
    model.set_filter("zed")
    model.set_leads(list(LEADS))
    assert shown(model, "last_name") == ["Zed"]
    model.clear()
    assert model.rowCount() == 0 and model.total_count() == 0


def test_created_shown_in_local_time_with_raw_tooltip(monkeypatch) -> None:
    import time

    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        model = LeadTableModel()
        model.set_leads([lead(created_at="2026-11-27T17:41:00Z", move_date="2026-12-01T00:00:00Z")])
        c, m = column(model, "created_at"), column(model, "move_date")
        assert model.data(model.index(0, c)) == "2026-11-27 09:41"
        assert "2026-11-27T17:41:00Z" in model.data(model.index(0, c), Qt.ItemDataRole.ToolTipRole)
        assert model.data(model.index(0, m)) == "2026-12-01"
        assert model.data(model.index(0, c), LeadTableModel.RawRole) == "2026-11-27T17:41:00Z"
    finally:
        monkeypatch.undo()
        time.tzset()


def test_filter_matches_created_as_shown_after_set_and_merge(local_tz) -> None:
    local_tz("America/Los_Angeles")
    model = LeadTableModel()
    model.set_leads([lead(created_at="2026-11-27T17:41:00Z", first_name="Ann")])
    model.set_filter("11-27 09:41")
    assert shown(model, "first_name") == ["Ann"]
    model.set_filter("17:41")  # the UTC time as sent is not what the cell shows
    assert shown(model, "first_name") == []
    model.set_filter("09:4")
    model.merge_leads([lead(created_at="2026-11-27T17:45:30Z", first_name="Bo")])
    assert sorted(shown(model, "first_name")) == ["Ann", "Bo"]


def test_invalid_indexes_answer_nothing() -> None:
    model = LeadTableModel()
    model.set_leads(list(LEADS))
    assert model.data(QModelIndex()) is None
    assert model.data(model.index(99, 0)) is None
    assert model.rowCount(model.index(0, 0)) == 0
    assert len(columns_for()) + 1 == model.columnCount()  # and the work status


def test_a_dropped_model_frees_its_leads_without_waiting_for_a_collection() -> None:
    """The table tells the model of its changes without holding it: a cycle would keep every
    lead alive until the garbage collector ran (which ``gc_guard`` may hold back)."""
    import gc
    import weakref

    model = LeadTableModel()
    model.set_leads(list(LEADS))
    model.sort(column(model, "last_name"))
    table = weakref.ref(model.table)
    gc.disable()
    try:
        del model
        assert table() is None
    finally:
        gc.enable()
