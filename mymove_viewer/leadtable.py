"""What the lead table shows, and the precomputed keys it sorts and filters by. No Qt.

Sorting and filtering run over plain Python lists built here, not through a Qt proxy that calls
back into Python per comparison: at 100k leads that is the difference between ~70 ms and ~9 s.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import compress, repeat
from operator import add, itemgetter
from typing import TypeVar

from .api.fields import FIELDS, header_for
from .api.lead import Lead, calendar_date, parse_timestamp

TEXT, CREATED, DATE = "text", "created", "date"
_T = TypeVar("_T")
_R = TypeVar("_R")
SLICE = 8192  # items per C-level pass on a worker thread: ~1-3 ms of GIL each
SORT_SLICE = 16384  # one sorted() of this many keys holds the GIL ~5-10 ms
_KINDS = {"created_at": CREATED, "move_date": DATE}
SEPARATOR = "\x1f"  # cannot be typed into the filter box, so a match never spans two fields


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str
    kind: str = TEXT


def columns_for(extra_fields: Sequence[str] = ()) -> list[Column]:
    """The documented fields in the vendor's order, then any extra fields in order of appearance."""
    names = list(FIELDS) + [f for f in extra_fields if f not in FIELDS]
    return [Column(name, header_for(name), _KINDS.get(name, TEXT)) for name in names]


def display(kind: str, raw: str, tz: tzinfo | None = None) -> str:
    """What a cell shows. Unparsable dates are shown as sent rather than hidden."""
    if kind == CREATED:
        moment = parse_timestamp(raw)
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else raw
    if kind == DATE:
        day = calendar_date(raw)
        return day.isoformat() if day else raw
    return raw


def search_texts(leads: Sequence[Lead]) -> list[str]:
    """One lowercase string per lead holding every value, for substring filtering.

    Built with ``map`` over C callables (no Python frame per lead), in slices: one C call over
    100k leads would hold the GIL for ~100 ms, and this runs on the worker thread.
    """
    n = len(FIELDS)
    head, tail = itemgetter(slice(None, n)), itemgetter(slice(n + 1, None))

    def build(part: Sequence[Lead]) -> list[str]:
        joined = map(SEPARATOR.join, map(add, map(head, part), map(tail, part)))
        return list(map(str.lower, joined))

    return in_slices(build, leads)


def in_slices(fn: Callable[[Sequence[_T]], list[_R]], items: Sequence[_T]) -> list[_R]:
    """``fn(items)`` computed over slices, so a thread running it lets others take the GIL.

    CPython only switches threads between bytecodes; a single C-level ``map`` over a million
    items is one long hold that freezes the GUI thread even when run on a worker.
    """
    if len(items) <= SLICE:
        return fn(items)
    out: list[_R] = []
    for start in range(0, len(items), SLICE):
        out += fn(items[start : start + SLICE])
        time.sleep(0)
    return out


def sort_keys(leads: Sequence[Lead], column: Column, *, canonical: bool = False) -> list:
    """One comparable key per lead for ``column``. ``canonical``: every ``created_at`` is known
    to be ``YYYY-MM-DDTHH:MM:SSZ`` (the parser checked), so the raw text is the key."""
    field = column.field
    if field in FIELDS:
        values = in_slices(lambda part: list(map(itemgetter(FIELDS.index(field)), part)), leads)
    else:
        values = [lead.get(field) for lead in leads]
    if column.kind == CREATED:
        return values if canonical else _instant_keys(values)
    if column.kind == DATE:
        return [_date_key(v) for v in values]
    return in_slices(lambda part: list(map(str.casefold, part)), values)


@dataclass(frozen=True, slots=True)
class SortedRows:
    """A row order computed ahead (on the worker thread) for one sort of one set of leads."""

    field: str
    descending: bool
    rows: list[int]

    def matches(self, field: str, descending: bool, count: int) -> bool:
        return (field, descending, count) == (self.field, self.descending, len(self.rows))


def presort(
    leads: Sequence[Lead],
    extra_fields: Sequence[str],
    field: str,
    descending: bool,
    *,
    canonical: bool = False,
) -> SortedRows | None:
    """The order the table will want for ``field``; None if the new leads lack that column."""
    column = next((c for c in columns_for(extra_fields) if c.field == field), None)
    if column is None:
        return None
    keys = sort_keys(leads, column, canonical=canonical)
    return SortedRows(field, descending, sorted_order(keys, descending))


def sorted_order(
    keys: Sequence[object], descending: bool = False, *, share_gil: bool = True
) -> list[int]:
    """Row order for ``keys``, stable in both directions (equal keys keep their fetched order).

    With ``share_gil`` (on a worker thread) large inputs are sorted in slices and merged by
    ``heapq.merge`` (Python code, so other threads get the GIL); one ``sorted`` over a million
    keys would hold it for most of a second. On the GUI thread a plain ``sorted`` is faster.
    """
    n = len(keys)
    key = keys.__getitem__
    if n <= SORT_SLICE or not share_gil:
        return sorted(range(n), key=key, reverse=descending)
    blocks = []
    for start in range(0, n, SORT_SLICE):
        blocks.append(sorted(range(start, min(n, start + SORT_SLICE)), key=key, reverse=descending))
        time.sleep(0)
    return list(heapq.merge(*blocks, key=key, reverse=descending))


def _instant_keys(values: list[str]) -> list:
    # RFC 3339 strings in UTC with the same precision sort as text; anything else is parsed.
    if all(in_slices(_all_canonical, values)):
        return values
    epoch = datetime.fromtimestamp(0).astimezone()
    return [(parse_timestamp(v) or epoch).timestamp() for v in values]


def _all_canonical(values: Sequence[str]) -> list[bool]:
    return [set(map(len, values)) <= {20} and all(map(str.endswith, values, repeat("Z")))]


def _date_key(value: str) -> str:
    day = calendar_date(value)
    return day.isoformat() if day else ""


def filter_rows(candidates: Sequence[int], texts: Sequence[str], term: str) -> list[int]:
    """The candidates whose search text contains ``term`` (already lowercased), in order.

    ``compress``/``map`` keep the whole scan in C. When most rows are candidates (a new term,
    not a narrowing), the texts are scanned in memory order into a mask first: candidates come
    in sort order, and visiting 100k strings in that scattered order is ~3x slower.
    """
    if len(candidates) * 4 < len(texts):
        matches = map(str.__contains__, map(texts.__getitem__, candidates), repeat(term))
        return list(compress(candidates, matches))
    mask = bytes(map(str.__contains__, texts, repeat(term)))
    return list(compress(candidates, map(mask.__getitem__, candidates)))
