"""Watch mode in the window: the toggle and interval, merging polls, "new" marks, title count
and tray notification. The polling itself is ``watch.WatchController``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPoint, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QTableView

from ..api import errors as E
from ..api.query import Query
from .fetch import FetchOutcome, FetchRequest
from .watch import WatchController, make_interval_spin

if TYPE_CHECKING:
    from .tray import NewLeadsTray
    from .window import MainWindow


@contextmanager
def keep_top_row(table: QTableView) -> Iterator[None]:
    """Keep the lead at the top of the view there while rows are inserted above it. A user at
    the very top stays at the top, where newest-first puts the new leads."""
    anchor = None
    if table.verticalScrollBar().value() > 0:
        top = table.indexAt(QPoint(0, 0))
        if top.isValid():
            anchor = QPersistentModelIndex(top)
    yield
    if anchor is not None and anchor.isValid():
        table.scrollTo(QModelIndex(anchor), QAbstractItemView.ScrollHint.PositionAtTop)


class WatchFlow(QObject):
    def __init__(self, window: MainWindow, interval_s: float | None = None) -> None:
        super().__init__(window)
        # No Python reference back to the window (it is the Qt parent): a cycle would leave the
        # window to the cycle collector, which may run on any thread.
        self.watch = WatchController(window.controller, self._poll_request, self)
        if interval_s is not None:
            self.watch.interval_s = interval_s
        self.action = QAction("&Watch for new leads", window)
        self.action.setObjectName("watchAction")
        self.action.setCheckable(True)
        tip = "Keep checking for new leads in the background"
        self.action.setToolTip(tip)
        self.action.setStatusTip(tip)
        self.spin = make_interval_spin()
        self.mark_seen_action = QAction("Mark all &seen", window)
        self.mark_seen_action.setObjectName("markSeenAction")
        self.mark_seen_action.setShortcut(QKeySequence("Ctrl+Shift+M"))
        self.mark_seen_action.setToolTip("Clear the “new” marks (Ctrl+Shift+M)")
        self.mark_seen_action.setEnabled(False)
        window.addAction(self.mark_seen_action)
        self._tray: NewLeadsTray | None = None

        self.action.toggled.connect(self._on_toggled)
        self.spin.valueChanged.connect(self._on_interval)
        self.mark_seen_action.triggered.connect(window.model.mark_all_seen)
        self.watch.leadsArrived.connect(self._on_poll)
        self.watch.statusChanged.connect(window.status.set_watch)
        self.watch.runningChanged.connect(self._on_running)
        window.model.newCountChanged.connect(self._on_new_count)
        window.table.selectionModel().selectionChanged.connect(window.model.mark_selection_seen)

    @property
    def _w(self) -> MainWindow:
        return self.parent()  # type: ignore[return-value]

    @property
    def tray(self) -> NewLeadsTray:
        """Made when first needed: asking for a system tray is not needed to paint the window."""
        if self._tray is None:
            from .tray import NewLeadsTray

            self._tray = NewLeadsTray(self._w.windowIcon(), self)
            self._tray.activated.connect(self._show_window)
        return self._tray

    def _poll_request(self, query: Query) -> FetchRequest | None:
        return self._w.poll_request(query)

    # -- control -------------------------------------------------------------------------------

    def is_poll(self, generation: int) -> bool:
        return self.watch.is_poll(generation)

    @property
    def in_flight(self) -> bool:
        return self.watch.in_flight

    def stop(self, *, forget: bool = False) -> None:
        if forget:
            self.watch.forget()
        else:
            self.watch.stop()
        self.action.setChecked(False)

    def shutdown(self) -> None:
        self.stop()
        if self._tray is not None:
            self._tray.hide()

    @Slot(bool)
    def _on_toggled(self, on: bool) -> None:
        w = self._w
        if not on:
            self.watch.stop()
            return
        if self.watch.running:
            return
        reason = w.watch_block_reason()
        if reason is not None:
            self.action.setChecked(False)
            w.status.show(f"Watch cannot start: {reason}")
            return
        try:
            fallback = w.panel.query()
        except E.ValidationError:
            fallback = None
        if self.watch.baseline is None and not w.controller.busy and fallback is not None:
            # Nothing fetched yet: a normal fetch fills the table, then polls add to it.
            self.watch.start(fallback, poll_now=False)
            w.fetch()
        else:
            self.watch.start(fallback)

    @Slot(bool)
    def _on_running(self, running: bool) -> None:
        if self.action.isChecked() != running:
            self.action.setChecked(running)
        self._w.sync_busy()

    @Slot(int)
    def _on_interval(self, minutes: int) -> None:
        self.watch.interval_s = minutes * 60.0

    # -- outcomes ------------------------------------------------------------------------------

    @Slot(object)
    def _on_poll(self, outcome: FetchOutcome) -> None:
        w = self._w
        leads = outcome.result.leads
        if not w.model.total_count():
            w.show_outcome(outcome)  # an empty table is filled, not flooded with "new" marks
        else:
            with keep_top_row(w.table):
                fresh = w.model.merge_new(leads)
            w.note_poll(outcome)
            if fresh:
                self.tray.notify(fresh, w.model.new_count())
        w.sync_busy()

    @Slot(int)
    def _on_new_count(self, n: int) -> None:
        self.mark_seen_action.setEnabled(n > 0)
        if n or self._tray is not None:  # no tray is as good as a hidden one
            self.tray.set_count(n)
        self._w.update_title()

    @Slot()
    def _show_window(self) -> None:
        self._w.showNormal()
        self._w.raise_()
        self._w.activateWindow()
