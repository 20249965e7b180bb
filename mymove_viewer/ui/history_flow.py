"""The lead history in the window (issue 18): stored leads at start, every fetch and poll kept,
the user's statuses, notes and exports written, and the File menu's history actions.

One ``LeadStore`` is opened, used and closed only by jobs on one worker (``JobQueue``): the GUI
thread never waits on the disk. Jobs run in the order they are queued, so a status set while its
leads are still being merged is written after them, and none is dropped at close.

Whose leads: every fetch and poll is kept for the environment and client ID it was sent with
(noted when it starts), and the table's work is written for those of the leads it shows. The
table never shows leads of another environment or client ID: switching either shows its stored
leads (or none). The Demo environment's made-up leads are not kept.

After **Forget stored leads…** the table no longer shows the forgotten leads: if it showed them
(stored or fetched) it is emptied, their statuses with it, and a fetch gets them again as new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from .. import reaper
from ..api import errors as E
from ..api.errors import app_logger
from ..api.lead import Lead
from ..api.query import Environment, clean_client_id
from ..slices import yield_gil
from ..store import history_jobs as H
from ..store.errors import StoreError, StoreTooNewError, StoreUnavailableError
from ..store.history_jobs import Disk, Scope, retention
from ..store.location import history_disabled
from ..table.lead_table import FREE_AFTER_S
from ..table.sort import presort
from .after_paint import AfterPaint
from .empty_state import window_text
from .job_queue import JobQueue
from .status import FetchInfo
from .window_actions import make_action

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMenuBar

    from ..settings import Settings
    from ..store import StoredLeads
    from ..table.work import WorkChange
    from .detail_pane import DetailPane
    from .error_banner import Banner
    from .fetch import FetchOutcome
    from .history_dialogs import ForgetDialog, HistorySettingsDialog
    from .query_panel import QueryPanel
    from .session import LeadSession
    from .status import StatusLine
    from .watch_flow import WatchFlow
    from .window_env import Environments

log = app_logger(__name__)

Source = tuple[Environment, str]  # whose leads: environment and client ID
_REFUSED = (StoreTooNewError, StoreUnavailableError)  # not retried this run: nothing written
START_FALLBACK_MS = 1500  # stored leads are read after the first paint, or after this


class HistoryHost(Protocol):
    """What the history needs of the window (its Qt parent); the helper keeps these parts."""

    settings: Settings
    session: LeadSession
    envs: Environments
    panel: QueryPanel
    status: StatusLine
    banner: Banner
    detail: DetailPane
    watch_flow: WatchFlow
    quit_action: QAction

    def menuBar(self) -> QMenuBar: ...
    def save_settings(self) -> None: ...
    def addAction(self, action: QAction) -> None: ...


class HistoryFlow(QObject):
    shown = Signal(int)  # stored leads were read for the table: how many are shown
    forgotten = Signal(int)  # stored leads were forgotten: how many

    @classmethod
    def of(cls, window: HistoryHost) -> HistoryFlow:
        flow = cls(window)
        flow.settingsChanged.connect(window.save_settings)
        AfterPaint(window, flow.start, START_FALLBACK_MS)  # type: ignore[arg-type]
        return flow

    settingsChanged = Signal()

    def __init__(self, host: HistoryHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._settings, self._session, self._envs = host.settings, host.session, host.envs
        self._panel, self._status, self._banner = host.panel, host.status, host.banner
        self._detail, self._watch = host.detail, host.watch_flow
        self.queue = JobQueue(self, name="history")
        self.disk = Disk(retention(self._settings))  # touched by the queue's jobs only
        self.refused: str | None = None  # the history cannot be used this run: why
        self._sources: dict[int, Source] = {}  # fetch generation -> whose leads it asks for
        self._shown: Source | None = None  # whose leads the table shows
        self._view = 0  # bumped whenever what the table should show changes
        self._unsaved: list[tuple[Source, WorkChange]] = []  # queued, not written yet
        self.forget_dialog: ForgetDialog | None = None
        self.settings_dialog: HistorySettingsDialog | None = None

        controller = self._session.controller
        controller.started.connect(self._on_started)
        controller.finished.connect(self._on_fetched)
        controller.failed.connect(self._on_fetch_failed)
        controller.cancelled.connect(self._on_fetch_cancelled)
        self._session.workChanged.connect(self._on_work)
        self._envs.switched.connect(self._on_switched)
        self._panel.clientIdEdited.connect(self._on_client_edited)
        self._build_actions(host)

    def _build_actions(self, host: HistoryHost) -> None:
        self.forget_action = make_action(
            host, "&Forget stored leads…", "forgetHistoryAction", [], self.ask_forget,
            "Delete the leads kept on this computer, with their statuses and notes",
        )  # fmt: skip
        self.settings_action = make_action(
            host, "Lead &history…", "historySettingsAction", [], self.open_settings,
            "Where fetched leads are kept, for how long, or keep none",
        )  # fmt: skip
        quit_action = host.quit_action
        for menu in quit_action.associatedObjects():  # the File menu: just above Quit
            if isinstance(menu, QMenu):
                menu.insertAction(quit_action, self.forget_action)
                menu.insertAction(quit_action, self.settings_action)
                menu.insertSeparator(quit_action)

    # -- state -----------------------------------------------------------------------------------

    @property
    def keeping(self) -> bool:
        """Leads are kept (the setting, ``MYMOVE_VIEWER_NO_HISTORY``, a usable file)."""
        return self._settings.keep_history and not history_disabled() and self.refused is None

    def _client(self) -> str | None:
        try:
            return clean_client_id(self._panel.client_id())
        except E.ValidationError:
            return None

    def _kept(self, source: Source) -> bool:
        return self.keeping and source[0] is not Environment.DEMO

    # -- start, switching ------------------------------------------------------------------------

    @Slot()
    def start(self) -> None:
        """Open the history (retention applied) and show the stored leads, off this thread."""
        if not self.keeping or self.queue.closed:
            return
        self.queue.put(self.disk.open, self._on_opened, self._on_open_failed)
        self.show_stored()

    def _on_opened(self, warning: object) -> None:
        if isinstance(warning, str):
            self._banner.show_message(warning, kind="info")

    def _on_open_failed(self, error: Exception) -> None:
        if isinstance(error, _REFUSED):
            self.refused = str(error)  # never written to, so never overwritten
            message = f"{error} Until then the window keeps no lead history."
        else:
            message = f"{error} The window works without stored leads meanwhile."
        self._banner.show_message(message, kind="error")

    def show_stored(self, prefix: str = "") -> None:
        """Replace an empty table with the stored leads of this environment and client ID for
        the query's time window (none when nothing is kept or the inputs are incomplete)."""
        self._view += 1
        view, env, client = self._view, self._envs.env, self._client()
        if client is None or not self._kept((env, client)):
            return
        try:
            query = self._panel.query()
        except E.ValidationError:
            return
        span = query.covers(self._session.clock())
        sort, disk = self._session.model.sort_request, self.disk

        def job() -> tuple[H.Shown, object, bool]:
            store = disk.existing()
            if store is None:  # nothing stored yet: no file made for that
                return H.Shown.nothing(), None, False
            shown = H.stored_for(store, env.value, client, span)
            leads = shown.found.leads
            canonical = bool(leads) and H.canonical_created(leads, yield_gil)
            order = None
            if sort is not None and leads:
                field, descending = sort
                order = presort(leads, shown.extra_fields, field, descending, canonical=canonical)
            return shown, order, canonical

        def done(result: object) -> None:
            if view != self._view:  # a fetch or a switch came first: it decides what shows
                return
            shown, order, canonical = result  # type: ignore[misc]
            self._show(shown, order, canonical, (env, client), span, prefix, window_text(query))

        self.queue.put(job, done, self._failed("Stored leads could not be read"))

    def _show(
        self,
        shown: H.Shown,
        order: object,
        canonical: bool,
        source: Source,
        span: tuple[float, float],
        prefix: str,
        window: str,
    ) -> None:
        session, env = self._session, source[0]
        count = len(shown.found)
        if count:
            info = FetchInfo(env, shown.last_fetch, 0.0, 0, stored=True)  # type: ignore[arg-type]
            leads, extra = shown.found.leads, shown.extra_fields
            # Their work first: a sort by status (which ``order`` cannot be) needs it.
            self._shown = source
            self._take_work(source, shown.worked)
            session.show_stored(leads, extra, order, span, info, canonical)  # type: ignore[arg-type]
            self._status.show(" ".join(p for p in (prefix, session.summary()) if p))
        elif shown.last_fetch is not None:
            when = shown.last_fetch.astimezone().strftime("%Y-%m-%d %H:%M")
            self._status.show(
                " ".join(
                    p
                    for p in (
                        prefix,
                        f"No stored leads of {env.label}, client ID {source[1]}, {window} "
                        f"(last fetched {when}). Press F5 to fetch.",
                    )
                    if p
                )
            )
        self.shown.emit(count)

    @Slot(str)
    def _on_switched(self, prefix: str) -> None:
        """Another environment (the session has dropped the old one's leads)."""
        self._drop_shown()
        self.show_stored(prefix)

    @Slot()
    def _on_client_edited(self) -> None:
        env, client = self._envs.env, self._client()
        if client is None or self._shown == (env, client) or env is Environment.DEMO:
            return
        controller = self._session.controller
        running = self._sources.get(controller.generation) if controller.busy else None
        if running == (env, client):  # Enter fetches this client's leads: they replace these
            return
        if self._shown is not None or self._session.model.total_count() or controller.busy:
            self._clear_table()
        self.show_stored(f"Client ID {client}.")

    def _drop_shown(self) -> None:
        self._shown = None
        self._session.model.table.work.clear()  # same values elsewhere are other leads
        self._session.model.work_changed()

    def _clear_table(self) -> None:
        """Stop showing the leads of the table (another client's, or forgotten ones)."""
        self._watch.stop(forget=True)
        self._session.forget()
        self._detail.clear()
        self._drop_shown()

    # -- fetches and polls -----------------------------------------------------------------------

    @Slot(int)
    def _on_started(self, gen: int) -> None:
        client = self._client()
        if client is not None:  # else no request was made
            self._sources[gen] = (self._envs.env, client)
        self._view += 1  # its leads decide what the table shows, not a stored read under way

    @Slot(int, object)
    def _on_fetched(self, gen: int, outcome: FetchOutcome) -> None:
        """A fetch replaced the table, or a poll joined it (the window handled it first)."""
        source = self._sources.pop(gen, None)
        if source is None:
            return
        if self._shown not in (None, source):  # another client's (Enter after editing it)
            self._drop_shown()
        self._shown = source
        if not self._kept(source):
            return
        env, client = source
        result, disk = outcome.result, self.disk
        leads, fetched = result.leads, result.fetched_at

        def job() -> StoredLeads:
            return H.merge_fetched(disk.get(), env.value, client, leads, fetched)

        shown = self._failed("The leads are shown, but could not be kept in the lead history")

        def done(found: StoredLeads) -> None:
            self._let_go(leads)
            self._take_work(source, found)

        def failed(error: Exception) -> None:
            self._let_go(leads)
            shown(error)

        self.queue.put(job, done, failed)  # type: ignore[arg-type]

    def _let_go(self, leads: Sequence[Lead]) -> None:
        """A job is done with ``leads``: unless the table still shows this very list, the reaper
        drops it. Its job was then its last holder (the environment was switched, another fetch
        or a merge came), and dropped here with the job a list of 1M leads freed every lead on
        the GUI thread in one go (most of a second, see ``reaper``), or touched each (10-30 ms)
        if a merge kept them."""
        if leads is not self._session.model.leads:
            reaper.release(leads, delay=FREE_AFTER_S)

    @Slot(int)
    def _on_fetch_cancelled(self, gen: int) -> None:
        self._sources.pop(gen, None)

    @Slot(int, object)
    def _on_fetch_failed(self, gen: int, _error: object) -> None:
        """A fetch pressed before the stored leads were read failed: show them after all."""
        source = self._sources.pop(gen, None)
        empty = not self._session.model.total_count()
        if source is not None and empty and not self._watch.is_poll(gen):
            self.show_stored("The fetch failed.")

    def _take_work(self, source: Source, found: StoredLeads) -> None:
        """Show what the history knows of the table's leads; changes not written yet stay."""
        if source != self._shown:
            return
        if found:
            self._session.load_work(found)
        later = [change for whose, change in self._unsaved if whose == source]
        if later:
            work = self._session.model.table.work
            for change in later:
                work.apply(change)
            self._session.model.work_changed()

    # -- the user's work -------------------------------------------------------------------------

    @Slot(object)
    def _on_work(self, change: WorkChange) -> None:
        source = self._shown
        if source is None or not self._kept(source) or not change.leads:
            return
        env, client = source
        entry, disk = (source, change), self.disk
        self._unsaved.append(entry)

        def job() -> None:
            H.save_work(
                disk.get(),
                env.value,
                client,
                change.leads,
                status=change.status,
                note=change.note,
                exported_at=change.exported_at,
            )

        def written(_result: object = None) -> None:
            self._unsaved = [e for e in self._unsaved if e is not entry]
            self._let_go(change.leads)  # an export's written leads: up to all of them

        def failed(error: Exception) -> None:
            written()
            what = "The change is shown, but could not be saved in the lead history"
            self._failed(what)(error)

        self.queue.put(job, written, failed)

    # -- forgetting and settings (dialogs in history_dialogs) ------------------------------------

    @Slot()
    def ask_forget(self) -> None:
        """Say what is stored, then ask which to forget."""
        failed = self._failed("Stored leads cannot be listed", quiet=False)
        self.queue.put(self.disk.info, self._open_forget, failed)

    def _open_forget(self, info: object) -> None:
        from .history_dialogs import ForgetDialog

        dialog = ForgetDialog(info, self._envs.env, self._client(), self._panel.window())  # type: ignore[arg-type]
        dialog.chosen.connect(self.forget)
        dialog.finished.connect(lambda _r: setattr(self, "forget_dialog", None))
        self.forget_dialog = dialog
        dialog.open()

    @Slot(object)
    def forget(self, scope: Scope) -> None:
        """Forget the stored leads of ``scope`` (environment value, client ID; None: any)."""
        disk = self.disk

        def done(gone: object) -> None:
            env, client = scope
            shown = self._shown
            if shown is not None and env in (None, shown[0].value) and client in (None, shown[1]):
                self._clear_table()
            n = int(gone)  # type: ignore[call-overload]
            self._status.show(f"Forgot {n:,} stored lead{'s' * (n != 1)}.")
            self.forgotten.emit(n)
            if n:  # the file shrinks after the table is cleared, on the worker (seconds at 1M)
                self.queue.put(disk.compact, None, self._failed("The lead history kept its size"))

        self.queue.put(lambda: disk.forget(scope), done, self._failed("Nothing was forgotten"))

    @Slot()
    def open_settings(self) -> None:
        said = self._failed("Stored leads cannot be counted", quiet=False)

        def failed(error: Exception) -> None:  # the settings can be changed all the same
            said(error)
            self._open_settings(None)

        self.queue.put(self.disk.info, self._open_settings, failed)

    def _open_settings(self, info: object) -> None:
        from .history_dialogs import HistorySettingsDialog

        dialog = HistorySettingsDialog(self._settings, info, self._panel.window())  # type: ignore[arg-type]
        dialog.accepted.connect(lambda: self._apply_settings(dialog))
        dialog.finished.connect(lambda _r: setattr(self, "settings_dialog", None))
        self.settings_dialog = dialog
        dialog.open()

    def _apply_settings(self, dialog: HistorySettingsDialog) -> None:
        s, was_keeping = self._settings, self._settings.keep_history
        s.keep_history, s.history_days = dialog.keep(), dialog.days()
        self.settingsChanged.emit()
        days, disk = retention(s), self.disk
        disk.days = days
        if dialog.forget_all():
            self.forget((None, None))
        elif s.keep_history:
            failed = self._failed("Older leads could not be removed")
            self.queue.put(lambda: disk.retain(days), None, failed)
            if not was_keeping and self.keeping and self._session.model.total_count() == 0:
                self.show_stored()

    # -- errors and closing ----------------------------------------------------------------------

    def _failed(self, what: str, *, quiet: bool = True) -> Callable[[Exception], None]:
        """What shows an error of a job doing ``what``; ``quiet``: not when the history was
        refused at start (the banner said so then), for work the user did not ask for."""

        def show(error: Exception) -> None:
            if quiet and self.refused is not None and isinstance(error, _REFUSED):
                return
            if isinstance(error, StoreError):
                self._banner.show_message(f"{what}: {error}", kind="error")
            else:  # a bug: the table is as it was, so say so plainly
                log.warning("lead history job failed: %r", error)
                self._banner.show_message(
                    f"{what}: something went wrong inside the app. The leads shown are unchanged.",
                    kind="error",
                    detail=f"{type(error).__name__}: {error}",
                )

        return show

    def shutdown(self) -> None:
        """The window closes: what is queued is written, then the store closed (safe twice).
        The window is gone at once; its thread waits up to 2 s for the writes (a longer one
        ends on its own thread, joined on the way out: nothing the user did is lost)."""
        window = self.parent()
        if self.queue.busy and isinstance(window, QWidget):
            window.hide()
        self.disk.stop_compacting()
        self.queue.close(self.disk.close)
