"""The table's selection as spans of view rows: counted and read without visiting each row.

``QItemSelectionModel.selectedRows()`` and ``selectedIndexes()`` ask the model's ``flags`` for
every cell, a call into Python each: after Ctrl+A at 100k leads, exporting froze the window for
~10 s and copying for ~30 s. ``selection().ranges`` already holds the same rows as a few
``(top, bottom)`` pairs; everything here works on those, and turns them into lead indexes with
list slices (C copies), so the GUI thread never runs Python per selected row.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress

from PySide6.QtCore import QItemSelectionModel

Span = tuple[int, int]  # first and last view row, both included


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


def pick(items: Sequence[int], spans: Sequence[Span]) -> list[int]:
    """The items at the spans' positions, in order, as a new list (a snapshot: the model may
    change ``items`` in place while a worker reads the copy)."""
    out: list[int] = []
    for top, bottom in spans:
        out += items[top : bottom + 1]
    return out


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
