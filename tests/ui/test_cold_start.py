"""Cold start: the first paint waits for no keychain, and the key state arrives just after it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from mymove_viewer.credentials import CredentialStore
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID
from mymove_viewer.settings import Settings
from mymove_viewer.ui.window_env import CHECKING_KEY
from tests.memory_keyring import MemoryKeyring

from .conftest import TIMEOUT_MS, dispose

ROOT = Path(__file__).resolve().parents[2]

# What the first frame must not wait for: the keychain, the HTTP/JSON stack, the xlsx writer.
NOT_BEFORE_FIRST_PAINT = (
    "keyring", "secretstorage", "httpx", "msgspec", "truststore", "xlsxwriter",
)  # fmt: skip

_PROBE = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    BANNED = set(sys.argv[1].split(","))
    app = QApplication(sys.argv[:1])

    class FirstPaint(QObject):
        seen = None

        def eventFilter(self, obj, event):
            if self.seen is None and event.type() == QEvent.Type.Paint and isinstance(
                obj, QMainWindow
            ):
                self.seen = sorted(m for m in sys.modules if m.split(".")[0] in BANNED)
                self.window = obj
                poll.start(5)
            return False

    def quit_once_checked():
        window = watcher.window
        if not window.key_check_pending and not window.controller.preparing:
            poll.stop()
            app.quit()

    watcher = FirstPaint(app)
    app.installEventFilter(watcher)
    poll = QTimer()
    poll.timeout.connect(quit_once_checked)
    from mymove_viewer.cli import main

    code = main([])
    print("loaded before the first paint:", watcher.seen)
    print("keyring loaded by exit:", "keyring" in sys.modules)
    print("httpx loaded by exit:", "httpx" in sys.modules)
    sys.exit(code)
    """
)


def test_first_paint_of_the_app_loads_no_keychain_or_network_code(tmp_path: Path) -> None:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", MYMOVE_VIEWER_CONFIG_DIR=str(tmp_path))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("MYMOVE_API_KEY", None)
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, ",".join(NOT_BEFORE_FIRST_PAINT)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "loaded before the first paint: []" in proc.stdout, proc.stdout
    # The window did ask the keychain, after the paint (the app quit once it had answered), and
    # loaded the HTTP client the first fetch needs.
    assert "keyring loaded by exit: True" in proc.stdout, proc.stdout
    assert "httpx loaded by exit: True" in proc.stdout, proc.stdout


def test_the_app_loads_what_a_fetch_needs_on_a_worker_after_the_first_paint(
    qtbot, settings_store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mymove_viewer.ui import fetch

    loaded_on: list[threading.Thread] = []
    monkeypatch.setattr(
        fetch, "prepare_fetch", lambda *_: loaded_on.append(threading.current_thread())
    )
    window, _ = _deferred_window(qtbot, settings_store, CountingKeyring())
    assert not loaded_on  # nothing before the window is shown
    window.show()
    qtbot.waitUntil(lambda: bool(loaded_on) and not window.controller.preparing, timeout=TIMEOUT_MS)
    assert loaded_on[0] is not threading.main_thread()
    _close(window)


class CountingKeyring(MemoryKeyring):
    """Counts reads and can hold them until released, like a slow D-Bus keychain."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.release = threading.Event()
        self.release.set()

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        self.release.wait(TIMEOUT_MS / 1000)
        return super().get_password(service, username)


def _deferred_window(qtbot, settings_store, keychain: CountingKeyring, **kwargs: object):
    from mymove_viewer.ui.window import MainWindow

    settings_store.save(Settings(client_ids={"production": DEMO_CLIENT_ID}))
    credentials = CredentialStore(backend=keychain, environ={}, service="mymove-viewer-test")
    window = MainWindow(
        credentials=credentials, settings_store=settings_store, defer_key_check=True, **kwargs
    )
    qtbot.addWidget(window)
    return window, credentials


def _window_stuck_in_the_keychain(qtbot, settings_store):
    """A shown window whose start-up keychain read has begun and waits for ``release``."""
    keychain = CountingKeyring()
    keychain.release.clear()
    window, credentials = _deferred_window(qtbot, settings_store, keychain)
    try:
        window.show()
        qtbot.waitUntil(lambda: keychain.reads == 1, timeout=TIMEOUT_MS)
    except BaseException:
        keychain.release.set()
        _close(window)
        raise
    return window, credentials, keychain


def _close(window) -> None:
    window.close()
    assert window.controller.thread_count() == 0
    dispose(window)


def test_key_state_is_neutral_until_the_check_after_the_first_paint(qtbot, settings_store) -> None:
    keychain = CountingKeyring()
    window, credentials = _deferred_window(qtbot, settings_store, keychain)
    credentials.set("production", DEMO_API_KEY)
    try:
        # Built, not yet painted: the keychain was not asked, and nothing claims a key is missing.
        assert keychain.reads == 0
        assert window.key_check_pending
        assert not window.panel.fetch_button.isEnabled()
        assert window.panel.fetch_button.toolTip() == CHECKING_KEY
        assert window.panel.reason_label.text() == ""  # no red flash for a blink-long state
        assert window.panel.set_key_button.isHidden()
        assert window.fetch() is None  # F5 now starts nothing

        window.show()
        qtbot.waitUntil(lambda: not window.key_check_pending, timeout=TIMEOUT_MS)
        assert keychain.reads >= 1
        assert window.fetch_block_reason() is None
        assert window.panel.fetch_button.isEnabled()
        assert window.fetch_action.isEnabled()
        assert window.panel.reason_label.text() == ""
        assert window.panel.set_key_button.isHidden()
        reads = keychain.reads
        window.panel.hours_spin.setValue(5)  # the answer is cached, as before
        assert keychain.reads == reads
    finally:
        _close(window)


def test_missing_key_is_shown_once_the_check_answers(qtbot, settings_store) -> None:
    window, _credentials = _deferred_window(qtbot, settings_store, CountingKeyring())
    try:
        window.show()
        qtbot.waitUntil(lambda: not window.key_check_pending, timeout=TIMEOUT_MS)
        reason = window.fetch_block_reason()
        assert reason is not None and "No API key is set for Production" in reason
        assert window.panel.reason_label.text() == reason
        assert window.panel.set_key_button.isVisibleTo(window)
        assert not window.panel.fetch_button.isEnabled()
    finally:
        _close(window)


def test_a_slow_keychain_is_explained_and_the_window_closes_cleanly(qtbot, settings_store) -> None:
    window, _credentials, keychain = _window_stuck_in_the_keychain(qtbot, settings_store)
    try:
        # A check that takes long gets its reason spelled out beside Fetch.
        qtbot.waitUntil(
            lambda: window.panel.reason_label.text() == CHECKING_KEY, timeout=TIMEOUT_MS
        )
        assert window.key_check_pending
        keychain.release.set()
        qtbot.waitUntil(lambda: not window.key_check_pending, timeout=TIMEOUT_MS)
        assert "No API key" in window.panel.reason_label.text()
    finally:
        keychain.release.set()
        _close(window)


def test_refresh_during_the_check_asks_directly(qtbot, settings_store) -> None:
    window, credentials, keychain = _window_stuck_in_the_keychain(qtbot, settings_store)
    try:
        credentials.set_for_session("production", DEMO_API_KEY)  # e.g. the key dialog saved one
        window.refresh_keys()
        assert not window.key_check_pending
        assert window.fetch_block_reason() is None
        keychain.release.set()
        # The superseded check's late answers never overwrite the fresh one.
        qtbot.waitUntil(lambda: window.keys.runner.thread_count() == 0, timeout=TIMEOUT_MS)
        assert window.fetch_block_reason() is None
    finally:
        keychain.release.set()
        _close(window)
