"""Build the search index and overview counts for the shown leads on a worker thread.

A fetch hands its leads to the table as soon as they are parsed (and presorted); this runs right
after, so the first screen never waits for the filter's index or the chart. Newest leads win: a
new ``start`` drops whatever an older one would have delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtWidgets import QWidget

from ..api.lead import Lead
from ..leadindex import LeadIndex, build_index
from .after_paint import AfterPaint
from .worker import BackgroundRunner

log = logging.getLogger(__name__)
AFTER_PAINT_FALLBACK_MS = 250


class Indexer(QObject):
    ready = Signal(object)  # LeadIndex
    failed = Signal()  # a bug: whoever waits builds what it needs itself

    def __init__(
        self, parent: QObject | None = None, pace: Callable[[], object] | None = None
    ) -> None:
        """``pace``: called by the worker between slices (see ``paint_gate``)."""
        super().__init__(parent)
        self._pace = pace
        self._runner = BackgroundRunner(self, name="index")
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(self._on_failed)
        self._job: tuple[list[Lead], tuple[float, float] | None] | None = None
        self._waiting: AfterPaint | None = None

    @property
    def busy(self) -> bool:
        """True from ``start`` until the index is delivered (or cancelled)."""
        return self._job is not None or self._runner.busy

    def thread_count(self) -> int:
        return self._runner.thread_count()

    def start(
        self,
        leads: list[Lead],
        chart_window: tuple[float, float] | None,
        after_paint_of: QWidget | None = None,
    ) -> None:
        """Index ``leads``; with ``after_paint_of``, only once that widget has painted them.

        A worker holding the GIL makes every Python call of the GUI thread wait for it, and a
        table's paint makes thousands (one per cell and role): started at once, indexing 100k
        leads doubled the time to the first paint of the table.
        """
        self.cancel()
        self._job = (leads, chart_window)
        if after_paint_of is None or not after_paint_of.isVisible():
            self._launch()
        else:
            self._waiting = AfterPaint(after_paint_of, self._launch, AFTER_PAINT_FALLBACK_MS)

    def cancel(self) -> None:
        self._job = None
        if self._waiting is not None:
            with suppress(RuntimeError):  # deleted with the table already (window closing)
                self._waiting.cancel()
            self._waiting = None
        self._runner.invalidate()

    @Slot()
    def _launch(self) -> None:
        self._waiting = None
        if self._job is None:
            return
        leads, chart_window = self._job
        self._job = None
        pace = self._pace
        self._runner.start(lambda _report, token: build_index(leads, chart_window, token, pace))

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        self.cancel()
        return self._runner.shutdown(timeout_ms)

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        log.warning("building the search index failed: %r", error)
        self.failed.emit()

    @Slot(int, object)
    def _on_finished(self, _gen: int, index: LeadIndex) -> None:
        self.ready.emit(index)
