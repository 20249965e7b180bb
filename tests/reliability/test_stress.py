"""Stress: fetch → cancel at a random moment → fetch, and open → fetch → close, many times.

Thread counts are the OS's (``/proc/self/task``: QThreads included), ``threading.active_count()``
and the controller's own count; memory is the resident set size from ``/proc/self/statm``.
"""

from __future__ import annotations

import gc
import os
import random
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QApplication

from mymove_viewer.sandbox import Fault, Sandbox

from .conftest import FAST, MARKER_KEY, REPO, TIMEOUT_MS

FETCH_CANCEL_CYCLES = 200
OPEN_CLOSE_CYCLES = 50
SUBPROCESSES, CYCLES_PER_SUBPROCESS = 10, 5
# A leaked fetch result (400 leads, ~0.5 MB and ~1,000 tracked objects) per cycle would add
# ~100 MB and ~200,000 objects over 200 cycles. The Python heap is the exact witness; the
# resident set is measured too but its bound is loose, because glibc's per-thread arenas grow
# with how many threads happen to overlap, which a loaded machine changes (seen: 12 MB failed
# once under load with no object leaked).
RSS_NOISE_BYTES = 40 * 1024 * 1024
OBJECT_NOISE = 20_000


def os_threads() -> int:
    return len(os.listdir("/proc/self/task"))


def rss() -> int:
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def settle(qtbot, baseline_os: int, baseline_py: int) -> None:
    """Wait until every thread the cycles started has ended (sandbox connections included)."""
    qtbot.waitUntil(
        lambda: os_threads() <= baseline_os and threading.active_count() <= baseline_py,
        timeout=TIMEOUT_MS,
    )


def test_fetch_cancel_fetch_cycles(marked_window, sandbox: Sandbox, qtbot) -> None:
    rng = random.Random(7)
    window = marked_window()
    panel, controller = window.panel, window.controller
    served_b = len(sandbox.served_leads({"hrs": "24"}))
    served_a = len(sandbox.served_leads({"days": "30"}))
    assert 0 < served_b < served_a  # a cancelled A's rows could never pass for B's
    # ~200 KB for A in 6 pieces 4 ms apart: a cancel can land before, during or after the body.
    sandbox.inject(Fault("slow_body", delay=0.004, pieces=6, times=None))

    delivered: list[int] = []
    controller.finished.connect(lambda gen, _outcome: delivered.append(gen))
    cancelled_while_busy: set[int] = set()
    deferred_gens: set[int] = set()
    outcomes = {"cancelled mid-fetch": 0, "A had already finished": 0}

    def cycle() -> None:
        state: dict[str, int | None] = {"b": None}

        def fetch_b() -> None:
            panel.set_mode("hours")
            state["b"] = window.fetch()

        def cancel_then_fetch() -> None:
            if controller.busy and controller.generation == gen_a:
                cancelled_while_busy.add(gen_a)
                outcomes["cancelled mid-fetch"] += 1
                window.cancel()
                if rng.random() < 0.5:
                    fetch_b()  # at once, racing A's cancellation
                else:
                    deferred_gens.add(gen_a)
                    QTimer.singleShot(0, fetch_b)  # after A's cancelled signal had a chance
            else:
                outcomes["A had already finished"] += 1
                fetch_b()

        panel.set_mode("days")
        panel.days_spin.setValue(30)
        with qtbot.waitSignal(
            controller.finished,
            timeout=TIMEOUT_MS,
            check_params_cb=lambda gen, _o: state["b"] is not None and gen == state["b"],
        ):
            gen_a = window.fetch()
            assert gen_a is not None
            QTimer.singleShot(rng.randint(0, 40), cancel_then_fetch)
        assert window.model.total_count() == served_b

    for _ in range(10):  # warm-up: imports, caches, first-time Qt allocations
        cycle()
    qtbot.waitUntil(lambda: controller.thread_count() == 0, timeout=TIMEOUT_MS)
    base_os, base_py, base_rss = os_threads(), threading.active_count(), rss()
    base_objects = len(gc.get_objects())

    for _ in range(FETCH_CANCEL_CYCLES):
        cycle()

    leaked = cancelled_while_busy & set(delivered)
    assert not leaked, (
        f"cancelled fetches delivered a result: {sorted(leaked)} {deferred_gens & leaked}"
    )
    assert outcomes["cancelled mid-fetch"] >= FETCH_CANCEL_CYCLES // 4, outcomes
    qtbot.waitUntil(lambda: controller.thread_count() == 0, timeout=TIMEOUT_MS)
    settle(qtbot, base_os, base_py)
    growth = rss() - base_rss
    objects = len(gc.get_objects()) - base_objects
    assert objects < OBJECT_NOISE, f"{objects} more objects on the Python heap"
    assert growth < RSS_NOISE_BYTES, f"RSS grew {growth / 1e6:.1f} MB"
    print(f"\nfetch-cancel-fetch: {outcomes}, RSS {growth / 1e6:+.1f} MB, objects {objects:+}")


def test_open_fetch_close_in_process(
    qtbot, sandbox: Sandbox, credentials, settings_store, make_window
) -> None:
    from PySide6.QtCore import Qt

    from mymove_viewer.settings import Settings
    from mymove_viewer.ui.window import MainWindow

    rng = random.Random(11)
    credentials.set("production", MARKER_KEY)
    settings_store.save(
        Settings(client_ids={"production": sandbox.client_id}, days=30, query_mode="days")
    )
    sandbox.inject(Fault("slow_body", delay=0.01, pieces=20, times=None))
    base_os, base_py = os_threads(), threading.active_count()
    busy_at_close = 0
    for _ in range(OPEN_CLOSE_CYCLES):
        window = MainWindow(
            credentials=credentials,
            settings_store=settings_store,
            base_url=sandbox.base_url,
            client_settings=FAST,
        )
        window.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        window.show()
        controller = window.controller
        assert window.fetch() is not None
        timer = QTimer()
        timer.setSingleShot(True)
        was_busy: list[bool] = []
        timer.timeout.connect(lambda w=window, b=was_busy: (b.append(w.controller.busy), w.close()))
        with qtbot.waitSignal(window.destroyed, timeout=TIMEOUT_MS):
            timer.start(rng.randint(0, 120))
            QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        busy_at_close += was_busy[0]
        assert controller is not None
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    assert busy_at_close >= OPEN_CLOSE_CYCLES // 2
    settle(qtbot, base_os, base_py)
    print(f"\nopen-fetch-close in process: {busy_at_close}/{OPEN_CLOSE_CYCLES} closed mid-fetch")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="offscreen Qt child processes")
def test_open_fetch_close_in_subprocesses(tmp_path: Path) -> None:
    """10 processes × 5 cycles, run side by side: each cycle is the real ``run_gui(demo=True)``
    path, and each process then exits the interpreter with Qt loaded, as the app does."""
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        PYTHONDONTWRITEBYTECODE="1",
        QT_QPA_PLATFORM="offscreen",
        MYMOVE_VIEWER_CONFIG_DIR=str(tmp_path / "config"),
        PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring",
    )
    env.pop("MYMOVE_API_KEY", None)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tests.reliability.lifecycle_app",
                str(CYCLES_PER_SUBPROCESS),
                str(seed),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=REPO,
        )
        for seed in range(SUBPROCESSES)
    ]
    busy = 0
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err  # a signal (crash at exit) would be negative
        for bad in ("QThread: Destroyed", "Traceback", "Fatal Python error", "Segmentation"):
            assert bad not in err, err
        assert f"cycles={CYCLES_PER_SUBPROCESS} " in out, out
        busy += int(out.split("busy_at_close=")[1])
    assert busy >= SUBPROCESSES * CYCLES_PER_SUBPROCESS // 2
    print(
        f"\nopen-fetch-close in subprocesses: {busy} of "
        f"{SUBPROCESSES * CYCLES_PER_SUBPROCESS} closed mid-fetch"
    )
