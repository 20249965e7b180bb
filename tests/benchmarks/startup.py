"""Cold start to the first painted window, as whole processes.

``python -m tests.benchmarks.startup --probe app`` starts the real app (``cli.main`` with no
arguments: settings, keychain lookup, main window) and ``--probe minimal`` a PySide6 app with one
empty window. Either prints ``painted`` at the first paint of its window and quits; the parent
times spawn → that line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .common import ROOT, Row, child_env, median, target_ratio


def _watch_first_paint(app: object, window_type: type) -> None:
    from PySide6.QtCore import QEvent, QObject, QTimer

    class FirstPaint(QObject):
        done = False

        def eventFilter(self, obj: QObject, event: QEvent) -> bool:
            if not self.done and event.type() == QEvent.Type.Paint and isinstance(obj, window_type):
                self.done = True
                QTimer.singleShot(0, self._report)
            return False

        def _report(self) -> None:
            print("painted", flush=True)
            app.quit()  # type: ignore[attr-defined]

    watcher = FirstPaint(app)  # type: ignore[arg-type]
    app.installEventFilter(watcher)  # type: ignore[attr-defined]


def probe(kind: str) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication, QWidget

    app = QApplication(sys.argv[:1])
    if kind == "minimal":
        _watch_first_paint(app, QWidget)
        window = QWidget()
        window.resize(640, 480)
        window.show()
        return app.exec()
    from PySide6.QtWidgets import QMainWindow

    from mymove_viewer.cli import main

    _watch_first_paint(app, QMainWindow)
    return main([])


def time_process(kind: str, config: str) -> float:
    env = child_env()
    env["MYMOVE_VIEWER_CONFIG_DIR"] = config
    # As installed (pip and PyInstaller both ship compiled modules): without a bytecode cache
    # every start recompiles the app's ~40 modules (~65 ms), while PySide6 comes precompiled.
    # The warm-up runs below fill the cache.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(Path(config) / "pycache")
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.benchmarks.startup", "--probe", kind],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    elapsed = None
    for line in proc.stdout:
        if line.strip() == "painted":
            elapsed = (time.perf_counter() - start) * 1000
            break
    proc.stdout.close()
    code = proc.wait(timeout=60)
    if elapsed is None:
        raise RuntimeError(f"the {kind} probe never painted a window (exit code {code})")
    return elapsed


def bench(runs: int) -> list[Row]:
    values, floors = [], []
    with tempfile.TemporaryDirectory(prefix="mymove-bench-start-") as config:
        time_process("app", config)  # warm the OS file cache: "cold" means a new process
        time_process("minimal", config)
        for _ in range(runs):
            floors.append(time_process("minimal", config))
            values.append(time_process("app", config))
    value, floor = median(values), median(floors)
    target, ok = target_ratio(value, floor, 2.5)
    return [Row("cold_start", "new process → first painted window", None, "ms", value, floor,
                target, ok, values, floors)]  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--probe", choices=("app", "minimal"), required=True)
    sys.exit(probe(parser.parse_args().probe))
