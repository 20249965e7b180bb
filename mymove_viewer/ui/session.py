"""The leads the window shows and the work that produces them: fetch → leads → search index →
column rankings, the summary of the last fetch, and snapshots of the shown rows for exporting
and copying. The window builds the widgets and wires them to these signals; it holds no lead
data of its own. Watch polls are merged into the same model (``watch_flow``).

The path from Fetch to a written file is ``window.fetch`` → :meth:`LeadSession.start` →
``FetchController`` (worker) → :meth:`LeadSession.take_outcome` → the model and ``Indexer``
(worker); then ``export_flow.ExportFlow.start`` → :meth:`LeadSession.snapshot` → the writer on a
worker.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from ..api.lead import Lead
from ..api.query import Environment, Query
from ..leadindex import LeadIndex, RankedColumn
from ..leadsort import SortedRows
from .fetch import FetchController, FetchOutcome, FetchRequest
from .indexer import Indexer
from .new_leads import MarkedLeadModel
from .paint_gate import PaintGate
from .selection import pick
from .status import FetchInfo, summary_text

Span = tuple[float, float]


class LeadSession(QObject):
    # The model's leads are about to be replaced (views save their state); True: by some leads.
    replacing = Signal(bool)
    replaced = Signal(bool)  # they are replaced, before the indexing starts
    indexing = Signal()  # ... and after: a filter applies now, to the leads and their index
    spanChanged = Signal(object, bool)  # the fetched time window (start, end), count at once
    counted = Signal(object, object)  # the index's (tally, volume) of every current lead
    countsStale = Signal()  # the leads changed while counting: count them as they are now

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)  # tests pin it
        self.controller = FetchController(self)
        self.paint_gate = PaintGate(self)
        gate = self.paint_gate
        self.indexer = Indexer(self, pace=gate.wait_turn, quiet=gate.wait_quiet)
        self.model = MarkedLeadModel(self)
        self.info: FetchInfo | None = None  # the last fetch (or poll) shown
        self.span: Span | None = None
        self._env: Environment | None = None  # where the running fetch goes
        self.started = self.clock()
        self._query: Query | None = None
        self.after_paint_of: QWidget | None = None  # the view that shows new leads first
        self.indexer.ready.connect(self._on_index_ready)
        self.indexer.ranked.connect(self._on_ranked)
        self.indexer.failed.connect(self.countsStale)

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
        model = self.model
        model.set_leads(leads, extra_fields, presorted, canonical_created=canonical_created)
        self.replaced.emit(bool(leads))
        if leads:
            columns, source = model.columns, model.text_source()
            self.indexer.start(leads, self.span, self.after_paint_of, columns, source)
        self.indexing.emit()

    @Slot(object)
    def _on_index_ready(self, index: LeadIndex) -> None:
        if self.model.set_index(index.leads, index.texts, index.instants):
            self.counted.emit(index.tally, index.volume)
        else:  # a watch merge changed the leads meanwhile
            self.countsStale.emit()

    @Slot(object)
    def _on_ranked(self, ranked: RankedColumn) -> None:
        self.model.add_ranking(ranked.leads, ranked.field, ranked.ranking)

    # -- what the window shows and exports -------------------------------------------------------

    def summary(self) -> str:
        return summary_text(self.info, self.model.total_count(), self.model.shown_count())

    def has_leads(self) -> bool:
        return self.info is not None and bool(self.model.total_count())

    def snapshot(self, spans: list[tuple[int, int]]) -> tuple[list[Lead], list[int]]:
        """The leads and the lead indexes of ``spans`` of the shown rows in view order (every
        shown row when empty), for a worker to read: the indexes are a copy, as a watch merge
        may grow the shown rows in place meanwhile. List slices only, no per-row Python."""
        model = self.model
        rows = pick(model.shown_rows(), spans or [(0, model.shown_count() - 1)])
        return model.leads, rows

    def shutdown(self, timeout_ms: int = 2000) -> None:
        self.controller.shutdown(timeout_ms)
        self.paint_gate.release()
        self.indexer.shutdown(timeout_ms)
