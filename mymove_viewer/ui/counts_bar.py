"""A line of counts in the overview ("To: TX 1,234 · CA 987 · others 12"), each count that
names a value a button that adds its filter term (``state:TX``) to the filter box."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolButton, QWidget

SEPARATOR = " · "


class CountsBar(QWidget):
    """``text()`` is the whole line as plain text, as a label's would be."""

    picked = Signal(str)  # the filter term of a clicked count

    def __init__(self, name: str, accessible: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self._layout = QHBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)
        self._text = ""
        self.buttons: dict[str, QToolButton] = {}  # by filter term

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        """A plain line (or none), nothing to click."""
        self.set_parts("", [(text, None)] if text else [])

    def set_parts(self, prefix: str, parts: list[tuple[str, str | None]]) -> None:
        """``prefix``, then each (text, filter term or None) part, separated by " · "."""
        self._text = prefix + SEPARATOR.join(text for text, _term in parts)
        while (item := self._layout.takeAt(0)) is not None:
            if (widget := item.widget()) is not None:
                widget.deleteLater()
        self.buttons = {}
        if prefix:
            self._layout.addWidget(QLabel(prefix.strip()))
        for i, (text, term) in enumerate(parts):
            if i:
                self._layout.addWidget(QLabel(SEPARATOR.strip()))
            if term is None:
                plain = QLabel(text)
                plain.setIndent(plain.fontMetrics().horizontalAdvance("  "))  # as a button's text
                self._layout.addWidget(plain)
                continue
            button = QToolButton()
            button.setAutoRaise(True)
            button.setText(text.replace("&", "&&"))  # a value's "&" is not a shortcut key
            button.setToolTip(f"Show only these leads (adds {term} to the filter)")
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, t=term: self.picked.emit(t))
            self.buttons[term] = button
            self._layout.addWidget(button)
        self._layout.addStretch(1)
