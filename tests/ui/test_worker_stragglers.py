"""A job that outlives ``shutdown``'s timeout must never take the process down with it."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# A job that ignores its cancel token for a while (one long C call does that), a shutdown that
# gives up after 50 ms, the runner deleted as the window deletes it, then a normal exit: Qt
# aborts the process if a QThread is destroyed while its thread still runs.
CHILD = textwrap.dedent(
    """
    import gc, sys, threading
    import shiboken6
    from PySide6.QtCore import QCoreApplication
    from mymove_viewer.ui.worker import BackgroundRunner

    app = QCoreApplication([])
    started, release = threading.Event(), threading.Event()

    def job(report, token):
        started.set()
        release.wait(10)
        # Printed by the job itself: an atexit hook of the test's own would run before the
        # module's join (atexit is last-in, first-out) and race the release timer.
        print("job ended cancelled:", [token.cancelled], flush=True)

    runner = BackgroundRunner(name="index")
    runner.start(job)
    started.wait(10)
    clean = runner.shutdown(50)
    print("still running after shutdown:", not clean, runner.thread_count(), flush=True)
    shiboken6.delete(runner)
    del runner
    gc.collect()
    threading.Timer(0.3, release.set).start()
    sys.exit(0)
    """
)


def test_a_thread_that_outlives_shutdown_is_joined_at_exit_not_destroyed() -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen")
    run = subprocess.run(
        [sys.executable, "-c", CHILD], capture_output=True, text=True, env=env, timeout=60
    )
    assert "Destroyed while thread" not in run.stderr, run.stderr
    assert run.returncode == 0, run.stderr
    assert "still running after shutdown: True 1" in run.stdout
    assert "job ended cancelled: [True]" in run.stdout  # it ran to its end, cancelled
