"""Row orders for the lead table, computed over dense integer ranks. No Qt.

A column's values become ranks (equal sort keys share one) once; sorting is then an argsort of
small integers, ~3x faster than comparing strings, and a second sort of the same column (the
other direction, or back after sorting another) reuses the ranks. Most columns repeat a few
values (states, cities, ZIP codes, names, dates), so ranks come from sorting the distinct values
only. Every order is stable in both directions: equal keys keep their fetched order.
"""

from __future__ import annotations

import heapq
import math
from array import array
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, islice, pairwise, repeat
from operator import ge, itemgetter, le, ne, sub
from typing import Any

from ..api.fields import FIELDS
from ..api.lead import Lead, instant_keys
from ..slices import (
    MERGE_SLICE,
    SORT_SLICE,
    Pace,
    chunks,
    in_slices,
    overlapping,
    paced,
    shed,
    yield_gil,
)
from .display import CREATED, STATUS, TEXT, Column, columns_for, key_function, text_keys

# Above this share of distinct values, ranking the distinct values first costs more than it saves.
DISTINCT_SHARE = 0.5


@dataclass(frozen=True, slots=True)
class Ranking:
    """Dense ranks of one column's sort keys, one per lead, and either order if it was
    computed on the way (the high-cardinality paths get them for free)."""

    ranks: array  # typecode "I"
    ascending: list[int] | array | None = None  # an array ("I") where kept: 4 bytes a lead
    descending: list[int] | array | None = None


@dataclass(frozen=True, slots=True)
class SortedRows:
    """A row order computed ahead (on the worker thread) for one sort of one set of leads."""

    field: str
    descending: bool
    rows: list[int]
    ranking: Ranking | None = None  # for the model's cache: sorting back costs less

    def matches(self, field: str, descending: bool, count: int) -> bool:
        return (field, descending, count) == (self.field, self.descending, len(self.rows))


def sort_keys(leads: Sequence[Lead], column: Column) -> list:
    """One comparable key per lead for ``column`` (what a merge needs to place new leads)."""
    return _keys(values_of(leads, column), column, False, False)


def values_of(leads: Sequence[Lead], column: Column, *, pace: Pace = None) -> list:
    """The values ``column`` sorts by: its field's texts, or what the column computes (the work
    status's numbers)."""
    if column.values is not None:
        compute = column.values
        return in_slices(lambda part: compute(part), leads, pace)
    return column_values(leads, column.field, pace=pace)


def column_values(leads: Sequence[Lead], field: str, *, pace: Pace = None) -> list[str]:
    if field in FIELDS:
        get = itemgetter(FIELDS.index(field))
        return in_slices(lambda part: list(map(get, part)), leads, pace)
    return [lead.get(field) for lead in leads]


def rank_column(
    leads: Sequence[Lead],
    column: Column,
    *,
    canonical: bool = False,
    pace: Pace = None,
    descending: bool | None = None,
    instants: Sequence[float] | None = None,
    created_keys: Sequence[str] | None = None,
) -> Ranking:
    """Ranks of ``column``'s sort keys. ``canonical``: every ``created_at`` is known to be
    ``YYYY-MM-DDTHH:MM:SSZ`` (the parser checked), so the raw text is the key; ``instants``:
    those leads' ``created_at`` as POSIX seconds, if at hand, are the keys instead (a list
    of floats reads ~3x faster than every lead's string: no cache miss per lead), also when
    some are written otherwise (an offset, a fraction) as long as each is a timestamp;
    ``created_keys``: their ``instant_keys``, gathered by the parse, likewise.
    ``pace``: on a worker thread, long C calls are cut into slices with ``pace()`` called
    between them (see ``in_slices``); None on the GUI thread.
    ``descending``: the order wanted now, when the paths that make an order on the way (sorting
    all keys, or keys already in order) should make only that one; None for both."""
    if column.kind == CREATED and instants is not None and (canonical or _all_real(instants)):
        values: Sequence[Any] = instants
        canonical = True  # these keys need no conversion
    elif column.kind == CREATED and created_keys is not None and len(created_keys) == len(leads):
        values, canonical = created_keys, True  # likewise
    else:
        values = values_of(leads, column, pace=pace)
    n = len(values)
    if column.kind != CREATED:  # timestamps hardly ever repeat: not worth counting
        distinct: dict[str, None] = {}
        for part in chunks(values):
            distinct.update(dict.fromkeys(part))
            if len(distinct) > n * DISTINCT_SHARE:
                break  # mostly distinct (emails, addresses): sort them all
        else:
            return Ranking(_ranks_by_distinct(values, list(distinct), column, canonical, pace))
    keys = _keys(values, column, canonical, pace)
    ranked = _ranks_of_monotonic(keys, pace, descending)  # created_at usually comes in order
    if ranked is not None:
        return ranked
    down = bool(descending)
    order = sorted_order(keys, down, pace=pace)
    ranks = _ranks_from_order(keys, order, down, pace)
    if keys is not values:  # on a worker: 1M folded keys freed at once held the GIL ~0.13 s
        shed(keys, pace=pace)
    return Ranking(ranks, descending=order) if down else Ranking(ranks, ascending=order)


def _ranks_of_monotonic(
    keys: list, pace: Pace = None, descending: bool | None = None
) -> Ranking | None:
    """Ranks, and the wanted orders (see ``rank_column``), of keys already in ascending or
    descending order, without comparing keys; None for keys in any other order. Each step is a
    C-level pass in slices."""
    n = len(keys)
    if n < 2 or (rising := _direction(keys)) is None:
        return None
    changed = _changes(keys, pace)  # dense ranks count the changes
    dense = list(accumulate(changed, initial=0))
    top = dense[-1]
    ranks = array("I", dense if rising else map(sub, repeat(top), dense))
    # The stable order in the keys' own direction is the fetched order; the other direction,
    # ties in fetched order, is the runs of equal keys last to first, each run in fetched order.
    along = descending is None or descending != rising
    against = descending is None or descending == rising
    forward = list(range(n)) if along else None
    backward = _runs_last_to_first(dense, changed, pace) if against else None
    return Ranking(ranks, forward, backward) if rising else Ranking(ranks, backward, forward)


def order_in_place(ranks: array, descending: bool, pace: Pace = None) -> list[int] | None:
    """The stable order of ``ranks`` if they already run one way (``created_at`` as fetched),
    found by C passes without a sort; None if they do not."""
    n = len(ranks)
    if n < 2:
        return list(range(n))
    if (rising := _direction(ranks)) is None:
        return None
    if descending != rising:  # the fetched order is the one wanted, ties included
        return list(range(n))
    dense = in_slices(array.tolist, ranks, pace)
    if not rising:  # the runs of ties last to first want non-decreasing keys
        dense = in_slices(lambda part: list(map(sub, repeat(0), part)), dense, pace)
    sliced = pace is not None and n > SORT_SLICE  # (else one sorted() call, no cuts needed)
    return _runs_last_to_first(dense, _changes(dense, pace) if sliced else [], pace)


def _runs_last_to_first(dense: list[int], changed: list[bool], pace: Pace = None) -> list[int]:
    """Rows ``0..n-1`` by ``dense`` (non-decreasing ranks) descending, ties in fetched order:
    a stable sort, fast on data in order. On a worker, it is sorted in blocks that end where a
    run of ties ends, so the blocks need no merging, only putting last to first (merging sorted
    slices with ``heapq.merge``, Python code, took 50 ms of a 110 ms presort at 100k leads;
    reversing each run of ties in a Python loop took 0.6 s at 1M). ``changed[i]`` tells
    whether rank ``i + 1`` differs from rank ``i``."""
    n = len(dense)
    key = dense.__getitem__
    if pace is None or n <= SORT_SLICE:
        return sorted(range(n), key=key, reverse=True)
    cuts = [0]
    while cuts[-1] + SORT_SLICE < n:
        try:
            cuts.append(changed.index(True, cuts[-1] + SORT_SLICE - 1) + 1)
        except ValueError:  # one run of ties to the end
            break
    cuts.append(n)
    out: list[int] = []
    for start, stop in paced(reversed(list(pairwise(cuts))), pace):
        out += sorted(range(start, stop), key=key, reverse=True)
    return out


def reversed_stably(order: list[int], ranks: array, pace: Pace = None) -> list[int]:
    """The stable order the other way round, from a stable ``order`` by ``ranks`` (ties in
    fetched order both ways): its runs of equal ranks last to first, without sorting the ranks
    again (at 1M leads on a worker, ~0.5 s against ~3 s)."""
    listed = in_slices(array.tolist, ranks, pace)
    rank_of = listed.__getitem__
    along = in_slices(lambda part: list(map(rank_of, part)), order, pace)  # non-decreasing
    positions = _runs_last_to_first(along, _changes(along, pace), pace)
    out = in_slices(lambda part: list(map(order.__getitem__, part)), positions, pace)
    shed(listed, along, positions, pace=pace)  # on a worker: up to 1M int objects each
    return out


def _changes(keys: list, pace: Pace = None) -> list[bool]:
    """``changed[i]``: ``keys[i + 1]`` differs from ``keys[i]``, a slice per C call."""
    changed: list[bool] = []
    for part in overlapping(keys, pace):
        changed += map(ne, part[1:], part)
    return changed


def _direction(keys: Sequence[Any]) -> bool | None:
    """True if ``keys`` never fall, False if they never rise (and do fall), else None."""
    if _neighbours_all(le, keys):
        return True
    return False if _neighbours_all(ge, keys) else None


def _neighbours_all(op: Callable[[Any, Any], bool], keys: list) -> bool:
    """``op(keys[i], keys[i + 1])`` for every i, a slice per C call; stops at the first miss."""
    return all(all(map(op, part, part[1:])) for part in overlapping(keys))


def _keys(values: list[str], column: Column, canonical: bool, pace: Pace) -> list:
    if (column.kind == CREATED and canonical) or column.kind == STATUS:
        return values  # the instants, the text itself, or status numbers
    if column.kind == TEXT:  # folded in C passes over a slice, not a Python call per value
        return in_slices(text_keys, values, pace)
    if column.kind == CREATED:
        # Ordered as ``key_function`` orders them (an unreadable value as the epoch), as text:
        # only the few values not in the canonical form are read as times.
        return in_slices(instant_keys, values, pace)
    key = key_function(column.kind, values)
    if key is str:
        return values
    return in_slices(lambda part: list(map(key, part)), values, pace)


def _all_real(instants: Sequence[float]) -> bool:
    """No NaN (a ``created_at`` that is not a timestamp): the instants order the leads as the
    sort key does, whatever form each timestamp was written in."""
    return not any(map(math.isnan, instants))


def _ranks_by_distinct(
    values: list[str], distinct: list[str], column: Column, canonical: bool, pace: Pace
) -> array:
    keys = _keys(distinct, column, canonical, pace)
    order = sorted_order(keys, pace=pace)
    dense = _dense(in_slices(lambda part: list(map(keys.__getitem__, part)), order, pace), pace)
    pairs = zip(map(distinct.__getitem__, order), dense, strict=True)
    if pace is None:
        rank_of = dict(pairs)
    else:
        rank_of = {}
        for chunk in chunks(pairs, pace):
            rank_of.update(chunk)
    return each_array(lambda part: array("I", map(rank_of.__getitem__, part)), values, pace)


def _ranks_from_order(
    keys: list, order: list[int], descending: bool = False, pace: Pace = None
) -> array:
    """Dense ranks (0 for the smallest key) from a stable order of ``keys`` either way. With
    ``pace``, every pass in slices: at 1M leads each one is a 0.4–0.8 s C call otherwise."""
    dense = _dense(in_slices(lambda part: list(map(keys.__getitem__, part)), order, pace), pace)
    if descending and dense:
        top = dense[-1]
        dense = in_slices(lambda part: list(map(sub, repeat(top), part)), dense, pace)
    ranks = array("I", bytes(4 * len(keys)))
    if pace is None:
        deque(map(ranks.__setitem__, order, dense), maxlen=0)  # ranks[order[i]] = dense[i]
    else:
        for span in chunks(range(len(order)), pace):
            part = slice(span.start, span.stop)
            deque(map(ranks.__setitem__, order[part], dense[part]), maxlen=0)
        shed(dense, pace=pace)  # up to 1M int objects
    return ranks


def _dense(sorted_keys: list, pace: Pace = None) -> list[int]:
    """0 for the first key, +1 each time the key changes."""
    if not sorted_keys:
        return []
    if pace is None:
        return list(accumulate(map(ne, islice(sorted_keys, 1, None), sorted_keys), initial=0))
    dense = [0]
    for part in overlapping(sorted_keys, pace):
        dense += islice(accumulate(map(ne, part[1:], part), initial=dense[-1]), 1, None)
    return dense


def each_array(fn: Callable[[Sequence[Any]], array], items: Sequence[Any], pace: Pace) -> array:
    """``in_slices`` for a function that makes an array ("I")."""
    if pace is None:
        return fn(items)
    out = array("I")
    for part in chunks(items, pace):
        out.extend(fn(part))
    return out


def rows_for(ranking: Ranking, descending: bool, *, pace: Pace = None) -> list[int]:
    ready = ranking.descending if descending else ranking.ascending
    if ready is not None:
        return ready.tolist() if isinstance(ready, array) else ready
    return sorted_order(ranking.ranks, descending, pace=pace)


def presort(
    leads: Sequence[Lead],
    extra_fields: Sequence[str],
    field: str,
    descending: bool,
    *,
    canonical: bool = False,
    created_keys: Sequence[str] | None = None,
) -> SortedRows | None:
    """The order the table will want for ``field``, on a worker thread; None if the new leads
    lack that column. ``created_keys``: the parse's sort keys of ``created_at``
    (``lead.instant_keys``), if at hand."""
    column = next((c for c in columns_for(extra_fields) if c.field == field), None)
    if column is None:
        return None
    ranking = rank_column(
        leads,
        column,
        canonical=canonical,
        pace=yield_gil,
        descending=descending,
        created_keys=created_keys,
    )
    rows = rows_for(ranking, descending, pace=yield_gil)
    # The order made is kept too, as an array (4 bytes a lead): sorting back to it after other
    # columns only copies it out (``created_at``, the usual one, is not ranked ahead).
    kept = each_array(partial(array, "I"), rows, yield_gil)
    up, down = (None, kept) if descending else (kept, None)
    return SortedRows(field, descending, rows, Ranking(ranking.ranks, up, down))


def sorted_order(
    keys: Sequence[object], descending: bool = False, *, pace: Pace = None
) -> list[int]:
    """Row order for ``keys``, stable in both directions (equal keys keep their fetched order).

    With ``pace`` (on a worker thread) large inputs are sorted in slices and merged by
    ``heapq.merge`` (Python code, so other threads get the GIL); one ``sorted`` over a million
    keys would hold it for most of a second. On the GUI thread a plain ``sorted`` is faster.
    """
    n = len(keys)
    # A list's item lookup is ~15 % faster than an array's, which makes an int object per call.
    if isinstance(keys, array):  # 1M int objects made in one call held the GIL for ~0.3 s
        keys = in_slices(array.tolist, keys, pace)
    key = keys.__getitem__
    if n <= SORT_SLICE or pace is None:
        return sorted(range(n), key=key, reverse=descending)
    blocks = []
    for span in chunks(range(n), pace, SORT_SLICE):
        blocks.append(sorted(span, key=key, reverse=descending))
    merged = heapq.merge(*blocks, key=key, reverse=descending)
    out: list[int] = []
    for part in chunks(merged, pace, MERGE_SLICE):  # pace() also checks for a cancel
        out += part
    return out
