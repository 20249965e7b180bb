"""The main window: builds the widgets and wires them to the lead session (``session``: fetch,
leads, index, rankings, watch merges, snapshots for export). No HTTP, JSON or file I/O here.
Exporting is ``export_flow``, the status bar ``status``, watch mode ``watch_flow``, the saved
state ``window_settings``, the chart ``overview``, environments and keys ``envs``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer, Slot
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMainWindow, QVBoxLayout, QWidget

from ..api import errors as E
from ..api.errors import app_logger
from ..api.options import Settings as ClientSettings
from ..api.query import Environment, Query
from ..credentials import CredentialStore
from ..settings import Settings, SettingsStore
from .after_paint import AfterPaint
from .copy_flow import CopyFlow
from .detail_pane import DetailPane
from .empty_state import EmptyState
from .error_banner import Banner
from .export_flow import CSV, XLSX, ExportFlow
from .fetch import FetchOutcome, FetchRequest
from .filter_edit import FilterEdit
from .filter_flow import FilterFlow
from .history_flow import HistoryFlow
from .overview import OverviewPanel
from .query_panel import QueryPanel
from .retry_wait import RetryWait
from .selection import first_row
from .session import LeadSession
from .settings_writer import SettingsWriter
from .status import StatusLine, format_bytes
from .table_view import LeadTableView
from .views_menu import ViewsMenu
from .watch_flow import WatchFlow
from .window_actions import build_actions
from .window_env import CHECK_FALLBACK_MS, DemoSetup, Environments, EnvWidgets, KeyCheck
from .window_settings import SavedState
from .work_actions import WorkActions

if TYPE_CHECKING:
    from .key_dialog import KeyDialog

__all__ = ["DemoSetup", "FilterEdit", "MainWindow", "format_bytes"]

log = app_logger(__name__)

FILTER_DELAY_MS = 150


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        credentials: CredentialStore,
        settings_store: SettingsStore,
        base_url: str | None = None,
        demo: DemoSetup | None = None,
        client_settings: ClientSettings | None = None,
        watch_interval_s: float | None = None,
        defer_key_check: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """``defer_key_check``: do not ask the keychain before the first paint (see
        ``window_env``); the app's cold start uses it, tests mostly want the answer at once."""
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._store = settings_store
        self.settings_writer = SettingsWriter(settings_store, self)  # the disk off this thread
        self._closed = False
        self.keys = KeyCheck(credentials, demo, defer_key_check, self)
        if defer_key_check:  # the app's start-up: first the window, then the workers' loads
            AfterPaint(self, self.check_keys_in_background, CHECK_FALLBACK_MS)

        loaded = self._store.load()
        self._settings: Settings = loaded.settings

        self.session = LeadSession(self)  # the leads and the work on them; the window shows them
        s = self.session
        self.controller, self.paint_gate, self.indexer = s.controller, s.paint_gate, s.indexer
        self.paint_gate.watch(self)  # the window's paints hold the session's workers back
        self.model = s.model
        if defer_key_check:
            AfterPaint(self, self.controller.prepare, CHECK_FALLBACK_MS)
        self.export_flow = ExportFlow(self)
        self.exporter = self.export_flow.runner
        self.copy_flow = CopyFlow(self)
        self._build_widgets()
        self.watch_flow = WatchFlow(self, self.session, watch_interval_s)
        self.watch = self.watch_flow.watch
        self.saved = SavedState(
            self._settings,
            self.settings_writer,
            panel=self.panel,
            table=self.table,
            model=self.model,
            watch_spin=self.watch_flow.spin,
            banner=self.banner,
        )
        build_actions(self)
        self.envs = Environments(
            self.keys,
            self._settings,
            demo=demo,
            base_url=base_url,
            client_settings=client_settings,
            session=self.session,
            panel=self.panel,
            widgets=EnvWidgets.of(self),  # its widgets, not the window
            parent=self,
        )
        self.envs.saveRequested.connect(self.save_settings)
        self.envs.switched.connect(self._set_idle_status)
        self.envs.switched.connect(lambda _prefix: self.empty_state.forget())
        self.envs.titleChanged.connect(self.setWindowTitle)
        self._connect()
        self.views = ViewsMenu.of(self)  # saved views: after _connect, so a view's layout wins
        self.history = HistoryFlow.of(self)  # stored leads, statuses kept (issue 18)
        self.retry_wait = RetryWait.of(self)  # after a 429's Retry-After: Retry, F5, polls wait
        self.work_actions = WorkActions.of(self)  # work status: Leads menu, table, detail pane
        self.envs.offer_choices()
        self.saved.restore(self)
        self.envs.enter(self.envs.env)  # the one chosen from the settings
        if loaded.warning:
            self.banner.show_message(loaded.warning, kind="info")
        self._set_idle_status()

    @property
    def settings(self) -> Settings:
        return self._settings

    def save_settings(self) -> None:
        self.saved.save(self)

    # -- the environment, keys and client ID (see window_env) ------------------------------------

    @property
    def environment(self) -> Environment:
        return self.envs.env

    def base_url(self, env: Environment) -> str:
        return self.envs.base_url(env)

    @property
    def _credentials(self) -> CredentialStore:
        return self.keys.credentials

    @_credentials.setter
    def _credentials(self, credentials: CredentialStore) -> None:
        self.keys.credentials = credentials  # tests swap the keychain

    @property
    def key_check_pending(self) -> bool:
        """True until the deferred keychain check has answered (or was superseded)."""
        return self.keys.pending

    def check_keys_in_background(self) -> None:
        if not self._closed:
            self.envs.check_keys_in_background()

    def refresh_keys(self) -> None:
        self.envs.refresh_keys()

    @property
    def key_dialog(self) -> KeyDialog | None:
        return self.envs.key_dialog

    @Slot()
    def open_key_dialog(self) -> KeyDialog | None:
        return self.envs.open_key_dialog()

    def fetch_block_reason(self) -> str | None:
        return self.envs.fetch_block_reason()

    def watch_block_reason(self) -> str | None:
        return self.envs.watch_block_reason()

    def update_title(self) -> None:
        self.envs.update_title()

    @property
    def clock(self) -> Callable[[], datetime]:
        return self.session.clock

    @clock.setter
    def clock(self, clock: Callable[[], datetime]) -> None:
        self.session.clock = self.overview.chart.axis.clock = clock  # tests pin it

    # -- construction ----------------------------------------------------------------------------

    def _build_widgets(self) -> None:
        self.panel = QueryPanel()
        self.demo_banner = Banner("demoBanner", "Demo mode", "demo", closable=False)
        self.banner = Banner("errorBanner", "Error message", "error")
        self.table_title = QLabel()
        self.table_title.setObjectName("tableTitle")
        font = self.table_title.font()
        font.setBold(True)
        self.table_title.setFont(font)
        self.filter_edit = FilterEdit()
        self.filter_count = QLabel()
        self.filter_count.setObjectName("filterCount")
        self.filter_count.setAccessibleName("Leads shown")
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)
        self.filter_flow = FilterFlow(self.model, self.filter_count, self.paint_gate)
        self.session.sort_flow.label = self.filter_count

        self.table = LeadTableView()
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        created = self.model.column_of("created_at")
        header.setSortIndicator(created, Qt.SortOrder.DescendingOrder)  # newest first
        self.table.setSortingEnabled(True)
        self.empty_state = EmptyState(self.table, self.model, self.panel.fetchBlocked)
        self.overview = OverviewPanel(self.model, self.paint_gate.wait_quiet)
        self.session.after_paint_of = self.table.viewport()

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.panel)
        layout.addWidget(self.banner)
        self.table_bar = QHBoxLayout()
        self.table_bar.addWidget(self.table_title)
        self.table_bar.addStretch(1)
        self.table_bar.addWidget(self.filter_edit, 2)
        self.table_bar.addWidget(self.filter_count)
        layout.addLayout(self.table_bar)
        layout.addWidget(self.filter_edit.problems)
        layout.addWidget(self.overview)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

        self.detail = DetailPane(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail)
        self.detail.hide()

        self.status = StatusLine(self.statusBar())
        self.status_label = self.status.label

    def _connect(self) -> None:
        p = self.panel
        p.fetchRequested.connect(self.fetch)
        p.cancelRequested.connect(self.cancel)
        c = self.controller
        c.started.connect(self._on_fetch_started)
        c.progress.connect(self._on_fetch_progress)
        c.finished.connect(self._on_fetch_finished)
        s, overview = self.session, self.overview
        s.replacing.connect(self.saved.keep_header)
        s.replacing.connect(lambda _some: self.detail.clear())
        # The overview counts on the indexer's thread; counting here would stall the first paint.
        s.replacing.connect(overview.expect_counts)
        s.replacing.connect(lambda _some: self.filter_flow.before_new_leads())
        s.replaced.connect(self.saved.restore_header)
        s.indexing.connect(self._apply_filter)
        s.spanChanged.connect(lambda span, count: overview.set_window(*span, count=count))
        s.counted.connect(overview.use_precounted)
        s.countsStale.connect(lambda: overview.expect_counts(False))
        c.failed.connect(self._on_fetch_failed)
        c.cancelled.connect(self._on_fetch_cancelled)
        c.idle.connect(self.sync_busy)
        self.exporter.idle.connect(self.sync_busy)
        self.copy_flow.runner.idle.connect(self.sync_busy)
        self.table.copyRequested.connect(self.copy_selection)
        self.table.selectionCountChanged.connect(self.status.set_selected)
        self.table.selectionDropped.connect(self._on_selection_dropped)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        # What the user does that runs Python code: background work nobody waits for yields.
        gate = self.paint_gate
        self.filter_edit.textEdited.connect(gate.note_input)
        self.table.horizontalHeader().sectionClicked.connect(gate.note_input)
        self.table.verticalScrollBar().valueChanged.connect(gate.note_input)
        self.table.horizontalScrollBar().valueChanged.connect(gate.note_input)
        self._filter_timer.timeout.connect(self._apply_filter)
        self.overview.termPicked.connect(self.filter_edit.add_term)
        self.overview.periodPicked.connect(self.filter_edit.set_created)
        self.model.countsChanged.connect(self._on_counts)
        self.detail.follow(self.table, self.show_lead)

    # -- fetching --------------------------------------------------------------------------------

    def _request(self, query: Query, *, poll: bool = False) -> FetchRequest:
        sort = None if poll else self.model.sort_request
        # The address through the window's base_url: tests point it at their fault servers.
        return self.envs.request(query, sort, self.base_url(self.environment))

    def poll_request(self, query: Query) -> FetchRequest | None:
        """The request for a watch poll, or None while no request can be made."""
        if self._closed or self.watch_block_reason() is not None:
            return None
        return self._request(query, poll=True)

    @Slot()
    def fetch(self) -> int | None:
        """Start a fetch with the panel's inputs; cancels one still running. Returns its
        generation, or None when the inputs are not valid (the reason is already shown)."""
        if self._closed:
            return None
        self.envs.update_fetch_state()
        if self.fetch_block_reason() is not None or self.retry_wait.refused():
            return None
        started = self.clock()
        request = self._request(self.panel.query())
        self.envs.remember_client_id()
        self.saved.remember_query()
        self.save_settings()
        self.banner.clear()
        self.empty_state.asking(request)
        return self.session.start(request, self.environment, started)

    @Slot()
    def cancel(self) -> None:
        if self.filter_edit.hasFocus() and self.filter_edit.text():
            self.filter_edit.clear()
            return
        if not self.watch_flow.in_flight:  # Esc is for what the user started, not a poll
            self.controller.cancel()
        self.export_flow.cancel()
        self.copy_flow.cancel()

    @Slot(int)
    def _on_fetch_started(self, gen: int) -> None:
        if self.watch_flow.is_poll(gen):
            return
        self.indexer.stop_ranking()
        self.status.busy(f"Connecting to {self.environment.label}…")
        self.sync_busy()

    @Slot(int, object, object)
    def _on_fetch_progress(self, gen: int, received: object, total: object) -> None:
        if not self.watch_flow.is_poll(gen):
            where = f"Downloading leads from {self.environment.label}…"
            self.status.download(where, int(received), total)  # type: ignore[call-overload]

    @Slot(int, object)
    def _on_fetch_finished(self, gen: int, outcome: FetchOutcome) -> None:
        if self.watch_flow.is_poll(gen):
            return  # merged by the watch
        if self.session.query is not None:
            self.watch.note_fetch(self.session.started, self.session.query)
        self.show_outcome(outcome)

    def show_outcome(self, outcome: FetchOutcome) -> None:
        """Replace the table with a fetch's leads."""
        self.session.take_outcome(outcome, self.environment)
        self.empty_state.answered()
        self.status.hide_progress()
        self._update_summary()

    def note_poll(self, outcome: FetchOutcome) -> None:
        """A watch poll was merged: the summary and the chart's time axis move on."""
        self.session.note_poll(outcome, self.environment)
        if not self.controller.busy:
            self._update_summary()

    @Slot(int, object)
    def _on_fetch_failed(self, gen: int, error: E.ApiError) -> None:
        if self.watch_flow.is_poll(gen):
            return  # the watch shows a quiet status and retries
        self.status.hide_progress()
        self.retry_wait.show_error(error)  # the banner, its Retry waiting out a Retry-After
        if self.model.total_count():
            self._set_idle_status("The fetch failed; the table still shows the previous leads.")
        else:  # the first fetch: there are no previous leads to speak of
            self._set_idle_status("The fetch failed; no leads are shown.")

    @Slot(int)
    def _on_fetch_cancelled(self, gen: int) -> None:
        if self.watch_flow.is_poll(gen):
            return
        self.status.hide_progress()
        self._set_idle_status("Fetch cancelled; the table is unchanged.")

    @Slot()
    def sync_busy(self) -> None:
        fetching = self.controller.busy and not self.watch_flow.in_flight
        busy = fetching or self.export_flow.busy or self.copy_flow.busy
        self.panel.set_busy(fetching)
        self.cancel_action.setEnabled(busy)
        if not busy:
            self.status.hide_progress()

    # -- table -----------------------------------------------------------------------------------

    @Slot()
    def _apply_filter(self) -> None:
        self.filter_edit.check(c.field for c in self.model.columns)
        self.filter_flow.apply(self.filter_edit.text())

    @Slot(int, int)
    def _on_counts(self, shown: int, total: int) -> None:
        self.filter_count.setText(f"{shown:,} of {total:,}" if total else "")
        busy = self.controller.busy or self.exporter.busy or self.copy_flow.busy
        if self.session.info is not None and not busy:
            self._update_summary()

    def summary(self) -> str:
        return self.session.summary()

    def _update_summary(self) -> None:
        self.status.show(self.summary())

    def _set_idle_status(self, prefix: str = "") -> None:
        self.status.idle(self.summary() if self.session.has_leads() else "", prefix)

    @Slot()
    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    @Slot()
    def copy_selection(self) -> None:
        self.copy_flow.start()

    @Slot(int)
    def _on_selection_dropped(self, rows: int) -> None:
        self.status.show(
            f"Selection cleared: the new order scattered its {rows:,} rows too widely to keep."
            " Select again, or filter to the leads you want."
        )

    @Slot()
    def select_all(self) -> None:
        self.table.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.table.selectAll()

    @Slot(int)
    def show_lead(self, row: int) -> None:
        if 0 <= row < self.model.rowCount():
            first_time = self.detail.isHidden()
            self.detail.show_lead(self.model.lead_at(row), self.model.columns)
            if first_time:
                self.resizeDocks([self.detail], [380], Qt.Orientation.Horizontal)

    @Slot()
    def show_current_lead(self) -> None:
        row = self.table.current_row()
        self.show_lead(row if row >= 0 else first_row(self.table.selected_spans()))

    # -- export (see export_flow) -----------------------------------------------------------------

    def ask_export_path(self, suggested: Path) -> Path | None:
        """Ask where to save (tests replace this method)."""
        return self.export_flow.ask_path(suggested)

    def confirm_export_all(self, count: int) -> bool:
        """Ask whether to export every shown row when none is selected (tests replace this)."""
        return self.export_flow.confirm_all(count)

    @Slot()
    def export_selected(self) -> None:
        self.export_flow.start(CSV)

    @Slot()
    def export_selected_xlsx(self) -> None:
        self.export_flow.start(XLSX)

    @Slot(bool)
    def _on_excel_toggled(self, on: bool) -> None:
        self._settings.export_excel = on
        self.save_settings()

    # -- closing ---------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every background thread; safe to call more than once."""
        self._closed = True
        self.envs.close_key_dialog()
        self.watch_flow.shutdown()
        self.keys.stop()
        self.session.shutdown(2000)
        self.history.shutdown()  # writes what the user did, then closes the lead history
        for part in (self.filter_flow, self.overview):
            part.shutdown(2000)
        self.export_flow.shutdown(2000)
        self.work_actions.shutdown(2000)
        self.copy_flow.shutdown(2000)
        self.settings_writer.flush()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.export_flow.busy:
            self.hide()  # gone at once; the export's cancel and clean-up follow in shutdown()
        if not self._closed:
            self.envs.remember_client_id()
            self.saved.remember_query()
            self.save_settings()
        self.shutdown()
        super().closeEvent(event)
