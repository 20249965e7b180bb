"""Render the demo window offscreen to a PNG: ``python -m mymove_viewer.ui.screenshot OUT.png``.

Used to refresh the README screenshot; it runs the same sandbox and window as ``--demo``.
"""

from __future__ import annotations

import os
import sys
import tempfile


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    target = args[0] if args else "screenshot.png"
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # A throwaway config folder: the picture must not depend on (or change) the user's settings.
    os.environ["MYMOVE_VIEWER_CONFIG_DIR"] = tempfile.mkdtemp(prefix="mymove-shot-")

    import shiboken6
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from ..credentials import CredentialStore
    from ..sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
    from ..settings import SettingsStore
    from .app import DEMO_LEADS, configure_application, start_demo_fetch
    from .window import DemoSetup, MainWindow

    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    with Sandbox(leads=DEMO_LEADS, seed=1) as sandbox:
        window = MainWindow(
            credentials=CredentialStore(),
            settings_store=SettingsStore(),
            demo=DemoSetup(sandbox.base_url, DEMO_API_KEY, DEMO_CLIENT_ID),
        )
        window.resize(1280, 760)
        window.show()
        loop = QEventLoop()
        # The chart and counts come after the table (ui/indexer.py): wait for them too.
        window.indexer.ready.connect(lambda *_: loop.quit())
        window.indexer.failed.connect(loop.quit)
        window.controller.failed.connect(lambda *_: loop.quit())
        QTimer.singleShot(20_000, loop.quit)
        start_demo_fetch(window)
        loop.exec()
        ok = window.model.rowCount() > 0
        if ok:
            window.table.selectRow(2)
            window.show_lead(2)
        app.processEvents()
        saved = window.grab().save(target)
        window.close()
        shiboken6.delete(window)  # now, on this thread, before the sandbox stops
    if not (ok and saved):
        print("screenshot: the demo fetch or the PNG write failed", file=sys.stderr)
        return 1
    print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
