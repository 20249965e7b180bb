"""The journey's pieces apart from driving the window: the steps and their targets, the floors
measured beside them, and two watchers (a finished paint, a timer's end)."""

from __future__ import annotations

import csv
import os
import time
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard
from PySide6.QtWidgets import QWidget

from mymove_viewer.export import rows_getter
from mymove_viewer.ui.window import MainWindow

from .common import (
    Row,
    median,
    stall_limit,
    target_fetch,
    target_filter,
    target_first_keystroke,
    target_ratio,
    target_sort,
    timed,
)

# step → what the row says. The order is the journey's.
STEPS: dict[str, str] = {
    "idle": "nothing running, 0.5 s: the machine's own timer gaps",
    "fetch": "click Fetch → table painted",
    "first_keystroke": "first keystroke “s” → rows narrowed",
    "settle": "waiting for the index and the ranks made ahead",
    "sort_last_name": "click header last_name → sorted, painted",
    "sort_new_postal_code": "click header new_postal_code → sorted, painted",
    "sort_created_at": "click header created_at → sorted, painted",
    "filter_rare": "filter “smith”: throttle end → rows narrowed",
    "filter_common": "filter “s”: throttle end → rows narrowed",
    "filter_narrowing": "filter s→sm→smi→smith, slowest key",
    "select_all": "Ctrl+A → selection painted",
    "export": "Ctrl+E (dialog answered) → CSV written",
    "copy": "Ctrl+C → clipboard holds the rows",
    "watch_merge": "Watch → poll, 100 new leads merged, painted",
    "switch_environment": "environment Demo → Staging → table painted",
    "close": "Ctrl+Q → window closed",
}


class Painted(QObject):
    """``seen`` once a paint of ``widget`` has been handled after ``arm`` (``done`` says so)."""

    done = Signal()

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self.armed = False
        self.seen = False
        widget.installEventFilter(self)

    def arm(self) -> None:
        self.armed, self.seen = True, False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if self.armed and event.type() == QEvent.Type.Paint:
            self.armed = False
            QTimer.singleShot(0, self._painted)  # runs once this paint event is handled
        return False

    def _painted(self) -> None:
        self.seen = True
        self.done.emit()


class TimerFired(QObject):
    """When ``timer`` last fired, taken before its ``timeout`` slots run."""

    def __init__(self, timer: QTimer) -> None:
        super().__init__(timer)
        self.at = 0.0
        timer.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Timer:
            self.at = time.perf_counter()
        return False


class Floors:
    """The bare work each step cannot do without, on the same rows, measured just before it."""

    def __init__(self, window: MainWindow, texts: list[str]) -> None:
        self.window = window
        self.texts = texts
        self._pool = texts

    def sort(self, field: str) -> float:
        """``sorted()`` of the bare keys, and one repaint of the table as it is: any new order
        must be painted (3.8-4.8 ms at 100k leads, more than sorting keys already in order)."""
        c = self.window.model.column_of(field)
        bare = [lead[c] for lead in self.window.model.leads]
        return timed(lambda: sorted(bare)) + timed(self.window.table.viewport().repaint)

    def scan(self, term: str, *, narrowing: bool = False) -> float:
        """A substring scan of the row texts (narrowing: of those the last scan kept)."""
        pool = self._pool if narrowing else self.texts
        kept: list[list[str]] = []
        ms = timed(lambda: kept.append([t for t in pool if term in t]))
        self._pool = kept[0]
        return ms

    def drop_texts(self) -> None:
        """The filters are measured: their texts go (1M strings at 1M leads), between steps."""
        self.texts = self._pool = []

    def _rows(self) -> tuple[list[str], list[tuple[str, ...]]]:
        model, table = self.window.model, self.window.table
        fields = [model.columns[c].field for c in table.visible_columns()]
        return fields, [tuple(r) for r in rows_getter(fields)(model.shown_leads())]

    def export(self, path: Path) -> float:
        """``csv.writer`` of the shown rows' values, flushed to the disk as the export is."""
        fields, rows = self._rows()

        def write() -> None:
            with open(path, "w", encoding="utf-8", newline="") as f:
                writer = csv.writer(f, lineterminator="\r\n")
                writer.writerow(fields)
                writer.writerows(rows)
                f.flush()
                os.fsync(f.fileno())

        return timed(write)

    def copy(self, clipboard: QClipboard) -> float:
        """``'\\t'.join`` over the same rows, and the text handed to the clipboard."""
        fields, rows = self._rows()
        return timed(
            lambda: clipboard.setText("\n".join(["\t".join(fields), *map("\t".join, rows)]) + "\n")
        )


def row_for(
    step: str,
    size: int,
    walls: list[float],
    stalls: list[float],
    floors: list[float],
    index_ready: int,
    delay_ms: int,
) -> Row:
    """The table's row for ``step``: medians over the runs, each run's largest stall."""
    wall, stall = median(walls), median(stalls)
    if step == "idle":  # what a stall is measured against: no target, no floor
        return Row("journey", STEPS[step], size, "ms", stall, None, "—", None, stalls,
                   stall=stall)  # fmt: skip
    floor = median(floors) if floors else None
    label = STEPS[step]
    if step == "first_keystroke":
        label += (
            f" (with the {delay_ms} ms throttle; index not in yet: "
            f"{len(walls) - index_ready} of {len(walls)} runs)"
        )
    target, ok = "", True
    if step == "fetch" and floor is not None:
        target, ok = target_fetch(size, wall, floor)
    elif step == "first_keystroke":
        target, ok = target_first_keystroke(size, wall)
    elif step.startswith("sort_") and floor is not None:
        target, ok = target_sort(size, wall, floor)
    elif step.startswith("filter_") and floor is not None:
        target, ok = target_filter(size, wall, floor)
    elif step == "export" and floor is not None:
        target, ok = target_ratio(wall, floor, 1.6)
    limit = stall_limit(size, copy=step == "copy")
    stall_target = f"stall ≤ {limit:g} ms"
    target = f"{target}; {stall_target}" if target else stall_target
    return Row("journey", label, size, "ms", wall, floor, target, ok and stall <= limit,
               walls, floors, stall=stall)  # fmt: skip
