"""Read and apply a ``table.layout.ColumnLayout`` on a table header, by field name.

``layout_of(header, fields)`` is what the header shows now; ``apply_layout(header, fields,
layout)`` puts it back on any columns, whatever extra fields they hold. Qt's own
``saveState``/``restoreState`` maps sections by position, which moved every width, hidden flag
and sort onto the wrong column once a fetch's extra fields differed from the saved ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHeaderView

from ..table.layout import ColumnLayout

_DESCENDING = Qt.SortOrder.DescendingOrder


def layout_of(header: QHeaderView, fields: Sequence[str], *, widths: bool = True) -> ColumnLayout:
    """The layout ``header`` shows for columns ``fields`` (logical order). A hidden column's
    width cannot be read (Qt reports 0), so it is left out: ``merged`` keeps the one known.
    ``widths`` False: the widths are Qt's defaults, not chosen, and are left out too."""
    count = min(header.count(), len(fields))
    logical = [header.logicalIndex(v) for v in range(header.count())]
    order = tuple(fields[c] for c in logical if 0 <= c < count)
    hidden = frozenset(fields[c] for c in range(count) if header.isSectionHidden(c))
    sizes = {}
    if widths:
        sizes = {fields[c]: header.sectionSize(c) for c in range(count)}
        sizes = {name: width for name, width in sizes.items() if name not in hidden}
    section = header.sortIndicatorSection()
    sort = None
    if header.isSortIndicatorShown() and 0 <= section < count:
        sort = (fields[section], header.sortIndicatorOrder() == _DESCENDING)
    return ColumnLayout(order, hidden, sizes, sort)


def apply_layout(header: QHeaderView, fields: Sequence[str], layout: ColumnLayout) -> list[int]:
    """Show columns ``fields`` (logical order) as ``layout`` says; returns the columns whose
    width it does not know (fields new to it), for the caller to size."""
    count = min(header.count(), len(fields))
    fields = list(fields[:count])
    column = {name: i for i, name in enumerate(fields)}
    for target, name in enumerate(layout.arranged(fields)):
        current = header.visualIndex(column[name])
        if current != target:
            header.moveSection(current, target)
    shown = set(layout.visible(fields))
    for name, i in column.items():
        header.setSectionHidden(i, name not in shown)
    unknown = []
    for name, i in column.items():
        width = layout.widths.get(name)
        if width is None:
            unknown.append(i)
        else:  # a hidden section keeps it for when it is shown again
            header.resizeSection(i, width)
    if layout.sort is not None and layout.sort[0] in column:
        order = _DESCENDING if layout.sort[1] else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(column[layout.sort[0]], order)
    return unknown
