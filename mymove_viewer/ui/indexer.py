"""Build the search index and overview counts for the shown leads on a worker thread.

A fetch hands its leads to the table as soon as they are parsed (and presorted); this runs right
after, so the first screen never waits for the filter's index or the chart. Newest leads win: a
new ``start`` drops whatever an older one would have delivered.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress

from PySide6.QtCore import QEvent, QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from ..api.lead import Lead
from ..leadindex import LeadIndex, build_index
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
        self._watched: QWidget | None = None
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(AFTER_PAINT_FALLBACK_MS)
        self._fallback.timeout.connect(self._launch)

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
            return
        self._watched = after_paint_of
        after_paint_of.installEventFilter(self)
        self._fallback.start()  # a paint that never comes (e.g. minimised) must not block it

    def cancel(self) -> None:
        self._job = None
        self._unwatch()
        self._runner.invalidate()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if obj is self._watched and event.type() == QEvent.Type.Paint:
            self._unwatch()
            QTimer.singleShot(0, self, self._launch)  # once this paint has been handled
        return False

    def _unwatch(self) -> None:
        self._fallback.stop()
        if self._watched is not None:
            with suppress(RuntimeError):  # the widget may be gone already
                self._watched.removeEventFilter(self)
            self._watched = None

    @Slot()
    def _launch(self) -> None:
        self._unwatch()
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
