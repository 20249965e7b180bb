"""One value in the lead detail pane: wraps between words, and a word wider than the pane (a
long email) is shortened in the middle with "…", the whole value in its tooltip and on Ctrl+C.

A plain word-wrapping QLabel is as wide as its longest word: one long email made the pane, and
so the window, wider than many screens, or was cut off at the pane's edge.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QContextMenuEvent, QGuiApplication, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QLabel, QMenu, QWidget

MIN_WIDTH = 60  # px: the pane may be this narrow; the value then shows "ab…yz"


class ValueLabel(QLabel):
    def __init__(self, text: str, tip: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._full, self._tip = text, tip
        self._shortened = False
        self.setTextFormat(Qt.TextFormat.PlainText)  # a value is never markup
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self._show(text, shortened=False)

    @property
    def full_text(self) -> str:
        return self._full

    @property
    def shortened(self) -> bool:
        return self._shortened

    def minimumSizeHint(self) -> QSize:
        return QSize(MIN_WIDTH, super().minimumSizeHint().height())

    def sizeHint(self) -> QSize:
        # As wide as the value on one line (the pane opens wide enough when it can), but never
        # asking for more than a screen's share.
        hint = super().sizeHint()
        return QSize(min(self.fontMetrics().horizontalAdvance(self._full) + 4, 420), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit(event.size().width())

    def _fit(self, width: int) -> None:
        metrics = self.fontMetrics()
        too_wide = any(metrics.horizontalAdvance(w) > width for w in self._full.split())
        if too_wide:
            one_line = " ".join(self._full.split())
            self._show(metrics.elidedText(one_line, Qt.TextElideMode.ElideMiddle, width), True)
        else:
            self._show(self._full, shortened=False)

    def _show(self, text: str, shortened: bool) -> None:
        if text == self.text() and shortened == self._shortened:
            return
        self._shortened = shortened
        self.setWordWrap(not shortened)
        self.setText(text)
        tip = self._full if shortened else ""
        self.setToolTip("\n".join(t for t in (tip, self._tip) if t))

    def event(self, event: QEvent) -> bool:
        # Ctrl+C here copies this value, not the window's "Copy rows" (a window shortcut).
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.matches(QKeySequence.StandardKey.Copy)
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy) and (
            self._shortened or not self.hasSelectedText()
        ):
            # The whole value: not the shortened text shown, and not nothing.
            QGuiApplication.clipboard().setText(self._full)
            event.accept()
            return
        super().keyPressEvent(event)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        if not self._shortened:
            super().contextMenuEvent(event)
            return
        menu = QMenu(self)
        menu.addAction("Copy", lambda: QGuiApplication.clipboard().setText(self._full))
        menu.exec(event.globalPos())
        menu.deleteLater()
