"""The lead-volume chart: time labels that fit, keyboard use, and a visible chosen bar."""

from __future__ import annotations

import itertools
import re

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QColor, QPalette

from .conftest import FIXED_NOW, TIMEOUT_MS


def ticks_of(chart) -> list[tuple[int, str]]:
    """The labels the chart draws at its current width."""
    return chart.axis.ticks(chart.volume, chart.tz, chart.width())


def assert_no_overlap(chart) -> None:
    n, width = len(chart.volume), chart.width()
    metrics = chart.fontMetrics()
    spans = [
        (i * width // n, i * width // n + metrics.horizontalAdvance(t)) for i, t in ticks_of(chart)
    ]
    for (_a, end), (start, _b) in itertools.pairwise(spans):
        assert end < start, spans
    assert spans and spans[-1][1] <= width


def tab_to(qtbot, window, widget, start) -> None:
    """Press Tab from ``start`` until ``widget`` has the focus, as a keyboard user would."""
    start.setFocus()
    qtbot.waitUntil(start.hasFocus, timeout=TIMEOUT_MS)
    for _ in range(40):
        if widget.hasFocus():
            return
        qtbot.keyClick(window.focusWidget(), Qt.Key.Key_Tab)
    raise AssertionError(f"Tab never reached {widget.objectName()}")


def test_axis_labels_fit_the_span_and_width(qtbot, make_window, do_fetch) -> None:
    window = make_window()
    window.clock = lambda: FIXED_NOW  # the sandbox's now: the window is where its leads are
    window.resize(1280, 760)
    chart = window.overview.chart
    do_fetch(window)  # the last 24 hours: a bar per hour
    qtbot.waitUntil(lambda: len(chart.volume) > 20, timeout=TIMEOUT_MS)
    labels = [t for _i, t in ticks_of(chart)]
    assert len(labels) >= 4
    # Hours on the clock, and the day where one starts.
    assert all(re.fullmatch(r"\d\d:00|[A-Z][a-z]{2} \d{1,2}", t) for t in labels), labels
    assert_no_overlap(chart)

    qtbot.mouseClick(window.panel.days_radio, Qt.MouseButton.LeftButton)
    window.panel.days_spin.setValue(30)
    do_fetch(window)  # a bar per day
    qtbot.waitUntil(lambda: chart.volume.unit == "day", timeout=TIMEOUT_MS)
    window.resize(2000, 760)
    qtbot.waitUntil(lambda: chart.width() > 1000, timeout=TIMEOUT_MS)
    wide = ticks_of(chart)
    assert all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}", t) for _i, t in wide), wide
    assert_no_overlap(chart)

    window.resize(window.minimumSizeHint().width(), 760)  # narrower: fewer labels, still apart
    qtbot.waitUntil(lambda: chart.width() < 1000, timeout=TIMEOUT_MS)
    assert len(ticks_of(chart)) < len(wide), (wide, ticks_of(chart), chart.width())
    assert ticks_of(chart)
    assert_no_overlap(chart)

    # The labels are drawn: text-coloured pixels just right of the first tick, in the strip
    # under the bars.
    image = chart.grab().toImage()
    first, _text = ticks_of(chart)[0]
    x0 = first * chart.width() // len(chart.volume)
    strip = range(chart.height() - chart.axis.height() + 3, chart.height())
    text = chart.palette().color(QPalette.ColorRole.WindowText)
    dark = [
        (x, y)
        for x in range(x0 + 2, x0 + 30)
        for y in strip
        if QColor(image.pixel(x, y)).lightness() < (text.lightness() + 255) // 2
    ]
    assert dark, "no label drawn under the first tick"


def test_keyboard_chooses_and_clears_a_bar(qtbot, fetched) -> None:
    window = fetched
    chart, model = window.overview.chart, window.model
    total = model.rowCount()
    hint = window.overview.chart_hint
    assert not hint.isVisible()

    tab_to(qtbot, window, chart, window.filter_edit)
    counts = chart.volume.counts
    newest = max(i for i, n in enumerate(counts) if n)
    assert chart.keys.index == newest  # the cursor starts on the newest bar with leads
    assert hint.isVisible() and "Enter shows only these" in hint.text()

    qtbot.keyClick(chart, Qt.Key.Key_Left)
    qtbot.keyClick(chart, Qt.Key.Key_Left)
    assert chart.keys.index == newest - 2
    assert chart.axis.label(chart.volume, newest - 2, chart.tz) in hint.text()
    qtbot.keyClick(chart, Qt.Key.Key_Return)
    assert chart.selected == newest - 2
    # The bar's period goes into the filter box as text, like a click (every filter shows there).
    assert window.filter_edit.text().startswith("created:")
    qtbot.waitUntil(lambda: model.rowCount() == counts[newest - 2], timeout=TIMEOUT_MS)
    assert hint.text().startswith("Showing only") and "Esc" in hint.text()

    qtbot.keyClick(chart, Qt.Key.Key_End)
    qtbot.keyClick(chart, Qt.Key.Key_Left, Qt.KeyboardModifier.ControlModifier)
    back = max(i for i, n in enumerate(counts[: len(counts) - 1]) if n)
    assert chart.keys.index == back  # Ctrl+Left: the previous bar with leads
    qtbot.keyClick(chart, Qt.Key.Key_Space)
    assert chart.selected == back
    qtbot.waitUntil(lambda: model.rowCount() == counts[back], timeout=TIMEOUT_MS)

    qtbot.keyClick(chart, Qt.Key.Key_Escape)  # clears the bar; Esc is not the window's Cancel
    assert chart.selected is None and "created:" not in window.filter_edit.text()
    qtbot.waitUntil(lambda: model.rowCount() == total, timeout=TIMEOUT_MS)
    assert chart.hasFocus() and "Enter shows only these" in hint.text()

    qtbot.keyClick(chart, Qt.Key.Key_Tab)  # and Tab moves on
    assert not chart.hasFocus() and not hint.isVisible()


def test_a_chosen_bar_is_outlined_and_named(qtbot, fetched) -> None:
    window = fetched
    chart = window.overview.chart
    window.table.setFocus()
    counts = chart.volume.counts
    i = max(j for j, n in enumerate(counts) if n)
    slot = chart.bar_slot(i)
    before = chart.grab().toImage()
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(slot.center().x(), 5))
    assert chart.selected == i and chart.keys.index == i
    hint = window.overview.chart_hint
    label = chart.axis.label(chart.volume, i, chart.tz)
    assert hint.isVisible() and hint.text().startswith(f"Showing only {label}")
    after = chart.grab().toImage()
    # The chosen bar's column is outlined, from the top of the chart down.
    outline = chart.palette().color(QPalette.ColorRole.Highlight).darker(140)
    x = slot.center().x()
    assert QColor(after.pixel(x, 1)).rgb() == QColor(outline.rgb()).rgb()
    assert QColor(before.pixel(x, 1)).rgb() != QColor(outline.rgb()).rgb()
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=QPoint(slot.center().x(), 5))
    assert chart.selected is None
    assert "Enter shows only these" in hint.text()  # the click gave the chart the focus


def test_every_pixel_of_a_drawn_bar_picks_that_bar(qtbot, fetched) -> None:
    """Clicks and tooltips find the bar drawn under the pointer, also at widths where bars are
    a pixel or two wide (a slot's first pixel used to pick the bar before it)."""
    chart = fetched.overview.chart
    n = len(chart.volume)
    for width in (chart.width(), 755, 3 * n // 2, n + 1):
        chart.resize(width, chart.height())
        qtbot.waitUntil(lambda w=width: chart.width() == w, timeout=TIMEOUT_MS)
        for i in range(n):
            slot = chart.bar_slot(i)
            for x in range(slot.left(), slot.left() + slot.width()):
                assert chart.bar_at(QPoint(x, 5)) == i, (width, i, x)
