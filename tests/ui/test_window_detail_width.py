"""Long values in the detail pane fit its width (whole in the tooltip and on copy) without making
the window wider, and new (bold) rows' times fit the Created column."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QGuiApplication

from .conftest import FIXED_NOW, TIMEOUT_MS

LONG_EMAIL = (
    "maximilian.alexander.vandenberghe-throckmorton.1987@mail.relocation-partners.example.com"
)
MAX_MIN_WIDTH = 1100  # px: fits a 1280 px screen with room; it was ~1,390 with the details


def open_details_of(qtbot, window, text: str):
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, text)
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=TIMEOUT_MS)
    table = window.table
    rect = table.visualRect(window.model.index(0, 1))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.detail.isVisible()
    return window.detail


def test_a_long_email_fits_the_pane_and_copies_whole(qtbot, make_window, do_fetch, sandbox) -> None:
    template = sandbox.served_leads({"days": "7"})[0]
    sandbox.add_leads([{**template, "email": LONG_EMAIL, "last_name": "Quillfeather"}])
    window = make_window()
    window.resize(1280, 760)
    qtbot.mouseClick(window.panel.days_radio, Qt.MouseButton.LeftButton)
    window.panel.days_spin.setValue(7)
    do_fetch(window)
    detail = open_details_of(qtbot, window, "quillfeather")
    qtbot.waitUntil(lambda: window.width() == 1280, timeout=TIMEOUT_MS)
    assert window.minimumSizeHint().width() <= MAX_MIN_WIDTH

    label = detail.value_labels["email"]
    viewport = detail.widget().viewport()
    right = label.mapTo(viewport, QPoint(label.width(), 0)).x()
    assert right <= viewport.width()  # not cut off at the pane's edge
    assert label.fontMetrics().horizontalAdvance(label.text()) <= label.width()
    assert label.shortened and "…" in label.text()
    assert LONG_EMAIL in label.toolTip()
    assert label.textInteractionFlags() & Qt.TextInteractionFlag.TextSelectableByMouse

    label.setFocus()
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(label, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == LONG_EMAIL  # all of it, not what is shown

    # Given the room, the pane shows it whole again.
    window.resize(1900, 760)
    window.resizeDocks([detail], [1000], Qt.Orientation.Horizontal)
    qtbot.waitUntil(lambda: not label.shortened, timeout=TIMEOUT_MS)
    assert label.text() == LONG_EMAIL and label.toolTip() == ""


def test_new_bold_rows_fit_the_created_column(qtbot, make_window, do_fetch, sandbox) -> None:
    window = make_window(watch_interval_s=600)
    window.clock = window.watch.clock = lambda: FIXED_NOW
    model, table = window.model, window.table
    font = table.font()
    font.setPointSize(16)  # a large desktop font: bold text is that much wider than regular
    table.setFont(font)
    do_fetch(window)  # the last 24 hours; the columns are sized now
    window.watch_flow.action.trigger()  # polls once at once
    qtbot.waitUntil(lambda: window.watch.polls_done >= 1, timeout=TIMEOUT_MS)
    sandbox.add_leads(2)
    window.watch.interval_s = 0.05
    qtbot.waitUntil(lambda: model.new_count() == 2, timeout=TIMEOUT_MS)
    window.watch_flow.action.trigger()  # off
    created = model.column_of("created_at")
    new_rows = [r for r in range(model.rowCount()) if model.is_new(r)]
    assert new_rows
    for row in new_rows:
        index = model.index(row, created)
        assert model.data(index, Qt.ItemDataRole.FontRole).bold()
        needed = table.sizeHintForIndex(index).width()  # the bold time, as the view draws it
        assert table.columnWidth(created) >= needed
