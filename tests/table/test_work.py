"""``LeadWork``: statuses, notes and first exports kept by lead value."""

from __future__ import annotations

from mymove_viewer.store.records import Status, StoredLeads
from mymove_viewer.table.work import LeadWork, WorkChange
from tests.store.helpers import make_leads


def test_a_change_applies_to_its_leads_only_and_new_clears() -> None:
    a, b, c = make_leads(3)
    work = LeadWork()
    work.apply(WorkChange([a, b], status=Status.CONTACTED, note="call back"))
    assert [work.status_of(x) for x in (a, b, c)] == [Status.CONTACTED] * 2 + [Status.NEW]
    assert work.notes == {a: "call back", b: "call back"}
    work.apply(WorkChange([a], status=Status.NEW, note=""))
    assert work.status == {b: Status.CONTACTED} and work.notes == {b: "call back"}


def test_the_first_export_is_kept_and_the_history_wins() -> None:
    a, b = make_leads(2)
    work = LeadWork()
    work.apply(WorkChange([a], exported_at=100.0))
    work.apply(WorkChange([a, b], exported_at=200.0))
    assert work.exported == {a: 100.0, b: 200.0}
    found = StoredLeads(
        [a, b], [b"k1", b"k2"], [Status.NEW, Status.QUALIFIED], ["", "x"], [None, 50.0]
    )
    work.take(found)
    assert work.status == {b: Status.QUALIFIED} and work.notes == {b: "x"}
    assert work.exported == {a: 100.0, b: 50.0}
