"""The main window: wires the query panel, fetch controller, table, banner, detail pane, export
and settings together. It does no HTTP, JSON or file I/O itself; those live in the no-Qt
modules and run on worker threads.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QEvent, Qt, QTimer, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from .. import APP_NAME
from ..api import errors as E
from ..api.client import Settings as ClientSettings
from ..api.lead import Lead
from ..api.query import BASE_URLS, Environment, check_base_url, clean_client_id
from ..credentials import CredentialStore, InvalidKeyError, KeychainError
from ..export import ExportError, write_csv
from ..leadtable import SortedRows
from ..settings import Settings, SettingsError, SettingsStore
from . import gui_state
from .detail_pane import DetailPane
from .error_banner import Banner
from .fetch import FetchController, FetchOutcome, FetchRequest, UnexpectedFetchError
from .key_dialog import KeyDialog
from .model import LeadTableModel
from .query_panel import QueryPanel
from .table_view import LeadTableView
from .worker import BackgroundRunner

log = logging.getLogger(__name__)

FILTER_DELAY_MS = 150
_RETRYABLE = (
    UnexpectedFetchError,
    E.NetworkError,
    E.TimeoutError,
    E.ServerError,
    E.RateLimitedError,
    E.InvalidResponseError,
)


@dataclass(frozen=True)
class DemoSetup:
    """The in-process sandbox the Demo environment talks to."""

    base_url: str
    api_key: str
    client_id: str

    def __repr__(self) -> str:
        return f"DemoSetup({self.base_url!r})"


@dataclass(frozen=True)
class _FetchInfo:
    environment: Environment
    fetched_at: datetime
    elapsed: float
    skipped: int


class FilterEdit(QLineEdit):
    """The filter box: Esc clears it (instead of cancelling a fetch) while it holds text."""

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


def format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


class MainWindow(QMainWindow):
    def __init__(
        self,
        *,
        credentials: CredentialStore,
        settings_store: SettingsStore,
        base_url: str | None = None,
        demo: DemoSetup | None = None,
        client_settings: ClientSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self._credentials = credentials
        self._store = settings_store
        self._base_url_override = base_url
        self._demo = demo
        self._client_settings = client_settings
        self._keys: dict[Environment, tuple[str | None, str | None]] = {}
        self._fetch_info: _FetchInfo | None = None
        self._fetch_env: Environment | None = None
        self._export_target: Path | None = None
        self._export_total = 0
        self._widths_set = False
        self._closed = False
        self._settings_problem_shown = False
        self.key_dialog: KeyDialog | None = None

        loaded = self._store.load()
        self._settings: Settings = loaded.settings

        self.controller = FetchController(self)
        self.exporter = BackgroundRunner(self, name="export")
        self.model = LeadTableModel(self)
        self._build_widgets()
        self._build_actions()
        self._connect()

        environments = [Environment.PRODUCTION, Environment.STAGING]
        if demo is not None:
            environments.append(Environment.DEMO)
            current = Environment.DEMO
        else:
            try:
                current = Environment(self._settings.last_environment)
            except ValueError:
                current = Environment.PRODUCTION
            if current not in environments:
                current = Environment.PRODUCTION
        self._env = current
        self.panel.set_environments(environments, current)
        self._restore_settings()
        self._enter_environment(current)
        if loaded.warning:
            self.banner.show_message(loaded.warning, kind="info")
        self._set_idle_status()

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
        self.filter_edit.setObjectName("filterEdit")
        self.filter_edit.setAccessibleName("Filter leads")
        self.filter_edit.setPlaceholderText("Filter leads…")
        self.filter_edit.setClearButtonEnabled(True)
        self.filter_edit.setToolTip("Show only leads containing this text (Ctrl+F; Esc clears)")
        self.filter_count = QLabel()
        self.filter_count.setObjectName("filterCount")
        self.filter_count.setAccessibleName("Leads shown")
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DELAY_MS)

        self.table = LeadTableView()
        self.table.setModel(self.model)
        header = self.table.horizontalHeader()
        created = self.model.column_of("created_at")
        header.setSortIndicator(created, Qt.SortOrder.DescendingOrder)  # newest first
        self.table.setSortingEnabled(True)

        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(8, 8, 8, 4)
        layout.addWidget(self.demo_banner)
        layout.addWidget(self.panel)
        layout.addWidget(self.banner)
        bar = QHBoxLayout()
        bar.addWidget(self.table_title)
        bar.addStretch(1)
        bar.addWidget(self.filter_edit, 2)
        bar.addWidget(self.filter_count)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.setCentralWidget(central)

        self.detail = DetailPane(self)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.detail)
        self.detail.hide()

        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.status_label.setAccessibleName("Status")
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("fetchProgress")
        self.progress_bar.setMaximumWidth(180)
        self.progress_bar.setTextVisible(False)
        self.progress_bar.hide()
        self.statusBar().addWidget(self.status_label, 1)
        self.statusBar().addPermanentWidget(self.progress_bar)

    def _action(
        self,
        text: str,
        name: str,
        shortcuts: list[QKeySequence],
        slot: object,
        tip: str,
    ) -> QAction:
        action = QAction(text, self)
        action.setObjectName(name)
        if shortcuts:
            action.setShortcuts(shortcuts)
            keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
            tip = f"{tip} ({keys})"
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def _build_actions(self) -> None:
        key = QKeySequence
        self.fetch_action = self._action(
            "&Fetch", "fetchAction", [key(Qt.Key.Key_F5), key("Ctrl+R")], self.fetch, "Fetch leads"
        )
        self.cancel_action = self._action(
            "&Cancel", "cancelAction", [key(Qt.Key.Key_Escape)], self.cancel, "Cancel the fetch"
        )
        self.cancel_action.setEnabled(False)
        self.filter_action = self._action(
            "&Filter…", "filterAction", [key("Ctrl+F")], self.focus_filter, "Filter the leads"
        )
        self.export_action = self._action(
            "&Export selected…", "exportAction", [key("Ctrl+E")], self.export_selected,
            "Export the selected leads to CSV",
        )  # fmt: skip
        self.excel_action = QAction("Excel-compatible CSV (UTF-8 with BOM)", self)
        self.excel_action.setObjectName("excelAction")
        self.excel_action.setCheckable(True)
        self.excel_action.setChecked(self._settings.export_excel)
        self.excel_action.toggled.connect(self._on_excel_toggled)
        self.copy_action = self._action(
            "&Copy rows", "copyAction", [key("Ctrl+C")], self.copy_selection,
            "Copy the selected rows as tab-separated text",
        )  # fmt: skip
        self.select_all_action = self._action(
            "Select &all", "selectAllAction", [key("Ctrl+A")], self.select_all,
            "Select all shown leads",
        )  # fmt: skip
        self.details_action = self._action(
            "Lead &details", "detailsAction", [key("Ctrl+I")], self.show_current_lead,
            "Show every field of the current lead",
        )  # fmt: skip
        self.set_key_action = self._action(
            "Set API &key…", "setKeyAction", [key("Ctrl+K")], self.open_key_dialog,
            "Set, test or forget the API key of this environment",
        )  # fmt: skip
        self.quit_action = self._action(
            "&Quit", "quitAction", [key("Ctrl+Q")], self.close, "Close the window"
        )
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.export_action)
        file_menu.addAction(self.excel_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menus.addMenu("&Edit")
        edit_menu.addAction(self.copy_action)
        edit_menu.addAction(self.select_all_action)
        edit_menu.addAction(self.filter_action)
        leads_menu = menus.addMenu("&Leads")
        leads_menu.addAction(self.fetch_action)
        leads_menu.addAction(self.cancel_action)
        leads_menu.addAction(self.details_action)
        leads_menu.addSeparator()
        leads_menu.addAction(self.set_key_action)
        for menu in (file_menu, edit_menu, leads_menu):
            menu.setToolTipsVisible(True)

        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.table.addActions([self.copy_action, self.details_action, self.export_action])

    def _connect(self) -> None:
        p = self.panel
        p.changed.connect(self._update_fetch_state)
        p.environmentChanged.connect(self._on_environment_changed)
        p.clientIdEdited.connect(self._on_client_id_edited)
        p.fetchRequested.connect(self.fetch)
        p.cancelRequested.connect(self.cancel)
        p.setKeyRequested.connect(self.open_key_dialog)
        c = self.controller
        c.started.connect(self._on_fetch_started)
        c.progress.connect(self._on_fetch_progress)
        c.finished.connect(self._on_fetch_finished)
        c.failed.connect(self._on_fetch_failed)
        c.cancelled.connect(self._on_fetch_cancelled)
        c.idle.connect(self._sync_busy)
        x = self.exporter
        x.progress.connect(self._on_export_progress)
        x.finished.connect(self._on_export_finished)
        x.failed.connect(self._on_export_failed)
        x.cancelled.connect(self._on_export_cancelled)
        x.idle.connect(self._sync_busy)
        self.filter_edit.textChanged.connect(lambda _t: self._filter_timer.start())
        self._filter_timer.timeout.connect(self._apply_filter)
        self.model.countsChanged.connect(self._on_counts)
        self.table.leadActivated.connect(self.show_lead)

    # -- environments, keys and client IDs --------------------------------------------------------

    @property
    def environment(self) -> Environment:
        return self._env

    def base_url(self, env: Environment) -> str:
        if env is Environment.DEMO and self._demo is not None:
            return self._demo.base_url
        return self._base_url_override or BASE_URLS.get(env, BASE_URLS[Environment.PRODUCTION])

    def _key_for(self, env: Environment) -> tuple[str | None, str | None]:
        """(key, problem); cached because the keychain may be slow to ask."""
        if env is Environment.DEMO and self._demo is not None:
            return self._demo.api_key, None
        if env not in self._keys:
            try:
                self._keys[env] = (self._credentials.get(env.value), None)
            except (KeychainError, InvalidKeyError) as exc:
                self._keys[env] = (None, str(exc))
        return self._keys[env]

    def refresh_keys(self) -> None:
        self._keys.clear()
        self._update_fetch_state()

    def _enter_environment(self, env: Environment) -> None:
        self._env = env
        demo_env = env is Environment.DEMO and self._demo is not None
        if demo_env:
            self.panel.set_client_id(self._demo.client_id, editable=False)  # type: ignore[union-attr]
        else:
            self.panel.set_client_id(self._settings.client_ids.get(env.value, ""))
            self._settings.last_environment = env.value
        self.set_key_action.setEnabled(not demo_env)
        self.demo_banner.setVisible(demo_env)
        if demo_env:
            self.demo_banner.show_message(
                "Demo mode: these leads are made up by a built-in sandbox on this computer. "
                "Switch the environment to Production to see real leads."
            )
        title = f"{APP_NAME} — {env.label}"
        if demo_env:
            title = f"{APP_NAME} — DEMO (sample data, not real leads)"
        self.setWindowTitle(title)
        self.table_title.setText(f"Leads from {env.label}")
        self._update_fetch_state()

    @Slot(object)
    def _on_environment_changed(self, env: Environment) -> None:
        if env == self._env:
            return
        self._remember_client_id()
        self._save_settings()  # the column layout, while it still has leads to describe
        self.controller.invalidate()  # an old environment's leads must never land here
        self._set_leads([], (), None)
        self.detail.clear()
        self.banner.clear()
        self._fetch_info = None
        self._enter_environment(env)
        self._set_idle_status(f"Switched to {env.label}.")
        self._save_settings()

    def _remember_client_id(self) -> None:
        if self._env is Environment.DEMO:
            return
        text = self.panel.client_id()
        if text:
            self._settings.client_ids[self._env.value] = text
        else:
            self._settings.client_ids.pop(self._env.value, None)

    @Slot()
    def _on_client_id_edited(self) -> None:
        self._remember_client_id()
        self._save_settings()

    def fetch_block_reason(self) -> str | None:
        """Why Fetch cannot run now, in words for the user; None when it can."""
        try:
            clean_client_id(self.panel.client_id())
        except E.ValidationError as exc:
            return exc.message
        try:
            check_base_url(self.base_url(self._env))
        except E.ValidationError as exc:
            return exc.message
        key, problem = self._key_for(self._env)
        if problem:
            return problem
        if not key:
            return f"No API key is set for {self._env.label}. Use “Set API key…” (Ctrl+K)."
        try:
            self.panel.query()
        except E.ValidationError as exc:
            return exc.message
        return None

    @Slot()
    def _update_fetch_state(self) -> None:
        reason = self.fetch_block_reason()
        self.panel.set_fetch_state(reason)
        self.fetch_action.setEnabled(reason is None)
        key, _problem = self._key_for(self._env)
        self.panel.set_key_missing(not key and self._env is not Environment.DEMO)

    # -- fetching --------------------------------------------------------------------------------

    @Slot()
    def fetch(self) -> int | None:
        """Start a fetch with the panel's inputs; cancels one still running. Returns its
        generation, or None when the inputs are not valid (the reason is already shown)."""
        if self._closed:
            return None
        self._update_fetch_state()
        if self.fetch_block_reason() is not None:
            return None
        key, _ = self._key_for(self._env)
        request = FetchRequest(
            base_url=self.base_url(self._env),
            api_key=key or "",
            client_id=clean_client_id(self.panel.client_id()),
            query=self.panel.query(),
            environment=self._env.label,
            client_settings=self._client_settings,
            sort=self.model.sort_request,
        )
        self._remember_client_id()
        self._remember_query()
        self._save_settings()
        self.banner.clear()
        self._fetch_env = self._env
        return self.controller.start(request)

    @Slot()
    def cancel(self) -> None:
        if self.filter_edit.hasFocus() and self.filter_edit.text():
            self.filter_edit.clear()
            return
        self.controller.cancel()
        self.exporter.cancel()

    @Slot(int)
    def _on_fetch_started(self, _gen: int) -> None:
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.status_label.setText(f"Connecting to {self._env.label}…")
        self._sync_busy()

    @Slot(int, object, object)
    def _on_fetch_progress(self, _gen: int, received: object, total: object) -> None:
        got = int(received)  # type: ignore[call-overload]
        where = f"Downloading leads from {self._env.label}…"
        if isinstance(total, int) and total > 0:
            pct = min(100, got * 100 // total)
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(pct)
            text = f"{where} {format_bytes(got)} of {format_bytes(total)} ({pct}%)"
        else:
            self.progress_bar.setRange(0, 0)
            text = f"{where} {format_bytes(got)} received" if got else where
        self.status_label.setText(text)

    @Slot(int, object)
    def _on_fetch_finished(self, _gen: int, outcome: FetchOutcome) -> None:
        result = outcome.result
        self._set_leads(result.leads, result.extra_fields, outcome.search_texts, outcome.presorted)
        self._fetch_info = _FetchInfo(
            self._fetch_env or self._env,
            result.fetched_at,
            result.elapsed,
            result.skipped,
        )
        self.progress_bar.hide()
        self._update_summary()

    @Slot(int, object)
    def _on_fetch_failed(self, _gen: int, error: E.ApiError) -> None:
        self.progress_bar.hide()
        self.show_error(error)
        self._set_idle_status("The fetch failed; the table still shows the previous leads.")

    @Slot(int)
    def _on_fetch_cancelled(self, _gen: int) -> None:
        self.progress_bar.hide()
        self._set_idle_status("Fetch cancelled; the table is unchanged.")

    def show_error(self, error: E.ApiError) -> None:
        message = error.message or "The fetch failed."
        if isinstance(error, E.AuthenticationError):
            action, text = self.open_key_dialog, "Set API key…"
        elif isinstance(error, E.ClientNotFoundError):
            action, text = self.focus_client_id, "Check client ID"
        elif isinstance(error, _RETRYABLE):
            action, text = self.fetch, "Retry"
        else:  # validation, redirects, 4xx: repeating the same request would not help
            action, text = None, None
        self.banner.show_message(message, text, action, kind="error", detail=error.detail)

    def focus_client_id(self) -> None:
        self.panel.client_id_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.panel.client_id_edit.selectAll()

    @Slot()
    def _sync_busy(self) -> None:
        busy = self.controller.busy or self.exporter.busy
        self.panel.set_busy(self.controller.busy)
        self.cancel_action.setEnabled(busy)
        if not busy:
            self.progress_bar.hide()

    # -- table -----------------------------------------------------------------------------------

    def _fields(self) -> list[str]:
        return [c.field for c in self.model.columns]

    def _set_leads(
        self,
        leads: list[Lead],
        extra_fields: tuple[str, ...],
        texts: list[str] | None,
        presorted: SortedRows | None = None,
    ) -> None:
        header = self.table.horizontalHeader()
        old_fields, old_state = self._fields(), header.saveState()
        self.detail.clear()
        self.model.set_leads(leads, extra_fields, texts, presorted)
        fields = self._fields()
        restored = False
        if fields == old_fields and self._widths_set:
            restored = header.restoreState(old_state)
        if not restored:
            saved = gui_state.header_state_for(self._settings.gui.get(gui_state.HEADER), fields)
            restored = saved is not None and header.restoreState(saved)
        if restored:
            self._apply_header_sort()
        elif leads:
            # Keep the widths the user already has; size only columns new to the header.
            known = set(old_fields) if self._widths_set else set()
            self.table.size_columns_from_sample([i for i, f in enumerate(fields) if f not in known])
            self._widths_set = True

    def _apply_header_sort(self) -> None:
        header = self.table.horizontalHeader()
        section = header.sortIndicatorSection()
        if 0 <= section < self.model.columnCount():
            self.model.sort(section, header.sortIndicatorOrder())
        self._widths_set = True

    @Slot()
    def _apply_filter(self) -> None:
        self.model.set_filter(self.filter_edit.text())

    @Slot(int, int)
    def _on_counts(self, shown: int, total: int) -> None:
        self.filter_count.setText(f"{shown:,} of {total:,}" if total else "")
        if self._fetch_info is not None and not self.controller.busy:
            self._update_summary()

    def summary(self) -> str:
        info = self._fetch_info
        if info is None:
            return ""
        total, shown = self.model.total_count(), self.model.shown_count()
        parts = [
            f"{total:,} lead{'s' * (total != 1)} ({shown:,} shown)",
            info.environment.label,
            info.fetched_at.astimezone().strftime("%H:%M"),
            f"{info.elapsed:.1f} s",
        ]
        if info.skipped:
            parts.append(f"{info.skipped:,} record{'s' * (info.skipped != 1)} skipped")
        return " · ".join(parts)

    def _update_summary(self) -> None:
        self.status_label.setText(self.summary())

    def _set_idle_status(self, prefix: str = "") -> None:
        if self._fetch_info is not None and self.model.total_count():
            text = self.summary()
        else:
            text = "No leads shown. Choose a time window and press Fetch (F5)."
        self.status_label.setText(f"{prefix} {text}".strip())

    @Slot()
    def focus_filter(self) -> None:
        self.filter_edit.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filter_edit.selectAll()

    @Slot()
    def copy_selection(self) -> None:
        n = self.table.copy_selection()
        if n:
            self.status_label.setText(f"Copied {n:,} row{'s' * (n != 1)} to the clipboard.")

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
        if row < 0 and self.table.selected_rows():
            row = self.table.selected_rows()[0]
        self.show_lead(row)

    # -- export ----------------------------------------------------------------------------------

    def suggested_export_name(self) -> str:
        return f"leads-{self._env.value}-{datetime.now():%Y%m%d-%H%M}.csv"

    def ask_export_path(self, suggested: Path) -> Path | None:
        """Ask where to save (tests replace this method)."""
        name, _filter = QFileDialog.getSaveFileName(
            self, "Export leads", str(suggested), "CSV files (*.csv);;All files (*)"
        )
        if not name:
            return None
        path = Path(name)
        return path if path.suffix else path.with_suffix(".csv")

    def confirm_export_all(self, count: int) -> bool:
        """Ask whether to export every shown row when none is selected (tests replace this)."""
        answer = QMessageBox.question(
            self,
            "Export all shown leads?",
            f"No rows are selected. Export all {count:,} shown leads?",
        )
        return answer == QMessageBox.StandardButton.Yes

    @Slot()
    def export_selected(self) -> None:
        shown = self.model.shown_count()
        if not shown:
            self.status_label.setText("Nothing to export: fetch leads first (F5).")
            return
        if self.exporter.busy:
            self.status_label.setText("An export is already running; press Esc to cancel it.")
            return
        rows = self.table.selected_rows()
        if not rows:
            if not self.confirm_export_all(shown):
                return
            rows = list(range(shown))
        leads = self.model.leads_at(rows)
        columns = [self.model.columns[c].field for c in self.table.visible_columns()]
        folder = Path(self._settings.last_export_dir or Path.home())
        target = self.ask_export_path(folder / self.suggested_export_name())
        if target is None:
            return
        self._settings.last_export_dir = str(target.parent)
        self._save_settings()
        excel = self.excel_action.isChecked()
        guard = self._settings.export_formula_guard
        total = len(leads)

        def job(report, token):  # type: ignore[no-untyped-def]
            return write_csv(
                target,
                columns,
                leads,
                excel=excel,
                formula_guard=guard,
                cancel=token,
                progress=lambda n: report(n, total),
            )

        self._export_target = target
        self._export_total = total
        self.exporter.start(job)
        self.progress_bar.setRange(0, 0)
        self.progress_bar.show()
        self.status_label.setText(f"Exporting {total:,} leads to {target}…")
        self._sync_busy()

    @Slot(int, object, object)
    def _on_export_progress(self, _gen: int, done: object, total: object) -> None:
        if isinstance(done, int) and isinstance(total, int) and total > 0:
            self.progress_bar.setRange(0, 100)
            self.progress_bar.setValue(min(100, done * 100 // total))

    @Slot(int, object)
    def _on_export_finished(self, _gen: int, rows: object) -> None:
        n = rows if isinstance(rows, int) else self._export_total
        self.status_label.setText(f"Exported {n:,} lead{'s' * (n != 1)} to {self._export_target}.")

    @Slot(int, object)
    def _on_export_failed(self, _gen: int, error: object) -> None:
        message = str(error) if isinstance(error, ExportError) else f"The export failed: {error}"
        self.banner.show_message(message, "Export again…", self.export_selected, kind="error")
        self.status_label.setText("The export failed; no file was written.")

    @Slot(int)
    def _on_export_cancelled(self, _gen: int) -> None:
        self.status_label.setText("Export cancelled; no file was written.")

    @Slot(bool)
    def _on_excel_toggled(self, on: bool) -> None:
        self._settings.export_excel = on
        self._save_settings()

    # -- API key ---------------------------------------------------------------------------------

    @Slot()
    def open_key_dialog(self) -> KeyDialog | None:
        if self._env is Environment.DEMO:
            return None
        if self.key_dialog is not None:
            self.key_dialog.raise_()
            return self.key_dialog
        dialog = KeyDialog(
            self._env,
            self._credentials,
            base_url=self.base_url(self._env),
            client_id=self.panel.client_id(),
            client_settings=self._client_settings,
            parent=self,
        )
        dialog.keyChanged.connect(self._on_key_changed)
        dialog.finished.connect(self._on_key_dialog_closed)
        self.key_dialog = dialog
        dialog.open()
        return dialog

    @Slot(str)
    def _on_key_changed(self, _env: str) -> None:
        self.refresh_keys()
        if self.banner.kind == "error" and self.banner.action_text() == "Set API key…":
            self.banner.clear()

    @Slot(int)
    def _on_key_dialog_closed(self, _result: int) -> None:
        dialog, self.key_dialog = self.key_dialog, None
        if dialog is not None:
            dialog.deleteLater()

    # -- settings --------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = self._settings
        p = self.panel
        p.hours_spin.setValue(s.hours)
        p.days_spin.setValue(s.days)
        if s.range_start and s.range_end:
            with contextlib.suppress(ValueError):
                start = datetime.fromisoformat(s.range_start)
                p.set_range(start, datetime.fromisoformat(s.range_end))
        p.set_mode(s.query_mode)
        geometry = gui_state.decode(s.gui.get(gui_state.GEOMETRY))
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 760)
        saved = gui_state.header_state_for(s.gui.get(gui_state.HEADER), self._fields())
        if saved is not None and self.table.horizontalHeader().restoreState(saved):
            self._apply_header_sort()

    def _remember_query(self) -> None:
        s, p = self._settings, self.panel
        s.query_mode = p.mode()
        s.hours = p.hours_spin.value()
        s.days = p.days_spin.value()
        start, end = p.range_bounds()
        s.range_start, s.range_end = start.isoformat(), end.isoformat()

    def _save_settings(self) -> None:
        s = self._settings
        s.gui[gui_state.GEOMETRY] = gui_state.encode(self.saveGeometry())
        if self._widths_set and self.model.total_count():  # a layout seen with data
            s.gui[gui_state.HEADER] = gui_state.header_entry(
                self.table.horizontalHeader().saveState(), self._fields()
            )
        try:
            self._store.save(s)
        except SettingsError as exc:
            log.warning("settings not saved: %s", exc)
            if not self._settings_problem_shown:
                self._settings_problem_shown = True
                self.banner.show_message(str(exc), kind="info")

    # -- closing ---------------------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop every background thread; safe to call more than once."""
        self._closed = True
        if self.key_dialog is not None:
            self.key_dialog.reject()
        self.controller.shutdown(2000)
        self.exporter.shutdown(2000)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closed:
            self._remember_client_id()
            self._remember_query()
            self._save_settings()
        self.shutdown()
        super().closeEvent(event)
