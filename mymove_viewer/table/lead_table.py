"""The lead table as data, behind one facade: ``LeadTable``. No Qt.

It owns the leads, their columns, the order the sort puts every lead in (``order``) and the rows
the filters keep of it (``rows``: lead indexes, in view order), the text each cell shows, and
what a sort or filter reuses (column rankings, search texts, instants, positions). Sorting and
filtering rebuild those lists over precomputed keys (``sort``, ``search``); a watch poll's merge,
planned on a worker (``merge``), is swapped in here. A view is told of every change, before and
after, through a ``TableListener`` (the Qt model turns them into its signals).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import replace

from .. import reaper
from ..api.fields import FIELDS
from ..api.lead import Lead
from ..slices import SLICE
from .cells import DISPLAY, DISPLAY_LIMIT, LEAD, RAW, TOOLTIP, Span, long_tip, pick
from .char_masks import CharMasks, whole_chars
from .display import CREATED, STATUS, TEXT, WORK_STATUS, Column, columns_for, display, status_column
from .filter_query import created_terms, narrows, without_dates
from .overview import instants as created_instants
from .search import FilterPlan, FilterResult, TextSource, run_filter, uses_work
from .sort import Ranking, SortedRows, rank_column, rows_for
from .sort_plan import SortPlan, SortResult, run_sort
from .table_listener import TableListener
from .table_merge import MergingTable
from .work import LeadWork

_N = len(FIELDS)
FREE_AFTER_S = 0.3  # old leads are freed once the new ones are painted (see reaper.release)


class LeadTable(MergingTable):
    """The leads, what is shown of them in which order, and each cell's text.

    ``leads``, ``columns`` and ``rows`` are read directly on hot paths (a paint reads them per
    cell); only this class changes them. ``rows`` is ``order`` itself when nothing is filtered.
    """

    def __init__(self, listener: TableListener | None = None) -> None:
        self._listener = listener or TableListener()
        self.leads: list[Lead] = []
        self.work = LeadWork()  # status, note, first export per lead (kept across fetches)
        self._status = status_column(self.work.status_codes)
        self.columns: list[Column] = columns_for((), self._status)
        self.rows: list[int] = []  # what is shown: _order narrowed by the filters
        self._order: list[int] = []  # every lead, in the current sort order
        self._texts: list[str] | None = None
        self._chars: CharMasks | None = None  # of _texts, once the indexer made them
        # The texts masks are being made for, and the masks of leads merged since (grown then).
        self._owed: tuple[list[str], list[CharMasks]] | None = None
        self._filter = ""
        self._partial = False  # rows shown are the top of the filter's, the rest to come
        self._sort: tuple[int, bool] | None = None  # column, descending
        self._ranks: dict[str, Ranking] = {}  # per sorted column: 4 bytes a lead
        self._canonical_created = False
        self._positions: array | None = None  # where each lead sits in _order (filter_rows)
        self._run: int | None = None  # full_scan.order_run(_order), once a scan found it out
        self._order_ranks: tuple[array, bool] | None = None  # what _order is a sort by, if one
        self._source = TextSource([])  # builds the texts if a filter comes before set_index
        self._sorted_as: tuple[object, ...] | None = None
        self._wanted: tuple[int, bool] | None = None  # a sort planned, not applied yet
        self._row_of: array | None = None  # where each lead sits in rows, after a worker's sort
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

        ``presorted``: the order for the current sort, computed on a worker thread, so a large
        fetch is not sorted again on the GUI thread. The search texts and instants come later
        through ``set_index`` (or are built here when first needed). ``canonical_created``: the
        parser found every ``created_at`` in the canonical form, so sorting by it need not check
        again.
        """
        self._listener.resetting()
        # Freeing 100k old leads here would freeze the window for ~60 ms: the reaper frees them,
        # and all that was made of them: dropped here, the set of 1M leads, their instants, the
        # ~50 arrays of ranks and orders (ranked ahead) held the GUI thread ~60 ms at 1M leads.
        old = self._made_of_leads()
        stale_source = self._source
        self.leads = leads
        self.columns = columns_for(extra_fields, self._status)
        self._texts = self._chars = self._owed = None
        self._ranks = {}
        self._positions, self._run, self._order_ranks = None, None, None
        self._canonical_created = canonical_created
        self._lead_set = self._period = self._instants = None  # a period: of the old leads
        # Made only when no order comes with the leads: 1M int objects made and then freed on
        # the GUI thread cost ~50-100 ms of a 1M fetch's largest stall.
        order: list[int] | None = None
        self._sorted_as = self._row_of = None
        if self._wanted is not None:  # a sort still on its way: the new leads take it now
            self._sort, self._wanted = self._wanted, None
        if self._sort is not None and self._sort[0] >= len(self.columns):
            self._sort = None
        if self._sort is not None:
            column, descending = self._sort
            wanted = (self.columns[column].field, descending)
            if presorted is not None and presorted.matches(*wanted, len(leads)):
                order = presorted.rows
                if presorted.ranking is not None:
                    self._ranks[presorted.field] = presorted.ranking
                    self._order_ranks = (presorted.ranking.ranks, descending)
            elif self.columns[column].kind == STATUS and leads:
                # The fetch's worker cannot presort by the work: a sort planned, not made here.
                self._wanted, self._sort = self._sort, None
            else:
                order = self._sorted_order(column, descending)
                self._order_ranks = (self._ranks[wanted[0]].ranks, descending)
            self._sorted_as = self._signature(column, descending) if self._sort else None
        self._order = order if order is not None else list(range(len(leads)))
        # Its texts are made in this order: a filter typed early shows its top rows first.
        self._source = TextSource(leads, order=self._order)
        self._partial = False
        self.rows = self._filtered(self._order, self._filter) if self._filter else self._order
        self._listener.reset()
        reaper.release(*old, *stale_source.built_besides(old), delay=FREE_AFTER_S)
        del old, stale_source
        self._counted()

    def set_index(self, leads: list[Lead], texts: list[str], instants: list[float]) -> bool:
        """Accept search texts and instants built elsewhere (a worker thread) for these very
        leads; False (and nothing kept) if the table has moved on. Their character masks
        follow (``set_chars``)."""
        if leads is not self.leads:
            return False
        n = len(leads)
        if len(texts) == n:
            if texts is not self._texts:
                self._texts, self._chars = texts, None
            if self._chars is None:
                self._owed = (texts, [])  # their masks are on their way
        if self._instants is None and len(instants) == n:
            self._instants = instants
        return True

    def add_ranking(self, leads: list[Lead], field: str, ranking: Ranking) -> bool:
        """Keep ranks of ``field`` computed elsewhere (a worker, ahead of a sort) for these very
        leads; False (and nothing kept) if the table has moved on or ranked it already with
        every order this one brings (the fetch's presort keeps only the order it made)."""
        if leads is not self.leads or len(ranking.ranks) != len(leads):
            return False
        kept = self._ranks.get(field)
        if kept is not None and not (
            (kept.ascending is None and ranking.ascending is not None)
            or (kept.descending is None and ranking.descending is not None)
        ):
            return False
        self._ranks[field] = ranking  # with both orders, if it brings them: a sort copies one
        return True

    def ranked_fields(self) -> list[str]:
        """The fields whose next sort needs no ranking."""
        return list(self._ranks)

    def ordered_fields(self) -> list[str]:
        """The fields whose next sort, either way, only copies an order out."""
        return [f for f, r in self._ranks.items() if None not in (r.ascending, r.descending)]

    def drop_sort_cache(self) -> None:
        """Forget the per-column ranks, so the next sort of any column computes them (the
        benchmark measures both cases)."""
        self._ranks = {}

    # -- reading ---------------------------------------------------------------------------------

    def row_count(self) -> int:
        return len(self.rows)

    def column_count(self) -> int:
        return len(self.columns)

    def total_count(self) -> int:
        return len(self.leads)

    def column_of(self, field: str) -> int:
        for i, column in enumerate(self.columns):
            if column.field == field:
                return i
        return -1

    def cell(self, row: int, col: int, what: int = DISPLAY) -> object:
        """What a view asks of a cell (``DISPLAY``, ``TOOLTIP``, ``RAW``, ``LEAD``); None
        outside the table. A paint asks this of every visible cell: one frame, no calls but
        ``display`` for dates."""
        rows, columns = self.rows, self.columns
        if row >= len(rows) or col >= len(columns):
            return None
        lead = self.leads[rows[row]]
        if col == _N and what != LEAD:  # the work status (a paint: one compare more a cell)
            return self.work.cell(lead, tooltip=what == TOOLTIP, shown=what == DISPLAY)
        if what == DISPLAY:
            column = columns[col]
            raw = lead[col] if col < _N else lead.get(column.field)
            if len(raw) > DISPLAY_LIMIT:  # no date is this long: cut whatever the kind
                return raw[:DISPLAY_LIMIT] + "…"
            return raw if column.kind == TEXT else display(column.kind, raw)
        if what == RAW:
            return lead[col] if col < _N else lead.get(columns[col].field)
        if what == LEAD:
            return lead
        column = columns[col]
        raw = lead[col] if col < _N else lead.get(column.field)
        if len(raw) > DISPLAY_LIMIT:
            return long_tip(raw)
        return f"{raw} (as sent, UTC)" if column.kind == CREATED else None

    def text(self, row: int, col: int) -> str | None:
        """What the cell shows (cut at ``DISPLAY_LIMIT``)."""
        return self.cell(row, col, DISPLAY)  # type: ignore[return-value]

    def raw(self, row: int, col: int) -> str | None:
        """The cell's value as sent, whole."""
        return self.cell(row, col, RAW)  # type: ignore[return-value]

    def lead_at(self, row: int) -> Lead:
        return self.leads[self.rows[row]]

    def leads_at(self, rows: Iterable[int]) -> list[Lead]:
        """The leads of the given view rows, in view order."""
        leads, order = self.leads, self.rows
        return [leads[order[r]] for r in sorted(set(rows))]

    def shown_leads(self) -> list[Lead]:
        leads = self.leads
        return [leads[i] for i in self.rows]

    def rows_for(self, spans: Sequence[Span]) -> list[int]:
        """The lead indexes of ``spans`` of the shown rows in view order (every shown row when
        empty), as a copy a worker may read while a merge grows the rows in place."""
        return pick(self.rows, spans or [(0, len(self.rows) - 1)])

    # -- work status (issue 18) --------------------------------------------------------------------

    def work_changed(self) -> bool:
        """The user changed leads' work: the Status column's ranks are stale (a click on it sorts
        again; the rows keep their place until then, as in a spreadsheet). True if the filter
        reads the work: run it again (``plan_filter(..., again=True)``), so the rows shown
        follow the change."""
        self._ranks.pop(WORK_STATUS, None)
        if self._sort is not None and self.columns[self._sort[0]].kind == STATUS:
            self._sorted_as = None
        return bool(self._filter) and uses_work(self._filter)

    # -- sorting -------------------------------------------------------------------------------

    @property
    def sort_state(self) -> tuple[int, bool] | None:
        """(column, descending) of the current sort, or None."""
        return self._sort

    @property
    def sort_request(self) -> tuple[str, bool] | None:
        """(field, descending) of the sort the user asked for last (on its way, or shown), for
        a worker to presort the next fetch and for a saved view."""
        if (wanted := self._wanted or self._sort) is None:
            return None
        column, descending = wanted
        return self.columns[column].field, descending

    @property
    def pending_sort(self) -> tuple[int, bool] | None:
        """(column, descending) of a sort planned and not applied yet (see ``plan_sort``)."""
        return self._wanted

    def sort(self, column: int, descending: bool = False) -> None:
        """Sort here and now (tests, small tables); the window sorts large ones on a worker."""
        if (plan := self.plan_sort(column, descending)) is not None:
            self.apply_sort(plan, run_sort(plan))

    def plan_sort(self, column: int, descending: bool) -> SortPlan | None:
        """What sorting by ``column`` takes (``run_sort``); None if it is shown already (views
        re-request a sort on header restores) or there is no such column."""
        if not 0 <= column < len(self.columns):
            return None
        if self._sorted_as == self._signature(column, descending):
            self._wanted = None  # back to the order shown: a sort on its way is not wanted
            return None
        self._wanted = (column, descending)
        n, field, at = len(self.leads), self.columns[column].field, self._instants
        ranking = self._ranks.get(field)
        ranking = ranking if ranking is not None and len(ranking.ranks) == n else None
        kept = self.rows[:] if self._filter or self._period is not None else None
        at = at if at is not None and len(at) == n else None
        return SortPlan(self.leads, self._order, self.rows, kept, column, self.columns[column],
                        descending, ranking, self._canonical_created, at)  # fmt: skip

    def apply_sort(self, plan: SortPlan, result: SortResult) -> bool:
        """Show ``run_sort``'s order; False if the leads, order or shown rows changed meanwhile,
        or another sort was asked for since (its ranks are kept: sorting again costs less)."""
        if plan.leads is not self.leads:
            return False
        self._ranks.setdefault(plan.column.field, result.ranking)
        wanted = (plan.index, plan.descending)
        if plan.order is not self._order or plan.shown is not self.rows or self._wanted != wanted:
            return False
        self._sort, self._wanted = wanted, None
        self._sorted_as = self._signature(*wanted)
        old = [self._order, self.rows]  # 1M ints freed here would stall the window ~20-40 ms
        by = None if plan.column.kind == STATUS else (result.ranking.ranks, plan.descending)
        self._show(result.order, result.rows, sorting=True, row_of=result.row_of, ranks=by)
        reaper.release(*old, delay=FREE_AFTER_S)
        return True

    def row_positions(self) -> array | None:
        """Each lead's row in ``rows`` (or ``NOT_SHOWN``) if a worker's sort found it, else None"""
        return self._row_of

    def _signature(self, column: int, descending: bool) -> tuple[object, ...]:
        # The leads list object and its length: a merge that appends leads changes the length.
        return (id(self.leads), len(self.leads), column, descending)

    def _sorted_order(self, column: int, descending: bool) -> list[int]:
        field = self.columns[column].field
        ranking = self._ranks.get(field)
        if ranking is None or len(ranking.ranks) != len(self.leads):
            at = self._instants
            ranking = rank_column(
                self.leads,
                self.columns[column],
                canonical=self._canonical_created,
                descending=descending,
                instants=at if at is not None and len(at) == len(self.leads) else None,
            )
            # Keep the ranks, not the ascending list (36 bytes a lead against 4).
            self._ranks[field] = Ranking(ranking.ranks)
        return rows_for(ranking, descending)

    # -- filtering -----------------------------------------------------------------------------

    @property
    def filter_text(self) -> str:
        return self._filter

    def set_filter(self, text: str, *, again: bool = False) -> None:
        """Filter at once, here (tests, small tables); the window runs large ones on a worker."""
        if (plan := self.plan_filter(text, again=again)) is not None:
            self.apply_filter(plan, run_filter(plan))

    def plan_filter(self, text: str, *, again: bool = False) -> FilterPlan | None:
        """What filtering to ``text`` takes (see ``run_filter``); None if it is shown already,
        unless ``again`` (the leads' work changed under a filter that reads it)."""
        term = text.strip().lower()
        if term == self._filter and again:
            return self._plan(term, self._order)
        if term == self._filter and not self._partial:
            return None
        # Narrowing: only rows the shorter term kept can match (unless most did: scan them all).
        narrow = not self._partial and len(self.rows) * 4 < len(self.leads)
        narrow = narrow and narrows(self._filter, term)
        return self._plan(term, self.rows if narrow else self._order)

    def apply_filter(self, plan: FilterPlan, result: FilterResult, partial: bool = False) -> bool:
        """Show ``run_filter``'s rows; False if the leads, order or period changed meanwhile.
        ``partial``: the top of them (``search_stream``), the full result to follow."""
        if not self._keep(plan, result):
            return False
        self._filter, self._partial = plan.term, partial
        self._show(self._order, result.rows)
        return True

    @property
    def filter_partial(self) -> bool:
        """The rows shown are the top of the filter's only, the others still being found."""
        return self._partial

    def text_source(self) -> TextSource:
        """Builds the search texts of these leads once, for the indexer or an early filter."""
        if self._source.leads is not self.leads:
            self._source = TextSource(self.leads)
        return self._source

    def _plan(self, term: str, candidates: list[int]) -> FilterPlan:
        n = len(self.leads)
        whole = lambda values: values if values is not None and len(values) == n else None  # noqa: E731
        return FilterPlan(term, self.leads, self._order, candidates, whole(self._texts),
                          self.text_source(), self._sort is None, whole(self._positions),
                          self._period, whole(self._instants), self.work, self._run,
                          self._order_ranks,
                          whole_chars(self._chars, n))  # fmt: skip

    def _keep(self, plan: FilterPlan, result: FilterResult) -> bool:
        stale = plan.leads is not self.leads or plan.order is not self._order
        if stale or plan.period != self._period:
            return False
        self._texts = result.texts if self._texts is None else self._texts
        self._instants = result.instants if self._instants is None else self._instants
        self._positions = result.positions or self._positions
        self._run = result.run if result.run is not None else self._run
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
        rows, self._partial = self._filtered(self._order, self._filter), False
        self._show(self._order, rows)

    def instants(self) -> list[float]:
        """``created_at`` of every lead as POSIX seconds (NaN if unparsable), in lead order."""
        if self._instants is None or len(self._instants) != len(self.leads):
            self._instants = created_instants(self.leads)
        return self._instants

    def text_rows(self) -> list[int]:
        """Lead indexes matching the text filter alone, ignoring the period and ``created:``
        terms: what the chart counts (a period shown stays among all the others)."""
        plan = self.chart_plan()
        return self.rows if plan is None else run_filter(plan).rows

    def chart_plan(self) -> FilterPlan | None:
        """What finds ``text_rows`` (for a worker), or None when they are the rows shown."""
        if self._period is None and not created_terms(self._filter):
            return None
        text = without_dates(self._filter)
        return replace(self._plan(text, self._order), period=None)

    def _made_of_leads(self) -> list[object]:
        """Every list, set and array the table holds about its leads (for ``_hand_over``; the
        reaper leaves small ones to be freed at once, but cannot tell a small ranking)."""
        ranks = [r for r in self._ranks.values() if len(r.ranks) > SLICE]
        return [self.leads, self._texts, self._order, self.rows, self._instants, self._lead_set,
                self._positions, self._row_of, *ranks]  # fmt: skip

    def _hand_over(self, before: list[object]) -> None:
        """Have the reaper drop those of ``before`` the table no longer holds."""
        now = self._made_of_leads()
        reaper.release(*[x for x in before if not any(x is y for y in now)], delay=FREE_AFTER_S)

    # -- plumbing ------------------------------------------------------------------------------

    def _show(self, new_order: list[int], new_rows: list[int], *, sorting: bool = False,
              row_of: array | None = None,
              ranks: tuple[array, bool] | None = None) -> None:  # fmt: skip
        self._listener.moving(sorting)
        old_rows = self.rows
        if new_order is not self._order:
            # Unfiltered, where a worker's sort put each lead is its position: the next scan
            # for a rare term needs them (a pass over every row otherwise).
            self._positions = row_of if new_rows is new_order else None
            self._run, self._order_ranks = None, ranks
        self._order, self.rows, self._row_of = new_order, new_rows, row_of
        self._listener.moved(old_rows, sorting)
        self._counted()

    def _counted(self) -> None:
        self._listener.counted(len(self.rows), len(self.leads))
