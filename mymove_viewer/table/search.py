"""Finding the rows whose search text contains a term, fast. No Qt.

The texts (``display.search_texts``) are scanned with C-level ``map``s; what costs beyond that
bare scan is putting the matches in the table's order, which is what the shortcuts here avoid.
(Joining the texts into large blocks and jumping between matches with ``find`` was measured too:
no faster at 100k leads, since the substring search itself is the cost, and +180 bytes a lead.)
"""

from __future__ import annotations

import threading
from array import array
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import compress, repeat
from operator import and_, contains, itemgetter
from typing import TypeVar

from ..api.fields import CREATED_AT
from ..api.lead import Lead, sorts_as_text
from ..slices import SCAN_SLICE, Pace, chunks, in_slices, yield_gil
from .display import SEPARATOR, ShownTimes, search_texts
from .overview import instants

# A filter over at most this many candidates, with the texts built, costs a few ms: it runs on
# the GUI thread at once (a worker's round trip would cost as much). Others go to a worker.
SYNC_CANDIDATES = 20_000
_CREATED, _MINUTE = itemgetter(CREATED_AT), itemgetter(slice(16))
_SECOND = itemgetter(slice(17, 19))
_V = TypeVar("_V")
_SECONDS = frozenset(f"{s:02d}" for s in range(60))


def filter_rows(
    candidates: Sequence[int],
    texts: Sequence[str],
    term: str,
    *,
    positions: Sequence[int] | None = None,
    in_memory_order: bool = False,
) -> list[int]:
    """The candidates whose search text contains ``term`` (already lowercased), in order.

    ``compress``/``map`` keep the whole scan in C. When most rows are candidates, the texts are
    scanned in memory order into a mask first: candidates come in sort order, and visiting 100k
    strings in that scattered order is ~3x slower. Then the matches are picked in candidate
    order, which is itself a scattered walk over 100k row numbers unless there is a shortcut:
    ``in_memory_order`` (the candidates are ``0..n-1``), or ``positions`` (candidates are every
    row, and ``positions[row]`` is where the row sits among them): a rare term's few matches
    are then sorted by position instead.
    """
    if len(candidates) * 4 < len(texts):
        matches = map(contains, picked(texts, candidates), repeat(term))
        return list(compress(candidates, matches))
    mask = bytes(map(contains, texts, repeat(term)))
    if in_memory_order:
        return list(compress(candidates, mask))
    if positions is not None and mask.count(1) * 16 < len(texts):
        return sorted(compress(range(len(texts)), mask), key=positions.__getitem__)
    return list(compress(candidates, picked(mask, candidates)))


def picked(values: Sequence[_V], rows: Sequence[int]) -> Sequence[_V]:
    """``values[row]`` for each of ``rows``, in one C call: ``itemgetter(*rows)`` is ~3x faster
    than ``map(values.__getitem__, rows)``, which calls a method wrapper per row."""
    if len(rows) > 1:
        return itemgetter(*rows)(values)
    return [values[row] for row in rows]


def positions_of(order: Sequence[int]) -> array:
    """``positions[row]`` = where ``row`` sits in ``order`` (a permutation of ``0..n-1``)."""
    positions = array("I", bytes(4 * len(order)))
    deque(map(positions.__setitem__, order, range(len(order))), maxlen=0)
    return positions


class TextSource:
    """The search texts and ``created_at`` instants of one list of leads, each built once, in
    slices, by whichever thread asks first (the indexer, or a filter typed before the index).

    Work done is kept when a build is cancelled (``pace`` raising), so the next caller resumes
    it; a second caller meanwhile waits for the first and gets the same lists. The texts come
    first and need no instants (see ``_Minutes``): a filter typed early waits only for them.
    """

    def __init__(self, leads: list[Lead]) -> None:
        self.leads = leads
        # One lock each: the indexer goes on to the instants while an early filter takes the texts.
        self._texts_lock, self._at_lock = threading.Lock(), threading.Lock()
        self._at: list[float] = []
        self._texts: list[str] = []
        self._shown = ShownTimes(SEPARATOR)
        self._minutes = _Minutes()

    def texts(self, pace: Pace = None) -> list[str]:
        leads, n = self.leads, len(self.leads)
        with self._texts_lock:
            texts = self._texts
            for span in chunks(range(len(texts), n), pace or yield_gil):  # on from a cancel
                part = leads[span.start : span.stop]
                at = self._minutes.of(list(map(_CREATED, part)))
                if at is None:  # not all canonical: parsed one by one
                    at = self._at[span.start : span.stop]
                    at = at if len(at) == len(part) else instants(part)
                texts += search_texts(part, at=at, shown=self._shown)
            return texts

    def built_besides(self, kept: list[object]) -> list[list]:
        """What it built (for ``reaper.release``), except lists already in ``kept``."""
        return [x for x in (self._texts, self._at) if not any(x is k for k in kept)]

    def instants(self, pace: Pace = None) -> list[float]:
        leads, n = self.leads, len(self.leads)
        with self._at_lock:
            at = self._at
            for span in chunks(range(len(at), n), pace or yield_gil):  # on from a cancel
                at += instants(leads[span.start : span.stop])
            return at


class _Minutes:
    """The instants, to the minute, of canonical ``created_at`` values (``…:SSZ``, in UTC) by
    their first 16 characters: ~5x cheaper than parsing each, and all a shown time needs."""

    def __init__(self) -> None:
        self._of: dict[str, float] = {}

    def of(self, values: list[str]) -> list[float] | None:
        """None unless every value is canonical."""
        if not sorts_as_text(values) or not set(map(_SECOND, values)) <= _SECONDS:
            return None
        minutes = list(map(_MINUTE, values))
        known = self._of
        for minute in set(minutes).difference(known):
            try:
                known[minute] = datetime.fromisoformat(minute + ":00+00:00").timestamp()
            except ValueError:
                return None
        return list(map(known.__getitem__, minutes))


@dataclass(frozen=True, slots=True)
class FilterPlan:
    """What filtering the table to ``term`` takes, made by the model for ``run_filter`` (here or
    on a worker). The model's lists are shared, never changed: ``leads`` and ``order`` tell the
    model whether the result still fits what it shows."""

    term: str
    leads: list[Lead]
    order: list[int]  # every lead, in the table's order
    candidates: list[int]  # ``order``, or a part of it (the rows a shorter term kept)
    texts: list[str] | None  # None: built from ``source`` first
    source: TextSource
    in_memory_order: bool  # ``order`` is 0..n-1 (unsorted)
    positions: array | None  # of ``order``, if known
    period: tuple[float, float] | None
    instants: list[float] | None

    @property
    def cheap(self) -> bool:
        """Quick enough for the GUI thread: few candidates and nothing to build."""
        return (
            self.texts is not None
            and (self.period is None or self.instants is not None)
            and (len(self.candidates) <= SYNC_CANDIDATES or (not self.term and not self.period))
        )


@dataclass(frozen=True, slots=True)
class FilterResult:
    rows: list[int]
    texts: list[str] | None  # what was built or used, for the model to keep
    instants: list[float] | None
    positions: array | None


def run_filter(plan: FilterPlan, pace: Pace = None) -> FilterResult:
    """The candidates matching the plan's term and period, in order. With ``pace`` (a worker),
    in slices with ``pace`` called between them (it may raise to cancel); without, in one pass."""
    texts, at, positions = plan.texts, plan.instants, plan.positions
    rows = plan.candidates
    needs_at = plan.period is not None and at is None
    if plan.term and texts is None:
        texts = plan.source.texts(pace)
    if needs_at:
        at = plan.source.instants(pace)
    if plan.term:
        assert texts is not None
        if rows is not plan.order:
            rows = in_slices(_matching(texts, plan.term), rows, pace, SCAN_SLICE)
        elif pace is None:  # here at once: few leads, where working the positions out is cheap
            if positions is None and not plan.in_memory_order:
                positions = positions_of(rows)
            rows = filter_rows(
                rows, texts, plan.term, positions=positions, in_memory_order=plan.in_memory_order
            )
        else:
            rows, positions = _scan_all(plan, texts, positions, pace)
    if plan.period is not None:
        assert at is not None
        start, end = plan.period
        at_ = at

        def inside(part: Sequence[int]) -> list[int]:
            moments = picked(at_, part)
            return list(
                compress(part, map(and_, map(start.__le__, moments), map(end.__gt__, moments)))
            )

        rows = in_slices(inside, rows, pace, SCAN_SLICE)
    return FilterResult(rows, texts, at, positions)


def _matching(texts: Sequence[str], term: str) -> Callable[[Sequence[int]], list[int]]:
    def pick(part: Sequence[int]) -> list[int]:
        return list(compress(part, map(contains, picked(texts, part), repeat(term))))

    return pick


def _scan_all(
    plan: FilterPlan, texts: list[str], positions: array | None, pace: Callable[[], object]
) -> tuple[list[int], array | None]:
    """``filter_rows`` over every row, a slice at a time (same shortcuts)."""
    order, term, n = plan.order, plan.term, len(texts)
    mask = bytearray()
    for part in chunks(texts, pace, SCAN_SLICE):
        mask += bytes(map(contains, part, repeat(term)))
    if plan.in_memory_order:
        pick = lambda part, at: list(compress(part, mask[at : at + len(part)]))  # noqa: E731
    elif mask.count(1) * 16 < n:  # a rare term: its few matches sorted by their positions
        if positions is None:  # about what picking every row costs, and kept for next time
            positions = array("I", bytes(4 * n))
            for span in chunks(range(n), pace, SCAN_SLICE):
                deque(map(positions.__setitem__, order[span.start : span.stop], span), maxlen=0)
        return sorted(compress(range(n), mask), key=positions.__getitem__), positions
    else:
        pick = lambda part, _at: list(compress(part, picked(mask, part)))  # noqa: E731
    rows: list[int] = []
    for span in chunks(range(n), pace, SCAN_SLICE):
        rows += pick(order[span.start : span.stop], span.start)
    return rows, positions
