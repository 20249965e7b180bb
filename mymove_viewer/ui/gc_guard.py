"""Run Python's cycle collector on the GUI thread only.

CPython collects cycles on whichever thread happens to allocate. When a cycle holds a Qt
wrapper (a widget captured by a lambda stored on itself, a traceback referring to a window) and
the fetch worker triggers the collection, the widget is destroyed off the GUI thread and Qt
aborts. A collection during a large parse also holds the GIL for as long as it walks every
object, which the user feels as a freeze. So automatic collection is switched off and a timer on
the GUI thread collects with the same generation thresholds instead (qutebrowser does the same).
"""

from __future__ import annotations

import gc
import threading

from PySide6.QtCore import QCoreApplication, QObject, QTimer, Signal, Slot

from .. import gcpause

INTERVAL_MS = 250
# How long a parse waits for the collection it asks for before a build (see gcpause): a GUI
# thread busy for longer only costs that fetch's garbage staying frozen.
BEFORE_BUILD_WAIT_S = 0.25


class GuiThreadCollector(QObject):
    _collectRequested = Signal(object)  # a threading.Event set once collected

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()
        self._thread_id = threading.get_ident()
        self._collectRequested.connect(self._collect_for_build)  # queued from a worker
        gcpause.set_collector(self.collect_before_build)

    def collect_before_build(self) -> None:
        """Called on a parse's thread: collect on this (the GUI) thread, wait briefly for it."""
        if threading.get_ident() == self._thread_id:
            self._collect_for_build(None)
            return
        done = threading.Event()
        self._collectRequested.emit(done)
        done.wait(BEFORE_BUILD_WAIT_S)

    @Slot(object)
    def _collect_for_build(self, done: threading.Event | None) -> None:
        if not gcpause.active():  # another build's young leads would be walked
            # The young generations hold what a fetch made (its HTTP response cycle): ~3 ms at
            # 100k leads against 7-10 ms for a full collection (on a loaded machine).
            gc.collect(1)
        if done is not None:
            done.set()

    def collect(self) -> None:
        if gcpause.active() or gcpause.held():
            return  # a parse is building leads it will freeze (or a worker reads large lists)
        t0, t1, t2 = self._thresholds
        gen0, gen1, gen2 = gc.get_count()
        if gen0 <= t0:
            return
        if gen1 > t1:
            gc.collect(2 if gen2 > t2 else 1)
        else:
            gc.collect(0)

    def stop(self) -> None:
        self._timer.stop()
        gcpause.set_collector(None)
        if self._was_enabled:
            gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """Install once per application; later calls return the existing collector."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)


def collect_now() -> None:
    """On the GUI thread, once a worker's long pass ended (``gcpause.deferred``): what the
    collector held back is collected now, not in the middle of the user's next action (a
    header click then took ~11 ms more at 100k leads, ~0.1 s at 1M)."""
    app = QCoreApplication.instance()
    collector = app.findChild(GuiThreadCollector) if app is not None else None
    if collector is not None:
        collector.collect()
