"""Environments, client IDs, API keys and why Fetch is disabled."""

from __future__ import annotations

from datetime import timedelta

import keyring.backends.fail
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from mymove_viewer.api import errors as E
from mymove_viewer.credentials import CredentialStore
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID
from mymove_viewer.ui.query_panel import to_qdatetime

from .conftest import TIMEOUT_MS


def test_switch_environment_swaps_client_id_and_clears_table(
    qtbot, make_window, do_fetch, settings_store
) -> None:
    window = make_window()
    do_fetch(window)
    assert window.model.rowCount() > 0
    assert window.table_title.text() == "Leads from Production"

    window.panel.environment_combo.setCurrentIndex(1)  # Staging
    assert window.environment.label == "Staging"
    assert window.model.rowCount() == 0
    assert window.table_title.text() == "Leads from Staging"
    assert "Staging" in window.windowTitle()
    assert window.panel.client_id_edit.text() == "staging-client-7"
    assert "Switched to Staging" in window.status_label.text()
    assert window.settings_writer.flush()  # saved on the writer's thread
    assert settings_store.load().settings.last_environment == "staging"

    # Staging's client ID is unknown to this server: a 404 banner, in Staging's words.
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert isinstance(blocker.args[1], E.ClientNotFoundError)
    assert "Staging" in window.banner.message()

    window.panel.client_id_edit.setText("staging-client-8")
    window.panel.client_id_edit.editingFinished.emit()
    window.panel.environment_combo.setCurrentIndex(0)
    assert window.panel.client_id_edit.text() == DEMO_CLIENT_ID
    assert not window.banner.isVisible()
    assert window.settings_writer.flush()
    saved = settings_store.load().settings
    assert saved.client_ids == {"production": DEMO_CLIENT_ID, "staging": "staging-client-8"}
    assert saved.last_environment == "production"


def test_last_environment_reopens(make_window) -> None:
    first = make_window()
    first.panel.environment_combo.setCurrentIndex(1)
    first.close()
    second = make_window()
    assert second.panel.environment_combo.currentText() == "Staging"
    assert second.panel.client_id_edit.text() == "staging-client-7"


def test_fetch_disabled_with_reason(qtbot, make_window) -> None:
    window = make_window()
    button = window.panel.fetch_button
    assert button.isEnabled() and window.panel.reason_label.text() == ""

    window.panel.client_id_edit.clear()
    assert not button.isEnabled() and not window.fetch_action.isEnabled()
    assert "client ID" in window.panel.reason_label.text()
    window.panel.client_id_edit.setText(DEMO_CLIENT_ID)
    assert button.isEnabled()

    window.panel.range_radio.click()
    start, _end = window.panel.range_bounds()
    window.panel.end_edit.setDateTime(to_qdatetime(start - timedelta(hours=1)))
    assert not button.isEnabled()
    assert "start of the range must be before its end" in window.panel.reason_label.text()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.controller.busy  # the shortcut does nothing while Fetch is off
    window.panel.hours_radio.click()
    assert button.isEnabled()


def test_set_test_save_and_forget_key(qtbot, make_window, keychain, sandbox) -> None:
    window = make_window(key=False)
    assert not window.panel.fetch_button.isEnabled()
    assert "No API key is set for Production" in window.panel.reason_label.text()
    assert window.panel.set_key_button.isVisible()
    assert window.set_key_action.objectName() == "setKeyAction"

    qtbot.keyClick(window, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    dialog = window.key_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.show_check.click()
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Normal

    qtbot.keyClicks(dialog.key_edit, "wrong-key")
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_label.text().startswith("Rejected"), timeout=TIMEOUT_MS)
    assert "wrong-key" not in dialog.result_label.text()
    assert sandbox.requests[-1].query == {"hrs": "1"}

    dialog.key_edit.setText(DEMO_API_KEY)
    qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.result_label.text().startswith("OK"), timeout=TIMEOUT_MS)
    assert keychain.items == {}  # testing saves nothing

    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert dialog.key_edit.text() == ""  # cleared on close
    assert not dialog.isVisible() and window.key_dialog is None
    assert keychain.items == {("mymove-viewer-test", "production"): DEMO_API_KEY}
    assert window.panel.fetch_button.isEnabled()
    assert not window.panel.set_key_button.isVisible()

    dialog = window.open_key_dialog()
    assert "saved in the keychain" in dialog.status_label.text()
    qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert keychain.items == {}
    assert "forgotten" in dialog.result_label.text()
    dialog.reject()
    assert not window.panel.fetch_button.isEnabled()
    assert "No API key" in window.panel.reason_label.text()


def test_unreachable_server_in_key_test(qtbot, make_window) -> None:
    window = make_window(key=False, base_url="http://127.0.0.1:9")
    dialog = window.open_key_dialog()
    dialog.key_edit.setText("some-key")
    dialog.test_connection()
    result = dialog.result_label
    qtbot.waitUntil(lambda: result.text().startswith("Unreachable"), timeout=TIMEOUT_MS)
    dialog.reject()


def test_no_keychain_offers_session_only(qtbot, make_window, monkeypatch) -> None:
    window = make_window(key=False)
    store = CredentialStore(backend=keyring.backends.fail.Keyring(), environ={})
    monkeypatch.setattr(window, "_credentials", store)
    dialog = window.open_key_dialog()
    assert "No usable keychain" in dialog.status_label.text()
    # The whole explanation shows: the dialog grew to it (it was cut off at its first height).
    label = dialog.status_label
    qtbot.waitUntil(lambda: label.height() >= label.heightForWidth(label.width()), timeout=2000)
    assert label.height() >= 3 * label.fontMetrics().lineSpacing()
    assert dialog.session_check.isChecked() and not dialog.session_check.isEnabled()
    dialog.key_edit.setText(DEMO_API_KEY)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert window.key_dialog is None
    assert store.get("production") == DEMO_API_KEY
    assert window.panel.fetch_button.isEnabled()


def test_accessible_names_and_shortcuts(make_window) -> None:
    window = make_window()
    names = [
        "environmentCombo", "clientIdEdit", "hoursRadio", "hoursSpin", "daysRadio", "daysSpin",
        "rangeRadio", "startEdit", "endEdit", "fetchButton", "cancelButton", "filterEdit",
        "leadsTable", "leadDetail", "errorBanner", "statusLabel",
    ]  # fmt: skip
    from PySide6.QtWidgets import QWidget

    for name in names:
        widget = window.findChild(QWidget, name)
        assert widget is not None, name
        assert widget.accessibleName(), name
    from PySide6.QtGui import QAction

    for name in ("exportAction", "setKeyAction", "fetchAction", "cancelAction"):
        action = window.findChild(QAction, name)
        assert action is not None and action.shortcut().toString(), name
        assert "(" in action.toolTip(), name
    fetch = window.findChild(QAction, "fetchAction")
    assert [s.toString() for s in fetch.shortcuts()] == ["F5", "Ctrl+R"]


def test_pasted_multi_line_key_is_refused_and_a_crlf_line_saved_whole(
    qtbot, make_window, keychain
) -> None:
    """Issue 14: a key copied with a second line (or a Windows line ending) and pasted with
    Ctrl+V. The field keeps the line break; Save refuses it and saves nothing; a single line's
    trailing CRLF is dropped and the key saved exactly."""
    from PySide6.QtGui import QGuiApplication

    window = make_window(key=False)
    dialog = window.open_key_dialog()
    clipboard = QGuiApplication.clipboard()
    try:
        clipboard.setText(f"{DEMO_API_KEY}\nsecond line\n")
        qtbot.keyClick(dialog.key_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        assert "\n" in dialog.key_edit.text()
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.isVisible() and keychain.items == {}
        message = dialog.result_label.text()
        assert "line break" in message and DEMO_API_KEY not in message

        dialog.key_edit.clear()
        clipboard.setText(f"{DEMO_API_KEY}\r\n")
        qtbot.keyClick(dialog.key_edit, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
        assert keychain.items == {("mymove-viewer-test", "production"): DEMO_API_KEY}
    finally:
        clipboard.clear()
