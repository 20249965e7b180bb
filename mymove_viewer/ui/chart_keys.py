"""The lead-volume chart from the keyboard: a cursor bar moved with the arrows, Enter or Space
to show only its leads (the same ``barClicked`` a mouse click sends), Esc to show all again, and
what the cursor and the chosen bar are, drawn on the chart and said in words (``hint``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QRect, Qt
from PySide6.QtGui import QKeyEvent, QPainter, QPalette, QPen
from PySide6.QtWidgets import QWidget

_ENTER = (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space)
_CTRL = Qt.KeyboardModifier.ControlModifier


class BarCursor:
    """The keyboard cursor of ``chart``: ``choose(i)`` is a click on bar ``i``, ``clear()``
    asks to show every bar's leads again."""

    def __init__(
        self, chart: QWidget, choose: Callable[[int], object], clear: Callable[[], object]
    ) -> None:
        self._chart, self._choose, self._clear = chart, choose, clear
        self.index: int | None = None

    def start(self, counts: Sequence[int], selected: int | None) -> None:
        """Focus came in: the cursor starts on the chosen bar, else on the newest with leads."""
        if self.index is None or self.index >= len(counts):
            if selected is not None:
                self.index = selected
            else:
                filled = [i for i, n in enumerate(counts) if n]
                self.index = filled[-1] if filled else (len(counts) - 1 if counts else None)

    def fit(self, n: int) -> None:
        if self.index is not None and self.index >= n:
            self.index = n - 1 if n else None

    def overrides(self, event: QEvent, selected: int | None) -> bool:
        """For ``ShortcutOverride``: Esc clears the chosen bar here rather than being the
        window's Cancel, as Esc in the filter box clears the text."""
        return (
            isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and selected is not None
        )

    def key(self, event: QKeyEvent, counts: Sequence[int], selected: int | None) -> bool:
        """Handle a key press; False for keys that are not the chart's."""
        n, key = len(counts), event.key()
        if not n:
            return False
        if key == Qt.Key.Key_Escape:
            if selected is None:
                return False
            self._clear()
            return True
        self.start(counts, selected)
        i = self.index if self.index is not None else n - 1
        if key in _ENTER:
            self._choose(i)
            return True
        page = max(1, n // 10)
        if key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and event.modifiers() & _CTRL:
            step = 1 if key == Qt.Key.Key_Right else -1
            others = range(i + step, n if step > 0 else -1, step)
            target = next((j for j in others if counts[j]), i)  # the next bar with leads
        else:
            moves = {
                Qt.Key.Key_Left: i - 1,
                Qt.Key.Key_Right: i + 1,
                Qt.Key.Key_PageUp: i - page,
                Qt.Key.Key_PageDown: i + page,
                Qt.Key.Key_Home: 0,
                Qt.Key.Key_End: n - 1,
            }
            if key not in moves:
                return False
            target = moves[key]
        self.index = max(0, min(n - 1, target))
        return True

    def paint(self, painter: QPainter, slot: Callable[[int], QRect], selected: int | None) -> None:
        """Outline the chosen bar's column, and with focus the cursor bar and the chart."""
        chart = self._chart
        palette = chart.palette()
        if selected is not None:
            pen = QPen(palette.color(QPalette.ColorRole.Highlight).darker(140), 2)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(slot(selected).adjusted(1, 1, -1, -1))
        if chart.hasFocus():
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(palette.color(QPalette.ColorRole.Highlight), 1))
            painter.drawRect(chart.rect().adjusted(0, 0, -1, -1))
            if self.index is not None:
                pen = QPen(palette.color(QPalette.ColorRole.WindowText), 1, Qt.PenStyle.DashLine)
                painter.setPen(pen)
                painter.drawRect(slot(self.index).adjusted(0, 0, -1, -1))

    def hint(self, label: Callable[[int], str], selected: int | None) -> str:
        """What the chart shows, in words: the chosen bar, else the cursor's while focused."""
        if selected is not None:
            return f"Showing only {label(selected)}. Esc or a click on the bar shows all."
        if self._chart.hasFocus() and self.index is not None:
            return f"{label(self.index)}. Enter shows only these; arrows move."
        return ""
