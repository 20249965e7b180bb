"""A filter's scan of every row's text, and its matches put in the table's order. No Qt.

The texts are read first to last, as they lie in memory: read last to first (for a table in
the reverse order), a rare term's scan took ~1.8x as long. What costs beyond the bare scan is
putting the matches in the table's order, which the shortcuts here avoid where they can.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from itertools import compress, islice, repeat
from operator import contains

from ..slices import SCAN_SLICE, Pace, chunks
from .text_source import picked


def order_run(order: Sequence[int], pace: Pace = None) -> int:
    """1 if ``order`` (every row: a permutation of ``0..n-1``) is ``0..n-1``, -1 if it is
    ``n-1..0``, else 0: the view order is then the memory order (``created_at`` as fetched),
    and texts scanned in it need no reordering. C passes a slice at a time (once per order):
    distinct ints in order, from ``a`` to ``b-1``, ``b-a`` of them, are exactly ``a..b-1``."""
    n = len(order)
    if not n or order[0] not in (0, n - 1):  # (most sorts: no pass at all)
        return 0
    run = 1 if order[0] == 0 else -1
    for span in chunks(range(n), pace, SCAN_SLICE):
        part = order[span.start : span.stop]
        ends = (span.start, span.stop - 1) if run == 1 else (n - 1 - span.start, n - span.stop)
        if (part[0], part[-1]) != ends or part != sorted(part, reverse=run == -1):
            return 0
    return run


def positions_of(order: Sequence[int], pace: Pace = None) -> array:
    """``positions[row]`` = where ``row`` sits in ``order`` (a permutation of ``0..n-1``), made
    a slice at a time with ``pace`` called between slices."""
    positions = array("I", bytes(4 * len(order)))
    for span in chunks(range(len(order)), pace, SCAN_SLICE):
        deque(map(positions.__setitem__, order[span.start : span.stop], span), maxlen=0)
    return positions


def scan_every_row(
    texts: list[str],
    term: str,
    order: list[int],
    pace: Pace,
    *,
    run: int | None = None,
    positions: array | None = None,
    ranks: tuple[array, bool] | None = None,
    mask: bytes | None = None,
    among: bytes | None = None,
) -> tuple[list[int], array | None, int]:
    """The rows of ``order`` (every row) whose text holds ``term``, in that order, a slice at
    a time with ``pace`` called between slices; with ``positions`` (of ``order``) made on the
    way, if they were needed, and ``order_run(order)`` (``run``, if known already).

    ``mask``: which texts hold the term, if known (no scan then); ``among``: the only texts that
    may hold it (those left out are not read). ``ranks``: the dense ranks ``order`` is sorted by
    (descending or not), which put a rare term's few matches in it as positions would."""
    n = len(texts)
    if run is None:
        run = order_run(order, pace)
    if run == 1 and mask is None and among is None:  # rows picked as the texts are scanned
        rows: list[int] = []
        kept, scanning = iter(order), iter(texts)
        for _span in chunks(range(n), pace, SCAN_SLICE):
            found = map(contains, islice(scanning, SCAN_SLICE), repeat(term))
            rows += compress(islice(kept, SCAN_SLICE), found)
        return rows, positions, run
    if among is not None:  # the matches come in memory order
        # The row numbers are the order's own ints where it is 0..n-1: not one new int a match.
        matches = _found_among(texts, term, among, order if run == 1 else None, pace)
        if run:
            return _along(matches, run), positions, run
        if len(matches) * 16 < n:
            return (*_sorted_few(matches, order, positions, ranks, pace), run)
        mask = _mask_of(matches, n, pace)
    else:
        if mask is None:
            mask = _scanned(texts, term, pace)
        if run:
            return _in_run(mask, order, run, pace), positions, run
        if mask.count(1) * 16 < n:
            return (*_sorted_few(_ones(mask), order, positions, ranks, pace), run)
    rows = []
    for span in chunks(range(n), pace, SCAN_SLICE):
        part = order[span.start : span.stop]
        rows += compress(part, picked(mask, part))
    return rows, positions, run


def _along(matches: list[int], run: int) -> list[int]:
    """Matches in memory order, in an order running through memory (``run``) either way."""
    if run == -1:
        matches.reverse()
    return matches


def _sorted_few(
    few: Iterable[int],
    order: list[int],
    positions: array | None,
    ranks: tuple[array, bool] | None,
    pace: Pace,
) -> tuple[list[int], array | None]:
    """A rare term's few matches sorted by their positions in ``order`` (made if need be, and
    given back to be kept), or by the ``ranks`` it was sorted by."""
    if positions is None and ranks is not None:
        # Ties in memory order either way, as the sort's: working the positions out cost ~8 ms
        # at 100k leads, a scan's half again.
        by, descending = ranks
        return sorted(few, key=by.__getitem__, reverse=descending), positions
    if positions is None:  # about what picking every row costs, and kept for next time
        positions = positions_of(order, pace)
    return sorted(few, key=positions.__getitem__), positions


def _scanned(texts: list[str], term: str, pace: Pace) -> bytearray:
    # The texts read through one iterator into a ``bytearray`` grown in place: slicing a copy
    # of each part and joining ``bytes`` cost ~10% more.
    mask, scanning = bytearray(), iter(texts)
    for _span in chunks(range(len(texts)), pace, SCAN_SLICE):
        mask.extend(map(contains, islice(scanning, SCAN_SLICE), repeat(term)))
    return mask


def _found_among(
    texts: list[str], term: str, among: bytes, rows: list[int] | None, pace: Pace
) -> list[int]:
    """The rows whose text holds ``term``, in memory order, reading only those ``among`` lets
    in; ``rows``: ints where ``rows[i]`` is ``i`` (the order, when it is ``0..n-1``), if any."""
    found: list[int] = []
    for span in chunks(range(len(texts)), pace, SCAN_SLICE):
        part = among[span.start : span.stop]
        held = map(contains, compress(texts[span.start : span.stop], part), repeat(term))
        ints = rows[span.start : span.stop] if rows is not None else None
        found += compress(_ones(part, span.start) if ints is None else compress(ints, part), held)
    return found


def _ones(mask: bytes | bytearray, offset: int = 0) -> Iterable[int]:
    """``offset + i`` for each ``i`` where ``mask[i]`` is 1, in order (a list if few). A
    ``compress`` over a ``range`` makes an int for every position (1.3 ms at 100k); a few ones
    are found by ``find``, a ``memchr`` each (0.24 ms for a rare term's 2,629 at 100k)."""
    if mask.count(1) * 16 >= len(mask):
        return compress(range(offset, offset + len(mask)), mask)
    found: list[int] = []
    find, add, at = mask.find, found.append, mask.find(1)
    while at >= 0:
        add(offset + at)
        at = find(1, at + 1)
    return found


def _in_run(mask: bytes, order: list[int], run: int, pace: Pace) -> list[int]:
    """The rows ``mask`` (in memory order) keeps, in ``order``, which runs through memory one
    way or the other (``run``): the order's own ints, as a scan in view order gives them (new
    ones for a common term's ~1M rows cost 28 bytes each, made and freed); a rare term's few
    found in memory order, as ``_ones`` finds them."""
    if mask.count(1) * 16 < len(mask):
        return _along(list(_ones(mask)), run)
    in_view = mask if run == 1 else mask[::-1]
    rows: list[int] = []
    for span in chunks(range(len(mask)), pace, SCAN_SLICE):
        rows += compress(order[span.start : span.stop], in_view[span.start : span.stop])
    return rows


def _mask_of(rows: list[int], n: int, pace: Pace) -> bytearray:
    mask = bytearray(n)
    for part in chunks(rows, pace, SCAN_SLICE):
        deque(map(mask.__setitem__, part, repeat(1)), maxlen=0)
    return mask
