"""Long passes over many items cut into slices, with the GIL handed over between them. No Qt.

CPython runs one thread at a time and switches only between bytecodes: one C-level ``map`` or
``sorted`` over 100k leads runs to its end holding the GIL, ~100 ms in which the GUI thread can
neither paint nor take a click, even though the work itself is on a worker thread. So every such
pass on a worker goes a slice at a time, and between slices calls its ``pace``: a zero sleep
at most every 2 ms (``yield_gil``), which lets a waiting thread take the GIL at once, or a
caller's function that also waits while the window paints and raises to cancel. The hand-over
is where a cancel is checked, so a stopped job ends within a slice.

On the GUI thread (no ``pace``), work goes in one go: a zero sleep there would only hand the GIL
to background work while the user waits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from typing import TypeVar, overload

_T = TypeVar("_T")
_R = TypeVar("_R")

Pace = Callable[[], object] | None  # called between slices on a worker; may raise to cancel

SLICE = 4096  # items per C-level pass: ~1 ms of GIL for the usual pass (a lookup, a key, a text)
# Passes that cost ~0.1-0.3 us an item (a substring test, a tally by state and tenure): twice
# as many still hold the GIL ~1-2 ms (more on a busy machine), which the GUI may have to wait for.
SCAN_SLICE = 2 * SLICE
SORT_SLICE = 16384  # one sorted() of this many keys holds the GIL ~5-10 ms
MERGE_SLICE = 65536  # rows taken from heapq.merge (Python code, so not one hold) between paces


# How often a worker offers the GIL: the app's switch interval (``ui.app``) would take it from a
# worker that long after another thread asked anyway, and no GUI step allows a stall near it.
OFFER_S = 0.002
_offered = threading.local()


def yield_gil() -> None:
    """Let any thread waiting for the GIL take it now, at most every ``OFFER_S`` on this
    thread. The zero sleep that hands it over costs ~70 us here even when no thread waits (the
    kernel's 50 us timer slack): offered after every slice, that was 82 sleeps and ~6 ms of a
    100k presort's ~30 ms."""
    now = time.perf_counter()
    if now - getattr(_offered, "at", -OFFER_S) >= OFFER_S:
        time.sleep(0)
        _offered.at = time.perf_counter()


def paced(parts: Iterable[_T], pace: Pace) -> Iterator[_T]:
    """Each of ``parts``, with ``pace()`` called after the caller is done with it (when it asks
    for the next, and after the last); without ``pace``, ``parts`` as they are."""
    if pace is None:
        yield from parts
        return
    for part in parts:
        yield part
        pace()


@overload
def chunks(items: range, pace: Pace = None, size: int | None = None) -> Iterator[range]: ...
@overload
def chunks(
    items: Sequence[_T] | Iterator[_T], pace: Pace = None, size: int | None = None
) -> Iterator[Sequence[_T]]: ...
def chunks(
    items: Sequence[_T] | Iterator[_T], pace: Pace = None, size: int | None = None
) -> Iterator[Sequence[_T]]:
    """``items`` in slices of ``size`` (default ``SLICE``), in order, calling ``pace`` after each
    (see ``paced``). A sequence is sliced (a ``range`` gives ranges: the positions of a slice of
    other lists); an iterator is read ``size`` items at a time into lists."""
    step = size or SLICE
    if isinstance(items, Iterator):
        parts: Iterator[Sequence[_T]] = iter(lambda: list(islice(items, step)), [])
    else:
        parts = (items[start : start + step] for start in range(0, len(items), step))
    return paced(parts, pace)


def overlapping(items: Sequence[_T], pace: Pace = None) -> Iterator[Sequence[_T]]:
    """Slices of ``items`` that overlap by one, so pairwise steps in C cover every neighbour."""
    step = SLICE
    return paced((items[a : a + step + 1] for a in range(0, len(items) - 1, step)), pace)


def in_slices(
    fn: Callable[[Sequence[_T]], list[_R]],
    items: Sequence[_T],
    pace: Pace = None,
    size: int | None = None,
) -> list[_R]:
    """``fn(items)``, computed slice by slice with ``pace`` called between them; in one go
    without ``pace`` (the GUI thread), or when ``items`` fit in one slice."""
    if pace is None or len(items) <= (size or SLICE):
        return fn(items)
    out: list[_R] = []
    for part in chunks(items, pace, size):
        out += fn(part)
    return out


def shed(*lists: list[object], pace: Pace = None) -> None:
    """Empty lists that only the caller holds, a slice at a time from the end, calling ``pace``
    between slices: freeing a million ints or strings in one go held the GIL ~0.1 s at 1M leads.
    Without ``pace`` (the GUI thread, small lists) the caller's own ``del`` frees them."""
    if pace is None:
        return
    for items in lists:
        while items:
            del items[-SLICE:]
            pace()
