"""Fixtures for driving the real main window against a real loopback sandbox."""

from __future__ import annotations

import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import pytest

from mymove_viewer.api.client import Settings as ClientSettings
from mymove_viewer.credentials import CredentialStore
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from mymove_viewer.settings import Settings, SettingsStore
from tests.memory_keyring import MemoryKeyring

FIXED_NOW = datetime(2026, 11, 27, 17, 41, tzinfo=UTC)
# Short timeouts and back-off so error tests take milliseconds, not the real API's seconds.
FAST = ClientSettings(
    connect_timeout=2.0, read_timeout=5.0, max_tries=2, backoff_base=0.01, backoff_cap=0.02
)
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The offscreen platform logs this when a window's size constraints change; it is
    # harmless and says nothing about the app.
    for item in items:
        if "tests/ui/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture(autouse=True, scope="session")
def _collect_cycles_on_the_gui_thread(qapp):
    """As the app does: no cycle collection from worker threads (see ui/gc_guard.py)."""
    from mymove_viewer.ui import gc_guard

    collector = gc_guard.install(qapp)
    yield
    collector.stop()


@pytest.fixture(autouse=True)
def isolated_config(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("MYMOVE_VIEWER_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv("MYMOVE_API_KEY", raising=False)


@pytest.fixture
def keychain() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def credentials(keychain: MemoryKeyring) -> CredentialStore:
    return CredentialStore(backend=keychain, environ={}, service="mymove-viewer-test")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=3000, seed=7, now=FIXED_NOW) as sb:
        yield sb


@pytest.fixture
def settings_store(tmp_path) -> SettingsStore:
    return SettingsStore(tmp_path / "config")


@pytest.fixture
def local_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Switch the process time zone (Python reads TZ on tzset)."""

    def use(zone: str) -> None:
        monkeypatch.setenv("TZ", zone)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def make_window(qtbot, sandbox: Sandbox, credentials: CredentialStore, settings_store):
    from mymove_viewer.ui.window import MainWindow

    windows: list[MainWindow] = []

    def make(
        *,
        key: bool = True,
        client_ids: dict[str, str] | None = None,
        settings: Settings | None = None,
        **kwargs: object,
    ) -> MainWindow:
        if key:
            credentials.set("production", DEMO_API_KEY)
            credentials.set("staging", DEMO_API_KEY)
        if settings is None and not windows:
            settings = Settings(
                client_ids=client_ids
                if client_ids is not None
                else {"production": DEMO_CLIENT_ID, "staging": "staging-client-7"}
            )
        if settings is not None:
            settings_store.save(settings)
        kwargs.setdefault("base_url", sandbox.base_url)
        kwargs.setdefault("client_settings", FAST)
        window = MainWindow(credentials=credentials, settings_store=settings_store, **kwargs)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.activateWindow()  # window shortcuts (F5, Esc…) need the active window
        qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)
        windows.append(window)
        return window

    yield make
    for window in windows:  # before the sandbox stops, so no fetch outlives its server
        window.close()
        assert window.controller.thread_count() == 0
        dispose(window)


def dispose(widget) -> None:
    """Delete a top-level widget now, on this (the GUI) thread.

    A test may leave the window in a reference cycle (a lambda stored on it, a traceback);
    Python's cycle collector could then free it later from whatever thread happens to
    allocate, e.g. a sandbox or fetch worker thread, and a widget destroyed off the GUI thread
    crashes the process.
    """
    import shiboken6

    if shiboken6.isValid(widget):
        shiboken6.delete(widget)


@pytest.fixture
def do_fetch(qtbot):
    """Press F5 like a user and wait for the table to fill; returns the outcome."""
    from PySide6.QtCore import Qt

    def run(window, *, key: Qt.Key = Qt.Key.Key_F5, indexed: bool = True):
        """``indexed``: also wait for the search index and overview counts that follow."""
        assert window.fetch_block_reason() is None, window.fetch_block_reason()
        got: list[tuple[str, object]] = []

        def ok(_gen: int, outcome: object) -> None:
            got.append(("ok", outcome))

        def failed(_gen: int, error: object) -> None:
            got.append(("failed", error))

        window.controller.finished.connect(ok)
        window.controller.failed.connect(failed)
        try:
            qtbot.keyClick(window, key)
            qtbot.waitUntil(lambda: bool(got), timeout=TIMEOUT_MS)
        finally:
            window.controller.finished.disconnect(ok)
            window.controller.failed.disconnect(failed)
        kind, value = got[0]
        assert kind == "ok", f"fetch failed: {value} ({getattr(value, 'detail', '')})"
        if indexed:
            qtbot.waitUntil(lambda: not window.indexer.busy, timeout=TIMEOUT_MS)
        return value

    return run


@pytest.fixture
def fetched(make_window, do_fetch):
    """A window showing the last 7 days of the sandbox's leads (a few hundred rows)."""
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(7)
    do_fetch(window)
    assert window.model.rowCount() > 300
    return window


@pytest.fixture
def fetched_24h(make_window, do_fetch, local_tz):
    """A window showing the last 24 hours before ``FIXED_NOW``, in UTC."""
    local_tz("UTC")
    window = make_window()
    window.clock = lambda: FIXED_NOW
    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(24)
    do_fetch(window)
    return window


def export_all(qtbot, window, target) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+E of every shown row to ``target`` (the dialogs answered), until it is written."""
    from PySide6.QtCore import Qt

    window.ask_export_path = lambda _path: target
    window.confirm_export_all = lambda _n: True
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
