"""A header click's sort: a large table's new order is computed on a worker thread.

At 1M leads the argsort alone took ~0.3-0.4 s and the whole click froze the window for
0.6-1.2 s. Below ``ASYNC_FROM`` leads the sort runs at once (~15-50 ms at 80k, less than a
worker's round trip and repaint would add). Above it the header shows the new indicator at once,
the table keeps its rows until the order lands, and after a tenth of a second the count beside
the filter box says "Sorting…". The newest click wins; a fetch, merge or filter that changed
the rows meanwhile makes the landed order stale, and it is computed again on the rows as they
are now (the column's ranks are kept, so the second time costs only the argsort). Until then
the table's ``sort_state`` is the order shown and ``sort_request`` the one asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QLabel

from ..api.cancel import CancelToken
from ..api.errors import CancelledError, app_logger
from ..slices import yield_gil
from ..table.sort_plan import SortPlan, SortResult, quick_sort, run_sort
from .model import LeadTableModel
from .paint_gate import PaintGate
from .worker import BackgroundRunner

log = app_logger(__name__)
# From this many leads a sort goes to a worker. At 100k, on the GUI thread a click stalled it
# 24-66 ms (click to painted the same); on the worker 27-30 ms, painted after 46-73 ms. Tests
# patch it.
ASYNC_FROM = 100_000
SORTING = "Sorting…"
SCAN_BUDGET = 1_000_000  # rows scanned for the current row's lead on the GUI thread (~5-10 ms)
SAY_BUSY_AFTER_MS = 100  # as "Filtering…": most sorts land sooner

Outcome = tuple[SortPlan, SortResult]


class SortFlow(QObject):
    def __init__(
        self, model: LeadTableModel, gate: PaintGate | None = None, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._model = model
        self._gate = gate
        self.label: QLabel | None = None  # where "Sorting…" shows (the window's count label)
        self._retried = False
        self._runner = BackgroundRunner(self, name="sort")
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(self._on_failed)
        self._say_busy = QTimer(
            self, singleShot=True, interval=SAY_BUSY_AFTER_MS, timeout=self._show_busy
        )
        model.sorter = self.request

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def request(self, column: int, descending: bool, *, retry: bool = False) -> None:
        """Show the rows sorted by ``column``: at once for a small table, else once a worker
        computed the order. Any sort on its way is dropped (newest wins)."""
        self._retried = retry
        self._runner.invalidate()
        table = self._model.table
        plan = table.plan_sort(column, descending)
        small = plan is None or len(plan.leads) < ASYNC_FROM
        quick = quick_sort(plan) if plan is not None and not small else None
        if small or quick is not None:  # quick: the order is at hand, no worker needed
            self._say_busy.stop()
            if plan is not None:
                table.apply_sort(plan, quick or run_sort(plan))
            self._restore_label()
            return
        # Where each lead lands costs the worker ~7-18 ms at 100k. Asked unless at most one row
        # (the current one) follows its lead, found by a C scan of the new rows: a selection's
        # ranges become an index per row during the relayout (up to ``KEEP_FROM`` rows).
        followed = len({i.row() for i in self._model.persistentIndexList()})
        many = followed > 1 or followed * len(plan.leads) > SCAN_BUDGET
        self._runner.start(self._job(plan, positions=many))
        self._say_busy.start()

    def cancel(self) -> None:
        """New leads replace the ones being sorted (they take the sort asked for)."""
        self._runner.invalidate()
        self._say_busy.stop()

    def _job(self, plan: SortPlan, *, positions: bool) -> Callable[[object, CancelToken], Outcome]:
        gate = self._gate

        def job(_report: object, token: CancelToken) -> Outcome:
            def pace() -> None:
                if gate is not None:
                    gate.wait_paint()  # a paint of the window first
                yield_gil()
                if token.cancelled:
                    raise CancelledError("A newer sort replaced this one.")

            if gate is None:
                return plan, run_sort(plan, pace, positions=positions)
            with gate.urgent():  # the user waits: the indexer and ranking stand aside
                return plan, run_sort(plan, pace, positions=positions)

        return job

    @Slot()
    def _show_busy(self) -> None:
        if self._runner.busy and self.label is not None:
            self.label.setText(SORTING)

    def _restore_label(self) -> None:
        if self.label is not None and self.label.text() == SORTING:
            m = self._model
            m.countsChanged.emit(m.shown_count(), m.total_count())

    @Slot(int, object)
    def _on_finished(self, _gen: int, outcome: Outcome) -> None:
        self._say_busy.stop()
        table = self._model.table
        if not table.apply_sort(*outcome):
            self._again()  # merged, filtered or refetched meanwhile: on the rows now
        self._restore_label()

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        # A watch merge may grow the shown rows in place under the worker: once more on the
        # rows as they are now; failing again is a bug, and sorting here is safe.
        log.warning("sorting on a worker failed: %r", error)
        wanted = self._model.table.pending_sort
        if wanted is not None and self._retried:
            self._say_busy.stop()
            self._model.table.sort(*wanted)
            self._restore_label()
        else:
            self._again(retry=True)

    def _again(self, *, retry: bool = False) -> None:
        wanted = self._model.table.pending_sort
        if wanted is not None:
            self.request(*wanted, retry=retry)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        return self._runner.shutdown(timeout_ms)
