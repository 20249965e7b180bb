"""Settings are written off the GUI thread, in order, the latest state winning, and the close
still leaves the final state on disk."""

from __future__ import annotations

import errno
import json
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from mymove_viewer import settings as settings_module
from mymove_viewer.settings import Settings, SettingsStore
from mymove_viewer.ui.settings_writer import SettingsWriter

from .conftest import TIMEOUT_MS

Write = tuple[bool, bytes]  # (on the GUI thread, what was written)


def record_writes(
    monkeypatch: pytest.MonkeyPatch, before: Callable[[], None] = lambda: None
) -> list[Write]:
    """Every atomic write of any store, with the thread it ran on."""
    writes: list[Write] = []
    real = settings_module.write_atomically

    def write(target: Path, payload: bytes, **kwargs: int) -> None:
        writes.append((threading.current_thread() is threading.main_thread(), payload))
        before()
        real(target, payload, **kwargs)

    monkeypatch.setattr(settings_module, "write_atomically", write)
    return writes


def test_the_gui_thread_never_writes_and_close_keeps_the_last_state(
    qtbot, make_window, do_fetch, settings_store, monkeypatch
) -> None:
    window = make_window()
    writes = record_writes(monkeypatch)
    do_fetch(window)  # saves the query
    window.excel_action.setChecked(True)  # saves at once
    window.panel.environment_combo.setCurrentIndex(1)  # Staging: saves
    window.panel.hours_spin.setValue(7)  # saved only by the close
    window.close()

    assert writes, "nothing was saved"
    assert sum(on_gui for on_gui, _ in writes) == 0, "a save was written on the GUI thread"
    saved = settings_store.load().settings
    assert (saved.hours, saved.last_environment, saved.export_excel) == (7, "staging", True)


def test_quick_saves_are_written_in_order_and_the_last_one_stays(
    tmp_path, monkeypatch, qapp
) -> None:
    store = SettingsStore(tmp_path / "config")
    gate = threading.Event()  # holds the first write until every save is queued
    writing = threading.Event()  # the writer has taken the first save

    def hold() -> None:
        writing.set()
        gate.wait(TIMEOUT_MS / 1000)

    writes = record_writes(monkeypatch, hold)
    writer = SettingsWriter(store)
    settings = Settings()
    for hours in range(1, 31):
        settings.hours = hours
        writer.save(settings)  # a copy: changing ``settings`` next does not change it
        if hours == 1:  # the rest queue up while the first is being written
            assert writing.wait(TIMEOUT_MS / 1000)
    settings.hours = 99  # never saved
    assert not writer.flush(0.05)  # the first write is still held: the close would go on
    gate.set()
    assert writer.flush(TIMEOUT_MS / 1000)

    assert store.load().settings.hours == 30
    written = [json.loads(payload)["hours"] for _, payload in writes]
    assert written == sorted(written) and written[0] == 1 and written[-1] == 30
    assert len(written) <= 3  # what was queued meanwhile collapsed into the latest state
    assert sum(on_gui for on_gui, _ in writes) == 0


def test_a_failed_save_is_shown_in_the_window(qtbot, make_window, monkeypatch) -> None:
    window = make_window()

    def full(target: Path, payload: bytes, **kwargs: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(settings_module, "write_atomically", full)
    window.excel_action.setChecked(True)  # a save
    qtbot.waitUntil(lambda: "could not be saved" in window.banner.message(), timeout=TIMEOUT_MS)
    assert "no space left on device" in window.banner.message()
    assert window.banner.kind == "info"
