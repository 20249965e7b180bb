"""Run something right after a widget's next paint: work that would slow the paint waits for it.

Used for the keychain check at start-up (the first frame comes first) and for the search index
after a fetch (the table comes first). A paint that never comes (a minimised or hidden window)
must not hold the work back for ever, so a fallback timer runs it anyway; the timer starts when
the widget is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


class AfterPaint(QObject):
    """Calls ``callback`` once: after ``widget``'s next paint has been handled, or
    ``fallback_ms`` after the widget is (or was already) shown, whichever comes first."""

    def __init__(self, widget: QWidget, callback: Callable[[], None], fallback_ms: int) -> None:
        super().__init__(widget)
        self._widget: QWidget | None = widget
        self._callback: Callable[[], None] | None = callback
        self._fallback = QTimer(self)
        self._fallback.setSingleShot(True)
        self._fallback.setInterval(fallback_ms)
        self._fallback.timeout.connect(self._run)
        widget.installEventFilter(self)
        if widget.isVisible():
            self._fallback.start()

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show and not self._fallback.isActive():
            self._fallback.start()
        elif kind == QEvent.Type.Paint:
            self._unwatch()
            QTimer.singleShot(0, self, self._run)  # once this paint has been handled
        return False

    def cancel(self) -> None:
        """The callback will not run."""
        self._callback = None
        self._unwatch()
        self.deleteLater()

    def _unwatch(self) -> None:
        self._fallback.stop()
        if self._widget is not None:
            with suppress(RuntimeError):  # the widget may be gone already
                self._widget.removeEventFilter(self)
            self._widget = None

    def _run(self) -> None:
        self._unwatch()
        callback, self._callback = self._callback, None
        self.deleteLater()
        if callback is not None:
            callback()
