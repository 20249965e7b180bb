"""Build the search index and overview counts for the shown leads on a worker thread, then rank
the columns that would be slow to sort.

A fetch hands its leads to the table as soon as they are parsed (and presorted); this runs right
after, so the first screen never waits for the filter's index or the chart. Newest leads win: a
new ``start`` drops whatever an older one would have delivered.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import suppress

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QWidget

from .. import gcpause
from ..api.cancel import CancelToken
from ..api.errors import CancelledError, app_logger
from ..api.lead import Lead
from ..slices import yield_gil
from ..table.display import Column
from ..table.index import LeadIndex, RankedColumn, TextMasks, build_index, rank_ahead, text_masks
from ..table.text_source import TextSource
from . import gc_guard
from .after_paint import AfterPaint
from .worker import BackgroundRunner

log = app_logger(__name__)
_Job = tuple[list[Lead], tuple[float, float] | None, list[Column], TextSource | None]
AFTER_PAINT_FALLBACK_MS = 250
# The worker waits at most this long for the GUI thread to take the index in (see ``_launch``).
TAKE_WAIT_S = 0.25


class Indexer(QObject):
    ready = Signal(object)  # LeadIndex
    masked = Signal(object)  # TextMasks, the character masks of its texts, after ``ready``
    ranked = Signal(object)  # RankedColumn, after ``masked``
    failed = Signal()  # a bug: whoever waits builds what it needs itself

    def __init__(
        self,
        parent: QObject | None = None,
        pace: Callable[[], object] | None = None,
        quiet: Callable[[Callable[[], bool]], object] | None = None,
    ) -> None:
        """``pace``: called by the worker between slices (see ``paint_gate``); ``quiet``: the
        same for ranking ahead, which nobody waits for, with a callable telling it to stop
        waiting (cancelled)."""
        super().__init__(parent)
        self._pace = pace
        self._quiet = quiet
        self._runner = BackgroundRunner(self, name="index")
        self._runner.progress.connect(self._on_progress)
        self._runner.finished.connect(self._on_finished)
        self._runner.failed.connect(self._on_failed)
        self._job: _Job | None = None
        self._waiting: AfterPaint | None = None
        self._index_due = False
        self._masks_due = False
        self._stop_ranking = threading.Event()
        self._taken = threading.Event()  # the GUI thread took the index in (and repainted)

    @property
    def busy(self) -> bool:
        """True from ``start`` until the index and its texts' masks are delivered (or the job
        is cancelled or stopped)."""
        due = self._index_due or self._masks_due
        return self._job is not None or (due and self._runner.busy)

    @property
    def ranking(self) -> bool:
        """True while columns are still being ranked ahead (or the index built)."""
        return self._job is not None or self._runner.busy

    def thread_count(self) -> int:
        return self._runner.thread_count()

    def start(
        self,
        leads: list[Lead],
        chart_window: tuple[float, float] | None,
        after_paint_of: QWidget | None = None,
        columns: list[Column] | None = None,
        source: TextSource | None = None,
    ) -> None:
        """Index ``leads``; with ``after_paint_of``, only once that widget has painted them.
        Then rank those of ``columns`` worth ranking ahead of a sort. ``source``: the model's
        builder of the search texts, shared with a filter typed before the index is in.

        A worker holding the GIL makes every Python call of the GUI thread wait for it, and a
        table's paint makes thousands (one per cell and role): started at once, indexing 100k
        leads doubled the time to the first paint of the table.
        """
        self.cancel()
        self._job = (leads, chart_window, list(columns or ()), source)
        if after_paint_of is None or not after_paint_of.isVisible():
            self._launch()
        else:
            self._waiting = AfterPaint(after_paint_of, self._launch, AFTER_PAINT_FALLBACK_MS)

    def stop_ranking(self) -> None:
        """Leave the remaining columns to be ranked when sorted (a fetch is starting: the CPU
        is better spent on it); the index itself is still delivered."""
        self._stop_ranking.set()

    def cancel(self) -> None:
        self._job = None
        self._index_due = self._masks_due = False
        if self._waiting is not None:
            with suppress(RuntimeError):  # deleted with the table already (window closing)
                self._waiting.cancel()
            self._waiting = None
        self._runner.invalidate()
        self._taken.set()  # a worker waiting for it goes on to its end

    @Slot()
    def _launch(self) -> None:
        self._waiting = None
        if self._job is None:
            return
        leads, chart_window, columns, source = self._job
        self._job = None
        pace, quiet = self._pace, self._quiet
        stop = self._stop_ranking = threading.Event()
        taken = self._taken = threading.Event()

        def job(report: Callable[[object], None], token: CancelToken) -> None:
            with gcpause.deferred():
                work(report, token)

        def work(report: Callable[[object], None], token: CancelToken) -> None:
            # Its lists of a million items, left in the young generation, were walked item by
            # item by the collection after this worker ended: 0.19-0.25 s at 1M leads. Built
            # as a parse builds (young garbage collected first), they are frozen instead.
            with gcpause.building_many_objects():
                index = build_index(leads, chart_window, token, pace, source)
            texts = index.texts
            report(index)
            del index
            # Taking the index in (the overview's counts, the chart, their repaint) is ~5 ms of
            # Python and Qt calls on the GUI thread; each call waited for this thread's GIL
            # turn while it went on ranking: 20-65 ms at 100k leads. It waits for them instead.
            taken.wait(TAKE_WAIT_S)

            def masking() -> None:
                (pace or yield_gil)()
                if token.cancelled or stop.is_set():
                    raise CancelledError("Making the character masks was cancelled.")

            # After the index, which the chart and counts then do not wait for: filters are
            # right without the masks, only slower.
            with suppress(CancelledError):
                report(text_masks(texts, masking))
            del texts

            def between() -> None:
                if quiet is not None:
                    quiet(lambda: token.cancelled or stop.is_set())
                if token.cancelled or stop.is_set():
                    raise CancelledError("Ranking was cancelled.")

            with suppress(CancelledError):  # stopped: a sort ranks its column itself
                for ranked in rank_ahead(leads, columns, between):
                    report(ranked)
            if token.cancelled:
                raise CancelledError("Indexing was cancelled.")

        self._index_due = self._masks_due = True
        self._runner.start(job)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        self.cancel()
        return self._runner.shutdown(timeout_ms)

    @Slot(int, object, object)
    def _on_progress(self, _gen: int, result: object, _unused: object) -> None:
        if isinstance(result, LeadIndex):
            self._index_due = False
            self.ready.emit(result)
            QTimer.singleShot(0, self._taken.set)  # once the repaints it asked for are done
        elif isinstance(result, TextMasks):
            self._masks_due = False
            self.masked.emit(result)
        elif isinstance(result, RankedColumn):
            self.ranked.emit(result)

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        self._masks_due = False
        if not self._index_due:  # masks or ranking ahead: filters scan, sorts rank
            log.warning("making character masks or ranking columns ahead failed: %r", error)
            return
        self._index_due = False
        log.warning("building the search index failed: %r", error)
        self.failed.emit()

    @Slot(int, object)
    def _on_finished(self, _gen: int, _result: object) -> None:
        self._index_due = self._masks_due = False
        gc_guard.collect_now()  # held back while this worked
