"""The main window's environments, API keys (and key dialog) and client IDs: a mixin of the
window, typed against the few attributes it uses (no import of the window), and ``KeyCheck``.

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
from ..api.query import BASE_URLS, Environment, check_base_url, clean_client_id
from ..credentials import CredentialStore, InvalidKeyError, KeychainError
from .after_paint import AfterPaint
from .worker import BackgroundRunner

if TYPE_CHECKING:
    from PySide6.QtGui import QAction
    from PySide6.QtWidgets import QLabel, QMainWindow

    from ..api.cancel import CancelToken
    from ..api.options import Settings as ClientSettings
    from ..settings import Settings
    from .detail_pane import DetailPane
    from .error_banner import Banner
    from .key_dialog import KeyDialog
    from .new_leads import MarkedLeadModel
    from .query_panel import QueryPanel
    from .session import LeadSession
    from .watch_flow import WatchFlow
    from .worker import Report

    class _Base(QMainWindow):
        """The window this is mixed into: what it has besides Qt's."""

        _demo: DemoSetup | None
        _base_url_override: str | None
        _client_settings: ClientSettings | None
        _settings: Settings
        _closed: bool
        _base_title: str
        key_dialog: KeyDialog | None
        session: LeadSession
        model: MarkedLeadModel
        panel: QueryPanel
        banner: Banner
        demo_banner: Banner
        detail: DetailPane
        table_title: QLabel
        fetch_action: QAction
        set_key_action: QAction
        watch_flow: WatchFlow

        def save_settings(self) -> None: ...
        def _set_idle_status(self, prefix: str = "") -> None: ...
else:
    _Base = object

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


class EnvironmentMixin(_Base):
    # -- environments, keys and client IDs --------------------------------------------------------

    @property
    def environment(self) -> Environment:
        return self._env

    def base_url(self, env: Environment) -> str:
        if env is Environment.DEMO and self._demo is not None:
            return self._demo.base_url
        return self._base_url_override or BASE_URLS.get(env, BASE_URLS[Environment.PRODUCTION])

    # -- API keys (see KeyCheck) ----------------------------------------------------------------

    def _init_key_check(self, credentials: CredentialStore, deferred: bool) -> None:
        self.keys = KeyCheck(credentials, self._demo, deferred, self)
        self.keys.changed.connect(self._on_keys_changed)
        if deferred:
            AfterPaint(self, self.check_keys_in_background, CHECK_FALLBACK_MS)

    @property
    def _credentials(self) -> CredentialStore:
        return self.keys.credentials

    @_credentials.setter
    def _credentials(self, credentials: CredentialStore) -> None:
        self.keys.credentials = credentials

    @property
    def key_check_pending(self) -> bool:
        """True until the deferred keychain check has answered (or was superseded)."""
        return self.keys.pending

    @property
    def _key_runner(self) -> BackgroundRunner | None:
        return self.keys.runner

    def check_keys_in_background(self) -> None:
        """Ask the keychain on a worker thread whether each environment has a key, this
        window's first; the window updates as each answer arrives."""
        if not self._closed:
            self.keys.check_in_background(self._env)

    @Slot(object)
    def _on_keys_changed(self, env: Environment | None) -> None:
        if env is None or env is self._env:
            self._update_fetch_state()

    def _read_key(self, env: Environment) -> tuple[str | None, str | None]:
        return self.keys.read(env)

    def refresh_keys(self) -> None:
        self.keys.refresh()
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
        self._base_title = title
        self.update_title()
        self.table_title.setText(f"Leads from {env.label}")
        self._update_fetch_state()

    @Slot(object)
    def _on_environment_changed(self, env: Environment) -> None:
        if env == self._env:
            return
        self._remember_client_id()
        self.save_settings()  # the column layout, while it still has leads to describe
        self.watch_flow.stop(forget=True)  # polls belong to the environment they started in
        self.session.forget()  # an old environment's leads must never land here
        self.detail.clear()
        self.banner.clear()
        self._enter_environment(env)
        self._set_idle_status(f"Switched to {env.label}.")
        self.save_settings()

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
        self.save_settings()

    def update_title(self) -> None:
        n = self.model.new_count()
        self.setWindowTitle(f"{self._base_title} ({n:,} new)" if n else self._base_title)

    def fetch_block_reason(self) -> str | None:
        """Why Fetch cannot run now, in words for the user; None when it can."""
        reason = self.watch_block_reason()
        if reason is not None:
            return reason
        try:
            self.panel.query()
        except E.ValidationError as exc:
            return exc.message
        return None

    def watch_block_reason(self) -> str | None:
        """Why no request can be made (client ID, address, key); None when one can."""
        try:
            clean_client_id(self.panel.client_id())
        except E.ValidationError as exc:
            return exc.message
        try:
            check_base_url(self.base_url(self._env))
        except E.ValidationError as exc:
            return exc.message
        state = self.keys.state(self._env)
        if state is None:
            return CHECKING_KEY
        has_key, problem = state
        if problem:
            return problem
        if not has_key:
            return f"No API key is set for {self._env.label}. Use “Set API key…” (Ctrl+K)."
        return None

    @Slot()
    def _update_fetch_state(self) -> None:
        reason = self.fetch_block_reason()
        quiet = reason == CHECKING_KEY and self.keys.quiet
        self.panel.set_fetch_state(reason, quiet=quiet)
        self.fetch_action.setEnabled(reason is None)
        state = self.keys.state(self._env)
        missing = state is not None and not state[0] and self._env is not Environment.DEMO
        self.panel.set_key_missing(missing)

    # -- API key ---------------------------------------------------------------------------------

    @Slot()
    def open_key_dialog(self) -> KeyDialog | None:
        if self._env is Environment.DEMO:
            return None
        if self.key_dialog is not None:
            self.key_dialog.raise_()
            return self.key_dialog
        from .key_dialog import KeyDialog  # loaded on first use, not for the first paint

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
