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
        self._prefix = QLabel()
        self._prefix.hide()
        self._layout.addWidget(self._prefix)
        self._layout.addStretch(1)
        self._slots: list[tuple[QLabel, QLabel, QToolButton]] = []
        # Tab reaches the counts after this widget (or after the buttons of this bar), not after
        # every widget made before them.
        self.tab_after: QWidget | None = None

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:
        """A plain line (or none), nothing to click."""
        self.set_parts("", [(text, None)] if text else [])

    def set_parts(self, prefix: str, parts: list[tuple[str, str | None]]) -> None:
        """``prefix``, then each (text, filter term or None) part, separated by " · ".

        The widgets are kept and given new texts: building new ones on every recount made the
        window lay itself out again, which at 100k leads held the GUI thread 57-76 ms."""
        self._text = prefix + SEPARATOR.join(text for text, _term in parts)
        self.setUpdatesEnabled(False)
        try:
            self._prefix.setText(prefix.strip())
            self._prefix.setVisible(bool(prefix))
            self.buttons = {}
            for i, (text, term) in enumerate(parts):
                sep, plain, button = self._slot(i)
                sep.setVisible(i > 0)
                plain.setVisible(term is None)
                button.setVisible(term is not None)
                if term is None:
                    plain.setText(text)
                    continue
                button.setText(text.replace("&", "&&"))  # a value's "&" is not a shortcut key
                button.setToolTip(f"Show only these leads (adds {term} to the filter)")
                button.setProperty("term", term)
                self.buttons[term] = button
            for sep, plain, button in self._slots[len(parts) :]:
                sep.hide()
                plain.hide()
                button.hide()
        finally:
            self.setUpdatesEnabled(True)
        self._order_tabs()

    def last_tab(self) -> QWidget | None:
        """The widget Tab reaches last in this bar, or the one it follows when it has none."""
        if self._slots:
            return self._slots[-1][2]
        after = self.tab_after
        return after.last_tab() if isinstance(after, CountsBar) else after

    def _order_tabs(self) -> None:
        after = self.tab_after
        before = after.last_tab() if isinstance(after, CountsBar) else after
        if before is None:
            return
        for _sep, _plain, button in self._slots:  # a few: the widest recount has ~8
            QWidget.setTabOrder(before, button)
            before = button

    def _slot(self, i: int) -> tuple[QLabel, QLabel, QToolButton]:
        """The separator, plain label and button of part ``i``, made the first time needed."""
        while len(self._slots) <= i:
            sep = QLabel(SEPARATOR.strip())
            plain = QLabel()
            plain.setIndent(plain.fontMetrics().horizontalAdvance("  "))  # as a button's text
            button = QToolButton()
            button.setAutoRaise(True)
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(
                lambda _checked=False, b=button: self.picked.emit(str(b.property("term")))
            )
            at = self._layout.count() - 1  # before the stretch
            for widget in (sep, plain, button):
                widget.hide()
                self._layout.insertWidget(at, widget)
                at += 1
            self._slots.append((sep, plain, button))
        return self._slots[i]
