"""The lead table's Qt model: a thin adapter over ``table.lead_table.LeadTable``. No widgets.

The table (no Qt) owns the leads, the columns, the sort and filters and each cell's text; this
answers Qt's questions from it and turns the table's changes into Qt's signals: a reset for new
leads, ``layoutChanged`` for a sort or filter (remapping persistent indexes so a selection and
the current row follow their leads), inserted rows and columns for a watch merge.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from ..api.lead import Lead
from ..table.cells import DISPLAY, DISPLAY_LIMIT, LEAD, RAW, TOOLTIP
from ..table.display import STATUS, WORK_STATUS, Column
from ..table.lead_table import LeadTable
from ..table.merge import MergePlan, MergeState
from ..table.search import FilterPlan, FilterResult, TextSource
from ..table.sort import Ranking, SortedRows
from ..table.sort_plan import NOT_SHOWN
from ..table.table_listener import TableListener
from ..table.work import CELL_TEXTS
from .selection import HINTED, rows_of_leads

__all__ = [
    "DISPLAY_LIMIT", "WHAT", "Index", "LeadRole", "LeadTableModel", "RawRole", "WidestRole",
]  # fmt: skip

Index = QModelIndex | QPersistentModelIndex

RawRole = Qt.ItemDataRole.UserRole + 1
LeadRole = Qt.ItemDataRole.UserRole + 2
# A column header's texts its cells may show beyond those a width is measured on (None: none).
WidestRole = Qt.ItemDataRole.UserRole + 3
_DISPLAY = Qt.ItemDataRole.DisplayRole
# The roles the table answers, as what ``LeadTable.cell`` calls them; a paint asks ~7 roles per
# cell, and those not here are answered (None) before any other work.
WHAT = {_DISPLAY: DISPLAY, Qt.ItemDataRole.ToolTipRole: TOOLTIP, RawRole: RAW, LeadRole: LEAD}
_NO_HINT = QAbstractTableModel.LayoutChangeHint.NoLayoutChangeHint
_SORT_HINT = QAbstractTableModel.LayoutChangeHint.VerticalSortHint
_DESCENDING = Qt.SortOrder.DescendingOrder
_ASCENDING = Qt.SortOrder.AscendingOrder


class _Relay(TableListener):
    """The table's changes as the model's signals. Holds the model weakly: the model holds the
    table, and a cycle would keep 100k leads alive until a collection (see ``gc_guard``)."""

    def __init__(self, model: LeadTableModel) -> None:
        self._model = weakref.ref(model)

    def resetting(self) -> None:
        if (m := self._model()) is not None:
            m.beginResetModel()

    def reset(self) -> None:
        if (m := self._model()) is not None:
            m.endResetModel()

    def moving(self, sorting: bool) -> None:
        if (m := self._model()) is not None:
            m.layoutAboutToBeChanged[HINTED].emit([], _SORT_HINT if sorting else _NO_HINT)

    def moved(self, old_rows: list[int], sorting: bool) -> None:
        if (m := self._model()) is not None:
            m._follow_leads(old_rows)
            m.layoutChanged[HINTED].emit([], _SORT_HINT if sorting else _NO_HINT)

    def inserting_columns(self, first: int, last: int) -> None:
        if (m := self._model()) is not None:
            m.beginInsertColumns(QModelIndex(), first, last)

    def inserted_columns(self) -> None:
        if (m := self._model()) is not None:
            m.endInsertColumns()

    def inserting_rows(self, first: int, last: int) -> None:
        if (m := self._model()) is not None:
            m.beginInsertRows(QModelIndex(), first, last)

    def inserted_rows(self) -> None:
        if (m := self._model()) is not None:
            m.endInsertRows()

    def counted(self, shown: int, total: int) -> None:
        if (m := self._model()) is not None:
            m.countsChanged.emit(shown, total)


class LeadTableModel(QAbstractTableModel):
    countsChanged = Signal(int, int)  # shown, total
    refilterNeeded = Signal()  # the leads' work changed under a filter that reads it

    RawRole = RawRole
    LeadRole = LeadRole

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.table = LeadTable(_Relay(self))
        self._cell = self.table.cell  # bound once: ``data`` runs per visible cell and role
        # What a header click's sort goes through: the session's ``SortFlow`` sends a large
        # table's to a worker; (column, descending).
        self.sorter: Callable[[int, bool], None] = self.table.sort

    # -- Qt model interface --------------------------------------------------------------------
    # ``rowCount`` and ``columnCount`` run per cell too (``index`` checks its bounds with them):
    # they read the table's lists, no call further.

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.table.columns)

    def data(self, index: Index, role: int = _DISPLAY) -> Any:
        # ``in`` then ``[]``: most roles asked are not served, and ``dict.get`` is a call.
        if role not in WHAT or not index.isValid():
            return None
        return self._cell(index.row(), index.column(), WHAT[role])

    def column_texts(self, column: int, count: int) -> list[str]:
        """The texts the first ``count`` rows show in ``column``: what ``data`` gives, without
        an index and a call through Qt per cell (sizing the columns from them on the first
        fetch took 10 ms of the GUI thread that way)."""
        cell = self._cell
        return [cell(row, column, DISPLAY) or "" for row in range(count)]

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            columns = self.table.columns
            if not 0 <= section < len(columns):
                return None
            if role == Qt.ItemDataRole.DisplayRole:
                return columns[section].header
            if role == Qt.ItemDataRole.ToolTipRole:
                if columns[section].kind == STATUS:
                    return "Your work on the lead: set it with Leads → Set status (Alt+0…Alt+4)"
                return columns[section].field
            if role == WidestRole and columns[section].kind == STATUS:
                return CELL_TEXTS
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self.table.rows):
            return section + 1
        return None

    # No ``flags`` override: Qt's own answer (enabled, selectable, for a valid index) is the
    # same, and Qt asks it per cell in selection checks, where a Python call each froze the
    # window for seconds at 100k rows.

    def sort(self, column: int, order: Qt.SortOrder = _ASCENDING) -> None:
        self.sorter(column, order == _DESCENDING)

    def _follow_leads(self, old_rows: list[int]) -> None:
        """Move the persistent indexes (selection, current row) of ``old_rows`` to where their
        leads are shown now; those of leads no longer shown become invalid."""
        persistent = self.persistentIndexList()
        if not persistent:
            return
        wanted = [old_rows[i.row()] for i in persistent if 0 <= i.row() < len(old_rows)]
        if (at := self.table.row_positions()) is not None:  # a worker's sort: no row pass
            new_row_of = {lead: at[lead] for lead in wanted if at[lead] != NOT_SHOWN}
        else:
            new_row_of = rows_of_leads(self.table.rows, wanted)
        moved = []
        for idx in persistent:
            r = idx.row()
            new_row = new_row_of.get(old_rows[r]) if 0 <= r < len(old_rows) else None
            moved.append(
                QModelIndex() if new_row is None else self.createIndex(new_row, idx.column())
            )
        self.changePersistentIndexList(persistent, moved)

    # -- the table's own calls, kept here for the window, its flows and tests ------------------

    def set_leads(
        self,
        leads: list[Lead],
        extra_fields: Sequence[str] = (),
        presorted: SortedRows | None = None,
        *,
        canonical_created: bool = False,
    ) -> None:
        """See ``LeadTable.set_leads``."""
        self.table.set_leads(leads, extra_fields, presorted, canonical_created=canonical_created)

    def clear(self) -> None:
        self.set_leads([], ())

    def add_ranking(self, leads: list[Lead], field: str, ranking: Ranking) -> bool:
        return self.table.add_ranking(leads, field, ranking)

    def ranked_fields(self) -> list[str]:
        return self.table.ranked_fields()

    def ordered_fields(self) -> list[str]:
        return self.table.ordered_fields()

    def work_changed(self) -> None:
        """Leads' work status changed: the Status column repaints (one signal, no pass over
        the rows), and a filter reading the work runs again (``refilterNeeded``). A sort by
        status keeps the rows in place until the next sort, as a spreadsheet does."""
        if self.table.work_changed():
            self.refilterNeeded.emit()
        rows, col = self.rowCount(), self.table.column_of(WORK_STATUS)
        if rows and col >= 0:
            self.dataChanged.emit(self.index(0, col), self.index(rows - 1, col))

    def drop_sort_cache(self) -> None:
        self.table.drop_sort_cache()

    @property
    def columns(self) -> list[Column]:
        return list(self.table.columns)

    @property
    def leads(self) -> list[Lead]:
        return self.table.leads

    def column_of(self, field: str) -> int:
        return self.table.column_of(field)

    def lead_at(self, row: int) -> Lead:
        return self.table.lead_at(row)

    def leads_at(self, rows: Iterable[int]) -> list[Lead]:
        return self.table.leads_at(rows)

    def shown_leads(self) -> list[Lead]:
        return self.table.shown_leads()

    def shown_rows(self) -> list[int]:
        """Lead indexes (into ``leads``) of the shown rows, in view order. Do not modify."""
        return self.table.rows

    def total_count(self) -> int:
        return len(self.table.leads)

    def shown_count(self) -> int:
        return len(self.table.rows)

    @property
    def sort_state(self) -> tuple[int, Qt.SortOrder] | None:
        state = self.table.sort_state
        return None if state is None else (state[0], _DESCENDING if state[1] else _ASCENDING)

    @property
    def sort_request(self) -> tuple[str, bool] | None:
        return self.table.sort_request

    @property
    def filter_text(self) -> str:
        return self.table.filter_text

    def set_filter(self, text: str, *, again: bool = False) -> None:
        self.table.set_filter(text, again=again)

    def plan_filter(self, text: str, *, again: bool = False) -> FilterPlan | None:
        return self.table.plan_filter(text, again=again)

    def apply_filter(self, plan: FilterPlan, result: FilterResult, partial: bool = False) -> bool:
        return self.table.apply_filter(plan, result, partial)

    @property
    def filter_partial(self) -> bool:
        return self.table.filter_partial

    def text_source(self) -> TextSource:
        return self.table.text_source()

    @property
    def period(self) -> tuple[float, float] | None:
        return self.table.period

    def set_period(self, period: tuple[float, float] | None) -> None:
        self.table.set_period(period)

    def instants(self) -> list[float]:
        return self.table.instants()

    def text_rows(self) -> list[int]:
        return self.table.text_rows()

    def chart_plan(self) -> FilterPlan | None:
        return self.table.chart_plan()

    def merge_state(self) -> MergeState:
        return self.table.merge_state()

    def merge_leads(self, leads: Iterable[Lead]) -> int:
        return self.table.merge_leads(leads)

    def apply_merge(self, plan: MergePlan) -> int | None:
        return self.table.apply_merge(plan)
