"""Run one blocking job at a time on a QThread, delivering only the newest job's outcome.

The pattern follows superqt's ``_qthreading``: each job runs on a fresh ``QThread`` and reports
through signals, which Qt queues to the GUI thread. Every job gets a generation
number; starting a new job or calling ``invalidate`` bumps it, and signals that carry an older
generation are dropped here, so a slow old job can never overwrite a newer result. Threads are
tracked until they have really ended, so ``shutdown`` can join them before Qt objects die.
"""

from __future__ import annotations

import atexit
from collections.abc import Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from ..api.cancel import CancelToken
from ..api.errors import app_logger

log = app_logger(__name__)

Report = Callable[[object, object], None]
Job = Callable[[Report, CancelToken], object]

# Threads whose job did not stop within ``shutdown``'s timeout. A QThread destroyed while it
# still runs aborts the whole process ("QThread: Destroyed while thread ... is still running"),
# which is what closing the window did while a long job ran; kept here instead, they outlive
# the window and the interpreter waits for them on its way out.
_stragglers: list[QThread] = []


def _forget_finished_stragglers() -> None:
    _stragglers[:] = [t for t in _stragglers if not t.isFinished()]


@atexit.register
def _join_stragglers() -> None:
    for thread in _stragglers:
        thread.wait()  # cancelled already: the job ends at its next check
    _stragglers.clear()


class _Worker(QThread):
    """One job on its own thread. ``run`` is a Python override of ``QThread.run``, which takes
    the GIL before anything else. The earlier worker object moved to a plain thread had its
    ``run`` slot called through ``started``: PySide looks up a Python object's meta-object
    without the GIL there, and that crashed the process (SIGSEGV in
    ``MetaObjectBuilder::update``) in 6 of 70 window starts while another thread ran Python."""

    progress = Signal(int, object, object)
    succeeded = Signal(int, object)
    failed = Signal(int, object)
    cancelled = Signal(int)
    done = Signal(int)

    def __init__(self, generation: int, job: Job, token: CancelToken) -> None:
        super().__init__()
        self._generation = generation
        self._job = job
        self._token = token

    def _report(self, a: object, b: object = None) -> None:
        self.progress.emit(self._generation, a, b)

    def run(self) -> None:
        gen, token = self._generation, self._token
        try:
            result = self._job(self._report, token)
        except Exception as exc:  # reported to the GUI: a worker must never die silently
            if token.cancelled:
                self.cancelled.emit(gen)
            else:
                log.debug("background job failed", exc_info=True)
                self.failed.emit(gen, exc)
        else:
            if token.cancelled:
                self.cancelled.emit(gen)
            else:
                self.succeeded.emit(gen, result)
        finally:
            self._job = None  # type: ignore[assignment]  # drop the job's data with the thread
            self.done.emit(gen)


class BackgroundRunner(QObject):
    """One job at a time; signals carry the generation they belong to."""

    started = Signal(int)
    progress = Signal(int, object, object)
    finished = Signal(int, object)
    failed = Signal(int, object)
    cancelled = Signal(int)
    idle = Signal()

    def __init__(self, parent: QObject | None = None, *, name: str = "worker") -> None:
        super().__init__(parent)
        self._name = name
        self._generation = 0
        self._token: CancelToken | None = None
        self._running: dict[int, tuple[_Worker, CancelToken]] = {}
        self._closed = False

    @property
    def generation(self) -> int:
        return self._generation

    @property
    def busy(self) -> bool:
        """True while the newest job has not reported yet."""
        return self._token is not None

    def thread_count(self) -> int:
        return len(self._running)

    def start(self, job: Job) -> int:
        if self._closed:
            raise RuntimeError("the runner has been shut down")
        self.invalidate()
        self._generation += 1
        gen = self._generation
        token = CancelToken()
        worker = _Worker(gen, job, token)
        worker.setObjectName(f"{self._name}-{gen}")
        worker.progress.connect(self._on_progress)
        worker.succeeded.connect(self._on_succeeded)
        worker.failed.connect(self._on_failed)
        worker.cancelled.connect(self._on_cancelled)
        worker.done.connect(self._on_done)
        self._running[gen] = (worker, token)
        self._token = token
        worker.start()
        self.started.emit(gen)
        return gen

    def cancel(self) -> None:
        """Ask the newest job to stop; its ``cancelled`` signal still arrives."""
        if self._token is not None:
            self._token.cancel()

    def invalidate(self) -> None:
        """Cancel the newest job and forget it: nothing more is delivered for it."""
        if self._token is not None:
            self._token.cancel()
            self._token = None
            self._generation += 1
            self.idle.emit()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        """Cancel everything and join the threads. True when every thread has ended."""
        self._closed = True
        self.invalidate()
        _forget_finished_stragglers()
        clean = True
        for gen, (thread, token) in list(self._running.items()):
            token.cancel()
            if thread.wait(timeout_ms):
                del self._running[gen]
            else:
                clean = False
                log.warning("background thread %s did not stop in time", thread.objectName())
                _stragglers.append(thread)
        return clean

    # -- worker signals (queued to this object's thread) ---------------------------------------

    def _current(self, gen: int) -> bool:
        return not self._closed and gen == self._generation and self._token is not None

    @Slot(int, object, object)
    def _on_progress(self, gen: int, a: object, b: object) -> None:
        if self._current(gen):
            self.progress.emit(gen, a, b)

    def _cancelled_late(self, gen: int) -> bool:
        """True (and reported as cancelled) when Cancel was pressed after the job had ended but
        before its outcome reached this thread: the user asked for nothing, so nothing lands."""
        if self._token is not None and self._token.cancelled:
            self._on_cancelled(gen)
            return True
        return False

    @Slot(int, object)
    def _on_succeeded(self, gen: int, result: object) -> None:
        if self._current(gen) and not self._cancelled_late(gen):
            self._token = None
            self.finished.emit(gen, result)
            self.idle.emit()

    @Slot(int, object)
    def _on_failed(self, gen: int, error: object) -> None:
        if self._current(gen) and not self._cancelled_late(gen):
            self._token = None
            self.failed.emit(gen, error)
            self.idle.emit()

    @Slot(int)
    def _on_cancelled(self, gen: int) -> None:
        if self._current(gen):
            self._token = None
            self.cancelled.emit(gen)
            self.idle.emit()

    @Slot(int)
    def _on_done(self, gen: int) -> None:
        entry = self._running.pop(gen, None)
        if entry is not None:
            # ``done`` is the job's last word; joining takes microseconds and makes sure the
            # QThread is not destroyed while its ``run`` is still returning.
            entry[0].wait()
