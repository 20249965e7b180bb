"""A window's background task: one job at a time on a worker, progress in the status bar, Esc
cancels. Exporting (``export_flow``) and copying rows (``copy_flow``) are such tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Slot

from .worker import BackgroundRunner, Job

if TYPE_CHECKING:
    from .status import StatusLine


class TaskHost(Protocol):
    """What a task needs of the window that owns it (its Qt parent)."""

    status: StatusLine

    def sync_busy(self) -> None: ...


class WindowTask(QObject):
    """Subclasses handle the runner's ``finished``, ``failed`` and ``cancelled``."""

    def __init__(self, window: QObject, name: str) -> None:
        super().__init__(window)  # the window is reached through parent(): no reference cycle
        self.runner = BackgroundRunner(self, name=name)
        r = self.runner
        r.progress.connect(self._on_progress)
        r.finished.connect(self._on_finished)
        r.failed.connect(self._on_failed)
        r.cancelled.connect(self._on_cancelled)

    @property
    def _w(self) -> TaskHost:
        return self.parent()  # type: ignore[return-value]

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def run(self, job: Job, message: str) -> None:
        """Start ``job`` (replacing one still running) and say so in the status bar."""
        self.runner.start(job)
        self._w.status.busy(message)
        self._w.sync_busy()

    def cancel(self) -> None:
        self.runner.cancel()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel the task and wait until its thread has ended, however long that takes.

        A QThread destroyed while it runs aborts the app, and an export's thread removes its
        half-written file on the way out. The jobs check cancel at every chunk of rows (and, in
        the final save of a workbook, at every write), so the wait is short; ``timeout_ms`` only
        sets how often the runner logs a slow stop.
        """
        while not self.runner.shutdown(timeout_ms):
            pass
        return True

    @Slot(int, object, object)
    def _on_progress(self, _gen: int, done: object, total: object) -> None:
        self._w.status.percent(done, total)

    def _on_finished(self, gen: int, result: object) -> None:
        raise NotImplementedError

    def _on_failed(self, gen: int, error: object) -> None:
        raise NotImplementedError

    def _on_cancelled(self, gen: int) -> None:
        raise NotImplementedError
