"""Save settings off the GUI thread: the GUI thread never waits on the disk.

A save writes a temp file, fsyncs it, renames it and fsyncs the folder (``SettingsStore.save``):
tens of ms on a busy disk, seconds on a stalled network home, each time the user fetches or switches
environments. ``save`` takes a copy of the settings and returns at once; one writer thread at a
time writes, in order, and a state queued while it writes replaces any older one still waiting
(only the latest matters). ``flush`` waits for the writes, briefly, at close. The thread is not a
daemon: if the disk is slower than the close's wait, the process writes the final state before
it exits instead of losing it.
"""

from __future__ import annotations

import contextlib
import copy
import threading

from PySide6.QtCore import QObject, Signal

from ..api.errors import app_logger
from ..settings import Settings, SettingsError, SettingsStore

log = app_logger(__name__)

# How long closing the window waits for the last write: the usual write takes milliseconds.
CLOSE_WAIT_S = 1.0


class SettingsWriter(QObject):
    failed = Signal(str)  # the SettingsError's message for the user, delivered on the GUI thread

    def __init__(self, store: SettingsStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._cond = threading.Condition()
        self._pending: Settings | None = None
        self._thread: threading.Thread | None = None

    def save(self, settings: Settings) -> None:
        """Queue ``settings`` (copied: the caller goes on changing its own) to be written."""
        snapshot = copy.deepcopy(settings)
        with self._cond:
            self._pending = snapshot
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="settings-writer", daemon=False
                )
                self._thread.start()

    def flush(self, timeout: float = CLOSE_WAIT_S) -> bool:
        """Wait until everything queued is written; False if ``timeout`` passed first (the
        writing goes on)."""
        with self._cond:
            done = self._cond.wait_for(lambda: self._thread is None, timeout)
        if not done:
            log.warning("settings are still being written; they are finished before the app exits")
        return done

    def _run(self) -> None:
        while True:
            with self._cond:
                settings, self._pending = self._pending, None
                if settings is None:
                    self._thread = None  # the next save starts a new thread
                    self._cond.notify_all()
                    return
            try:
                self._store.save(settings)
            except SettingsError as exc:
                log.warning("settings not saved: %s", exc)
                self._report(str(exc))
            except Exception:  # a bug must not end the thread with a state still queued
                log.exception("settings not saved")
                self._report(
                    "Settings could not be saved because of a problem inside the app. They are "
                    "kept for this session; if it keeps happening, report it."
                )

    def _report(self, message: str) -> None:
        # RuntimeError: the window is gone (a write that outlived the close); it was logged.
        with contextlib.suppress(RuntimeError):
            self.failed.emit(message)
