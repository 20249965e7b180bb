"""The main window's environments, API keys (and key dialog) and client IDs, as a mixin."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Slot

from .. import APP_NAME
from ..api import errors as E
from ..api.query import BASE_URLS, Environment, check_base_url, clean_client_id
from ..credentials import InvalidKeyError, KeychainError
from .key_dialog import KeyDialog

if TYPE_CHECKING:
    from .window import MainWindow

    _Base = MainWindow
else:
    _Base = object


class EnvironmentMixin(_Base):
    # -- environments, keys and client IDs --------------------------------------------------------

    @property
    def environment(self) -> Environment:
        return self._env

    def base_url(self, env: Environment) -> str:
        if env is Environment.DEMO and self._demo is not None:
            return self._demo.base_url
        return self._base_url_override or BASE_URLS.get(env, BASE_URLS[Environment.PRODUCTION])

    def _key_state(self, env: Environment) -> tuple[bool, str | None]:
        """(a key is available, problem). Only the answer is cached, never the key: the
        keychain is asked again for the key itself when a request needs it."""
        if env is Environment.DEMO and self._demo is not None:
            return True, None
        if env not in self._keys:
            key, problem = self._read_key(env)
            self._keys[env] = (bool(key), problem)
            del key
        return self._keys[env]

    def _read_key(self, env: Environment) -> tuple[str | None, str | None]:
        if env is Environment.DEMO and self._demo is not None:
            return self._demo.api_key, None
        try:
            return self._credentials.get(env.value), None
        except (KeychainError, InvalidKeyError) as exc:
            return None, str(exc)

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
        self.controller.invalidate()  # an old environment's leads must never land here
        self._set_leads([], (), None)
        self.detail.clear()
        self.banner.clear()
        self._fetch_info = None
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
        has_key, problem = self._key_state(self._env)
        if problem:
            return problem
        if not has_key:
            return f"No API key is set for {self._env.label}. Use “Set API key…” (Ctrl+K)."
        return None

    @Slot()
    def _update_fetch_state(self) -> None:
        reason = self.fetch_block_reason()
        self.panel.set_fetch_state(reason)
        self.fetch_action.setEnabled(reason is None)
        has_key, _problem = self._key_state(self._env)
        self.panel.set_key_missing(not has_key and self._env is not Environment.DEMO)

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
