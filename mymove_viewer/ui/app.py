"""Start the GUI: the QApplication, its identity, the optional demo sandbox and the window."""

from __future__ import annotations

import os
import random
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import shiboken6
from PySide6.QtCore import QEventLoop, QObject, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QFont, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QApplication

from .. import APP_ID, APP_NAME, __version__
from ..api.errors import app_logger
from ..api.options import Settings as ClientSettings
from ..api.query import Environment
from ..credentials import CredentialStore
from ..settings import SettingsStore
from . import gc_guard
from .window import DemoSetup, MainWindow

if TYPE_CHECKING:
    from ..sandbox import Sandbox

log = app_logger(__name__)

DEMO_LEADS = 4000  # over the sandbox's 30 days: about 130 in the last 24 hours
DEMO_ARRIVAL_MS = 40_000  # a new demo lead or two this often, as real ones trickle in
SELF_TEST_TIMEOUT_MS = 30_000


def app_icon() -> QIcon:
    """The packaged icon if there is one, else a drawn one, so the window is never iconless."""
    # The package folder itself (also in a PyInstaller bundle): importlib.resources would
    # cost ~10 ms of cold start for the same answer.
    base = Path(__file__).resolve().parent.parent
    for name in ("data/icon.svg", "data/icon.png", "data/mymove-viewer.png"):
        candidate = base.joinpath(name)
        if candidate.is_file():
            icon = QIcon(str(candidate))
            if not icon.isNull():
                return icon
    icon = QIcon()
    for size in (16, 32, 48, 64, 128, 256):
        icon.addPixmap(_drawn_icon(size))
    return icon


def _drawn_icon(size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor("#1b5fae"))
    painter.drawRoundedRect(QRectF(0, 0, size, size), size * 0.2, size * 0.2)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(6, int(size * 0.5)))
    painter.setFont(font)
    painter.drawText(QRectF(0, 0, size, size), Qt.AlignmentFlag.AlignCenter, "MM")
    painter.end()
    return pixmap


def configure_application(app: QApplication) -> None:
    app.setApplicationName("mymove-viewer")
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName("MYMOVE")
    app.setOrganizationDomain("mymove.com")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    gc_guard.install(app)
    # A worker holding the GIL hands it to the GUI thread after this long at the latest; the
    # default 5 ms makes each handover of a busy fetch a visible hitch in the timer-driven UI.
    sys.setswitchinterval(0.002)


def run_gui(*, demo: bool = False, base_url: str | None = None, self_test: bool = False) -> int:
    """Open the main window and run until it closes. ``self_test``: offscreen demo fetch, exit 0
    when rows arrived."""
    if self_test:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        demo = True
    problem = display_problem()
    if problem:
        print(f"mymove-viewer: {problem}", file=sys.stderr)
        return 1
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    configure_application(app)

    sandbox = None
    window: MainWindow | None = None
    try:
        setup = None
        if demo:
            from ..sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox

            sandbox = Sandbox(leads=DEMO_LEADS).start()
            setup = DemoSetup(sandbox.base_url, DEMO_API_KEY, DEMO_CLIENT_ID)
        client_settings = ClientSettings(max_tries=1) if self_test else None
        window = MainWindow(
            credentials=CredentialStore(),
            settings_store=SettingsStore(),
            base_url=base_url,
            demo=setup,
            client_settings=client_settings,
            defer_key_check=True,
        )
        window.setWindowIcon(app.windowIcon())
        window.show()
        if self_test:
            return _self_test(window)
        if sandbox is not None:  # the demo
            demo_arrivals(sandbox, window)
            start_demo_fetch(window)
        return app.exec()
    finally:
        if window is not None:
            window.close()
            window.shutdown()
            # Destroy the widgets now, on this thread: left to Python's cycle collector they
            # could be freed from another thread, or after Qt at interpreter exit.
            shiboken6.delete(window)
        if sandbox is not None:
            sandbox.stop()


def display_problem(environ: dict[str, str] | None = None) -> str | None:
    """Why no window can open here, said before Qt aborts the process with a cryptic message."""
    env = os.environ if environ is None else environ
    if not sys.platform.startswith("linux") or env.get("QT_QPA_PLATFORM"):
        return None
    if env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return (
        "No display was found, so the window cannot open. Run it from a desktop session, "
        "or use the command line: mymove-viewer export --help."
    )


def demo_arrivals(sandbox: Sandbox, parent: QObject, interval_ms: int = DEMO_ARRIVAL_MS) -> QTimer:
    """New leads arriving in the demo sandbox now and then: without them "Watch for new leads"
    had nothing to show in the demo, ever."""
    timer = QTimer(parent)
    timer.setInterval(interval_ms)
    pick = random.Random()
    timer.timeout.connect(lambda: sandbox.add_leads(pick.randint(1, 2)))  # a few µs: 1-2 leads
    timer.start()
    return timer


def start_demo_fetch(window: MainWindow) -> int | None:
    """Fetch the last 24 hours of the Demo environment at once."""
    window.panel.select_environment(Environment.DEMO)
    window.panel.set_mode("hours")
    window.panel.hours_spin.setValue(24)
    return window.fetch()


def _self_test(window: MainWindow) -> int:
    loop = QEventLoop()
    outcome: list[str] = []

    def finish(kind: str) -> None:
        outcome.append(kind)
        loop.quit()

    window.controller.finished.connect(lambda *_: finish("finished"))
    window.controller.failed.connect(lambda _g, e: finish(f"failed: {e} ({e.detail})"))
    window.controller.cancelled.connect(lambda *_: finish("cancelled"))
    timer = QTimer()
    timer.setSingleShot(True)
    timer.timeout.connect(lambda: finish("timed out"))
    timer.start(SELF_TEST_TIMEOUT_MS)
    if start_demo_fetch(window) is None:
        print(f"self-test: cannot fetch: {window.fetch_block_reason()}", file=sys.stderr)
        return 1
    loop.exec()
    timer.stop()
    rows = window.model.total_count()
    result = outcome[0] if outcome else "no outcome"
    if result == "finished" and rows > 0:
        print(f"self-test: ok, {rows:,} demo leads shown")
        return 0
    print(f"self-test: failed ({result}; {rows} rows)", file=sys.stderr)
    return 1
