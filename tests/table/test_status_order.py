"""``status_order``: a sort by status that keeps the table's order among leads of one status."""

from __future__ import annotations

import random

from mymove_viewer.slices import SLICE
from mymove_viewer.table.work import status_order


def test_ties_keep_the_given_order_both_ways_across_slices() -> None:
    rng = random.Random(5)
    n = 3 * SLICE + 17
    ranks = [rng.choice((0, 0, 0, 1, 3)) for _ in range(n)]
    order = list(range(n))
    rng.shuffle(order)  # the table's order: any
    paces: list[None] = []
    for descending in (False, True):
        got = status_order(order, ranks, descending, lambda: paces.append(None))
        # ``sorted`` is stable with reverse=True too: ties keep ``order``'s order.
        assert got == sorted(order, key=ranks.__getitem__, reverse=descending)
    assert len(paces) >= 2 * 4  # between slices, on a worker
