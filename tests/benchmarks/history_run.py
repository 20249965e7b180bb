"""The lead history in the real window (issue 18, "Performance"), offscreen, one process.

``python -m tests.benchmarks.history_run [--stored 100000] [--big 1000000] [--new 100000]
[--runs 3] [--json]``

* **Start**: a store holding ``--stored`` leads of one environment and client; the window's
  history starts (open, read the query's window, presort, show) until the table is painted,
  against a floor of a bare ``SELECT`` of the same leads as plain rows (fetched) plus building the
  table from leads in memory (the presort a fetch does on its worker, ``set_leads``, the paint).
  Target ≤ 1.5× floor; the largest gap of a 1 ms timer on the GUI thread until the search index
  is in ≤ 50 ms.
* **Merge**: ``--new`` fetched leads merged into a store holding ``--big`` by the window's own
  history worker, while the table shows them: the largest gap of the 1 ms timer ≤ 50 ms.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before anything imports Qt

import argparse
import gc
import sqlite3
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import keyring.backends.fail
from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from mymove_viewer.api.client import FetchResult
from mymove_viewer.api.query import Environment, Query
from mymove_viewer.credentials import CredentialStore
from mymove_viewer.settings import Settings, SettingsStore
from mymove_viewer.store import LeadStore
from mymove_viewer.store.history_jobs import extra_fields
from mymove_viewer.table.sort import presort
from mymove_viewer.ui.app import configure_application
from mymove_viewer.ui.fetch import FetchOutcome
from mymove_viewer.ui.window import MainWindow
from tests.store.helpers import NOW, make_leads

from .common import Row, median, report
from .gui_run import Ticker
from .store_run import _BARE, bare_rows, filled

CLIENT = "bench"
TIMEOUT_MS = 30 * 60 * 1000


class Painted(QObject):
    """Quits ``loop`` once the table has painted after ``arm`` and the index is in."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__()
        self.window, self.armed, self.painted, self.indexed = window, False, 0.0, 0.0
        self.loop = QEventLoop()
        window.table.viewport().installEventFilter(self)
        window.indexer.ready.connect(self._indexed)

    def arm(self) -> None:
        self.armed = True

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if self.armed and event.type() == QEvent.Type.Paint:
            self.armed = False
            QTimer.singleShot(0, self._on_painted)  # once this paint has been handled
        return False

    def _on_painted(self) -> None:
        self.painted = time.perf_counter()
        self._done()

    def _indexed(self, _index: object) -> None:
        self.indexed = time.perf_counter()
        self._done()

    def _done(self) -> None:
        if self.painted and self.indexed:
            self.loop.quit()

    def wait(self) -> None:
        QTimer.singleShot(TIMEOUT_MS, self.loop.quit)
        self.loop.exec()
        if not (self.painted and self.indexed):
            raise RuntimeError("the table was not painted and indexed in time")


def settings(window_days: int) -> Settings:
    return Settings(
        client_ids={"production": CLIENT},
        query_mode="range",
        range_start=(NOW - timedelta(days=window_days)).isoformat(),
        range_end=NOW.isoformat(),
        keep_history=False,  # switched on by the benchmark, when it starts the clock
        history_days=36_600,
    )


def make_window(config: Path, window_days: int) -> MainWindow:
    store = SettingsStore(config)
    store.save(settings(window_days))
    window = MainWindow(
        credentials=CredentialStore(backend=keyring.backends.fail.Keyring(), environ={}),
        settings_store=store,
    )
    window.show()
    QTest.qWaitForWindowExposed(window)
    QTest.qWait(300)  # its first paint's work (the history's start does nothing: off) is done
    return window


def start_run(config: Path, count: int) -> tuple[float, float, float]:
    """(ms from the history's start to the table painted, largest gap, floor ms)."""
    window = make_window(config, 40)
    try:
        probe, ticks = Painted(window), Ticker()
        window.history.shown.connect(lambda _n: probe.arm())
        gc.collect()
        window.settings.keep_history = True
        ticks.start()
        start = time.perf_counter()
        window.history.start()
        probe.wait()
        gap = ticks.stop()
        elapsed = (probe.painted - start) * 1000
        if window.model.total_count() != count:
            raise RuntimeError(f"{window.model.total_count():,} leads shown, not {count:,}")
        leads = window.model.leads
        extra = extra_fields(leads)
        window.session.set_leads([], ())
        QApplication.processEvents()
        gc.collect()
        floor = Painted(window)
        begin = time.perf_counter()
        field, descending = window.model.sort_request
        order = presort(leads, extra, field, descending)
        floor.arm()
        window.session.set_leads(leads, extra, order)
        floor.wait()
        build = (floor.painted - begin) * 1000
        return elapsed, gap, build
    finally:
        window.close()
        window.deleteLater()


def select_ms(bare: Path) -> float:
    conn = sqlite3.connect(bare)
    gc.collect()
    begin = time.perf_counter()
    conn.execute("SELECT * FROM bare").fetchall()
    took = (time.perf_counter() - begin) * 1000
    conn.close()
    return took


def merge_run(config: Path, new: int) -> tuple[float, float]:
    """(largest gap while the window's history merges ``new`` leads, ms the merge took)."""
    window = make_window(config, 1)
    try:
        window.settings.keep_history = True
        flow = window.history
        flow.start()
        loop = QEventLoop()
        flow.queue.idle.connect(loop.quit)
        loop.exec()
        fetched = make_leads(new, seed=9, now=NOW, days=1)
        window.session.set_leads(fetched, ())
        query = Query.between(NOW - timedelta(days=1), NOW)
        result = FetchResult(fetched, (), 0, {}, 0, 0.0, "Production", query)
        gen = 10**6  # as a fetch's generation, noted when it started
        flow._sources[gen] = (Environment.PRODUCTION, CLIENT)
        QApplication.processEvents()
        gc.collect()
        ticks = Ticker()
        ticks.start()
        begin = time.perf_counter()
        flow._on_fetched(gen, FetchOutcome(result))
        loop.exec()  # until the queue is idle: merged, and the states back
        took = (time.perf_counter() - begin) * 1000
        return ticks.stop(), took
    finally:
        window.close()
        window.deleteLater()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=100_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    configure_application(app)  # type: ignore[arg-type]
    idle = Ticker().idle(2000)  # the machine's own noise: a loaded machine misses ticks too
    rows: list[Row] = [
        Row("history", "idle: largest GUI gap over 2 s", None, "ms", idle, None, "", None)
    ]
    with tempfile.TemporaryDirectory(prefix="history-bench-") as tmp:
        work = Path(tmp)
        os.environ["MYMOVE_VIEWER_DATA_DIR"] = str(work / "data")
        leads = make_leads(args.stored, seed=1, now=NOW, days=30)
        with LeadStore.open() as store:
            store.merge(Environment.PRODUCTION.value, CLIENT, leads)
        filled(work / "bare.sqlite3", _BARE, "bare", bare_rows(leads))
        del leads
        starts, gaps, floors = [], [], []
        for run in range(args.runs):
            elapsed, gap, build = start_run(work / f"config-{run}", args.stored)
            starts.append(elapsed)
            gaps.append(gap)
            floors.append(select_ms(work / "bare.sqlite3") + build)
        value, floor = median(starts), median(floors)
        rows.append(
            Row(
                "history",
                f"start: {args.stored:,} stored leads painted",
                args.stored,
                "ms",
                value,
                floor,
                "≤ 1.5× floor",
                value <= 1.5 * floor,
                starts,
                floors,
            )
        )
        rows.append(Row("history", "start: largest GUI gap until indexed", args.stored, "ms",
                        max(gaps), None, "≤ 50 ms", max(gaps) <= 50, gaps))  # fmt: skip

        more = make_leads(args.big - args.stored, seed=3, now=NOW - timedelta(days=2), days=150)
        with LeadStore.open() as store:
            store.merge(Environment.PRODUCTION.value, CLIENT, more)
        del more
        gap, took = merge_run(work / "config-merge", args.new)
        label = f"merge {args.new:,} into {args.big:,} on the window's worker: largest GUI gap"
        rows.append(Row("history", label, args.big, "ms", gap, None, "≤ 50 ms", gap <= 50))
        rows.append(Row("history", "(that merge took, wall)", args.big, "ms", took, None, "", None))
    return report(rows, args.json)


if __name__ == "__main__":
    sys.exit(main())
