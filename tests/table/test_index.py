"""The index built after the table is shown: the same numbers the GUI thread would compute."""

from __future__ import annotations

import math
from array import array
from datetime import UTC, datetime

import pytest

from mymove_viewer.api.errors import CancelledError
from mymove_viewer.api.lead import Lead
from mymove_viewer.sandbox import Sandbox
from mymove_viewer.slices import SLICE
from mymove_viewer.table.char_masks import char_masks
from mymove_viewer.table.display import columns_for, search_texts
from mymove_viewer.table.index import build_index, rank_ahead, text_masks, worth_ranking_ahead
from mymove_viewer.table.overview import instants, tally, volume
from mymove_viewer.table.sort import rank_column, rows_for

NOW = datetime(2026, 11, 27, 17, 41, tzinfo=UTC)


def test_index_matches_the_pieces_computed_directly() -> None:
    # More than one slice, plus leads the fast paths do not cover (junk date, extra field).
    leads = [Lead.from_mapping(d) for d in Sandbox(leads=SLICE + 500, seed=3, now=NOW).leads]
    leads += [
        Lead.from_mapping({"created_at": "yesterday", "new_state": "TX"}),
        Lead.from_mapping({"created_at": "2026-11-27T10:41:05.5+01:00", "old_housing_tenure": "x"}),
    ]
    window = (NOW.timestamp() - 3 * 86_400, NOW.timestamp())
    index = build_index(leads, window)
    assert index.leads is leads
    assert index.texts == search_texts(leads)
    masks = text_masks(index.texts)
    assert masks.texts is index.texts and masks.chars == char_masks(index.texts)
    want = instants(leads)
    assert len(index.instants) == len(want)
    assert all(
        a == b or (math.isnan(a) and math.isnan(b))
        for a, b in zip(index.instants, want, strict=True)
    )
    assert index.tally == tally(leads)
    assert index.volume == volume(want, window)
    assert sum(index.volume.counts) == len(leads) - 1  # the junk date has no bar


def test_no_chart_window_means_no_bars() -> None:
    leads = [Lead.from_mapping(d) for d in Sandbox(leads=20, seed=1, now=NOW).leads]
    assert build_index(leads, None).volume is None


def test_cancel_stops_between_steps() -> None:
    leads = [Lead.from_mapping(d) for d in Sandbox(leads=50, seed=1, now=NOW).leads]
    asked: list[int] = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) >= 2

    with pytest.raises(CancelledError):
        build_index(leads, None, cancelled)
    assert len(asked) == 2


def test_every_sortable_column_is_ranked_ahead_the_likeliest_first() -> None:
    """Repeated values too (names, cities, ZIPs): ranking one on demand at the first click cost
    about a ``sorted()`` of its keys, the sort's whole budget."""
    leads = [Lead.from_mapping(d) for d in Sandbox(leads=SLICE + 500, seed=3, now=NOW).leads]
    columns = columns_for(("old_housing_tenure",))
    picked = [c.field for c in worth_ranking_ahead(leads, columns)]
    # created_at last: the fetch ordered it one way already (statuses are not here: they
    # change as the user works, and no work is attached).
    assert set(picked) == {c.field for c in columns} and picked[-1] == "created_at"
    assert picked[:3] == ["last_name", "first_name", "new_city"]
    ranked = list(rank_ahead(leads, columns, pace=lambda: None))
    assert [r.field for r in ranked] == picked
    for r in ranked:
        assert r.leads is leads
        column = next(c for c in columns if c.field == r.field)
        here = rank_column(leads, column)  # as the GUI thread ranks
        assert r.ranking.ranks == here.ranks
        for descending, ready in ((False, r.ranking.ascending), (True, r.ranking.descending)):
            assert isinstance(ready, array)  # 4 bytes a lead, not a list's 8 + an int each
            assert list(ready) == rows_for(here, descending)


def test_ranking_ahead_stops_when_its_pace_raises() -> None:
    leads = [Lead.from_mapping(d) for d in Sandbox(leads=3 * SLICE, seed=3, now=NOW).leads]
    calls: list[int] = []

    def pace() -> None:
        calls.append(1)
        if len(calls) == 4:
            raise CancelledError("cancelled")

    ranked = rank_ahead(leads, columns_for(()), pace)
    with pytest.raises(CancelledError):
        next(ranked)
    assert len(calls) == 4
