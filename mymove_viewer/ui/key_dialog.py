"""The "Set API key…" dialog: enter, test, save or forget the key of one environment.

The key typed here lives only in the line edit (cleared whenever the dialog closes) and in the
request handed to the worker thread for "Test connection"; it is never shown in a message.
"""

from __future__ import annotations

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..api import errors as E
from ..api.options import Settings as ClientSettings
from ..api.query import Environment, Query
from ..credentials import CredentialStore, InvalidKeyError, KeychainError, KeySource
from .fetch import FetchController, FetchOutcome, FetchRequest


class KeyDialog(QDialog):
    keyChanged = Signal(str)  # environment value, after Save or Forget

    def __init__(
        self,
        env: Environment,
        credentials: CredentialStore,
        *,
        base_url: str,
        client_id: str,
        client_settings: ClientSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("keyDialog")
        self.setWindowTitle(f"API key for {env.label}")
        self.env = env
        self._credentials = credentials
        self._base_url = base_url
        self._client_id = client_id
        self._client_settings = client_settings
        self._controller = FetchController(self)
        self._controller.finished.connect(self._on_test_ok)
        self._controller.failed.connect(self._on_test_failed)
        self._controller.cancelled.connect(self._on_test_cancelled)

        self.status_label = QLabel()
        self.status_label.setObjectName("keyStatus")
        self.status_label.setWordWrap(True)
        self.key_edit = QLineEdit()
        self.key_edit.setObjectName("apiKeyEdit")
        self.key_edit.setAccessibleName("API key")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("Paste the API key from MYMOVE")
        self.key_edit.textChanged.connect(self._sync_buttons)
        self.show_check = QCheckBox("&Show key")
        self.show_check.setObjectName("showKeyCheck")
        self.show_check.toggled.connect(self._toggle_echo)
        self.session_check = QCheckBox("Keep the key for this session only (not saved)")
        self.session_check.setObjectName("sessionOnlyCheck")
        self.test_button = QPushButton("&Test connection")
        self.test_button.setObjectName("testConnectionButton")
        self.test_button.clicked.connect(self.test_connection)
        self.result_label = QLabel()
        self.result_label.setObjectName("testResult")
        self.result_label.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.save_button = self.buttons.addButton("Sa&ve", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveKeyButton")
        self.forget_button = self.buttons.addButton(
            "&Forget", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.forget_button.setObjectName("forgetKeyButton")
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.save_button.clicked.connect(self.save)
        self.forget_button.clicked.connect(self.forget)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.status_label)
        layout.addWidget(QLabel(f"API key for {env.label}:"))
        row = QHBoxLayout()
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.show_check)
        layout.addLayout(row)
        layout.addWidget(self.session_check)
        test_row = QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.result_label, 1)
        layout.addLayout(test_row)
        layout.addWidget(self.buttons)
        self.resize(520, self.sizeHint().height())
        self._refresh_status()
        self._sync_buttons()

    def _fit_height(self) -> None:
        """Tall enough for the wrapped texts at the current width: a long explanation (no
        keychain, a failed test) was cut off at the height the dialog opened with."""
        layout = self.layout()
        wanted = layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth() else -1
        self.resize(self.width(), max(self.height(), wanted, self.sizeHint().height()))

    # -- state ---------------------------------------------------------------------------------

    def _refresh_status(self) -> None:
        status = self._credentials.status(self.env.value)
        keychain = self._credentials.keychain_available()
        if status.source is KeySource.ENVIRONMENT_VARIABLE:
            text = (
                "The MYMOVE_API_KEY environment variable is set; it is used instead of any key "
                "saved here."
            )
        elif status.source is KeySource.KEYCHAIN:
            text = f"A key for {self.env.label} is saved in the keychain ({status.backend})."
        elif status.source is KeySource.SESSION:
            text = f"A key for {self.env.label} is kept for this session only."
        elif status.keychain_failed and keychain:  # e.g. locked: whether one is saved is unknown
            text = f"Could not check whether a key for {self.env.label} is saved."
        else:
            text = f"No key is set for {self.env.label}."
        if status.problem:
            text += " " + status.problem
        self.status_label.setText(text)
        self._fit_height()
        self._has_key = status.has_key and status.source is not KeySource.ENVIRONMENT_VARIABLE
        if not keychain:
            # Nowhere safe to save it: the only choice is to keep it in memory.
            self.session_check.setChecked(True)
            self.session_check.setEnabled(False)
        self._sync_buttons()

    def _sync_buttons(self) -> None:
        typed = bool(self.key_edit.text().strip())
        self.save_button.setEnabled(typed)
        self.test_button.setEnabled(typed and not self._controller.busy)
        self.forget_button.setEnabled(getattr(self, "_has_key", False))

    @Slot(bool)
    def _toggle_echo(self, show: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if show else QLineEdit.EchoMode.Password
        self.key_edit.setEchoMode(mode)

    def _say(self, text: str, ok: bool | None = None) -> None:
        color = {True: "#1e6b2a", False: "#b3261e"}.get(ok) if ok is not None else None
        self.result_label.setStyleSheet(f"color: {color};" if color else "")
        self.result_label.setText(text)
        self._fit_height()

    # -- test ----------------------------------------------------------------------------------

    def test_connection(self) -> None:
        """A one-hour fetch on the worker thread with the typed key."""
        key = self.key_edit.text().strip()
        if not key:
            return
        if not self._client_id:
            self._say("Enter the client ID in the main window first; the test needs it.", False)
            return
        request = FetchRequest(
            base_url=self._base_url,
            api_key=key,
            client_id=self._client_id,
            query=Query.last_hours(1),
            environment=self.env.label,
            client_settings=self._client_settings,
        )
        self._say("Testing…")
        self._controller.start(request)
        self._sync_buttons()

    @Slot(int, object)
    def _on_test_ok(self, _gen: int, outcome: FetchOutcome) -> None:
        n = len(outcome.result.leads)
        self._say(f"OK: the key works ({n:,} lead{'s' * (n != 1)} in the last hour).", True)
        self._sync_buttons()

    @Slot(int, object)
    def _on_test_failed(self, _gen: int, error: E.ApiError) -> None:
        if isinstance(error, E.AuthenticationError):
            prefix = "Rejected:"
        elif isinstance(error, E.NetworkError | E.TimeoutError):
            prefix = "Unreachable:"
        else:
            prefix = "Test failed:"
        self._say(f"{prefix} {error.message}", False)
        self._sync_buttons()

    @Slot(int)
    def _on_test_cancelled(self, _gen: int) -> None:
        self._say("Test cancelled.")
        self._sync_buttons()

    # -- save / forget ---------------------------------------------------------------------------

    def save(self) -> None:
        key = self.key_edit.text()
        try:
            if self.session_check.isChecked():
                self._credentials.set_for_session(self.env.value, key)
            else:
                self._credentials.set(self.env.value, key)
        except InvalidKeyError as exc:
            self._say(str(exc), False)
            return
        except KeychainError as exc:
            self._say(exc.message, False)
            self.session_check.setEnabled(True)
            return
        self.keyChanged.emit(self.env.value)
        self.accept()

    def forget(self) -> None:
        try:
            self._credentials.delete(self.env.value)
        except KeychainError as exc:
            self._say(exc.message, False)
            return
        self.key_edit.clear()
        self._say(f"The key for {self.env.label} was forgotten.", True)
        self._refresh_status()
        self.keyChanged.emit(self.env.value)

    def done(self, result: int) -> None:
        self.key_edit.clear()
        self._controller.shutdown(2000)
        super().done(result)
