"""The leads the window shows and the work that produces them: fetch → leads → search index →
column rankings, the summary of the last fetch, and snapshots of the shown rows for exporting
and copying. The window builds the widgets and wires them to these signals; it holds no lead
data of its own. Watch mode (``watch_flow``) hands its polls' leads to :meth:`merge`.

A watch poll's leads are merged in two steps: ``table.merge.plan_merge`` does the per-lead work
on a worker thread (at 100k leads it held the GUI thread for ~80-275 ms), then the model swaps
the plan in. A plan for leads the model no longer has (a fetch replaced them) is dropped; one for
a sort or filter the user has changed meanwhile is made again; polls arriving meanwhile are
planned next, so no poll's leads are lost.

The path from Fetch to a written file is ``window.fetch`` → :meth:`LeadSession.start` →
``FetchController`` (worker) → :meth:`LeadSession.take_outcome` → the model and ``Indexer``
(worker); then ``export_flow.ExportFlow.start`` → :meth:`LeadSession.snapshot` → the writer on a
worker.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from .. import gcpause
from ..api.cancel import CancelToken
from ..api.errors import CancelledError, app_logger
from ..api.lead import Lead
from ..api.query import Environment, Query
from ..slices import yield_gil
from ..table.display import STATUS
from ..table.index import LeadIndex, RankedColumn, TextMasks
from ..table.merge import MergePlan, Runs, plan_merge
from ..table.sort import SortedRows
from ..table.work import WorkChange
from .fetch import FetchController, FetchOutcome, FetchRequest
from .indexer import Indexer
from .new_leads import MarkedLeadModel
from .paint_gate import PaintGate
from .sort_flow import SortFlow
from .status import FetchInfo, summary_text
from .worker import BackgroundRunner

if TYPE_CHECKING:  # the store's package loads sqlite3 and msgspec: not before the first paint
    from ..store.records import StoredLeads

log = app_logger(__name__)
Span = tuple[float, float]


class LeadSession(QObject):
    # The model's leads are about to be replaced (views save their state); True: by some leads.
    replacing = Signal(bool)
    replaced = Signal(bool)  # they are replaced, before the indexing starts
    indexing = Signal()  # ... and after: a filter applies now, to the leads and their index
    spanChanged = Signal(object, bool)  # the fetched time window (start, end), count at once
    counted = Signal(object, object)  # the index's (tally, volume) of every current lead
    countsStale = Signal()  # the leads changed while counting: count them as they are now
    merged = Signal(object, object)  # polls' leads are in: (the new leads, the newest outcome)
    workChanged = Signal(object)  # the user changed leads' work (a ``WorkChange``): keep it

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # tests pin it
        self.controller = FetchController(self)
        self.paint_gate = PaintGate(self)
        gate = self.paint_gate
        self.indexer = Indexer(self, pace=gate.wait_turn, quiet=gate.wait_quiet)
        self.model = MarkedLeadModel(self)
        self.sort_flow = SortFlow(self.model, gate, self)  # a large table sorts on a worker
        self.info: FetchInfo | None = None  # the last fetch (or poll) shown
        self.span: Span | None = None
        self._env: Environment | None = None  # where the running fetch goes
        self.started = self.clock()
        self._query: Query | None = None
        self.after_paint_of: QWidget | None = None  # the view that shows new leads first
        self.indexer.ready.connect(self._on_index_ready)
        self.indexer.masked.connect(self._on_masked)
        self.indexer.ranked.connect(self._on_ranked)
        self.indexer.failed.connect(self.countsStale)
        self.merger = BackgroundRunner(self, name="merge")
        self.merger.finished.connect(self._on_planned)
        self.merger.failed.connect(self._on_plan_failed)
        self._pending: list[Lead] = []  # leads of polls not merged yet
        self._pending_for: list[Lead] | None = None  # the model's leads they are to join
        self._planned = 0  # how many of them the plan being made covers
        self._outcome: FetchOutcome | None = None  # the newest of those polls
        # Wraps the model's row inserts: the view keeps its top row and selection through them.
        self.around_merge: Callable[[Runs], AbstractContextManager[object]] = lambda _runs: (
            nullcontext()
        )

    # -- fetching --------------------------------------------------------------------------------

    def start(self, request: FetchRequest, env: Environment, started: datetime) -> int:
        """Start a fetch (replacing one still running) asked for at ``started`` (before the
        keychain was read for it); returns its generation."""
        self._env, self.started, self._query = env, started, request.query
        return self.controller.start(request)

    @property
    def query(self) -> Query | None:
        """The query of the last fetch started by the user."""
        return self._query

    def forget(self) -> None:
        """Another environment: its leads and summary must never show here."""
        self.controller.invalidate()
        self.set_leads([], ())
        self.info = None

    def take_outcome(self, outcome: FetchOutcome, env: Environment) -> None:
        """Replace the leads with a fetch's (``env``: the environment shown now)."""
        result = outcome.result
        self._set_span(result.query.covers(self.started), count=False)
        self.set_leads(
            result.leads,
            result.extra_fields,
            outcome.presorted,
            canonical_created=result.canonical_created,
        )
        self.info = FetchInfo(
            self._env or env, result.fetched_at, result.elapsed, result.skipped, result.replaced
        )

    def show_stored(
        self,
        leads: list[Lead],
        extra_fields: tuple[str, ...],
        presorted: SortedRows | None,
        span: Span,
        info: FetchInfo,
        canonical_created: bool = False,
    ) -> None:
        """Replace the leads with stored ones (``history_flow``), asked for the time ``span``."""
        self._set_span(span, count=False)
        self.set_leads(leads, extra_fields, presorted, canonical_created=canonical_created)
        self.info = info

    def note_poll(self, outcome: FetchOutcome, env: Environment) -> None:
        """A watch poll was merged: the summary and the time window move on."""
        result = outcome.result
        info = self.info
        skipped, replaced = (info.skipped, info.replaced) if info else (0, 0)
        self.info = FetchInfo(env, result.fetched_at, result.elapsed, skipped, replaced)
        end = result.fetched_at.timestamp()
        self._set_span((self.span[0] if self.span else end - 3600, end), count=True)

    def _set_span(self, span: Span, *, count: bool) -> None:
        self.span = span
        self.spanChanged.emit(span, count)

    # -- leads, index and rankings ---------------------------------------------------------------

    def set_leads(
        self,
        leads: list[Lead],
        extra_fields: tuple[str, ...],
        presorted: SortedRows | None = None,
        *,
        canonical_created: bool = False,
    ) -> None:
        """Show ``leads``; index and rank them on a worker once the view has painted them."""
        self.replacing.emit(bool(leads))
        self.indexer.cancel()
        self.sort_flow.cancel()  # the new leads take the sort asked for (``set_leads``)
        model = self.model
        model.set_leads(leads, extra_fields, presorted, canonical_created=canonical_created)
        self.replaced.emit(bool(leads))
        pending = model.table.pending_sort  # one the leads could not take (by work status)
        if pending is not None and not self.sort_flow.busy:
            self.sort_flow.request(*pending)
        if leads:
            # The presort's column has the order it made: ranked ahead for the other one.
            ordered = set(model.ordered_fields())
            columns = [c for c in model.columns if c.field not in ordered]
            source = model.text_source()
            self.indexer.start(leads, self.span, self.after_paint_of, columns, source)
        self.indexing.emit()

    @Slot(object)
    def _on_index_ready(self, index: LeadIndex) -> None:
        if self.model.table.set_index(index.leads, index.texts, index.instants):
            self.counted.emit(index.tally, index.volume)
        else:  # a watch merge changed the leads meanwhile
            self.countsStale.emit()

    @Slot(object)
    def _on_masked(self, masks: TextMasks) -> None:
        self.model.table.set_chars(masks.texts, masks.chars)

    @Slot(object)
    def _on_ranked(self, ranked: RankedColumn) -> None:
        self.model.add_ranking(ranked.leads, ranked.field, ranked.ranking)

    # -- watch merges ----------------------------------------------------------------------------

    @property
    def merging(self) -> bool:
        """A poll's leads are waiting to be merged into the model."""
        return self._pending_for is not None

    def merge(self, outcome: FetchOutcome) -> None:
        """Merge a poll's leads into the model's (on a worker, then swapped in): ``merged``
        follows."""
        if self._pending_for is not self.model.leads:  # for leads a fetch has replaced
            self._pending = []
        self._pending = [*self._pending, *outcome.result.leads]
        self._pending_for = self.model.leads
        self._outcome = outcome
        if not self.merger.busy:  # else these follow once the plan being made is in
            self._plan()

    def hold_merges(self) -> None:
        """A fetch will replace the leads: the CPU goes to it, not to a merge into leads about
        to go (kept in case the fetch fails)."""
        self.merger.invalidate()

    def resume_merges(self) -> None:
        """The leads stayed as they were: a merge that waited for the fetch goes on."""
        if self.merging and not self.merger.busy:
            self._plan()

    def drop_merges(self) -> None:
        self.merger.invalidate()
        self._pending, self._pending_for, self._outcome = [], None, None

    def _plan(self) -> None:
        """Plan the merge of every pending lead into the model as it is now, on the worker."""
        state, incoming = self.model.merge_state(), self._pending
        self._planned = len(incoming)
        wait_turn = self.paint_gate.wait_turn

        def job(_report: Callable[[object], None], token: CancelToken) -> MergePlan:
            def pace() -> None:
                wait_turn()  # a paint of the window first
                yield_gil()
                if token.cancelled:
                    raise CancelledError("The merge was cancelled.")

            # Its new lists of 1M items (the leads, texts, instants, their set), left in the
            # young generation, were walked item by item by the GUI's next collections:
            # 60-110 ms each at 1M leads. Made as a parse's leads are, they are frozen instead.
            with gcpause.building_many_objects():
                return plan_merge(state, incoming, pace)

        self.merger.start(job)

    @Slot(int, object)
    def _on_planned(self, _gen: int, plan: MergePlan) -> None:
        model = self.model
        if plan.state.leads is not model.leads:  # replaced by a fetch (or cleared): dropped
            self.drop_merges()
            return
        if not plan.state.fits(model.merge_state()):  # sorted or filtered meanwhile
            self._plan()  # again, on the model as it is now
            return
        with self.around_merge(plan.runs):
            fresh = model.apply_new(plan)
        assert fresh is not None  # it fits
        outcome = self._outcome
        self._pending = self._pending[self._planned :]  # polls that came meanwhile
        if self._pending:
            self._pending_for = model.leads
            self._plan()
        else:
            self._pending_for = self._outcome = None
        self.merged.emit(fresh, outcome)

    @Slot(int, object)
    def _on_plan_failed(self, _gen: int, error: object) -> None:
        log.warning("merging a watch poll failed: %r", error)  # a bug; the next poll retries
        self.drop_merges()

    # -- work status (issue 18) ----------------------------------------------------------------

    def change_work(self, change: WorkChange, *, applied: bool = False) -> None:
        """The user set a status or note, or exported leads: show it, and have it kept.
        ``applied``: the table's work has it already (a large change, prepared on a worker)."""
        if not applied:
            self.model.table.work.apply(change)
        self.model.work_changed()
        self.workChanged.emit(change)

    def load_work(self, found: StoredLeads) -> None:
        """What the history knows of leads (stored ones shown, a fetch or poll stored): show
        it. Unlike the user's own change, statuses read from the history put a table sorted by
        status in order again: its rows were placed before the statuses were known."""
        table = self.model.table
        changed = table.work.take(found)
        self.model.work_changed()
        sort = table.pending_sort or table.sort_state
        if changed and sort is not None and table.columns[sort[0]].kind == STATUS:
            self.sort_flow.request(*sort)

    # -- what the window shows and exports -------------------------------------------------------

    def summary(self) -> str:
        return summary_text(self.info, self.model.total_count(), self.model.shown_count())

    def has_leads(self) -> bool:
        return self.info is not None and bool(self.model.total_count())

    def snapshot(self, spans: list[tuple[int, int]]) -> tuple[list[Lead], list[int]]:
        """The leads and the lead indexes of ``spans`` of the shown rows in view order (every
        shown row when empty), for a worker to read: the indexes are a copy, as a watch merge
        may grow the shown rows in place meanwhile. List slices only, no per-row Python."""
        table = self.model.table
        return table.leads, table.rows_for(spans)

    def shutdown(self, timeout_ms: int = 2000) -> None:
        self.drop_merges()
        self.merger.shutdown(timeout_ms)
        self.sort_flow.shutdown(timeout_ms)
        self.controller.shutdown(timeout_ms)
        self.paint_gate.release()
        self.indexer.shutdown(timeout_ms)
