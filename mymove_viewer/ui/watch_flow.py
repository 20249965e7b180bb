"""Watch mode in the window: the toggle and interval, "new" marks, title count and tray
notification, and the table kept in place while polls' leads are merged. The polling itself is
``watch.WatchController``, the merging ``session.LeadSession.merge``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QPoint, Signal, Slot
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QTableView, QWidget

from ..api import errors as E
from ..api.lead import Lead
from ..api.query import Query
from ..table.merge import Runs
from .fetch import FetchOutcome, FetchRequest
from .selection import select_spans, selected_spans, spans_after_inserts
from .watch import WatchController, make_interval_spin

if TYPE_CHECKING:
    from .query_panel import QueryPanel
    from .session import LeadSession
    from .status import StatusLine
    from .table_view import LeadTableView
    from .tray import NewLeadsTray
    from .worker import BackgroundRunner

MANY_INSERTS = 256  # selection ranges × row inserts (see ``selection_through_inserts``)


@contextmanager
def keep_top_row(table: QTableView) -> Iterator[None]:
    """Keep the lead at the top of the view there while rows are inserted above it. A user at
    the very top stays at the top, where newest-first puts the new leads. Sideways it stays put
    too: ``scrollTo`` would also bring the top-left cell's column fully into view."""
    anchor = None
    if table.verticalScrollBar().value() > 0:
        top = table.indexAt(QPoint(0, 0))
        if top.isValid():
            anchor = QPersistentModelIndex(top)
    across = table.horizontalScrollBar()
    x = across.value()
    yield
    if anchor is not None and anchor.isValid():
        # Qt grows the scroll range at its next layout: scrolled to the end, the anchor's new
        # row would be clamped back and the view slide by the rows inserted above.
        table.updateGeometries()
        table.scrollTo(QModelIndex(anchor), QAbstractItemView.ScrollHint.PositionAtTop)
        across.setValue(x)


@contextmanager
def selection_through_inserts(table: QTableView, runs: Runs) -> Iterator[None]:
    """Keep the selection through the model's row inserts. Qt does so itself, but its work per
    insert grows with the selection's ranges: 95 inserts into a Ctrl+A selection of 100k rows
    took 35-49 ms from the second merge on. With many of both, the selection is put back
    once, its spans shifted by arithmetic."""
    selection = table.selectionModel()
    if len(selection.selection()) * len(runs) < MANY_INSERTS:
        yield
        return
    spans = selected_spans(selection)
    selection.clearSelection()  # the current row stays, and Qt moves it
    try:
        yield
    finally:
        select_spans(selection, spans_after_inserts(spans, runs))


@contextmanager
def keep_view(table: QTableView, runs: Runs) -> Iterator[None]:
    """The table keeps its top lead and its selection while a merge inserts ``runs``."""
    with keep_top_row(table), selection_through_inserts(table, runs):
        yield


class WatchHost(Protocol):
    """What watch mode needs of the window (its Qt parent): the session whose leads the polls
    join, the views it keeps in place, and the window's fetch, outcome and title."""

    session: LeadSession
    table: LeadTableView
    panel: QueryPanel
    status: StatusLine

    def poll_request(self, query: Query) -> FetchRequest | None: ...
    def watch_block_reason(self) -> str | None: ...
    def fetch(self) -> int | None: ...
    def show_outcome(self, outcome: FetchOutcome) -> None: ...
    def note_poll(self, outcome: FetchOutcome) -> None: ...
    def sync_busy(self) -> None: ...
    def update_title(self) -> None: ...
    def windowIcon(self) -> QIcon: ...
    def showNormal(self) -> None: ...
    def raise_(self) -> None: ...
    def activateWindow(self) -> None: ...


class WatchFlow(QObject):
    merged = Signal(int)  # a poll's leads are in the table: how many were new

    def __init__(
        self, window: QWidget, session: LeadSession, interval_s: float | None = None
    ) -> None:
        super().__init__(window)
        self._session = session  # merges the polls' leads into the table's
        self._model = session.model
        # No Python reference back to the window (it is the Qt parent): a cycle would leave the
        # window to the cycle collector, which may run on any thread.
        self.watch = WatchController(session.controller, self._poll_request, self)
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
        model, controller, host = session.model, session.controller, self._w
        self.mark_seen_action.triggered.connect(model.mark_all_seen)
        self.watch.leadsArrived.connect(self._on_poll)
        self.watch.statusChanged.connect(host.status.set_watch)
        self.watch.runningChanged.connect(self._on_running)
        controller.started.connect(self._on_fetch_started)
        controller.finished.connect(self._on_fetch_finished)
        controller.failed.connect(self._on_fetch_failed)
        controller.cancelled.connect(self._on_fetch_cancelled)
        model.newCountChanged.connect(self._on_new_count)
        host.table.selectionModel().selectionChanged.connect(model.mark_selection_seen)
        session.merged.connect(self._on_merged)
        table = host.table  # not the window: no Python reference back to it from the session
        session.around_merge = lambda runs: keep_view(table, runs)

    @property
    def _w(self) -> WatchHost:
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

    @property
    def merging(self) -> bool:
        """A poll's leads are waiting to be merged into the table."""
        return self._session.merging

    @property
    def _merger(self) -> BackgroundRunner:
        return self._session.merger

    def stop(self, *, forget: bool = False) -> None:
        if forget:
            self.watch.forget()
            self._session.drop_merges()  # they belong to the environment being left
        else:
            self.watch.stop()
        self.action.setChecked(False)

    def shutdown(self) -> None:
        self.stop()
        self._session.drop_merges()
        self._merger.shutdown(2000)
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
        if self.watch.baseline is None and not w.session.controller.busy and fallback is not None:
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
        if self._model.total_count():
            self._session.merge(outcome)
            return
        w = self._w
        self._session.drop_merges()
        w.show_outcome(outcome)  # an empty table is filled, not flooded with "new" marks
        w.sync_busy()
        self.merged.emit(0)

    @Slot(object, object)
    def _on_merged(self, fresh: list[Lead], outcome: FetchOutcome | None) -> None:
        w = self._w
        if outcome is not None:
            w.note_poll(outcome)
        if fresh:
            self.tray.notify(fresh, self._model.new_count())
        w.sync_busy()
        self.merged.emit(len(fresh))

    @Slot(int)
    def _on_fetch_started(self, gen: int) -> None:
        """A fetch will replace the table: the CPU goes to it, not to a merge into leads about
        to go (kept in case the fetch fails)."""
        if not self.is_poll(gen):
            self._session.hold_merges()

    @Slot(int, object)
    def _on_fetch_finished(self, gen: int, _outcome: object) -> None:
        if not self.is_poll(gen):  # its leads replace the table, with the pending ones too
            self._session.drop_merges()

    @Slot(int, object)
    def _on_fetch_failed(self, gen: int, _error: object) -> None:
        self._on_fetch_cancelled(gen)

    @Slot(int)
    def _on_fetch_cancelled(self, gen: int) -> None:
        """The table stays as it was: a merge that waited for the fetch goes on."""
        if not self.is_poll(gen):
            self._session.resume_merges()

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
