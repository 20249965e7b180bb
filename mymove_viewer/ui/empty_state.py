"""A message in the middle of the lead table while it shows no row: what to do before the first
fetch, what was asked when the answer had no lead, and what hides the leads when the filter does.

A blank grid with "0 leads" in the status bar looked like a failure; this says that the request
worked and what it was, in the place the user is looking.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

from PySide6.QtCore import QEvent, QObject, Qt, SignalInstance, Slot
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractItemView, QLabel

from ..api.moments import in_zone, minute_text
from ..api.query import Query
from .fetch import FetchRequest
from .model import LeadTableModel

MAX_WIDTH = 560
MARGIN = 16
FIRST_HINT = (
    "No leads yet",
    "Choose a time window above and press F5 (or Fetch) to fetch leads.",
)


def window_text(query: Query) -> str:
    """The time window in words, as the query panel shows it (local time)."""
    if query.start is not None and query.end is not None:
        return f"between {_local(query.start)} and {_local(query.end)}"
    count, unit = (query.hours, "hour") if query.hours is not None else (query.days, "day")
    return f"in the last {count} {unit}{'s' * (count != 1)}"


def _local(moment: datetime) -> str:
    return minute_text(in_zone(moment) or moment)


def nothing_came(client_id: str, query: Query, environment: str) -> tuple[str, str]:
    return (
        f"No leads for client {client_id} {window_text(query)}",
        f"{environment} answered with no lead for this window. Try a longer window, or press F5"
        " to ask again.",
    )


def nothing_matches(total: int) -> tuple[str, str]:
    return (
        "No leads match the filter",
        f"{total:,} lead{'s' * (total != 1)} fetched. Change the filter or the chosen period of"
        " the chart to see them.",
    )


class EmptyState(QObject):
    """Owns a label over ``view``'s viewport, shown while ``model`` has no row to show. The
    window tells it what a fetch asked (``asking``), that its answer is shown (``answered``)
    and that the leads were dropped for another environment (``forget``)."""

    def __init__(
        self, view: QAbstractItemView, model: LeadTableModel, blocked: SignalInstance | None = None
    ) -> None:
        """``blocked``: says why Fetch is off ("" when it is on); before any fetch the message
        says that, not "press F5", which would then do nothing."""
        super().__init__(view)
        self._view, self._model = view, model
        self.label = QLabel(view.viewport())
        self.label.setObjectName("emptyState")
        self.label.setAccessibleName("Table message")
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        palette = self.label.palette()
        muted = palette.color(QPalette.ColorRole.PlaceholderText)
        palette.setColor(QPalette.ColorRole.WindowText, muted)
        self.label.setPalette(palette)
        self._pending: tuple[str, Query, str] | None = None  # the fetch under way
        self._asked: tuple[str, Query, str] | None = None  # the fetch whose answer is shown
        self._message: tuple[str, str] | None = None
        self._blocked = ""
        if blocked is not None:
            blocked.connect(self._on_blocked)
        view.viewport().installEventFilter(self)
        model.countsChanged.connect(self._on_counts)
        self._on_counts(model.shown_count(), model.total_count())

    @property
    def message(self) -> tuple[str, str] | None:
        """(headline, details) shown now, None when rows are shown."""
        return self._message

    def asking(self, request: FetchRequest) -> None:
        self._pending = (request.client_id, request.query, request.environment)

    def answered(self) -> None:
        """The answer of the last ``asking`` is what the table shows now."""
        if self._pending is not None:
            self._asked = self._pending
        self._on_counts(self._model.shown_count(), self._model.total_count())

    def forget(self) -> None:
        self._asked = self._pending = None
        self._on_counts(self._model.shown_count(), self._model.total_count())

    @Slot(str)
    def _on_blocked(self, reason: str) -> None:
        self._blocked = reason
        self._on_counts(self._model.shown_count(), self._model.total_count())

    @Slot(int, int)
    def _on_counts(self, shown: int, total: int) -> None:
        if shown:
            message = None
        elif total:
            message = nothing_matches(total)
        elif self._asked is not None:
            message = nothing_came(*self._asked)
        elif self._blocked:
            message = (FIRST_HINT[0], f"{self._blocked} Then press F5 (or Fetch) to fetch leads.")
        else:
            message = FIRST_HINT
        if message == self._message:
            return
        self._message = message
        if message is None:
            self.label.hide()
            return
        self._place()
        self.label.show()

    def _place(self) -> None:
        if self._message is None:
            return
        area = self._view.viewport().rect()
        width = max(1, min(MAX_WIDTH, area.width() - 2 * MARGIN))
        headline, details = map(escape, self._message)
        self.label.setText(f"<p style='font-size: large'><b>{headline}</b></p><p>{details}</p>")
        if self.label.heightForWidth(width) > area.height():  # a short table: the gist only
            self.label.setText(f"<b>{headline}</b>")
        height = min(area.height(), self.label.heightForWidth(width))
        self.label.setGeometry(
            area.left() + (area.width() - width) // 2,
            area.top() + max(0, (area.height() - height) // 3),  # above centre, as a dialog
            width,
            max(height, 1),
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False
