"""The time axis under the lead-volume chart: tick marks and labels (``table.axis`` picks them),
kept until the bars, the zone or the width change, so a paint only draws."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, tzinfo

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QWidget

from ..table.axis import Tick, bar_starts, time_ticks
from ..table.overview import Volume

TICK = 3  # px of tick mark below the baseline


class TimeAxis:
    def __init__(self, chart: QWidget) -> None:
        self._chart = chart
        self._for: tuple[tuple[float, ...], tzinfo | None, int, int, int] | None = None
        # Today's year decides whether labels name theirs; the window pins it with its clock.
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        self._ticks: list[Tick] = []
        self._starts: list[datetime] = []  # of the bars with the edges ``self._for[0]``

    def label(self, data: Volume, i: int, tz: tzinfo | None) -> str:
        """Bar ``i``'s tooltip text, naming its year as the labels below do."""
        return data.label(i, tz, self._this_year(tz))

    def _this_year(self, tz: tzinfo | None) -> int:
        return self.clock().astimezone(tz).year  # in the bars' zone (None: the computer's)

    def height(self) -> int:
        return self._chart.fontMetrics().height() + TICK + 2

    def ticks(self, data: Volume, tz: tzinfo | None, width: int) -> list[Tick]:
        metrics = self._chart.fontMetrics()
        this_year = self._this_year(tz)
        cached = self._for
        # Labels depend on the bars' edges only, not their counts: a recount after a filter
        # keystroke brings equal edges (a C-level tuple compare) and keeps them.
        if cached is None or cached[0] != data.edges or cached[1] != tz:
            self._starts = bar_starts(data, tz)
        elif cached[2:] == (width, metrics.height(), this_year):
            return self._ticks
        self._ticks = time_ticks(data, self._starts, width, _measure(metrics), this_year)
        self._for = (data.edges, tz, width, metrics.height(), this_year)
        return self._ticks

    def paint(self, painter: QPainter, data: Volume, tz: tzinfo | None, area: QRect) -> None:
        """Draw the baseline, a mark and a label per tick in ``area`` (below the bars)."""
        n = len(data)
        chart = self._chart
        palette = chart.palette()
        colour = palette.color(QPalette.ColorRole.PlaceholderText)
        painter.setPen(colour)
        top = area.top()
        painter.drawLine(area.left(), top, area.right(), top)
        if not n:
            return
        width = area.width()
        ticks = self.ticks(data, tz, width)
        at = [area.left() + i * width // n for i, _text in ticks]
        for x in at:
            painter.drawLine(x, top, x, top + TICK)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        height = chart.fontMetrics().height()
        align = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        for x, (_i, text) in zip(at, ticks, strict=True):
            painter.drawText(QRect(x + 2, top + TICK - 1, area.right() - x, height), align, text)


def _measure(metrics: QFontMetrics) -> Callable[[str], int]:
    widths: dict[str, int] = {}

    def width(text: str) -> int:
        if text not in widths:
            widths[text] = metrics.horizontalAdvance(text) + 2
        return widths[text]

    return width
