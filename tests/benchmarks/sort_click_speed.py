"""A header click's sort at N parsed sandbox leads (issue 15): the largest gap between ticks of a
1 ms timer on the GUI thread (stall) and the wall time from the click until the rows are sorted
and painted; medians of 3 clicks per column. The model and view are the window's own (with the
session's sort flow where the tree has one); the columns are ranked ahead, one row is current
and selected. Run it against two trees to compare them:

    PYTHONPATH=<tree> .venv/bin/python tests/benchmarks/sort_click_speed.py --size 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from datetime import UTC, datetime

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QEventLoop, QItemSelectionModel, QPoint, Qt, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from mymove_viewer.api.parse import parse_leads
from mymove_viewer.sandbox.leads import generate_leads
from mymove_viewer.table.sort import rank_column
from mymove_viewer.ui.session import LeadSession
from mymove_viewer.ui.table_view import LeadTableView

NOW = datetime(2026, 11, 27, 17, 41, tzinfo=UTC)
FIELDS = ("last_name", "new_postal_code", "created_at")


class Gaps:
    """The largest gap between ticks of a 1 ms precise timer since ``reset``."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(1)
        self.timer.timeout.connect(self._tick)
        self.last = self.largest = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.largest = max(self.largest, now - self.last)
        self.last = now

    def reset(self) -> None:
        self.last, self.largest = time.perf_counter(), 0.0
        self.timer.start()

    def stop(self) -> float:
        self._tick()
        self.timer.stop()
        return self.largest * 1000


def click(view: LeadTableView, column: int, want: tuple[int, Qt.SortOrder], gaps: Gaps) -> float:
    header = view.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    model = view.model()
    loop = QEventLoop()
    poll = QTimer()
    poll.setInterval(1)

    def check() -> None:
        if model.sort_state == want:
            loop.quit()

    poll.timeout.connect(check)
    gaps.reset()
    start = time.perf_counter()
    QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    if model.sort_state != want:
        poll.start()
        loop.exec()
        poll.stop()
    view.viewport().repaint()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    body = json.dumps({"leads": generate_leads(args.size, seed=1, now=NOW)}).encode()
    result = parse_leads(body)
    del body
    session = LeadSession()
    model = session.model
    view = LeadTableView()
    view.setModel(model)
    view.resize(1200, 800)
    view.show()
    view.setSortingEnabled(True)
    session.paint_gate.watch(view)
    model.set_leads(result.leads, result.extra_fields, canonical_created=result.canonical_created)
    session.indexer.cancel()
    for field in FIELDS:
        column = model.columns[model.column_of(field)]
        model.add_ranking(model.leads, field, rank_column(model.leads, column, canonical=True))
    view.setCurrentIndex(model.index(5, 0))
    view.selectionModel().select(
        model.index(5, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    app.processEvents()
    gaps = Gaps()
    lead = model.lead_at(5)
    figures: dict[str, list[tuple[float, float]]] = {f: [] for f in FIELDS}
    for _ in range(args.runs):
        for field in FIELDS:
            c = model.column_of(field)
            header = view.horizontalHeader()
            order = Qt.SortOrder.AscendingOrder
            if header.sortIndicatorSection() == c:
                order = (
                    Qt.SortOrder.DescendingOrder
                    if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
                    else Qt.SortOrder.AscendingOrder
                )
            wall = click(view, c, (c, order), gaps)
            figures[field].append((wall, gaps.stop()))
            assert model.lead_at(view.currentIndex().row()) is lead, "current row lost its lead"
            app.processEvents()
    for field, runs in figures.items():
        wall = statistics.median(w for w, _ in runs)
        stall = statistics.median(s for _, s in runs)
        print(f"{args.size:>8,} {field:15s} click→painted {wall:7.1f} ms  stall {stall:6.1f} ms")
    session.shutdown()


if __name__ == "__main__":
    main()
