"""The filter's off-GUI pieces (``table.search``): texts built once by whoever asks first, and the
sliced scan giving the same rows as the one-pass scan."""

from __future__ import annotations

import random
import threading
from dataclasses import replace

import pytest

from mymove_viewer.api.errors import CancelledError
from mymove_viewer.slices import SCAN_SLICE, SLICE
from mymove_viewer.table.display import search_texts
from mymove_viewer.table.full_scan import positions_of
from mymove_viewer.table.overview import instants
from mymove_viewer.table.search import FilterPlan, TextSource, run_filter

from .test_search_texts import STAMPS, lead_at, reference


def test_texts_from_the_source_match_the_cells(zone: str) -> None:
    # Whole slices of canonical stamps (the minute taken from the text), then the odd ones.
    canonical = [s for s in STAMPS if len(s) == 20 and s.endswith("Z")]
    stamps = (canonical * (SLICE // len(canonical) + 2))[: 2 * SLICE] + STAMPS
    leads = [lead_at(s, first_name=f"N{i}") for i, s in enumerate(stamps)]
    source = TextSource(leads)
    texts = source.texts()
    assert texts == search_texts(leads)
    assert texts[-len(STAMPS) :] == [reference(lead) for lead in leads[-len(STAMPS) :]]
    assert source.instants() == instants(leads)
    assert source.texts() is texts  # built once


def test_a_cancelled_build_is_resumed_and_a_second_caller_waits_for_the_first() -> None:
    leads = [lead_at(s) for s in (STAMPS * (3 * SLICE // len(STAMPS) + 1))]
    source = TextSource(leads)
    calls = 0

    def cancel_after_one_slice() -> None:
        nonlocal calls
        calls += 1
        raise CancelledError("stop")

    with pytest.raises(CancelledError):
        source.texts(cancel_after_one_slice)
    assert calls == 1 and len(source._texts) == SLICE  # kept, for the next caller to go on
    got: list[list[str]] = []
    gate = threading.Event()

    def slow() -> None:
        gate.wait(5)

    first = threading.Thread(target=lambda: got.append(source.texts(slow)))
    first.start()
    second = threading.Thread(target=lambda: got.append(source.texts()))
    second.start()
    gate.set()
    first.join(10)
    second.join(10)
    assert len(got) == 2 and got[0] is got[1]
    assert got[0] == search_texts(leads)


def plan(texts, order, candidates, term, *, period=None, at=None, unsorted=False) -> FilterPlan:
    return FilterPlan(
        term, [], order, candidates, texts, TextSource([]), unsorted, None, period, at
    )


@pytest.mark.parametrize("term", ["a", "ab", "zzz", "q"])
@pytest.mark.parametrize("kind", ["unsorted", "sorted", "narrowing"])
def test_the_sliced_scan_finds_the_rows_of_the_one_pass_scan(term: str, kind: str) -> None:
    rng = random.Random(7)
    n = 2 * SCAN_SLICE + 123
    texts = ["".join(rng.choice("abcq") for _ in range(6)) for _ in range(n)]
    texts[5] += "zzz"
    order = list(range(n))
    if kind != "unsorted":
        rng.shuffle(order)
    candidates = order[::3] if kind == "narrowing" else order
    want = [row for row in candidates if term in texts[row]]
    paces: list[int] = []
    made = plan(texts, order, candidates, term, unsorted=kind == "unsorted")
    result = run_filter(made, lambda: paces.append(1))
    assert result.rows == want
    assert len(paces) >= 2 or kind == "narrowing"  # the GIL is offered between slices
    assert run_filter(made).rows == want
    if candidates is order:  # given where each row sits in the order: the same rows
        assert run_filter(replace(made, positions=positions_of(order))).rows == want
    if result.positions is not None:
        assert result.positions == positions_of(order)


def test_the_period_combines_with_the_term() -> None:
    n = SCAN_SLICE + 50
    texts = ["smith" if i % 2 else "jones" for i in range(n)]
    at = [float(i) for i in range(n)]
    order = list(reversed(range(n)))
    made = plan(texts, order, order, "smith", period=(10.0, 20.0), at=at)
    assert run_filter(made, lambda: None).rows == [19, 17, 15, 13, 11]
    assert run_filter(made).rows == [19, 17, 15, 13, 11]
    assert run_filter(made).run == -1  # the order runs backwards: no positions were needed
