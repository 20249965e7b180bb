"""The main window's environments, API keys (and key dialog) and client IDs: ``Environments``,
a helper the window owns that holds the widgets it changes (not the window), and ``KeyCheck``.

Whether an environment has a key is asked once and the answer (never the key) cached. A window
made with ``defer_key_check`` does not ask while it is being built: the first keychain call loads
``keyring`` and may open a D-Bus connection (~0.35 s), so it runs on a worker thread just after
the first paint (:class:`KeyCheck`). Until the answer arrives the
key state is unknown: Fetch is off without a red reason, and "Set API key…" stays hidden.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from .. import APP_NAME
from ..api import errors as E
from ..api.errors import app_logger
from ..api.query import BASE_URLS, Environment, Query, check_base_url, clean_client_id
from ..credentials import CredentialStore, InvalidKeyError, KeychainError, KeySource, KeyStatus
from .fetch import FetchRequest
from .query_panel import FUTURE_START
from .worker import BackgroundRunner

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel

    from ..api.cancel import CancelToken
    from ..api.options import Settings as ClientSettings
    from ..settings import Settings
    from .detail_pane import DetailPane
    from .error_banner import Banner
    from .key_dialog import KeyDialog
    from .query_panel import QueryPanel
    from .session import LeadSession
    from .status import StatusLine
    from .watch_flow import WatchFlow
    from .worker import Report


@dataclass(frozen=True)
class EnvWidgets:
    """The window's parts that the environment changes: these, not the window, are kept."""

    banner: Banner
    demo_banner: Banner
    detail: DetailPane
    table_title: QLabel
    fetch_action: QAction
    set_key_action: QAction
    watch_flow: WatchFlow
    status: StatusLine

    @classmethod
    def of(cls, window: EnvWidgets) -> EnvWidgets:
        """The parts of ``window`` (anything with these attributes), without the window."""
        return cls(
            window.banner,
            window.demo_banner,
            window.detail,
            window.table_title,
            window.fetch_action,
            window.set_key_action,
            window.watch_flow,
            window.status,
        )


log = app_logger(__name__)

KeyState = tuple[bool, str | None]  # (a key is available, the problem met while asking)
CHECKING_KEY = "Checking the keychain for the API key…"
# The reason stays quiet (no red text) this long, so a normal check shows no flash of it.
QUIET_CHECK_MS = 1000
# Asked even if the window is never painted (e.g. started on a hidden workspace).
CHECK_FALLBACK_MS = 1500
KEYCHAIN_ENVIRONMENTS = (Environment.PRODUCTION, Environment.STAGING)


@dataclass(frozen=True)
class DemoSetup:
    """The in-process sandbox the Demo environment talks to."""

    base_url: str
    api_key: str
    client_id: str

    def __repr__(self) -> str:
        return f"DemoSetup({self.base_url!r})"


def has_key_job(
    credentials: CredentialStore, envs: list[Environment]
) -> Callable[[Report, CancelToken], None]:
    """A worker job reporting ``(env, KeyState)`` per environment; the key never leaves it."""

    def job(report: Report, token: CancelToken) -> None:
        for env in envs:
            if token.cancelled:
                return
            try:
                state: KeyState = (bool(credentials.get(env.value)), None)
            except (KeychainError, InvalidKeyError) as exc:
                state = (False, str(exc))
            report(env, state)

    return job


def no_key_hint(env_label: str, keychain: bool) -> str:
    """Why Fetch waits for a key. Without a keychain a key set earlier was kept only until the
    app closed, so a user who set one yesterday is told why it is gone, not just that it is."""
    if keychain:
        return f"No API key is set for {env_label}. Use “Set API key…” (Ctrl+K)."
    return (
        f"No API key is set for {env_label}. Without a keychain on this computer a key is kept "
        "only until the app closes: use “Set API key…” (Ctrl+K) to enter it for this session."
    )


def key_kept_text(env_label: str, status: KeyStatus) -> str:
    """Where the key just set (or forgotten) for an environment is now kept."""
    if status.source is KeySource.KEYCHAIN:
        return f"The API key for {env_label} is saved in the keychain."
    if status.source is KeySource.SESSION:
        return f"The API key for {env_label} is kept until the app closes; it is not saved."
    if status.source is KeySource.ENVIRONMENT_VARIABLE:
        return f"The MYMOVE_API_KEY environment variable's key is used for {env_label}."
    return f"No API key is set for {env_label} now."


class KeyCheck(QObject):
    """Whether each environment has an API key. The answer (never the key) is cached; the
    keychain is asked again for the key itself when a request needs it. A deferred check asks
    on a worker thread (:meth:`check_in_background`); until it answers the state is unknown."""

    changed = Signal(object)  # the key state of this Environment changed (None: of any)

    def __init__(
        self,
        credentials: CredentialStore,
        demo: DemoSetup | None,
        deferred: bool,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.credentials, self._demo = credentials, demo
        self._keys: dict[Environment, KeyState] = {}
        self.pending = deferred  # True until the deferred check has answered (or is superseded)
        self.quiet = True  # the check is not slow yet: its reason shows no red text
        self.runner: BackgroundRunner | None = None

    def state(self, env: Environment) -> KeyState | None:
        """(a key is available, problem), or None while the background check has not answered
        yet."""
        if env is Environment.DEMO and self._demo is not None:
            return True, None
        if env not in self._keys:
            if self.pending:
                return None
            key, problem = self.read(env)
            self._keys[env] = (bool(key), problem)
            del key
        return self._keys[env]

    def read(self, env: Environment) -> tuple[str | None, str | None]:
        """(the key or None, the problem met while asking)."""
        if env is Environment.DEMO and self._demo is not None:
            return self._demo.api_key, None
        try:
            return self.credentials.get(env.value), None
        except (KeychainError, InvalidKeyError) as exc:
            return None, str(exc)

    def check_in_background(self, first: Environment) -> None:
        """Ask the keychain on a worker thread, ``first`` first. Does nothing once the answers
        are known or while they are being asked."""
        if not self.pending or self.runner is not None:
            return
        envs = [first] if first in KEYCHAIN_ENVIRONMENTS else []
        envs += [e for e in KEYCHAIN_ENVIRONMENTS if e not in envs]
        runner = BackgroundRunner(self, name="key-check")
        runner.progress.connect(self._on_checked)
        runner.finished.connect(self._end)
        runner.failed.connect(self._on_failed)
        runner.cancelled.connect(self._end)
        self.runner = runner
        runner.start(has_key_job(self.credentials, envs))
        QTimer.singleShot(QUIET_CHECK_MS, self, self._is_slow)

    def refresh(self) -> None:
        """Forget the answers (a key was set or removed): the keychain is asked again."""
        if self.runner is not None:
            self.runner.invalidate()  # its answers may predate the change being refreshed
        self.pending = False
        self._keys.clear()

    def stop(self) -> None:
        if self.runner is not None:
            self.runner.shutdown(2000)

    @Slot(int, object, object)
    def _on_checked(self, _gen: int, env: object, state: object) -> None:
        if self.pending and isinstance(env, Environment):
            self._keys[env] = state  # type: ignore[assignment]
            self.changed.emit(env)

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        log.warning("keychain check failed: %s", type(error).__name__)
        self._end()

    @Slot()
    def _end(self) -> None:
        """From now on the keychain is asked directly, as before the check."""
        if self.pending:
            self.pending = False
            self.changed.emit(None)

    @Slot()
    def _is_slow(self) -> None:
        self.quiet = False
        if self.pending:
            self.changed.emit(None)


class Environments(QObject):
    """The window's environment, its client ID, key state and key dialog, and why Fetch cannot
    run. It holds the widgets it changes but not the window (its Qt parent): what the window
    must do itself (save, show the idle status, retitle) it is asked through signals."""

    saveRequested = Signal()  # the settings changed: the window saves them with its geometry
    switched = Signal(str)  # the environment was switched: the idle status, with this prefix
    titleChanged = Signal(str)  # the window's title

    def __init__(
        self,
        keys: KeyCheck,
        settings: Settings,
        *,
        demo: DemoSetup | None,
        base_url: str | None,
        client_settings: ClientSettings | None,
        session: LeadSession,
        panel: QueryPanel,
        widgets: EnvWidgets,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.keys, self._settings = keys, settings
        self._demo, self._base_url_override = demo, base_url
        self._client_settings = client_settings
        self._session, self._model, self._panel, self._w = session, session.model, panel, widgets
        self.key_dialog: KeyDialog | None = None
        self._base_title = ""  # what the title says before the app's name: the environment
        self.env = self._first_environment()
        self._start_comes = QTimer(self)  # a range's start in the future has come
        self._start_comes.setSingleShot(True)
        self._start_comes.timeout.connect(self.update_fetch_state)
        keys.changed.connect(self._on_keys_changed)
        panel.changed.connect(self.update_fetch_state)
        panel.environmentChanged.connect(self._on_environment_changed)
        panel.clientIdEdited.connect(self._on_client_id_edited)
        panel.setKeyRequested.connect(self.open_key_dialog)

    def _first_environment(self) -> Environment:
        if self._demo is not None:
            return Environment.DEMO
        try:
            env = Environment(self._settings.last_environment)
        except ValueError:
            return Environment.PRODUCTION
        return env if env in KEYCHAIN_ENVIRONMENTS else Environment.PRODUCTION

    def offer_choices(self) -> None:
        """Fill the panel's environment list, the current one selected."""
        choices = [*KEYCHAIN_ENVIRONMENTS, *([Environment.DEMO] if self._demo else [])]
        self._panel.set_environments(choices, self.env)

    def base_url(self, env: Environment) -> str:
        if env is Environment.DEMO and self._demo is not None:
            return self._demo.base_url
        return self._base_url_override or BASE_URLS.get(env, BASE_URLS[Environment.PRODUCTION])

    # -- API keys (see KeyCheck) ----------------------------------------------------------------

    def check_keys_in_background(self) -> None:
        """Ask the keychain on a worker thread whether each environment has a key, this
        window's first; the window updates as each answer arrives."""
        self.keys.check_in_background(self.env)

    @Slot(object)
    def _on_keys_changed(self, env: Environment | None) -> None:
        if env is None or env is self.env:
            self.update_fetch_state()

    def request(self, query: Query, sort: tuple[str, bool] | None, base_url: str) -> FetchRequest:
        """A request for ``query`` to the current environment at ``base_url`` (raises
        ValidationError for a bad client ID)."""
        key, _ = self.keys.read(self.env)
        return FetchRequest(
            base_url=base_url,
            api_key=key or "",
            client_id=clean_client_id(self._panel.client_id()),
            query=query,
            environment=self.env.label,
            client_settings=self._client_settings,
            sort=sort,
        )

    def refresh_keys(self) -> None:
        self.keys.refresh()
        self.update_fetch_state()

    # -- switching -------------------------------------------------------------------------------

    def enter(self, env: Environment) -> None:
        self.env = env
        w, demo = self._w, self._demo
        demo_env = env is Environment.DEMO and demo is not None
        if demo_env:
            self._panel.set_client_id(demo.client_id, editable=False)  # type: ignore[union-attr]
        else:
            self._panel.set_client_id(self._settings.client_ids.get(env.value, ""))
            self._settings.last_environment = env.value
        w.set_key_action.setEnabled(not demo_env)
        w.demo_banner.setVisible(demo_env)
        if demo_env:
            w.demo_banner.show_message(
                "Demo mode: these leads are made up by a built-in sandbox on this computer. "
                "Switch the environment to Production to see real leads."
            )
        self._base_title = "DEMO (sample data, not real leads)" if demo_env else env.label
        self.update_title()
        w.table_title.setText(f"Leads from {env.label}")
        self.update_fetch_state()

    @Slot(object)
    def _on_environment_changed(self, env: Environment) -> None:
        if env == self.env:
            return
        self.remember_client_id()
        self.saveRequested.emit()  # the column layout, while it still has leads to describe
        self._w.watch_flow.stop(forget=True)  # polls belong to the environment they started in
        self._session.forget()  # an old environment's leads must never land here
        self._w.detail.clear()
        self._w.banner.clear()
        self.enter(env)
        self.switched.emit(f"Switched to {env.label}.")
        self.saveRequested.emit()

    def remember_client_id(self) -> None:
        if self.env is Environment.DEMO:
            return
        text = self._panel.client_id()
        if text:
            self._settings.client_ids[self.env.value] = text
        else:
            self._settings.client_ids.pop(self.env.value, None)

    @Slot()
    def _on_client_id_edited(self) -> None:
        self.remember_client_id()
        self.saveRequested.emit()

    def update_title(self) -> None:
        """ "(3 new) Production — MyMove Lead Viewer": the count first, where a narrow taskbar
        button still shows it; the app's name last, as Qt adds it to a title (X11, Windows)
        that does not already end with it, which made the name appear twice."""
        n = self._model.new_count()
        parts = [f"({n:,} new)"] if n else []
        if self._base_title:
            parts.append(f"{self._base_title} —")
        self.titleChanged.emit(" ".join([*parts, APP_NAME]))

    # -- why Fetch cannot run --------------------------------------------------------------------

    def fetch_block_reason(self) -> str | None:
        """Why Fetch cannot run now, in words for the user; None when it can."""
        reason = self.watch_block_reason()
        if reason is not None:
            return reason
        try:
            query = self._panel.query()
        except E.ValidationError as exc:
            return exc.message
        wait = query.seconds_until_start(self._session.clock())
        if wait is None:
            return None
        # Asked again once the start has come, so Fetch turns on without another edit.
        self._start_comes.start(int(min(wait, 86_400) * 1000) + 1)
        return FUTURE_START

    def watch_block_reason(self) -> str | None:
        """Why no request can be made (client ID, address, key); None when one can."""
        try:
            clean_client_id(self._panel.client_id())
        except E.ValidationError as exc:
            return exc.message
        try:
            check_base_url(self.base_url(self.env))
        except E.ValidationError as exc:
            return exc.message
        state = self.keys.state(self.env)
        if state is None:
            return CHECKING_KEY
        has_key, problem = state
        if problem:
            return problem
        if not has_key:
            return no_key_hint(self.env.label, self.keys.credentials.keychain_available())
        return None

    @Slot()
    def update_fetch_state(self) -> None:
        reason = self.fetch_block_reason()
        quiet = reason == CHECKING_KEY and self.keys.quiet
        self._panel.set_fetch_state(reason, quiet=quiet)
        self._w.fetch_action.setEnabled(reason is None)
        state = self.keys.state(self.env)
        missing = state is not None and not state[0] and self.env is not Environment.DEMO
        self._panel.set_key_missing(missing)

    # -- API key ---------------------------------------------------------------------------------

    @Slot()
    def open_key_dialog(self) -> KeyDialog | None:
        if self.env is Environment.DEMO:
            return None
        if self.key_dialog is not None:
            self.key_dialog.raise_()
            return self.key_dialog
        from .key_dialog import KeyDialog  # loaded on first use, not for the first paint

        dialog = KeyDialog(
            self.env,
            self.keys.credentials,
            base_url=self.base_url(self.env),
            client_id=self._panel.client_id(),
            client_settings=self._client_settings,
            parent=self._panel.window(),  # the window, found through Qt: no reference kept
        )
        dialog.keyChanged.connect(self._on_key_changed)
        dialog.finished.connect(self._on_key_dialog_closed)
        self.key_dialog = dialog
        dialog.open()
        return dialog

    def close_key_dialog(self) -> None:
        if self.key_dialog is not None:
            self.key_dialog.reject()

    @Slot(str)
    def _on_key_changed(self, env: str) -> None:
        self.refresh_keys()
        banner = self._w.banner
        if banner.kind == "error" and banner.action_text() == "Set API key…":
            banner.clear()
        # The dialog closes on Save: without this nothing said where the key went.
        self._w.status.show(
            key_kept_text(Environment(env).label, self.keys.credentials.status(env))
        )

    @Slot(int)
    def _on_key_dialog_closed(self, _result: int) -> None:
        dialog, self.key_dialog = self.key_dialog, None
        if dialog is not None:
            dialog.deleteLater()
