"""``slices``: work cut into slices, the caller's ``pace`` called after each and nowhere else."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from itertools import pairwise

import pytest

from mymove_viewer import slices
from mymove_viewer.api.errors import CancelledError
from mymove_viewer.slices import SLICE, chunks, in_slices, overlapping, paced, shed


@pytest.mark.parametrize("make", [list, tuple, iter], ids=["list", "tuple", "iterator"])
@pytest.mark.parametrize("n", [0, 1, 6, 7, 20])
def test_chunks_cover_the_items_in_order_with_a_pace_after_each(make, n: int) -> None:
    events: list[object] = []
    for part in chunks(make(range(n)), lambda: events.append("pace"), 7):
        events.append(list(part))
    want: list[object] = []
    for start in range(0, n, 7):
        want += [list(range(start, min(n, start + 7))), "pace"]
    assert events == want


def test_chunks_of_a_range_are_ranges_and_default_to_slice(monkeypatch) -> None:
    monkeypatch.setattr(slices, "SLICE", 4)  # read when called, so tests can make slices tiny
    assert list(chunks(range(3, 13))) == [range(3, 7), range(7, 11), range(11, 13)]


def test_a_pace_that_raises_stops_the_work_after_that_slice() -> None:
    done: list[Sequence[int]] = []

    def cancel() -> None:
        raise CancelledError("stop")

    with pytest.raises(CancelledError):
        for part in chunks(list(range(100)), cancel, 10):
            done.append(part)
    assert done == [list(range(10))]


def test_in_slices_is_one_call_without_pace_and_the_same_result_with_it() -> None:
    calls: list[int] = []
    paces: list[int] = []

    def double(part: Sequence[int]) -> list[int]:
        calls.append(len(part))
        return [2 * x for x in part]

    items = list(range(25))
    assert in_slices(double, items, size=10) == [2 * x for x in items]
    assert calls == [25] and not paces  # the GUI thread: in one go
    calls.clear()
    assert in_slices(double, items, lambda: paces.append(1), 10) == [2 * x for x in items]
    assert calls == [10, 10, 5] and len(paces) == 3
    calls.clear()
    assert in_slices(double, items[:10], lambda: paces.append(1), 10) == [2 * x for x in range(10)]
    assert calls == [10] and len(paces) == 3  # one slice: nothing to hand over between


@pytest.mark.parametrize("n", [0, 1, 2, 5, 6, 11])
def test_overlapping_slices_hold_every_pair_of_neighbours_once(monkeypatch, n: int) -> None:
    monkeypatch.setattr(slices, "SLICE", 5)
    paces: list[int] = []
    parts = list(overlapping(list(range(n)), lambda: paces.append(1)))
    pairs = [pair for part in parts for pair in pairwise(part)]
    assert pairs == list(pairwise(range(n)))
    assert len(paces) == len(parts) == max(0, -(-(n - 1) // 5))


def test_paced_without_pace_passes_the_parts_through() -> None:
    parts = iter([1, 2, 3])
    assert list(paced(parts, None)) == [1, 2, 3]


def test_shed_empties_lists_a_slice_at_a_time_with_pace_between() -> None:
    big, small = list(range(2 * SLICE + 1)), [object()]
    sizes: list[int] = []
    shed(big, small, pace=lambda: sizes.append(len(big) + len(small)))
    assert big == [] and small == []
    assert sizes == [SLICE + 2, 2, 1, 0]  # never more than a slice freed between paces
    kept = list(range(10))
    shed(kept)  # no pace (the GUI thread): the caller's own ``del`` frees it
    assert kept == list(range(10))


def test_the_gil_is_offered_at_most_every_offer_interval_per_thread(monkeypatch) -> None:
    clock = [100.0]
    sleeps: list[float] = []
    monkeypatch.setattr(slices.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr(slices.time, "sleep", sleeps.append)
    monkeypatch.setattr(slices, "_offered", threading.local())
    slices.yield_gil()
    clock[0] += slices.OFFER_S / 2
    slices.yield_gil()  # too soon: no second sleep
    assert sleeps == [0]
    clock[0] += slices.OFFER_S
    slices.yield_gil()
    assert sleeps == [0, 0]
    other = threading.Thread(target=slices.yield_gil)  # another thread offers on its own clock
    other.start()
    other.join()
    assert sleeps == [0, 0, 0]
