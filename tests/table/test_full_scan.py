"""A scan over every row in an order that runs through memory (``order_run``): the rows come
out in view order without a mask, the same as for any other order."""

from __future__ import annotations

import random

import pytest

from mymove_viewer.slices import SCAN_SLICE
from mymove_viewer.table.full_scan import order_run
from mymove_viewer.table.search import FilterPlan, TextSource, run_filter


def _orders(n: int) -> dict[str, list[int]]:
    rng = random.Random(3)
    shuffled = list(range(n))
    rng.shuffle(shuffled)
    swapped = list(range(n))  # 0..n-1 but for two rows in different slices
    swapped[1], swapped[SCAN_SLICE + 5] = swapped[SCAN_SLICE + 5], swapped[1]
    almost = list(range(n - 1, -1, -1))  # n-1..0 but for two neighbours at the end
    almost[-1], almost[-2] = almost[-2], almost[-1]
    return {
        "identity": list(range(n)),
        "reversed": list(range(n - 1, -1, -1)),
        "shuffled": shuffled,
        "swapped": swapped,
        "almost reversed": almost,
    }


def test_order_run_tells_which_orders_run_through_memory() -> None:
    orders = _orders(2 * SCAN_SLICE + 77)
    want = {"identity": 1, "reversed": -1, "shuffled": 0, "swapped": 0, "almost reversed": 0}
    paces: list[int] = []
    assert {k: order_run(v, lambda: paces.append(1)) for k, v in orders.items()} == want
    assert paces  # the GIL is offered between slices
    assert order_run([]) == 0 and order_run([0]) == 1


@pytest.mark.parametrize("kind", ["identity", "reversed", "shuffled", "swapped", "almost reversed"])
@pytest.mark.parametrize("known", [False, True])
@pytest.mark.parametrize("term", ["ab", "q", "zzz", "nowhere"])
def test_a_sorted_scan_gives_the_matches_in_view_order(kind: str, known: bool, term: str) -> None:
    rng = random.Random(11)
    n = 2 * SCAN_SLICE + 77
    texts = ["".join(rng.choice("abcq") for _ in range(5)) for _ in range(n)]
    texts[n - 3] += "zzz"
    order = _orders(n)[kind]
    run = order_run(order) if known else None
    plan = FilterPlan(term, [], order, order, texts, TextSource([]), False, None, None, None,
                      None, run)  # fmt: skip
    result = run_filter(plan, lambda: None)
    assert result.rows == [row for row in order if term in texts[row]]
    assert result.run == order_run(order)  # found out for the table to keep, or kept
