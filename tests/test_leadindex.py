"""The index built after the table is shown: the same numbers the GUI thread would compute."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import pytest

from mymove_viewer.api.errors import CancelledError
from mymove_viewer.api.lead import Lead
from mymove_viewer.leadindex import build_index
from mymove_viewer.leadtable import SLICE, search_texts
from mymove_viewer.overview_data import instants, tally, volume
from mymove_viewer.sandbox import Sandbox

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
