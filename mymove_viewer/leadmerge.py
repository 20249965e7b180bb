"""Where newly merged leads go in an already sorted row list. No Qt.

Rows are lead indexes ordered by a key list; equal keys keep index order in both directions
(as ``leadtable.sorted_order`` leaves them), and merged leads get the highest indexes, so a new
lead goes after every old lead with an equal key.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cmp_to_key


def insert_position(
    rows: Sequence[int], lead: int, keys: Sequence[object] | None, descending: bool
) -> int:
    """Where ``lead`` belongs in ``rows`` (binary search; O(log n) Python steps)."""
    if keys is None:  # unsorted: rows are in index order
        lo, hi = 0, len(rows)
        while lo < hi:
            mid = (lo + hi) // 2
            if rows[mid] < lead:
                lo = mid + 1
            else:
                hi = mid
        return lo
    key = keys[lead]
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        other = rows[mid]
        k = keys[other]
        if k == key:
            before = other < lead
        elif descending:
            before = k > key  # type: ignore[operator]
        else:
            before = k < key  # type: ignore[operator]
        if before:
            lo = mid + 1
        else:
            hi = mid
    return lo


def in_row_order(leads: list[int], keys: Sequence[object] | None, descending: bool) -> list[int]:
    """``leads`` in the order the rows use."""
    if keys is None:
        return sorted(leads)

    def compare(a: int, b: int) -> int:
        ka, kb = keys[a], keys[b]
        if ka == kb:
            return (a > b) - (a < b)
        less = ka < kb  # type: ignore[operator]
        return (1 if less else -1) if descending else (-1 if less else 1)

    return sorted(leads, key=cmp_to_key(compare))


def insertion_runs(
    rows: Sequence[int], fresh: list[int], keys: Sequence[object] | None, descending: bool
) -> list[tuple[int, list[int]]]:
    """(row, leads) blocks to insert, in ascending row order, where ``row`` is the position in
    the list as it stands once the earlier blocks are in. ``fresh`` must be in row order."""
    runs: list[tuple[int, list[int]]] = []
    last = -1
    for inserted, lead in enumerate(fresh):
        pos = insert_position(rows, lead, keys, descending)
        if pos == last:
            runs[-1][1].append(lead)
        else:
            runs.append((pos + inserted, [lead]))
            last = pos
    return runs


def merged(rows: list[int], runs: list[tuple[int, list[int]]]) -> list[int]:
    """A new list: ``rows`` with the runs inserted (O(n + k))."""
    out: list[int] = []
    taken = 0  # how many of rows are copied
    for at, block in runs:
        copy_to = at - (len(out) - taken)  # index in rows where this block goes
        out.extend(rows[taken:copy_to])
        taken = copy_to
        out.extend(block)
    out.extend(rows[taken:])
    return out
