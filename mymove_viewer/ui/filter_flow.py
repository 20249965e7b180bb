"""Applying the filter box's text to the table: a scan of every lead runs on a worker thread.

At 100k leads a scan of the search texts takes ~15 ms, and a filter typed before the index was
in built the texts first: on the GUI thread, that froze the window for 1.4 s.
Here only a narrowing over a few candidates (``FilterPlan.cheap``) runs at once; anything else
goes to a worker, in slices, and the next keystroke cancels it (newest wins). Meanwhile the
table keeps its rows and the count beside the box says "Filtering…".
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer, Slot
from PySide6.QtWidgets import QLabel

from ..api.cancel import CancelToken
from ..api.errors import CancelledError, app_logger
from ..table.search import FilterPlan, FilterResult, run_filter
from ..table.search_stream import stream_filter, streams
from .model import LeadTableModel
from .paint_gate import PaintGate
from .worker import BackgroundRunner, Report

log = app_logger(__name__)
FILTERING = "Filtering…"
# "Filtering…" shows only for a scan that takes longer than this: most take ~20 ms at 100k, and
# the label's repaint (which the worker stands aside for) would cost about as much again.
SAY_BUSY_AFTER_MS = 100


class FilterFlow(QObject):
    def __init__(
        self,
        model: LeadTableModel,
        label: QLabel,
        gate: PaintGate | None = None,
        parent: QObject | None = None,
    ) -> None:
        """``label``: where "Filtering…" shows (the model's counts replace it), and the parent
        unless one is given; ``gate``: the window's, which the worker stands aside for."""
        super().__init__(parent or label)
        self._model = model
        self._label = label
        self._gate = gate
        self._text = ""
        self._retried = False
        self._again = False  # the filter shown runs again (a retry keeps it so)
        self._runner = BackgroundRunner(self, name="filter")
        self._runner.finished.connect(self._on_finished)
        self._runner.progress.connect(self._on_partial)
        self._runner.failed.connect(self._on_failed)
        self._say_busy = QTimer(self)
        self._say_busy.setSingleShot(True)
        self._say_busy.setInterval(SAY_BUSY_AFTER_MS)
        self._say_busy.timeout.connect(self._show_busy)

    @property
    def busy(self) -> bool:
        return self._runner.busy

    def apply(self, text: str, *, retry: bool = False, again: bool = False) -> None:
        """Show the rows matching ``text``: at once when cheap, else once a worker found them.
        ``again``: also when it is the filter shown (the leads' work changed under it)."""
        self._again = again or (retry and self._again)
        self._text, self._retried = text, retry
        m = self._model
        plan = m.plan_filter(text, again=self._again)
        if plan is None or plan.cheap:
            self._runner.invalidate()  # an older text's scan must not land after this
            self._say_busy.stop()
            if plan is not None:
                m.apply_filter(plan, run_filter(plan))
            elif self._label.text() == FILTERING:  # back to the text shown: its counts again
                m.countsChanged.emit(m.shown_count(), m.total_count())
            return
        self._runner.start(self._job(plan))
        self._say_busy.start()

    @Slot()
    def _show_busy(self) -> None:
        if self._runner.busy:
            self._label.setText(FILTERING)

    def _job(
        self, plan: FilterPlan
    ) -> Callable[[Report, CancelToken], tuple[FilterPlan, FilterResult]]:
        gate = self._gate

        def job(report: Report, token: CancelToken) -> tuple[FilterPlan, FilterResult]:
            def pace() -> None:
                if token.cancelled:
                    raise CancelledError("A newer filter replaced this one.")
                if gate is not None:
                    gate.wait_paint()

            if streams(plan):  # the texts made so far scanned, then made here, the top rows first
                with gate.urgent() if gate is not None else nullcontext():
                    return plan, stream_filter(plan, pace, lambda rows: report(plan, rows))
            # What the indexer may be building too comes first, sharing the GIL with it; the
            # scan itself then runs alone (``urgent``), the indexer waiting meanwhile.
            ready = plan
            if plan.term and plan.texts is None:
                ready = replace(ready, texts=plan.source.texts(pace))
            if plan.period is not None and plan.instants is None:
                ready = replace(ready, instants=plan.source.instants(pace))
            with gate.urgent() if gate is not None else nullcontext():
                return ready, run_filter(ready, pace)

        return job

    @Slot(int, object, object)
    def _on_partial(self, _gen: int, plan: FilterPlan, result: FilterResult) -> None:
        # The top rows of the newest job's text; its counts would read as the whole result.
        if self._model.apply_filter(plan, result, partial=True):
            self._label.setText(FILTERING)

    @Slot(int, object)
    def _on_finished(self, _gen: int, outcome: tuple[FilterPlan, FilterResult]) -> None:
        # Only the newest job's outcome arrives here: its plan was made for ``self._text``.
        self._say_busy.stop()
        if not self._model.apply_filter(*outcome):  # sorted, merged or refetched meanwhile:
            self.apply(self._text, again=self._again)  # on the rows now

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        # A watch merge grows the shown rows in place, which a scan of them may trip over: once
        # more on the rows as they are now; failing again is a bug, and filtering here is safe.
        log.warning("filtering on a worker failed: %r", error)
        if self._retried:
            self._model.set_filter(self._text, again=self._again)
        else:
            self.apply(self._text, retry=True)

    def again(self) -> None:
        """The leads' work changed under a filter that reads it: run it again."""
        self.apply(self._text, again=True)

    def before_new_leads(self) -> None:
        """New leads are coming: unfiltered, so that ``set_leads`` does not build their search
        texts here; ``apply`` filters them afterwards."""
        self._runner.invalidate()
        if self._model.filter_text:
            self._model.set_filter("")

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        return self._runner.shutdown(timeout_ms)
