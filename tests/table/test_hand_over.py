"""What the table replaces goes to the reaper, not dropped on the GUI thread: the old leads and
everything made of them (their set, instants, texts, the rankings made ahead and their orders),
on a switch or fetch (``set_leads``) and on a watch merge (``apply_merge``); the work's dicts
when it is cleared."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from mymove_viewer import reaper
from mymove_viewer.api.lead import Lead
from mymove_viewer.slices import SLICE
from mymove_viewer.table.index import rank_ahead
from mymove_viewer.table.lead_table import LeadTable
from mymove_viewer.table.work import LeadWork, WorkChange

BASE = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
N = SLICE + 500  # above what the reaper takes: smaller lists are freed at once


def make(i: int) -> Lead:
    created = (BASE + timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ")
    names = ("Ash", "birch", "Cedar")
    return Lead.from_mapping(
        {"offer_id": f"{i:06d}", "created_at": created, "last_name": names[i % 3]}
    )


@pytest.fixture
def handed(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """What is handed to the reaper (not freed: the test holds it)."""
    got: list[object] = []
    monkeypatch.setattr(reaper, "release", lambda *objects, delay=0.0: got.extend(objects))
    return got


def contains(objects: list[object], wanted: object) -> bool:
    return any(x is wanted for x in objects)


def ranked_table() -> LeadTable:
    """A table of N leads with the rankings made ahead, their instants and their set made."""
    table = LeadTable()
    leads = [make(i) for i in range(N)]
    table.set_leads(leads)
    for ranked in rank_ahead(leads, table.columns):
        assert table.add_ranking(ranked.leads, ranked.field, ranked.ranking)
    table.instants()
    assert table.merge_leads([make(N)]) == 1  # makes the set of leads
    return table


def test_replacing_the_leads_hands_over_all_that_was_made_of_them(handed) -> None:
    table = ranked_table()
    state = table.merge_state()
    rankings = list(state.ranks.values())
    assert len(rankings) > 5 and state.lead_set is not None and state.instants is not None
    table.set_leads([])  # as a switch to another environment does
    for made in (state.leads, state.lead_set, state.instants, state.order, *rankings):
        assert contains(handed, made)
    assert len(table.merge_state().ranks) == 0


def test_a_merge_hands_over_what_it_replaced_and_keeps_the_rest(handed) -> None:
    table = ranked_table()
    before = table.merge_state()
    assert table.merge_leads([make(N + 1), make(N + 2)]) == 2
    after = table.merge_state()
    assert after.leads is not before.leads and after.lead_set is not before.lead_set
    for replaced in (before.leads, before.lead_set, before.instants, *before.ranks.values()):
        assert contains(handed, replaced)
    kept = [after.leads, after.rows, after.lead_set, after.instants, *after.ranks.values()]
    assert not any(contains(handed, x) for x in kept)  # still the table's: never handed over


def test_a_merge_of_nothing_new_hands_over_no_ranking(handed) -> None:
    table = ranked_table()
    before = table.merge_state()
    assert table.merge_leads([make(0)]) == 0
    assert not any(contains(handed, r) for r in before.ranks.values())
    assert not contains(handed, table.leads)


def test_clearing_the_work_hands_its_dicts_over(handed) -> None:
    work = LeadWork()
    leads = [make(i) for i in range(N)]
    work.apply(WorkChange(leads, exported_at=1.0))
    exported = work.exported
    assert len(exported) == N
    work.clear()
    assert contains(handed, exported)
    assert work.exported == {} and work.status_of(leads[0]) == work.status_of(make(-1))
