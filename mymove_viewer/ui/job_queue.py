"""Jobs that must all run, one after another in the order given, on a worker thread.

``BackgroundRunner`` keeps only the newest job (a new fetch makes the old one moot); the lead
history cannot drop anything: a status set while the leads' merge still runs must be written
after it, and a change made just before the window closes must still be written. Each job's
outcome comes back on the GUI thread, then the next job starts.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal, Slot

from ..api.cancel import CancelToken
from ..api.errors import app_logger
from .worker import BackgroundRunner, Report

log = app_logger(__name__)


@dataclass(frozen=True)
class _Task:
    job: Callable[[], object]  # runs on the worker
    done: Callable[[object], None] | None  # on the GUI thread, with the job's result
    failed: Callable[[Exception], None] | None  # on the GUI thread, with what it raised


class JobQueue(QObject):
    idle = Signal()  # every queued job has ended (tests wait on it)

    def __init__(self, parent: QObject | None = None, *, name: str = "queue") -> None:
        super().__init__(parent)
        self.runner = BackgroundRunner(self, name=name)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self._queue: deque[_Task] = deque()
        self._current: _Task | None = None
        self._turn = threading.Lock()  # held by the running job: the last one waits for it
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def busy(self) -> bool:
        return self._current is not None or bool(self._queue)

    def put(
        self,
        job: Callable[[], object],
        done: Callable[[object], None] | None = None,
        failed: Callable[[Exception], None] | None = None,
    ) -> None:
        """Run ``job`` on the worker after every job put before it."""
        if self._closed:
            log.warning("a job was put after the queue was closed; it is not run")
            return
        self._queue.append(_Task(job, done, failed))
        self._next()

    def close(self, last: Callable[[], None], timeout_ms: int = 2000) -> None:
        """Run the jobs still queued, then ``last``, and stop. Waits up to ``timeout_ms`` for
        them; a job that takes longer still ends (its thread is joined on the way out), only
        its outcome is not delivered."""
        if self._closed:
            return
        self._closed = True
        rest, turn = [t.job for t in self._queue], self._turn
        self._queue.clear()

        def final(_report: Report, _token: CancelToken) -> None:
            with turn:  # after the job running now, which a new start does not stop
                for job in rest:
                    try:
                        job()
                    except Exception:  # the window is closing: nobody to tell but the log
                        log.warning("a lead history job failed at close", exc_info=True)
                last()

        self.runner.start(final)
        self.runner.shutdown(timeout_ms)

    def _next(self) -> None:
        if self._closed or self._current is not None or not self._queue:
            return
        task = self._current = self._queue.popleft()
        turn = self._turn

        def run(_report: Report, _token: CancelToken) -> object:
            with turn:
                return task.job()

        self.runner.start(run)

    def _end(self) -> _Task | None:
        task, self._current = self._current, None
        return task

    @Slot(int, object)
    def _on_finished(self, _gen: int, result: object) -> None:
        task = self._end()
        if task is not None and task.done is not None:
            task.done(result)
        self._after()

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        task = self._end()
        if task is not None and task.failed is not None and isinstance(error, Exception):
            task.failed(error)
        else:
            log.warning("a lead history job failed: %r", error)
        self._after()

    def _after(self) -> None:
        self._next()
        if not self.busy:
            self.idle.emit()
