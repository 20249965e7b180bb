"""The note of the lead shown in the detail pane: several lines, saved when editing finishes."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent
from PySide6.QtWidgets import QPlainTextEdit, QWidget

LINES_SHOWN = 4
_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter)


class NoteEdit(QPlainTextEdit):
    """Saved (``finished``) when the focus leaves it or on Ctrl+Enter, only if it changed:
    a note is kept per keystroke nowhere, and an unchanged one is not written again."""

    finished = Signal(str)  # the note as it is now ("": no note)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("noteEdit")
        self.setAccessibleName("Note")
        self.setPlaceholderText(
            "A note about this lead (kept when you leave the field or on Ctrl+Enter)"
        )
        self.setToolTip("Your note about this lead; find leads by it with note:word in the filter")
        self.setTabChangesFocus(True)  # Tab moves on, as in a form
        self.setLineWrapMode(QPlainTextEdit.LineWrapMode.WidgetWidth)
        lines = self.fontMetrics().lineSpacing() * LINES_SHOWN
        self.setFixedHeight(lines + 2 * self.frameWidth() + 8)
        self._saved = ""

    def set_note(self, text: str) -> None:
        """Show the lead's note (as saved): nothing to save until the user changes it."""
        self._saved = text
        if self.toPlainText() != text:
            self.setPlainText(text)

    @property
    def edited(self) -> bool:
        return self._note() != self._saved

    def commit(self) -> None:
        """Save the note if the user changed it."""
        if self.edited:
            self._saved = self._note()
            self.finished.emit(self._saved)

    def _note(self) -> str:
        text = self.toPlainText()
        return text if text.strip() else ""  # only spaces: no note

    def keyPressEvent(self, event: QKeyEvent) -> None:
        ctrl = event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if ctrl and event.key() in _ENTER:
            self.commit()
            return
        super().keyPressEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.commit()
        super().focusOutEvent(event)
