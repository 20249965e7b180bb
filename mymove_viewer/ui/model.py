"""The lead table model: sorting and filtering in the model over precomputed keys. No widgets.

Rows shown are ``self._rows`` (indexes into ``self._leads``): the full sort order narrowed by the
filter. Sorting and filtering rebuild that list in Python and tell views with ``layoutChanged``,
remapping persistent indexes so a selection and the current row follow their leads.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import replace
from itertools import compress, repeat
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from .. import reaper
from ..api.fields import FIELDS
from ..api.lead import Lead
from ..table.display import (
    CREATED,
    TEXT,
    Column,
    columns_for,
    display,
)
from ..table.filter_query import created_terms, narrows, without_dates
from ..table.merge import MergePlan, MergeState, plan_merge
from ..table.overview import instants as created_instants
from ..table.search import FilterPlan, FilterResult, TextSource, run_filter
from ..table.sort import Ranking, SortedRows, rank_column, rows_for
from .selection import HINTED, rows_of_leads

Index = QModelIndex | QPersistentModelIndex

RawRole = Qt.ItemDataRole.UserRole + 1
LeadRole = Qt.ItemDataRole.UserRole + 2
_N = len(FIELDS)
_DISPLAY = Qt.ItemDataRole.DisplayRole
_TOOLTIP = Qt.ItemDataRole.ToolTipRole
_ROLES = frozenset({_DISPLAY, _TOOLTIP, RawRole, LeadRole})
_NO_HINT = QAbstractTableModel.LayoutChangeHint.NoLayoutChangeHint
_SORT_HINT = QAbstractTableModel.LayoutChangeHint.VerticalSortHint
_DESCENDING = Qt.SortOrder.DescendingOrder
# Qt lays out a cell's whole text on every paint: one 10 MB field froze the window for ~10 s per
# repaint (and 3 s more to size the columns); 40 rows of two 10,000-character cells still took
# 1.2 s, 34 ms at this limit (as short values). No cell is wide enough to show more; copy, export
# and RawRole keep every character.
DISPLAY_LIMIT = 300
FREE_AFTER_S = 0.3  # old leads are freed once the new ones are painted (see reaper.release)
TIP_LIMIT = 500  # a tooltip of a cut cell shows this much, and says how long the value is


def long_tip(value: str) -> str:
    """A tooltip for a value too long for its cell (a 20 MB tooltip would freeze the window)."""
    return f"{value[:TIP_LIMIT]}…\n({len(value):,} characters: the lead's details show more)"


def _grown(values: list | None, fresh: list, count: int) -> list | None:
    """``values`` of ``count`` leads grown by the fresh leads' (None if they are not that)."""
    return None if values is None or len(values) != count else [*values, *fresh]


class LeadTableModel(QAbstractTableModel):
    countsChanged = Signal(int, int)  # shown, total

    RawRole = RawRole
    LeadRole = LeadRole

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._leads: list[Lead] = []
        self._columns: list[Column] = columns_for()
        self._order: list[int] = []  # every lead, in the current sort order
        self._rows: list[int] = []  # what is shown: _order narrowed by the filter
        self._texts: list[str] | None = None
        self._filter = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None
        self._ranks: dict[str, Ranking] = {}  # per sorted column: 4 bytes a lead
        self._canonical_created = False
        self._positions: array | None = None  # where each lead sits in _order (filter_rows)
        self._source = TextSource([])  # builds the texts if a filter comes before set_index
        self._sorted_as: tuple[object, ...] | None = None
        # Watch merges and the overview's period filter (built lazily, dropped with the leads):
        self._lead_set: set[Lead] | None = None
        self._instants: list[float] | None = None
        self._period: tuple[float, float] | None = None

    # -- content -------------------------------------------------------------------------------

    def set_leads(
        self,
        leads: list[Lead],
        extra_fields: Sequence[str] = (),
        presorted: SortedRows | None = None,
        *,
        canonical_created: bool = False,
    ) -> None:
        """Replace the content; keeps the current filter and sort applied to the new leads.

        ``presorted``: the order for the current sort, computed on the worker thread, so a
        large fetch is not sorted again here on the GUI thread. The search texts and instants
        come later through ``set_index`` (or are built here when first needed).
        ``canonical_created``: the parser found every ``created_at`` in the canonical form, so
        sorting by it need not check again.
        """
        self.beginResetModel()
        # Freeing 100k old leads here would freeze the window for ~60 ms: the reaper frees them.
        old = [self._leads, self._texts, self._order, self._rows]
        stale_source, self._source = self._source, TextSource(leads)
        self._leads = leads
        self._columns = columns_for(extra_fields)
        self._texts = None
        self._ranks = {}
        self._positions = None
        self._canonical_created = canonical_created
        self._lead_set = self._period = self._instants = None  # a period: of the old leads
        self._order = list(range(len(leads)))
        self._sorted_as = None
        if self._sort is not None and self._sort[0] >= len(self._columns):
            self._sort = None
        if self._sort is not None:
            column, order = self._sort
            wanted = (self._columns[column].field, order == Qt.SortOrder.DescendingOrder)
            if presorted is not None and presorted.matches(*wanted, len(leads)):
                self._order = presorted.rows
                if presorted.ranking is not None:
                    self._ranks[presorted.field] = presorted.ranking
            else:
                self._order = self._sorted_order(column, order)
            self._sorted_as = self._sort_signature(column, order)
        self._rows = self._filtered(self._order, self._filter) if self._filter else self._order
        self.endResetModel()
        reaper.release(*old, *stale_source.built_besides(old), delay=FREE_AFTER_S)
        del old, stale_source
        self._emit_counts()

    def clear(self) -> None:
        self.set_leads([], ())

    def set_index(self, leads: list[Lead], texts: list[str], instants: list[float]) -> bool:
        """Accept search texts and instants built elsewhere (a worker thread) for these very
        leads; False (and nothing kept) if the model has moved on to other leads."""
        if leads is not self._leads:
            return False
        n = len(leads)
        if len(texts) == n:
            self._texts = texts
        if self._instants is None and len(instants) == n:
            self._instants = instants
        return True

    def add_ranking(self, leads: list[Lead], field: str, ranking: Ranking) -> bool:
        """Keep ranks of ``field`` computed elsewhere (a worker, ahead of a sort) for these very
        leads; False (and nothing kept) if the model has moved on or ranked it already."""
        if leads is not self._leads or field in self._ranks or len(ranking.ranks) != len(leads):
            return False
        self._ranks[field] = ranking  # with both orders, if it brings them: a sort copies one
        return True

    def ranked_fields(self) -> list[str]:
        """The fields whose next sort needs no ranking."""
        return list(self._ranks)

    @property
    def columns(self) -> list[Column]:
        return list(self._columns)

    @property
    def leads(self) -> list[Lead]:
        return self._leads

    def column_of(self, field: str) -> int:
        for i, column in enumerate(self._columns):
            if column.field == field:
                return i
        return -1

    def lead_at(self, row: int) -> Lead:
        return self._leads[self._rows[row]]

    def leads_at(self, rows: Iterable[int]) -> list[Lead]:
        """The leads of the given view rows, in view order."""
        leads, order = self._leads, self._rows
        return [leads[order[r]] for r in sorted(set(rows))]

    def shown_leads(self) -> list[Lead]:
        leads = self._leads
        return [leads[i] for i in self._rows]

    def total_count(self) -> int:
        return len(self._leads)

    def shown_count(self) -> int:
        return len(self._rows)

    @property
    def filter_text(self) -> str:
        return self._filter

    @property
    def sort_state(self) -> tuple[int, Qt.SortOrder] | None:
        return self._sort

    # -- Qt model interface --------------------------------------------------------------------

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        # A paint asks ~7 roles per cell; answer the ones we do not serve before any other work.
        if role not in _ROLES or not index.isValid():
            return None
        row, col = index.row(), index.column()
        if row >= len(self._rows) or col >= len(self._columns):
            return None
        lead = self._leads[self._rows[row]]
        if role == RawRole:
            return lead[col] if col < _N else lead.get(self._columns[col].field)
        if role == LeadRole:
            return lead
        column = self._columns[col]
        raw = lead[col] if col < _N else lead.get(column.field)
        if len(raw) > DISPLAY_LIMIT:  # no date is this long: cut whatever the kind
            return raw[:DISPLAY_LIMIT] + "…" if role == _DISPLAY else long_tip(raw)
        if role == _DISPLAY:
            return raw if column.kind == TEXT else display(column.kind, raw)
        return f"{raw} (as sent, UTC)" if column.kind == CREATED else None  # tooltip

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if not 0 <= section < len(self._columns):
                return None
            column = self._columns[section]
            if role == Qt.ItemDataRole.DisplayRole:
                return column.header
            if role == Qt.ItemDataRole.ToolTipRole:
                return column.field
            return None
        if role == Qt.ItemDataRole.DisplayRole and 0 <= section < len(self._rows):
            return section + 1
        return None

    # No ``flags`` override: Qt's own answer (enabled, selectable, for a valid index) is the
    # same, and Qt asks it per cell in selection checks, where a Python call each froze the
    # window for seconds at 100k rows.

    # -- sorting -------------------------------------------------------------------------------

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self._columns):
            return
        if self._sorted_as == self._sort_signature(column, order):
            return  # already in this order: views re-request a sort on header restores
        new_order = self._sorted_order(column, order)
        self._sort = (column, order)
        self._sorted_as = self._sort_signature(column, order)
        if self._filter or self._period is not None:
            keep = bytearray(len(self._leads))
            deque(map(keep.__setitem__, self._rows, repeat(1)), maxlen=0)
            new_rows = list(compress(new_order, map(keep.__getitem__, new_order)))
        else:
            new_rows = new_order
        self._relayout(new_order, new_rows, _SORT_HINT)  # the same rows, moved

    def drop_sort_cache(self) -> None:
        """Forget the per-column ranks, so the next sort of any column computes them (the
        benchmark measures both cases)."""
        self._ranks = {}

    def _sort_signature(self, column: int, order: Qt.SortOrder) -> tuple[object, ...]:
        # The leads list object and its length: a merge that appends leads changes the length.
        return (id(self._leads), len(self._leads), column, order)

    @property
    def sort_request(self) -> tuple[str, bool] | None:
        """(field, descending) of the current sort, for a worker to presort the next fetch."""
        if self._sort is None:
            return None
        column, order = self._sort
        return self._columns[column].field, order == Qt.SortOrder.DescendingOrder

    def _sorted_order(self, column: int, order: Qt.SortOrder) -> list[int]:
        field = self._columns[column].field
        ranking = self._ranks.get(field)
        if ranking is None or len(ranking.ranks) != len(self._leads):
            at = self._instants
            ranking = rank_column(
                self._leads,
                self._columns[column],
                canonical=self._canonical_created,
                descending=order == Qt.SortOrder.DescendingOrder,
                instants=at if at is not None and len(at) == len(self._leads) else None,
            )
            # Keep the ranks, not the ascending list (36 bytes a lead against 4).
            self._ranks[field] = Ranking(ranking.ranks)
        return rows_for(ranking, order == Qt.SortOrder.DescendingOrder)

    # -- filtering -----------------------------------------------------------------------------

    def set_filter(self, text: str) -> None:
        """Filter at once, here (tests, small tables); the window runs large ones on a worker."""
        if (plan := self.plan_filter(text)) is not None:
            self.apply_filter(plan, run_filter(plan))

    def plan_filter(self, text: str) -> FilterPlan | None:
        """What filtering to ``text`` takes (see ``run_filter``); None if it is shown already."""
        term = text.strip().lower()
        if term == self._filter:
            return None
        # Narrowing: only rows the shorter term kept can match (unless most did: scan them all).
        narrow = len(self._rows) * 4 < len(self._leads) and narrows(self._filter, term)
        return self._plan(term, self._rows if narrow else self._order)

    def apply_filter(self, plan: FilterPlan, result: FilterResult) -> bool:
        """Show ``run_filter``'s rows; False if the leads, order or period changed meanwhile."""
        if not self._keep(plan, result):
            return False
        self._filter = plan.term
        self._relayout(self._order, result.rows)
        return True

    def text_source(self) -> TextSource:
        """Builds the search texts of these leads once, for the indexer or an early filter."""
        if self._source.leads is not self._leads:
            self._source = TextSource(self._leads)
        return self._source

    def _plan(self, term: str, candidates: list[int]) -> FilterPlan:
        n = len(self._leads)
        whole = lambda values: values if values is not None and len(values) == n else None  # noqa: E731
        return FilterPlan(term, self._leads, self._order, candidates, whole(self._texts),
                          self.text_source(), self._sort is None, whole(self._positions),
                          self._period, whole(self._instants))  # fmt: skip

    def _keep(self, plan: FilterPlan, result: FilterResult) -> bool:
        stale = plan.leads is not self._leads or plan.order is not self._order
        if stale or plan.period != self._period:
            return False
        self._texts = result.texts if self._texts is None else self._texts
        self._instants = result.instants if self._instants is None else self._instants
        self._positions = result.positions or self._positions
        return True

    def _filtered(self, candidates: list[int], term: str) -> list[int]:
        self._keep(plan := self._plan(term, candidates), result := run_filter(plan))
        return result.rows

    # -- period filter (the overview's bars) -------------------------------------------------

    @property
    def period(self) -> tuple[float, float] | None:
        """[start, end) in POSIX seconds that ``created_at`` must fall in, or None."""
        return self._period

    def set_period(self, period: tuple[float, float] | None) -> None:
        """Show only leads created in [start, end); combines with the text filter."""
        if period == self._period:
            return
        self._period = period
        rows = self._filtered(self._order, self._filter)
        self._relayout(self._order, rows)

    def instants(self) -> list[float]:
        """``created_at`` of every lead as POSIX seconds (NaN if unparsable), in lead order."""
        if self._instants is None or len(self._instants) != len(self._leads):
            self._instants = created_instants(self._leads)
        return self._instants

    def shown_rows(self) -> list[int]:
        """Lead indexes (into ``leads``) of the shown rows, in view order. Do not modify."""
        return self._rows

    def text_rows(self) -> list[int]:
        """Lead indexes matching the text filter alone, ignoring the period and ``created:``
        terms: what the chart counts (a period shown stays among all the others)."""
        plan = self.chart_plan()
        return self._rows if plan is None else run_filter(plan).rows

    def chart_plan(self) -> FilterPlan | None:
        """What finds ``text_rows`` (for a worker), or None when they are the rows shown."""
        if self._period is None and not created_terms(self._filter):
            return None
        text = without_dates(self._filter)
        return replace(self._plan(text, self._order), period=None)

    # -- merging (watch mode; planned by ``merge.plan_merge``) ---------------------------------

    def merge_state(self) -> MergeState:
        """What a merge starts from, for ``plan_merge`` on a worker (references: O(1))."""
        sort = None if self._sort is None else (self._sort[0], self._sort[1] == _DESCENDING)
        return MergeState(self._leads, self._lead_set, self._columns, self._order, self._rows,
                          sort, dict(self._ranks), self._texts, self._instants,
                          self._canonical_created, self._filter, self._period)  # fmt: skip

    def merge_leads(self, leads: Iterable[Lead]) -> int:
        """Merge here and now (see ``apply_merge``); returns how many leads were new."""
        added = self.apply_merge(plan_merge(self.merge_state(), leads))
        assert added is not None  # planned on this very state
        return added

    def apply_merge(self, plan: MergePlan) -> int | None:
        """Swap in a merge planned from ``merge_state``: the new leads are inserted where the
        sort and filters put them, with ``beginInsertRows``, so selection, current row, sort and
        filter stay. Returns how many leads were new, or None (nothing done) if the leads, sort
        or filters changed since the plan's state: plan again."""
        if not plan.state.fits(self.merge_state()):
            return None
        self._lead_set = plan.lead_set
        if not plan.fresh:
            return 0
        if plan.columns is not None:
            start = len(self._columns)
            self.beginInsertColumns(QModelIndex(), start, len(plan.columns) - 1)
            self._columns = plan.columns
            self.endInsertColumns()
        state, ranked = plan.state, self._ranks
        self._leads = plan.leads  # a new list: the signature of the sort notices the change
        sort = self._columns[self._sort[0]].field if self._sort is not None else None
        # Dropped from the cache since the plan started: stays dropped.
        self._ranks = {f: r for f, r in plan.ranks.items() if f in ranked or f == sort}
        self._canonical_created = plan.canonical
        self._positions = None  # the order grows below
        texts, at = self._texts, self._instants  # the index may have come meanwhile
        n = len(state.leads)
        self._texts = plan.texts if texts is state.texts else _grown(texts, plan.fresh_texts, n)
        self._instants = (
            plan.instants if at is state.instants else _grown(at, plan.fresh_instants, n)
        )
        if plan.order is not None:  # filtered: the full order grows silently
            self._order = plan.order
        rows = self._rows
        for at_row, block in plan.runs:
            self.beginInsertRows(QModelIndex(), at_row, at_row + len(block) - 1)
            rows[at_row:at_row] = block  # in place: when rows is the order, the order grows too
            self.endInsertRows()
        if self._sort is not None:
            self._sorted_as = self._sort_signature(*self._sort)
        self._emit_counts()
        return len(plan.fresh)

    # -- plumbing ------------------------------------------------------------------------------

    def _relayout(self, new_order: list[int], new_rows: list[int], hint: Any = _NO_HINT) -> None:
        self.layoutAboutToBeChanged[HINTED].emit([], hint)
        old_rows = self._rows
        persistent = self.persistentIndexList()
        if persistent:
            new_row_of = rows_of_leads(
                new_rows, [old_rows[i.row()] for i in persistent if 0 <= i.row() < len(old_rows)]
            )
            moved = []
            for idx in persistent:
                r = idx.row()
                new_row = new_row_of.get(old_rows[r]) if 0 <= r < len(old_rows) else None
                moved.append(
                    QModelIndex() if new_row is None else self.createIndex(new_row, idx.column())
                )
        if new_order is not self._order:
            self._positions = None
        self._order, self._rows = new_order, new_rows
        if persistent:
            self.changePersistentIndexList(persistent, moved)
        self.layoutChanged[HINTED].emit([], hint)
        self._emit_counts()

    def _emit_counts(self) -> None:
        self.countsChanged.emit(len(self._rows), len(self._leads))
