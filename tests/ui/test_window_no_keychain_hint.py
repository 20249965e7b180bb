"""Without a keychain a key lives only as long as the app: the hint next to Fetch says so, on the
first run and again after a restart, where the key set yesterday is gone."""

from __future__ import annotations

import keyring.backends.fail
import pytest
from PySide6.QtCore import Qt

from mymove_viewer.credentials import CredentialStore
from mymove_viewer.sandbox import DEMO_API_KEY
from mymove_viewer.ui.window import MainWindow

from .conftest import FAST, dispose

SESSION_ONLY = "kept only until the app closes"


def no_keychain() -> CredentialStore:
    return CredentialStore(backend=keyring.backends.fail.Keyring(), environ={})


@pytest.fixture
def credentials() -> CredentialStore:
    """Overrides the GUI suite's store: this computer has no keychain."""
    return no_keychain()


def test_hint_says_a_session_key_is_gone_after_a_restart(
    qtbot, make_window, settings_store, sandbox
) -> None:
    window = make_window(key=False)
    reason = window.panel.reason_label.text()
    assert "No API key is set for Production" in reason and SESSION_ONLY in reason
    assert "Set API key…" in reason and not window.panel.fetch_button.isEnabled()

    # Kept for this session (the only choice): Fetch works and the hint is gone.
    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window.key_dialog
    assert dialog is not None and dialog.session_check.isChecked()
    dialog.key_edit.setText(DEMO_API_KEY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.panel.fetch_button.isEnabled() and window.panel.reason_label.text() == ""
    said = window.status_label.text()  # the dialog closed: the window says where the key went
    assert said == "The API key for Production is kept until the app closes; it is not saved."
    window.close()

    # The next start: a new process, so a new store with nothing in it.
    again = MainWindow(
        credentials=no_keychain(),
        settings_store=settings_store,
        base_url=sandbox.base_url,
        client_settings=FAST,
    )
    qtbot.addWidget(again)
    try:
        again.show()
        qtbot.waitExposed(again)
        reason = again.panel.reason_label.text()
        assert SESSION_ONLY in reason and not again.panel.fetch_button.isEnabled()
        assert DEMO_API_KEY not in reason
    finally:
        again.close()
        dispose(again)


def test_with_a_keychain_no_session_hint_and_saving_says_where(
    qtbot, make_window, monkeypatch
) -> None:
    from tests.memory_keyring import MemoryKeyring

    window = make_window(key=False)
    keychain = MemoryKeyring()
    store = CredentialStore(keychain, environ={}, service="mymove-viewer-test")
    monkeypatch.setattr(window.keys, "credentials", store)
    window.refresh_keys()
    reason = window.panel.reason_label.text()
    assert "No API key is set for Production" in reason and SESSION_ONLY not in reason

    dialog = window.open_key_dialog()
    assert dialog is not None and not dialog.session_check.isChecked()
    dialog.key_edit.setText(DEMO_API_KEY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.status_label.text() == "The API key for Production is saved in the keychain."
    assert keychain.items and window.panel.fetch_button.isEnabled()

    dialog = window.open_key_dialog()
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert window.status_label.text() == "No API key is set for Production now."
    assert DEMO_API_KEY not in window.status_label.text()
    dialog.reject()
