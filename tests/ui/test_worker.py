"""The one worker type: a job runs on its own thread, its outcome comes back on the GUI thread."""

from __future__ import annotations

import re
import threading
from pathlib import Path

from pytestqt.qtbot import QtBot

from mymove_viewer.api.cancel import CancelToken
from mymove_viewer.ui.worker import BackgroundRunner, Report

TIMEOUT_MS = 10_000
PACKAGE = Path(__file__).resolve().parents[2] / "mymove_viewer"


def test_a_job_runs_off_the_gui_thread_and_reports_on_it(qtbot: QtBot) -> None:
    runner = BackgroundRunner(name="probe")
    seen: dict[str, object] = {}
    reports: list[tuple[object, object, str]] = []

    def job(report: Report, _token: CancelToken) -> str:
        seen["job"] = threading.current_thread()
        for i in range(3):
            report(i, i * i)
        return "done"

    def on_progress(_gen: int, a: object, b: object) -> None:
        reports.append((a, b, threading.current_thread().name))

    runner.progress.connect(on_progress)
    with qtbot.waitSignal(runner.finished, timeout=TIMEOUT_MS) as finished:
        runner.start(job)
    gui = threading.current_thread()
    assert seen["job"] is not gui
    assert finished.args == [runner.generation, "done"]
    assert reports == [(0, 0, gui.name), (1, 1, gui.name), (2, 4, gui.name)]
    qtbot.waitUntil(lambda: runner.thread_count() == 0, timeout=TIMEOUT_MS)
    assert runner.shutdown(1000)


def test_a_failing_job_reports_its_error_and_its_thread_ends(qtbot: QtBot) -> None:
    runner = BackgroundRunner(name="probe")

    def job(_report: Report, _token: CancelToken) -> None:
        raise ValueError("the job's own words")

    with qtbot.waitSignal(runner.failed, timeout=TIMEOUT_MS) as failed:
        runner.start(job)
    assert isinstance(failed.args[1], ValueError) and str(failed.args[1]) == "the job's own words"
    qtbot.waitUntil(lambda: runner.thread_count() == 0, timeout=TIMEOUT_MS)
    assert runner.shutdown(1000)


def test_no_object_is_moved_to_a_thread_to_be_called_through_a_signal() -> None:
    # A Python slot called by a signal emitted on a new thread (``started`` → ``run``) has its
    # meta-object looked up by PySide without the GIL: that crashed the process at start-up
    # (SIGSEGV in MetaObjectBuilder::update) in 6 of 70 window starts. Jobs run in
    # ``_Worker.run``, a ``QThread.run`` override, which takes the GIL first.
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if re.search(r"\.moveToThread\(|\bQThread\(\)", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
