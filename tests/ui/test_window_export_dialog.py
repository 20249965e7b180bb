"""The real Save dialog of Export (Ctrl+E), answered by typing and clicking as a user would."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QApplication,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QWidget,
)

from .conftest import TIMEOUT_MS

# The offscreen platform says so when a dialog raises itself: harmless, nothing about the app.
# On the test itself, as pytest-qt reads only the closest mark (else the conftest's).
offscreen_dialogs = pytest.mark.qt_log_ignore(
    "does not support propagateSizeHints", "does not support raise"
)

Step = tuple[type[QWidget], Callable[[QWidget], None]]  # on this kind of modal window, do this


def answer_modals(steps: list[Step]) -> list[QTimer]:
    """Take the steps in order, each on the modal window of its kind once it is up. Each step
    has its own timer, armed before the step runs: a step may open a question that runs its
    own event loop, and a timer does not fire again while its own slot is running."""
    timers: list[QTimer] = []

    def arm() -> None:
        timer = QTimer()
        timer.setInterval(20)
        timers.append(timer)

        def tick() -> None:
            modal = QApplication.activeModalWidget()
            if not steps or not isinstance(modal, steps[0][0]):
                return
            _kind, action = steps.pop(0)
            timer.stop()
            if steps:
                arm()
            action(modal)

        timer.timeout.connect(tick)
        timer.start()

    arm()
    return timers


def save_button(dialog: QWidget) -> QWidget:
    box = dialog.findChild(QDialogButtonBox)
    return box.button(QDialogButtonBox.StandardButton.Save)


@offscreen_dialogs
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_name_typed_without_suffix_asks_before_replacing(
    qtbot, fetched, tmp_path, suffix: str
) -> None:
    from PySide6.QtCore import Qt

    window = fetched
    existing = tmp_path / f"leads{suffix}"
    existing.write_text("yesterday's export\n", encoding="utf-8")  # its content is not read
    window.settings.last_export_dir = str(tmp_path)
    window.confirm_export_all = lambda _count: True
    suggested: list[str] = []
    asked: list[str] = []

    def type_leads_and_save(dialog: QWidget) -> None:
        edit = dialog.findChild(QLineEdit)
        suggested.append(edit.text())
        edit.setText("leads")
        save_button(dialog).click()

    def refuse_replacing(box: QWidget) -> None:
        asked.append(box.text())  # type: ignore[attr-defined]
        box.button(QMessageBox.StandardButton.No).click()  # type: ignore[attr-defined]

    steps: list[Step] = [
        (QFileDialog, type_leads_and_save),
        (QMessageBox, refuse_replacing),
        (QFileDialog, lambda dialog: dialog.reject()),  # type: ignore[attr-defined]
    ]
    timers = answer_modals(steps)
    shift = Qt.KeyboardModifier.ShiftModifier if suffix == ".xlsx" else Qt.KeyboardModifier(0)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier | shift)
    for timer in timers:
        timer.stop()
    assert suggested and suggested[0].startswith("leads-production-")
    assert suggested[0].endswith(suffix)
    assert asked and f"leads{suffix}" in asked[0] and "already exists" in asked[0], asked
    assert not steps and not window.export_flow.runner.busy
    assert existing.read_text(encoding="utf-8") == "yesterday's export\n"
    assert [p.name for p in Path(tmp_path).iterdir() if p.suffix == suffix] == [existing.name]


def test_export_with_every_lead_filtered_out_says_so(qtbot, fetched) -> None:
    from PySide6.QtCore import Qt

    window = fetched
    window.ask_export_path = lambda _suggested: pytest.fail("no file is asked for")
    qtbot.keyClicks(window.filter_edit, "no-such-lead-zzz")
    qtbot.waitUntil(lambda: window.model.shown_count() == 0, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not window.filter_flow.busy, timeout=TIMEOUT_MS)
    qtbot.keyClick(window, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    said = window.status_label.text()
    assert said.startswith("Nothing to export: the filter hides every lead.")
    assert "fetch leads first" not in said and window.model.total_count() > 300
