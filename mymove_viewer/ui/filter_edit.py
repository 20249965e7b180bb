"""The filter box above the table."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit


class FilterEdit(QLineEdit):
    """Esc clears the box (instead of cancelling a fetch) while it holds text."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("filterEdit")
        self.setAccessibleName("Filter leads")
        self.setPlaceholderText("Filter leads…")
        self.setClearButtonEnabled(True)
        self.setToolTip("Show only leads containing this text (Ctrl+F; Esc clears)")

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.text()
        ):
            event.accept()  # claim Esc before the window's Cancel shortcut sees it
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)
