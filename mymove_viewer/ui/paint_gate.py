"""Hold background Python work while a window paints.

A table's paint calls into Python thousands of times (``index``, ``data`` per cell and role),
and each call must take the GIL. While a worker thread computes, every one of those takes
CPython's thread switch (up to the switch interval, 2 ms here, plus the worker's current C call),
so one paint of 100k indexed leads was measured to last as long as the whole ~0.5 s indexing
job. Workers that call ``wait_turn`` between slices stand aside from the moment a window's paint
is requested until it is done.

Work nobody waits for yet (ranking columns ahead of a sort) also stands aside while the user is
at work: for a moment after each ``note_input`` (the window calls it when the user types a
filter, sorts or scrolls), since that runs Python code which would otherwise share the GIL with
it. (Not an application-wide event filter: a Python call for every event of the application
needs the GIL too, and measurably lengthened the GUI thread's waits during a fetch.)
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget

# A worker never waits longer than this for one paint: a stuck or very slow paint must not stop
# background work altogether.
MAX_WAIT_S = 0.25
# Background work nobody waits for resumes this long after the user's last input: longer than
# the filter box's typing pause, so a keystroke's filtering runs alone.
QUIET_S = 0.4


class PaintGate(QObject):
    def __init__(self, parent: QObject, window: QWidget | None = None) -> None:
        """``window``: the top-level widget whose paints hold workers back (or ``watch`` it
        later). Without one the gate never closes for a paint."""
        super().__init__(parent)
        self._open = threading.Event()
        self._open.set()
        self.holds = 0  # paints that held workers back (tests read it)
        self._released = False
        self._last_input = 0.0  # time.monotonic() of the last ``note_input``
        self._calm = threading.Event()  # set while no ``urgent`` work runs
        self._calm.set()
        self._urgent = 0
        self._lock = threading.Lock()
        if window is not None:
            self.watch(window)

    def watch(self, window: QWidget) -> None:
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        # A top-level window paints itself and its children on an UpdateRequest; a zero timer
        # fires once that event (the paint) has been handled.
        if event.type() == QEvent.Type.UpdateRequest and self._open.is_set():
            self._open.clear()
            self.holds += 1
            QTimer.singleShot(0, self, self._reopen)
        return False

    def _reopen(self) -> None:
        self._open.set()

    def wait_turn(self) -> None:
        """Called by workers between slices of work; returns at once unless a paint is due or
        ``urgent`` work runs."""
        self._open.wait(MAX_WAIT_S)
        self._calm.wait(MAX_WAIT_S)

    def wait_paint(self) -> None:
        """Like ``wait_turn``, for the ``urgent`` work itself: it stands aside for paints only."""
        self._open.wait(MAX_WAIT_S)

    @contextmanager
    def urgent(self) -> Iterator[None]:
        """Work the user waits for (a filter's scan) runs alone: a worker sharing the GIL with
        it (the index's instants, ranking) made a 15 ms scan take 45 ms. Entered on the worker
        that does it; never while waiting for another worker's result (which would then wait)."""
        if self._released:  # closing: nothing waits for anything
            yield
            return
        with self._lock:
            self._urgent += 1
            self._calm.clear()
        try:
            yield
        finally:
            with self._lock:
                self._urgent -= 1
                if not self._urgent:
                    self._calm.set()

    def note_input(self, *_args: object) -> None:
        """The user did something (any signal's arguments are ignored)."""
        self._last_input = time.monotonic()

    def wait_quiet(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Called between slices of work nobody waits for yet: like ``wait_turn``, and also
        until ``QUIET_S`` has passed since the user's last input, or ``cancelled()``."""
        while not self._released and not cancelled():
            if not self._open.wait(MAX_WAIT_S) or not self._calm.wait(MAX_WAIT_S):
                continue
            left = self._last_input + QUIET_S - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, MAX_WAIT_S))

    def release(self) -> None:
        """Let workers run freely (the window is closing)."""
        self._released = True
        self._open.set()
        self._calm.set()
