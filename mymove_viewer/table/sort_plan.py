"""A sort of the lead table as a plan and its result, so a large one runs on a worker. No Qt.

At 1M leads the argsort of a column's ranks alone takes ~0.3-0.4 s; on the GUI thread a header
click froze the window for 0.6-1.2 s. ``LeadTable.plan_sort`` notes what the sort reads (all
references, O(1); a copy of the shown rows only when a filter narrows them), ``run_sort``
computes the new order on a worker in slices, and ``LeadTable.apply_sort`` swaps it in unless
the leads, order or shown rows changed meanwhile. The result also says where each lead now
sits, so the view's selection and current row follow their leads without a pass over the rows.
"""

from __future__ import annotations

from array import array
from collections import deque
from dataclasses import dataclass
from itertools import accumulate, compress, repeat

from ..api.lead import Lead
from ..slices import SLICE, Pace, chunks, in_slices
from .display import STATUS, Column
from .sort import Ranking, order_in_place, rank_column, rows_for
from .work import status_order

NOT_SHOWN = 0xFFFFFFFF  # in ``SortResult.row_of``: the lead is filtered out
_BIG_SLICE = 16 * SLICE  # array stores by index: ~0.1 us each, ~7 ms of GIL a slice
_LOOP_SLICE = 8 * SLICE  # a Python step a lead (~0.15 us): ~5 ms of GIL a slice
# Up to this many leads a worker orders ranks with one ``sorted`` call, which holds the GIL
# (the window's paints wait) ~12-20 ms at 100k, ~25-40 ms here at its limit.
ONE_SORT_UP_TO = 200_000


@dataclass(frozen=True, slots=True)
class SortPlan:
    leads: list[Lead]
    order: list[int]  # the table's order when planned (compared by identity)
    shown: list[int]  # the table's rows when planned (compared by identity)
    kept: list[int] | None  # a copy of them when filtered (a merge grows rows in place)
    index: int  # the column's number
    column: Column
    descending: bool
    ranking: Ranking | None  # cached ranks of the column, if any
    canonical: bool
    instants: list[float] | None


@dataclass(frozen=True, slots=True)
class SortResult:
    order: list[int]  # every lead in the new order
    rows: list[int]  # the shown ones, in that order
    ranking: Ranking  # the column's ranks, for the table's cache
    row_of: array | None  # per lead, its row in ``rows`` (``NOT_SHOWN``); None if not asked


def run_sort(plan: SortPlan, pace: Pace = None, *, positions: bool = False) -> SortResult:
    """The order ``plan`` asks for; with ``pace`` (a worker) in slices. ``positions``: also
    where each lead lands (a worker does it; on the GUI thread a small table maps its rows)."""
    n = len(plan.leads)
    ranking = plan.ranking
    if ranking is None:
        ranking = rank_column(
            plan.leads,
            plan.column,
            canonical=plan.canonical,
            pace=pace,
            descending=plan.descending,
            instants=plan.instants,
        )
    ready = ranking.descending if plan.descending else ranking.ascending
    row_of: array | None = None
    if plan.column.kind == STATUS:  # ties keep the table's order (see ``status_order``)
        order = status_order(plan.order, ranking.ranks, plan.descending, pace)
    elif pace is not None and ready is None:
        order, row_of = ranked_order(ranking.ranks, plan.descending, pace)
    elif pace is not None and isinstance(ready, array):  # one tolist() held the GIL ~50 ms
        order = in_slices(array.tolist, ready, pace, _BIG_SLICE)
    else:
        order = rows_for(ranking, plan.descending, pace=pace)
    rows = order if plan.kept is None else _kept_in(order, plan.kept, n, pace)
    if not positions:
        row_of = None
    elif row_of is None or rows is not order:
        row_of = _positions(rows, n, pace)
    # Keep the ranks, not an order (36 bytes a lead against 4).
    return SortResult(order, rows, Ranking(ranking.ranks), row_of)


def quick_sort(plan: SortPlan) -> SortResult | None:
    """``plan``'s result if it costs next to nothing, for the GUI thread: the column's ranks are
    cached and the wanted order is kept with them (a copy out, ~3 ms at 100k) or they are in
    order (C passes, ~3-5 ms); None if a sort is needed (a worker's job). Up to
    ``ONE_SORT_UP_TO`` leads: at 100k the worker's round trip (the header's paint first, then
    the rows') doubled a sort's time for an order that was at hand."""
    ranking, n = plan.ranking, len(plan.leads)
    if ranking is None or n > ONE_SORT_UP_TO or plan.column.kind == STATUS:
        return None  # a status sort reads the table's order (``run_sort``), never at hand
    ready = ranking.descending if plan.descending else ranking.ascending
    if ready is not None:
        order = ready.tolist() if isinstance(ready, array) else ready
    elif (found := order_in_place(ranking.ranks, plan.descending)) is not None:
        order = found
    else:
        return None
    rows = order if plan.kept is None else _kept_in(order, plan.kept, n, None)
    return SortResult(order, rows, Ranking(ranking.ranks), None)


def ranked_order(ranks: array, descending: bool, pace: Pace) -> tuple[list[int], array | None]:
    """The stable order of dense ``ranks`` on a worker, the fastest way for them, and where each
    lead lands if that came for free. Ranks in order (``created_at`` as fetched) need no sort:
    a C pass checks them (~3 ms at 100k). Up to ``ONE_SORT_UP_TO`` leads, one ``sorted`` of
    the ranks (~12-20 ms of GIL at 100k) is about twice as fast as counting them in Python
    loops; above it, counting runs in slices."""
    n = len(ranks)
    if (order := order_in_place(ranks, descending, pace)) is not None:
        return order, None
    if n <= ONE_SORT_UP_TO:
        return sorted(range(n), key=ranks.tolist().__getitem__, reverse=descending), None
    return counting_order(ranks, descending, pace)


def counting_order(ranks: array, descending: bool, pace: Pace) -> tuple[list[int], array]:
    """The stable order of dense ``ranks`` (as ``sort.sorted_order`` gives it) and where each
    lead lands in it, by counting: as fast as one ``sorted`` (~0.3 s at 1M) but in slices, where
    ``sorted_order``'s slices and merge took ~4x as long on a worker."""
    n = len(ranks)
    top = max(ranks) if n else 0
    counts = [0] * (top + 1)
    for part in chunks(ranks, pace, _LOOP_SLICE):
        for r in part:
            counts[r] += 1
    if descending:
        counts.reverse()
    starts = [0, *accumulate(counts)]  # the next free place per rank (per flipped rank)
    where = array("I", bytes(4 * n))
    for start in range(0, n, _LOOP_SLICE):
        part = ranks[start : start + _LOOP_SLICE]
        if descending:
            part = array("I", map(top.__sub__, part))
        for i, r in enumerate(part, start):
            at = starts[r]
            starts[r] = at + 1
            where[i] = at
        if pace is not None:
            pace()
    order = [0] * n
    for start in range(0, n, _BIG_SLICE):
        stop = min(start + _BIG_SLICE, n)
        deque(map(order.__setitem__, where[start:stop], range(start, stop)), maxlen=0)
        if pace is not None:
            pace()
    return order, where


def _kept_in(order: list[int], kept: list[int], n: int, pace: Pace) -> list[int]:
    """The leads of ``kept`` in the order of ``order``: a byte per lead marks them."""
    mark = bytearray(n)
    for part in chunks(kept, pace, _BIG_SLICE):
        deque(map(mark.__setitem__, part, repeat(1)), maxlen=0)
    out: list[int] = []
    for part in chunks(order, pace, _BIG_SLICE):
        out += compress(part, map(mark.__getitem__, part))
    return out


def _positions(rows: list[int], n: int, pace: Pace) -> array:
    where = array("I", [NOT_SHOWN]) * n
    for start in range(0, len(rows), _BIG_SLICE):
        stop = min(start + _BIG_SLICE, len(rows))
        deque(map(where.__setitem__, rows[start:stop], range(start, stop)), maxlen=0)
        if pace is not None:
            pace()
    return where
