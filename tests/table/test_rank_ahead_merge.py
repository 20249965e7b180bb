"""Every sortable column is ranked ahead (issue 15), and a watch merge keeps all of those
rankings valid: a sort after the merge gives what ranking the merged leads afresh gives."""

from __future__ import annotations

from datetime import UTC, datetime

from mymove_viewer.api.lead import Lead
from mymove_viewer.sandbox import Sandbox
from mymove_viewer.table.display import columns_for, search_texts
from mymove_viewer.table.index import RANK_AHEAD_FROM, rank_ahead
from mymove_viewer.table.merge import MergeState, plan_merge
from mymove_viewer.table.overview import instants
from mymove_viewer.table.sort import rank_column, rows_for

NOW = datetime(2026, 11, 27, 17, 41, tzinfo=UTC)


def sandbox_leads(count: int, seed: int) -> list[Lead]:
    return [Lead.from_mapping(d) for d in Sandbox(leads=count, seed=seed, now=NOW).leads]


def odd_leads() -> list[Lead]:
    """Values below, between and above every old one, accented, empty, in any case."""
    out = []
    for i, text in enumerate(["", "AAA", "zzzz", "Ångström", "lee", "Lê", "m", "99999"]):
        data = dict(
            created_at=f"2026-11-2{i % 8}T0{i}:00:00Z",
            first_name=text,
            last_name=text.upper(),
            email=f"{text}{i}@x.example",
            new_city=text,
            new_state=text[:2],
            new_postal_code=text[:5],
            move_date=f"2027-0{1 + i % 9}-1{i}",
            offer_id=f"odd{i}",
        )
        out.append(Lead.from_mapping(data))
    return out


def test_a_merge_keeps_every_ranking_made_ahead_as_ranking_afresh_would() -> None:
    old = sandbox_leads(RANK_AHEAD_FROM + 300, seed=3)
    columns = columns_for(())
    made = {r.field: r.ranking for r in rank_ahead(old, columns, pace=lambda: None)}
    sortable = {c.field for c in columns}
    assert set(made) == sortable
    at = instants(old)
    order = list(range(len(old)))
    state = MergeState(
        old, None, columns, order, order, None, made, search_texts(old, at=at), at,
        False, "", None,
    )  # fmt: skip
    incoming = [*sandbox_leads(120, seed=11), *odd_leads(), *old[:5]]  # repeats dropped
    plan = plan_merge(state, incoming, pace=lambda: None)
    assert len(plan.leads) > len(old) + len(odd_leads())
    assert set(plan.ranks) == sortable  # kept and extended, none dropped
    for field, ranking in plan.ranks.items():
        column = next(c for c in columns if c.field == field)
        afresh = rank_column(plan.leads, column)
        assert list(ranking.ranks) == list(afresh.ranks), field
        for descending, rows in ((False, ranking.ascending), (True, ranking.descending)):
            assert rows is not None, field  # a sort after the merge only copies one out
            assert list(rows) == rows_for(afresh, descending), field
