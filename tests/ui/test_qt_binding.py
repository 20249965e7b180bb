"""The Qt binding must not lose references to True or None.

PySide6 6.12.0 takes one reference from ``True`` on every Python-side signal ``emit()`` (and
from ``None`` on model resets, row inserts, repaints…) without ever owning it. CPython 3.11
objects are not immortal: after ~1,000 emits in this app (a few hundred filter keystrokes)
``True``'s count reaches zero and the interpreter aborts with "bool_dealloc". pyproject.toml
excludes that release; this fails if a broken binding is installed anyway.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, Qt, Signal

RUNS = 200


class Emitter(QObject):
    fired = Signal(int, int)


class Table(QAbstractTableModel):
    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else 3

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        return None


def lost(action) -> tuple[int, int]:
    """References to (True, None) lost over RUNS calls (other threads may move them a little)."""
    action()
    true, none = sys.getrefcount(True), sys.getrefcount(None)
    for _ in range(RUNS):
        action()
    return true - sys.getrefcount(True), none - sys.getrefcount(None)


def test_signal_emit_keeps_true_alive(qapp) -> None:
    emitter = Emitter()
    got: list[int] = []
    emitter.fired.connect(lambda a, b: got.append(a + b))
    true, none = lost(lambda: emitter.fired.emit(1, 2))
    assert len(got) == RUNS + 1
    assert true < RUNS // 4 and none < RUNS // 4


def test_model_notifications_keep_true_and_none_alive(qapp) -> None:
    model = Table()

    def notify() -> None:
        model.layoutAboutToBeChanged.emit()
        model.layoutChanged.emit()
        model.beginResetModel()
        model.endResetModel()
        model.beginInsertRows(QModelIndex(), 0, 0)
        model.endInsertRows()

    true, none = lost(notify)
    assert true < RUNS // 4 and none < RUNS // 4
