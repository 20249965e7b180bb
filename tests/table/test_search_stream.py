"""A filter run as the texts are made (``table.search_stream``): the rows of ``run_filter``, and
partial rows that are always the top of them."""

from __future__ import annotations

import random

import pytest

from mymove_viewer.table import search_stream, text_source
from mymove_viewer.table.overview import instants
from mymove_viewer.table.search import FilterPlan, FilterResult, TextSource, run_filter
from mymove_viewer.table.search_stream import stream_filter, streams

from ..store.helpers import make_leads


@pytest.mark.parametrize(
    "text", ["s", "smith", "-s", "state:ca a", "tenure:own -smith", "created:2026-11-20 a", "zzz"]
)
def test_streamed_rows_are_those_of_the_one_pass_scan_and_partials_their_top(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text_source, "TEXT_SLICE", 64)
    monkeypatch.setattr(search_stream, "SCAN_SLICE", 128)
    leads = make_leads(1500)
    order = list(range(len(leads)))
    random.Random(3).shuffle(order)  # a sorted table: not the leads' own order
    at = instants(leads)  # ascending: the leads come oldest first
    period = (at[200], at[1200]) if text.startswith("tenure") else None  # and a bar picked

    def plan(source: TextSource) -> FilterPlan:
        return FilterPlan(text, leads, order, order, None, source, False, None, period, None)

    want = run_filter(plan(TextSource(leads))).rows
    source = TextSource(leads, order=order)
    source.build(300)  # the indexer got this far in the table's order
    streamed = plan(source)
    assert streams(streamed)
    partials: list[list[int]] = []

    def partial(result: FilterResult) -> None:
        partials.append(result.rows)

    times = iter(range(0, 100, 1))  # a clock a second on at each look: every chance to show
    result = stream_filter(streamed, lambda: None, partial, clock=lambda: next(times))
    assert result.rows == want
    assert result.texts == TextSource(leads).texts()  # made in full, for the model to keep
    assert source.built == len(leads) and not streams(plan(source))
    if len(want) > 5:
        assert partials
    assert all(0 < len(p) < len(want) and p == want[: len(p)] for p in partials)
