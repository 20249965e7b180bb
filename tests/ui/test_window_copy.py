"""Ctrl+A, Ctrl+C: the clipboard holds every shown row exactly, whatever the values hold, and a
process that copied exits cleanly (the text is handed over as UTF-8 bytes made on a worker)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from .conftest import TIMEOUT_MS
from .test_window_table import click_header, copy_keys

CTRL = Qt.KeyboardModifier.ControlModifier
_BREAKS = str.maketrans({"\t": " ", "\r": " ", "\n": " "})
ODD = {
    "first_name": "Zoë 😀",  # accents and a character beyond the BMP (a surrogate pair in Qt)
    "last_name": "Müller\tJr",  # a tab inside a value must not start a new cell
    "new_city": "東京",
    "new_address_2": "Suite 5\r\nBack door\nring twice",  # line breaks inside a value
}


def test_select_all_copies_every_row_exactly(qtbot, make_window, do_fetch, sandbox) -> None:
    template = sandbox.served_leads({"days": "7"})[0]
    sandbox.add_leads([{**template, **ODD, "email": f"odd{i}@example.com"} for i in range(3)])
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(7)
    do_fetch(window)
    click_header(qtbot, window, "last_name")  # view order is not the order leads arrived in
    model, table = window.model, window.table
    n = model.rowCount()
    table.setFocus()
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL)
    qtbot.waitUntil(lambda: table.selected_spans() == [(0, n - 1)], timeout=TIMEOUT_MS)

    copy_keys(qtbot, window)
    columns = table.visible_columns()
    lines = ["\t".join(model.headerData(c, Qt.Orientation.Horizontal) for c in columns)]
    for r in range(n):
        lines.append("\t".join(model.data(model.index(r, c)).translate(_BREAKS) for c in columns))
    clipboard = QGuiApplication.clipboard()
    assert clipboard.text() == "\n".join(lines) + "\n"
    assert clipboard.mimeData().formats() == ["text/plain"]  # what setText would offer
    odd = [line for line in lines if "Müller Jr" in line]
    assert len(odd) == 3 and all("Zoë 😀" in line and "東京" in line for line in odd)
    assert all("Suite 5  Back door ring twice" in line for line in odd)
    assert window.status.text() == f"Copied {n:,} rows to the clipboard."


def test_a_process_that_copied_exits_cleanly() -> None:
    """Qt's in-process clipboard (offscreen) frees what it holds after Python has ended: a
    ``QMimeData`` made by Python would call into it then and crash the process."""
    code = textwrap.dedent(
        """
        import os
        os.environ["QT_QPA_PLATFORM"] = "offscreen"
        from PySide6.QtWidgets import QApplication
        from mymove_viewer.ui.copy_flow import native_mime, utf8_bytes
        app = QApplication([])
        clipboard = app.clipboard()
        clipboard.setMimeData(native_mime(utf8_bytes(["a\\tZoë\\n", "😀\\tb\\n"])))
        print(clipboard.text() == "a\\tZoë\\n😀\\tb\\n", clipboard.mimeData().formats())
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "True ['text/plain']"), done.stderr
