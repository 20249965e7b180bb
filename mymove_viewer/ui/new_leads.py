"""The window's table model: ``LeadTableModel`` plus "new" marks for leads a watch poll added.

A new lead is shown bold, with a coloured dot in its first cell and "●" in its row header,
until the user selects it or marks all as seen. Marks are kept per lead index (merges only
append), so sorting, filtering and further merges never move a mark to another lead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from contextlib import suppress
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtGui import QColor, QFont

from ..api.lead import Lead
from ..table.merge import MergePlan, plan_merge
from .model import WHAT, Index, LeadTableModel

NEW_MARK = "●"
NEW_TIP = f"{NEW_MARK} New lead, not seen yet"
_FONT = Qt.ItemDataRole.FontRole
_DECORATION = Qt.ItemDataRole.DecorationRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_MARK_ROLES = frozenset({_FONT, _DECORATION, _TOOLTIP})
_MARK_ROLE_LIST = [_FONT, _DECORATION, _TOOLTIP]
_base_header = LeadTableModel.headerData


class MarkedLeadModel(LeadTableModel):
    newCountChanged = Signal(int)

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._new: set[int] = set()  # lead indexes: stable until set_leads clears the marks
        self._bold = QFont()
        self._bold.setBold(True)
        self._dot = QColor(0x1A, 0x73, 0xE8)  # a swatch in the first cell, beside the bold text

    # -- marks ---------------------------------------------------------------------------------

    def new_count(self) -> int:
        return len(self._new)

    def is_new(self, row: int) -> bool:
        if not self._new:  # asked per row header on every paint: most often none are new
            return False
        rows = self.table.rows
        return 0 <= row < len(rows) and rows[row] in self._new

    def merge_new(self, leads: Iterable[Lead]) -> list[Lead]:
        """Merge here and now (see ``apply_new``); returns the leads that were new."""
        fresh = self.apply_new(plan_merge(self.merge_state(), leads))
        assert fresh is not None  # planned on this very state
        return fresh

    def apply_new(self, plan: MergePlan) -> list[Lead] | None:
        """Swap in a merge (see ``apply_merge``) and mark the leads that were not present;
        returns them, or None if the model changed since the plan's state (plan again)."""
        added = self.apply_merge(plan)
        if not added:
            return None if added is None else []
        total = self.total_count()
        self._new.update(range(total - added, total))
        # The runs are where the new rows now are: a signal a run, not a pass over the rows.
        last = self.columnCount() - 1
        for at, block in plan.runs:
            self.dataChanged.emit(
                self.index(at, 0), self.index(at + len(block) - 1, last), _MARK_ROLE_LIST
            )
        self._refresh_marks(())
        self.newCountChanged.emit(len(self._new))
        return plan.fresh

    def mark_selection_seen(self, selected: QItemSelection, _deselected: object = None) -> None:
        """Slot for ``selectionChanged``: what the user selects counts as seen. The new leads
        among the selected rows are found with set operations on slices of the shown rows (Ctrl+A
        at 100k rows would otherwise be a Python step per row)."""
        if not self._new:
            return
        shown = self.shown_rows()
        seen: set[int] = set()
        for span in selected:
            seen.update(self._new.intersection(shown[span.top() : span.bottom() + 1]))
        if not seen:
            return
        self._new.difference_update(seen)
        self._refresh_marks(self._rows_of(seen))
        self.newCountChanged.emit(len(self._new))

    def mark_all_seen(self) -> None:
        if not self._new:
            return
        rows = self._rows_of(self._new)
        self._new.clear()
        self._refresh_marks(rows)
        self.newCountChanged.emit(0)

    def set_leads(self, *args: Any, **kwargs: Any) -> None:
        had = bool(self._new)
        self._new = set()
        super().set_leads(*args, **kwargs)
        if had:
            self.newCountChanged.emit(0)

    def _rows_of(self, wanted: range | set[int]) -> list[int]:
        """View rows of these lead indexes (those shown)."""
        rows = self.shown_rows()
        if len(wanted) <= 16:  # a C scan per lead beats walking every row in Python
            found = []
            for i in wanted:
                with suppress(ValueError):
                    found.append(rows.index(i))
            return found
        return [m.start() for m in re.finditer(b"\x01", bytes(map(wanted.__contains__, rows)))]

    def _refresh_marks(self, rows: Iterable[int]) -> None:
        last = self.columnCount() - 1
        for row in rows:
            self.dataChanged.emit(self.index(row, 0), self.index(row, last), _MARK_ROLE_LIST)
        self.headerDataChanged.emit(Qt.Orientation.Vertical, 0, max(0, self.rowCount() - 1))

    # -- Qt model interface --------------------------------------------------------------------

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role in _MARK_ROLES and self._new and index.isValid():
            rows, row = self.table.rows, index.row()
            if row < len(rows) and rows[row] in self._new:
                if role == _FONT:
                    return self._bold
                if index.column() == 0:
                    return self._dot if role == _DECORATION else NEW_TIP
        # ``LeadTableModel.data``'s lines, not a call to it: a Python frame less per cell.
        # ``in`` then ``[]``: most roles asked are not served, and ``dict.get`` is a call.
        if role not in WHAT or not index.isValid():
            return None
        return self._cell(index.row(), index.column(), WHAT[role])

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if (
            orientation == Qt.Orientation.Vertical
            and role == Qt.ItemDataRole.DisplayRole
            and self.is_new(section)
        ):
            return f"{NEW_MARK} {section + 1}"
        return _base_header(self, section, orientation, role)
