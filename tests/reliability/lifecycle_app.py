"""Child process for the lifecycle stress test: open the demo window, let its fetch start, close
it at a random moment, several times in one process, then exit the interpreter normally.

This is ``python -m mymove_viewer --demo`` (``run_gui(demo=True)``) with two test hooks: the demo
sandbox answers slowly, so every close lands while the fetch is still running, and a timer closes
the window as a user would. Prints ``cycles=N busy_at_close=K``.
"""

from __future__ import annotations

import os
import random
import sys

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from mymove_viewer import sandbox as sandbox_module
from mymove_viewer.ui import app as app_module
from mymove_viewer.ui.window import MainWindow


class SlowSandbox(sandbox_module.Sandbox):
    def __init__(self, **kwargs: object) -> None:
        kwargs["leads"] = 500  # generating the demo's 4,000 leads per cycle would dominate
        super().__init__(**kwargs)  # type: ignore[arg-type]

    def start(self) -> SlowSandbox:
        super().start()
        self.inject(sandbox_module.Fault("slow_body", delay=0.05, pieces=20, times=None))
        return self


def main(cycles: int, seed: int) -> int:
    sandbox_module.Sandbox = SlowSandbox  # type: ignore[misc]  # run_gui imports it by name
    rng = random.Random(seed)
    app = QApplication(sys.argv[:1])
    busy_at_close = 0

    def close_window() -> None:
        nonlocal busy_at_close
        for widget in app.topLevelWidgets():
            if isinstance(widget, MainWindow) and widget.isVisible():
                busy_at_close += widget.controller.busy
                widget.close()

    for _ in range(cycles):
        QTimer.singleShot(rng.randint(0, 150), close_window)
        code = app_module.run_gui(demo=True)
        if code != 0:
            print(f"run_gui returned {code}", file=sys.stderr)
            return code
    print(f"cycles={cycles} busy_at_close={busy_at_close}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]), int(sys.argv[2])))
