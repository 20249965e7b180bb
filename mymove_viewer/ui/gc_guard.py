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

from PySide6.QtCore import QObject, QTimer

from .. import gcpause

INTERVAL_MS = 250


class GuiThreadCollector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._thresholds = gc.get_threshold()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect)
        self._was_enabled = gc.isenabled()
        gc.disable()
        self._timer.start()

    def collect(self) -> None:
        if gcpause.active():
            return  # a parse is building leads it will freeze; walking them now would stall
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
        if self._was_enabled:
            gc.enable()


def install(app: QObject) -> GuiThreadCollector:
    """Install once per application; later calls return the existing collector."""
    existing = app.findChild(GuiThreadCollector)
    return existing if existing is not None else GuiThreadCollector(app)
