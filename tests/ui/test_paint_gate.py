"""The paint gate: background work stands aside while the window paints."""

from __future__ import annotations

import threading
from time import monotonic as now

from PySide6.QtCore import QEvent
from PySide6.QtWidgets import QApplication, QWidget

from mymove_viewer.ui import paint_gate
from mymove_viewer.ui.paint_gate import PaintGate


def waiter(gate: PaintGate) -> tuple[threading.Thread, threading.Event]:
    returned = threading.Event()
    thread = threading.Thread(target=lambda: (gate.wait_turn(), returned.set()))
    thread.start()
    return thread, returned


def test_a_due_paint_holds_workers_until_it_is_done(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(paint_gate, "MAX_WAIT_S", 30.0)  # a wait would show as a join timeout
    widget = QWidget()
    qtbot.addWidget(widget)
    gate = PaintGate(widget, widget)
    thread, returned = waiter(gate)
    thread.join(5)
    assert returned.is_set()  # nothing to paint: no wait at all
    QApplication.sendEvent(widget, QEvent(QEvent.Type.UpdateRequest))
    assert gate.holds == 1
    thread, returned = waiter(gate)
    assert not returned.wait(0.05)  # the paint is due: the worker waits
    qtbot.waitUntil(returned.is_set)  # the event loop moved on: the gate reopened
    thread.join(5)


def test_release_lets_workers_run_at_once(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(paint_gate, "MAX_WAIT_S", 30.0)
    widget = QWidget()
    qtbot.addWidget(widget)
    gate = PaintGate(widget, widget)
    QApplication.sendEvent(widget, QEvent(QEvent.Type.UpdateRequest))
    gate.release()  # the window is closing
    thread, returned = waiter(gate)
    thread.join(5)
    assert returned.is_set()


def quiet_waiter(gate: PaintGate, cancelled=lambda: False):
    returned: list[float] = []
    thread = threading.Thread(target=lambda: (gate.wait_quiet(cancelled), returned.append(now())))
    thread.start()
    return thread, returned


def test_work_nobody_waits_for_stands_aside_while_the_user_works(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(paint_gate, "QUIET_S", 0.3)
    widget = QWidget()
    qtbot.addWidget(widget)
    gate = PaintGate(widget, widget)
    thread, returned = quiet_waiter(gate)
    thread.join(5)
    assert returned  # no input yet: no wait
    typed = now()
    gate.note_input("any signal's", "arguments")
    thread, returned = quiet_waiter(gate)
    qtbot.waitUntil(lambda: bool(returned), timeout=5000)
    thread.join(5)
    assert returned[0] - typed >= 0.3  # not before the quiet time after the input
    gate.note_input()
    stop = threading.Event()
    thread, returned = quiet_waiter(gate, stop.is_set)
    stop.set()  # a cancel ends the wait at once, quiet or not
    thread.join(5)
    assert returned and not thread.is_alive()


def test_release_ends_quiet_waits(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(paint_gate, "QUIET_S", 30.0)
    widget = QWidget()
    qtbot.addWidget(widget)
    gate = PaintGate(widget, widget)
    gate.note_input()
    thread, returned = quiet_waiter(gate)
    gate.release()  # the window is closing
    thread.join(5)
    assert returned


def test_the_main_windows_paints_hold_the_sessions_workers(make_window) -> None:
    """The gate moved into the session with the session as its parent and stopped seeing the
    window's paints: indexing then stalled the GUI thread 0.2-0.8 s at 100k leads."""
    window = make_window()
    before = window.paint_gate.holds
    QApplication.sendEvent(window, QEvent(QEvent.Type.UpdateRequest))
    assert window.paint_gate.holds == before + 1
