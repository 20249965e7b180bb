"""The table's selection as spans of view rows: counted and read without visiting each row.

Qt's lists of selected rows or indexes ask the model's ``flags`` for every cell, a call into
Python each: after Ctrl+A at 100k leads, exporting froze the window for ~10 s and copying for
~30 s. ``selection().ranges`` already holds the same rows as a few
``(top, bottom)`` pairs; everything here works on those, and turns them into lead indexes with
list slices (C copies), so the GUI thread never runs Python per selected row.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable, Sequence
from contextlib import suppress
from itertools import repeat

from PySide6.QtCore import QAbstractItemModel, QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QAbstractItemView

from ..table.cells import Span, pick

KEEP_FROM = 64  # selected rows from which the keeper, not Qt, carries them through a relayout
# Qt checks a cell against every range of the selection when it paints it: at 23k ranges (half of
# 100k rows, then sorted) each paint of the table took 100-170 ms and building them 0.5 s. A
# selection that a new order scatters into more pieces than this is dropped, and the user told.
MAX_SPANS = 1_000
_RUNS = re.compile(b"\x01+")
_SORT_HINT = QAbstractItemModel.LayoutChangeHint.VerticalSortHint
# The layout signals' overload that carries a hint (a plain connect gets the one without).
HINTED = ("QList<QPersistentModelIndex>", "QAbstractItemModel::LayoutChangeHint")
_ALL: list[int] = []  # kept: every row (compared by identity)


def selected_spans(selection: QItemSelectionModel | None) -> list[Span]:
    """The selected view rows as sorted, disjoint, non-adjacent spans.

    With rows selected whole, a range spans every column; moved or hidden columns can split a
    row's selection into a range per column, so overlapping spans are merged."""
    if selection is None:
        return []
    pairs = sorted(
        (r.top(), r.bottom())
        for r in selection.selection()
        if r.isValid() and not r.parent().isValid()
    )
    spans: list[Span] = []
    for top, bottom in pairs:
        if spans and top <= spans[-1][1] + 1:
            if bottom > spans[-1][1]:
                spans[-1] = (spans[-1][0], bottom)
        else:
            spans.append((top, bottom))
    return spans


def span_count(spans: Sequence[Span]) -> int:
    return sum(bottom - top + 1 for top, bottom in spans)


def first_row(spans: Sequence[Span]) -> int:
    return spans[0][0] if spans else -1


def rows_of_leads(rows: list[int], wanted: list[int]) -> dict[int, int]:
    """Where each wanted lead (an index into the model's leads) now sits in ``rows``, for the
    selection and current row to follow their leads through a sort or filter. A few are looked
    up with ``list.index`` (a C scan) instead of mapping every row."""
    distinct = set(wanted)  # a selected row holds a persistent index per column
    if len(distinct) > 16:
        return dict(zip(rows, range(len(rows)), strict=True))
    where = {}
    for lead in distinct:
        with suppress(ValueError):
            where[lead] = rows.index(lead)
    return where


def spans_of(leads: Sequence[int], rows: Sequence[int], total: int) -> list[Span]:
    """Where ``leads`` (indexes below ``total``) sit in ``rows``, as spans: a byte per lead
    marks them and a regular expression finds the runs, all in C loops."""
    mask = bytearray(total)
    deque(map(mask.__setitem__, leads, repeat(1)), maxlen=0)
    return [(m.start(), m.end() - 1) for m in _RUNS.finditer(bytes(map(mask.__getitem__, rows)))]


def spans_after_inserts(spans: Sequence[Span], runs: Sequence[tuple[int, Sequence]]) -> list[Span]:
    """Where the rows of ``spans`` are once blocks of rows are inserted, each ``(row, block)``
    at its final row (as ``table.merge.insertion_runs`` gives them): shifted, and split where a
    block comes in between. O(spans + blocks), whatever the rows."""
    points: list[tuple[int, int]] = []  # (row before which a block goes, as the rows were; size)
    inserted = 0
    for at, block in runs:
        points.append((at - inserted, len(block)))
        inserted += len(block)
    out: list[Span] = []
    shift = j = 0
    for top, bottom in spans:
        while j < len(points) and points[j][0] <= top:
            shift += points[j][1]
            j += 1
        start = top
        while j < len(points) and points[j][0] <= bottom:
            if points[j][0] > start:  # (two blocks at one row leave nothing between them)
                out.append((start + shift, points[j][0] - 1 + shift))
            start = points[j][0]
            shift += points[j][1]
            j += 1
        out.append((start + shift, bottom + shift))
    return out


def select_spans(selection: QItemSelectionModel, spans: Sequence[Span]) -> None:
    """Add whole rows to the selection, one range a span."""
    model = selection.model()
    last = model.columnCount() - 1
    ranges = QItemSelection()
    for top, bottom in spans:
        ranges.select(model.index(top, 0), model.index(bottom, last))
    selection.select(ranges, QItemSelectionModel.SelectionFlag.Select)


class SelectionKeeper:
    """Carries a large selection through a sort or filter, so that it follows its leads.

    On a layout change Qt's selection model keeps a persistent index for every selected cell,
    which the model then remaps one by one in Python: with half of 100k rows selected, a sort
    froze the window for 23 s. The view connects ``save`` to ``layoutAboutToBeChanged`` ahead
    of Qt's own handler: it notes the selected leads with list slices and clears the selection,
    so Qt has nothing to keep; ``restore``, connected to ``layoutChanged`` after Qt's, selects
    them again in the new order as spans (unless that takes more than ``MAX_SPANS``)."""

    def __init__(self, view: QAbstractItemView, dropped: Callable[[int], object]) -> None:
        self._view = view
        self._dropped = dropped  # called with the count of selected rows given up
        self._kept: list[int] | None = None

    def save(self, _parents: object = None, hint: object = None) -> None:
        selection, model = self._view.selectionModel(), self._view.model()
        spans = selected_spans(selection)
        if span_count(spans) < KEEP_FROM or not hasattr(model, "shown_rows"):
            self._kept = None  # a few rows: Qt's own way costs less than a pass over all rows
            return
        rows = model.shown_rows()
        everything = spans == [(0, len(rows) - 1)] and hint == _SORT_HINT
        self._kept = _ALL if everything else pick(rows, spans)
        selection.clearSelection()

    def restore(self, *_: object) -> None:
        kept, self._kept = self._kept, None
        if kept is not None:
            model = self._view.model()
            rows = model.shown_rows()
            if kept is _ALL:  # a sort moves rows but keeps them all: no pass over them
                spans = [(0, len(rows) - 1)] if rows else []
            else:
                spans = spans_of(kept, rows, len(model.leads))
            if len(spans) > MAX_SPANS:
                self._dropped(span_count(spans))
            else:
                select_spans(self._view.selectionModel(), spans)
