"""AfterPaint: work that waits for a widget's next paint, with a fallback."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from mymove_viewer.ui.after_paint import AfterPaint


def test_runs_once_right_after_the_next_paint(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    qtbot.waitExposed(widget)
    calls: list[str] = []
    AfterPaint(widget, lambda: calls.append("ran"), fallback_ms=60_000)
    assert calls == []
    widget.update()
    qtbot.waitUntil(lambda: calls == ["ran"])
    widget.repaint()
    qtbot.wait(20)  # a later paint must not run it again
    assert calls == ["ran"]


def test_a_widget_never_shown_holds_it_until_shown(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    calls: list[str] = []
    AfterPaint(widget, lambda: calls.append("ran"), fallback_ms=50)
    qtbot.wait(150)
    assert calls == []  # never shown: no paint, and the fallback has not started
    widget.show()  # its first paint or the fallback, whichever comes first
    qtbot.waitUntil(lambda: calls == ["ran"])


def test_cancel_means_it_never_runs(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.show()
    calls: list[str] = []
    waiting = AfterPaint(widget, lambda: calls.append("ran"), fallback_ms=30)
    waiting.cancel()
    widget.repaint()
    qtbot.wait(100)
    assert calls == []
