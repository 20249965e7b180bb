"""One size, one body, one process: a user's journey through the real main window (offscreen).

``python -m tests.benchmarks.journey_run --size N --shape clean|odd --runs R`` starts its own
sandbox (the watch step adds leads to it), then per run opens a window and, by key presses and
clicks only: fetch → first keystroke before the index is ready → sort 3 columns → filter (rare,
common, narrowing) → Ctrl+A → Ctrl+E → Ctrl+C → Watch merges 100 new leads → environment switch
→ Ctrl+Q. Each step: wall time, the largest gap of a 1 ms timer on the GUI thread (the stall),
and a floor measured just before it in the same run where one is meaningful. Waits are event
loops on the app's own signals. Prints a JSON list of rows (medians over the runs).
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import argparse
import gc
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QEventLoop, QPoint, Qt, QTimer, SignalInstance
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QToolButton

from mymove_viewer import gcpause, reaper
from mymove_viewer.api.query import Environment
from mymove_viewer.table.display import search_texts
from mymove_viewer.ui.app import configure_application
from mymove_viewer.ui.window import FILTER_DELAY_MS, MainWindow

from .common import Row, Served, emit, floor_fetch, sandbox_process
from .gui_run import Ticker, make_window
from .journey_steps import STEPS, Floors, Painted, TimerFired, row_for

TIMEOUT_MS = 15 * 60 * 1000
NEW_LEADS = 100
IDLE_MS = 500
SORTS = ("last_name", "new_postal_code", "created_at")  # created_at last: newest first again
CTRL = Qt.KeyboardModifier.ControlModifier


class Timeout(RuntimeError):
    pass


def wait_until(done: Callable[[], bool], *signals: SignalInstance, what: str) -> float:
    """``perf_counter`` at the moment ``done()`` first held, checked now and whenever one of
    ``signals`` fires (an event loop runs meanwhile)."""
    if done():
        return time.perf_counter()
    loop = QEventLoop()
    at: list[float] = []

    def check(*_: object) -> None:
        if not at and done():
            at.append(time.perf_counter())
            loop.quit()

    guard = QTimer()
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    for signal in signals:
        signal.connect(check)
    guard.start(TIMEOUT_MS)
    loop.exec()
    guard.stop()
    for signal in signals:
        signal.disconnect(check)
    if not at:
        raise Timeout(f"gave up waiting for {what}")
    return at[0]


class Journey:
    """One run: a fresh window, every step in order; ``results`` maps a step to
    (wall ms, stall ms, floor ms or None)."""

    def __init__(self, served: Served, size: int, workdir: Path, run: int) -> None:
        self.served, self.size, self.workdir, self.run = served, size, workdir, run
        self.window: MainWindow = make_window(served.url, workdir / f"config-{run}")
        w = self.window
        self.ticks = Ticker()
        self.painted = Painted(w.table.viewport())
        self.edit_painted = Painted(w.filter_edit)
        self.fired = TimerFired(w._filter_timer)  # the filter's throttle elapsed: work starts
        self.indexed_at = 0.0
        w.indexer.ready.connect(self._indexed)  # after the window's own slot
        self.results: dict[str, tuple[float, float, float | None]] = {}
        self.index_was_ready = False

    def _indexed(self, _index: object) -> None:
        self.indexed_at = time.perf_counter()

    def record(self, step: str, start: float, end: float, floor: float | None) -> None:
        self.results[step] = ((end - start) * 1000, self.ticks.stop(), floor)

    # -- steps -----------------------------------------------------------------------------------

    def go(self) -> None:
        self.results["idle"] = (IDLE_MS, self.ticks.idle(IDLE_MS), None)
        self.fetch()
        self.first_keystroke()
        self.settle()
        # The floors' texts (1M strings at 1M leads) are the benchmark's, not the app's: left
        # young, the app's collections walked them in the steps measured (~80 ms each at 1M).
        with gcpause.building_many_objects():
            floors = Floors(self.window, search_texts(self.window.model.leads))
        wall, stall, _ = self.results["first_keystroke"]
        self.results["first_keystroke"] = (wall, stall, FILTER_DELAY_MS + floors.scan("s"))
        self.sorts(floors)
        self.filters(floors)
        floors.drop_texts()
        self.select_all()
        self.export(floors)
        self.copy(floors)
        self.watch_merge()
        self.switch_environment()
        self.close()

    def fetch(self) -> None:
        w = self.window
        floor = floor_fetch(self.served.url)
        finished: list[bool] = []
        arm = lambda *_: (finished.append(True), self.painted.arm())  # noqa: E731
        w.controller.finished.connect(arm)  # after the window's slot has filled the table
        self.ticks.start()
        start = time.perf_counter()
        QTest.mouseClick(w.panel.fetch_button, Qt.MouseButton.LeftButton)
        end = wait_until(
            lambda: bool(finished) and self.painted.seen, self.painted.done, what="the fetch"
        )
        w.controller.finished.disconnect(arm)
        self.record("fetch", start, end, floor)
        if w.model.total_count() < self.size:
            raise RuntimeError(f"fetched {w.model.total_count():,} leads, expected {self.size:,}")

    def first_keystroke(self) -> None:
        w = self.window
        QTest.keyClick(w.table, Qt.Key.Key_F, CTRL)  # focus the filter box
        self.ticks.start()
        start = time.perf_counter()
        QTest.keyClick(w.filter_edit, Qt.Key.Key_S)
        end = wait_until(
            lambda: w.model.filter_text == "s", w.model.countsChanged, what="the first keystroke"
        )
        self.index_was_ready = 0 < self.indexed_at < self.fired.at
        self.record("first_keystroke", start, end, None)
        self.clear_filter()

    def clear_filter(self) -> None:
        w = self.window
        QTest.keyClick(w.filter_edit, Qt.Key.Key_Escape)
        wait_until(lambda: w.model.filter_text == "", w.model.countsChanged, what="clearing")

    def settle(self) -> None:
        """Wait (stall measured) for the search index and the columns ranked ahead."""
        indexer = self.window.indexer
        runner = indexer._runner
        self.ticks.start()
        start = time.perf_counter()
        end = wait_until(
            lambda: not indexer.ranking,
            indexer.ready,
            indexer.ranked,
            runner.finished,
            runner.failed,
            runner.idle,
            what="indexing and ranking",
        )
        self.record("settle", start, end, None)

    def sorts(self, floors: Floors) -> None:
        w = self.window
        table, header = w.table, w.table.horizontalHeader()
        for field in SORTS:
            col = w.model.column_of(field)
            table.scrollTo(w.model.index(0, col))
            x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
            floor = floors.sort(field)
            self.ticks.start()
            start = time.perf_counter()
            QTest.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
            # A large table's sort lands later (a worker's): the rows moved, then their paint.
            wait_until(lambda c=col: self.sorted_by(c), w.model.layoutChanged, what="a sort")
            self.painted.arm()
            end = wait_until(lambda: self.painted.seen, self.painted.done, what="a sort painted")
            if header.sortIndicatorSection() != col:
                raise RuntimeError(f"clicking the {field} header did not sort by it")
            self.record(f"sort_{field}", start, end, floor)

    def sorted_by(self, col: int) -> bool:
        model = self.window.model
        state = model.sort_state
        pending = getattr(model.table, "pending_sort", None)  # (a tree without sorts on a worker)
        return state is not None and state[0] == col and pending is None

    def type_filter(self, text: str, term: str) -> float:
        """Type ``text``; ms from the throttle's end to the rows narrowed to ``term``."""
        w = self.window
        self.fired.at = 0.0
        for char in text:  # a key at a time, each shown before the next, as a person types
            self.edit_painted.arm()
            QTest.keyClicks(w.filter_edit, char)
            wait_until(lambda: self.edit_painted.seen, self.edit_painted.done, what="a key")
        end = wait_until(
            lambda: w.model.filter_text == term, w.model.countsChanged, what=f"filter {term}"
        )
        if not self.fired.at:
            raise RuntimeError("the filter's throttle timer was not seen firing")
        self.painted.arm()  # the next step starts from a painted table
        wait_until(lambda: self.painted.seen, self.painted.done, what="the filtered paint")
        return (end - self.fired.at) * 1000

    def filters(self, floors: Floors) -> None:
        w = self.window
        QTest.keyClick(w.table, Qt.Key.Key_F, CTRL)
        for step, term in (("filter_rare", "smith"), ("filter_common", "s")):
            floor = floors.scan(term)
            self.ticks.start()
            value = self.type_filter(term, term)
            self.results[step] = (value, self.ticks.stop(), floor)
            if term != "s":
                self.clear_filter()
        worst, worst_floor, stall = 0.0, 0.0, 0.0
        typed = "s"
        for key in "mith":
            typed += key
            floor = floors.scan(typed, narrowing=True)
            self.ticks.start()
            value = self.type_filter(key, typed)
            stall = max(stall, self.ticks.stop())
            if value > worst:
                worst, worst_floor = value, floor
        self.results["filter_narrowing"] = (worst, stall, worst_floor)
        self.clear_filter()

    def select_all(self) -> None:
        w = self.window
        selection = w.table.selectionModel()
        changed: list[bool] = []
        arm = lambda *_: (changed.append(True), self.painted.arm())  # noqa: E731
        selection.selectionChanged.connect(arm)
        self.ticks.start()
        start = time.perf_counter()
        QTest.keyClick(w.table, Qt.Key.Key_A, CTRL)
        end = wait_until(
            lambda: bool(changed) and self.painted.seen, self.painted.done, what="Ctrl+A"
        )
        selection.selectionChanged.disconnect(arm)
        self.record("select_all", start, end, None)
        ranges = selection.selection()
        if sum(r.bottom() - r.top() + 1 for r in ranges) < w.model.rowCount():
            raise RuntimeError("Ctrl+A did not select every row")

    def export(self, floors: Floors) -> None:
        w = self.window
        target = self.workdir / f"export-{self.run}.csv"
        floor = floors.export(self.workdir / "floor.csv")
        w.ask_export_path = lambda _suggested: target  # the file dialog, answered
        done: list[bool] = []
        failed: list[object] = []
        ok = lambda *_: done.append(True)  # noqa: E731
        bad = lambda _gen, error: failed.append(error)  # noqa: E731
        w.exporter.finished.connect(ok)
        w.exporter.failed.connect(bad)
        self.ticks.start()
        start = time.perf_counter()
        QTest.keyClick(w.table, Qt.Key.Key_E, CTRL)
        end = wait_until(
            lambda: bool(failed) or (bool(done) and target.exists()),
            w.exporter.finished,
            w.exporter.failed,
            what="the export",
        )
        w.exporter.finished.disconnect(ok)
        w.exporter.failed.disconnect(bad)
        if failed:
            raise RuntimeError(f"the export failed: {failed[0]!r}")
        self.record("export", start, end, floor)
        lines = target.read_bytes().count(b"\n")
        if lines < w.model.shown_count() + 1:
            raise RuntimeError(f"the export wrote {lines:,} lines for {w.model.shown_count():,}")

    def copy(self, floors: Floors) -> None:
        w = self.window
        clipboard = QGuiApplication.clipboard()
        floor = floors.copy(clipboard)
        changed: list[bool] = []
        note = lambda: changed.append(True)  # noqa: E731
        clipboard.dataChanged.connect(note)
        self.ticks.start()
        start = time.perf_counter()
        QTest.keyClick(w.table, Qt.Key.Key_C, CTRL)
        end = wait_until(lambda: bool(changed), clipboard.dataChanged, what="the copy")
        clipboard.dataChanged.disconnect(note)
        self.record("copy", start, end, floor)
        lines = clipboard.text().count("\n")
        if lines != w.model.shown_count() + 1:
            raise RuntimeError(f"copied {lines:,} lines for {w.model.shown_count():,} rows")

    def watch_merge(self) -> None:
        w = self.window
        flow = w.watch_flow
        [button] = [b for b in w.findChildren(QToolButton) if b.defaultAction() is flow.action]
        self.served.add(NEW_LEADS)
        query = flow.watch.next_query()
        floor = floor_fetch(self.served.url, query) if query is not None else None
        merged: list[bool] = []
        arm = lambda *_: (merged.append(True), self.painted.arm())  # noqa: E731
        flow.merged.connect(arm)  # the poll's leads are in the table (merged on a worker)
        before = w.model.new_count()
        self.ticks.start()
        start = time.perf_counter()
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        end = wait_until(
            lambda: bool(merged) and self.painted.seen, self.painted.done, what="the watch poll"
        )
        flow.merged.disconnect(arm)
        self.record("watch_merge", start, end, floor)
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)  # Watch off again
        if w.model.new_count() - before != NEW_LEADS:
            raise RuntimeError(f"the poll marked {w.model.new_count() - before} leads new")

    def switch_environment(self) -> None:
        w = self.window
        self.painted.arm()
        self.ticks.start()
        start = time.perf_counter()
        QTest.keyClick(w.panel.environment_combo, Qt.Key.Key_Up)  # Demo → Staging
        end = wait_until(
            lambda: w.environment is not Environment.DEMO and self.painted.seen,
            self.painted.done,
            what="the environment switch",
        )
        self.record("switch_environment", start, end, None)

    def close(self) -> None:
        w = self.window
        self.ticks.start()
        start = time.perf_counter()
        QTest.keyClick(w.table, Qt.Key.Key_Q, CTRL)
        end = wait_until(lambda: not w.isVisible(), what="closing")
        self.record("close", start, end, None)

    def dispose(self) -> None:
        w = self.window
        w.close()
        w.shutdown()
        w.deleteLater()
        QApplication.sendPostedEvents(None, 0)
        QApplication.processEvents()


def bench(served: Served, size: int, runs: int, workdir: Path) -> list[Row]:
    results: list[dict[str, tuple[float, float, float | None]]] = []
    ready = 0
    for run in range(runs):
        if not reaper.wait_idle(120):  # the last run's leads freed first
            raise RuntimeError("the reaper did not finish freeing the last leads")
        gc.collect()
        journey = Journey(served, size, workdir, run)
        try:
            journey.go()
        finally:
            journey.dispose()
        results.append(journey.results)
        ready += journey.index_was_ready
    rows = []
    for step in STEPS:
        walls = [r[step][0] for r in results]
        stalls = [r[step][1] for r in results]
        floors = [f for r in results if (f := r[step][2]) is not None]
        rows.append(row_for(step, size, walls, stalls, floors, ready, FILTER_DELAY_MS))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--shape", choices=("clean", "odd"), default="clean")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # as the real app: GUI-thread cycle collection, GIL interval
    with (
        tempfile.TemporaryDirectory(prefix="mymove-journey-") as tmp,
        sandbox_process(args.size, shape=args.shape) as served,
    ):
        os.environ["MYMOVE_VIEWER_CONFIG_DIR"] = str(Path(tmp) / "config")
        rows = bench(served, args.size, args.runs, Path(tmp))
    del app
    emit(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
