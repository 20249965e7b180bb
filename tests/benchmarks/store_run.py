"""The lead history's merge against a bare insert (issue 18), in one process, no Qt.

``python -m tests.benchmarks.store_run --stored 200000 --new 100000 [--runs 3] [--order newer]``

A store holding ``--stored`` leads gets ``--new`` fetched leads merged (hashing, building the
rows, ``INSERT OR IGNORE`` through the key index, commit), each run on a fresh copy of the same
file. Two floors, each in a copy of a file holding the same stored rows, in one transaction:

* **bare**: ``executemany`` of the same leads as plain rows (their 19 fields and the extras as
  JSON), ready-made, into a table with no key and no index: what a hand-made table costs;
* **own rows**: the store's own rows (source, key, created, JSON), ready-made, into a table with
  no index: the same bytes written, no identity and no de-duplication.

``--order newer`` (default): the fetched leads are newer than the stored ones, as a fetch of the
last days is; ``interleaved``: spread over the same days (the index's worst case). Prints the
medians (wall and CPU time) and the ratios, and ``--json`` writes them as rows for the parent.
Then: every stored lead read back (``stored()``) against a bare ``SELECT`` of the plain rows,
and the longest a 1 ms ticker on the main thread waits while another thread merges (the GIL
held in one go: what the window's GUI thread would feel).
"""

from __future__ import annotations

import argparse
import gc
import json
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

from mymove_viewer.api.lead import Lead
from mymove_viewer.store import LeadStore
from mymove_viewer.store.records import insert_rows, prepare
from tests.store.helpers import NOW, make_leads

from .common import Row, report

ENV, CLIENT = "production", "bench"
LIMIT = 2.0
_BARE = "CREATE TABLE bare (" + ", ".join(f"v{i} TEXT" for i in range(19)) + ", extras TEXT)"
_OWN = "CREATE TABLE own (source INTEGER, key BLOB, created REAL, lead BLOB)"


def bare_rows(leads: list[Lead]) -> list[tuple[str | None, ...]]:
    return [(*lead[:19], json.dumps(lead.extra) if lead.extra_names else None) for lead in leads]


def filled(path: Path, ddl: str, table: str, rows: list[tuple]) -> None:
    with sqlite3.connect(path, isolation_level=None) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(ddl)
        insert(conn, table, rows)
    conn.close()


def insert(conn: sqlite3.Connection, table: str, rows: list[tuple]) -> None:
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(rows[0]))})", rows)
    conn.execute("COMMIT")


def ratio_row(
    metric: str, size: int, runs: list[float], floor: list[float], limit: float = LIMIT
) -> Row:
    value, low = statistics.median(runs), statistics.median(floor)
    passed = value <= limit * low
    return Row("store", metric, size, "ms", value, low, f"≤ {limit}× floor", passed, runs, floor)


def read_times(store: Path, bare: Path, runs: int) -> tuple[list[float], list[float]]:
    """``stored()`` of every lead (the leads built, with keys and states) against a bare
    ``SELECT`` of the same leads' plain rows, fetched."""
    mine, floor = [], []
    for _ in range(runs):
        with LeadStore.open(store) as opened:
            mine.append(clock(lambda s=opened: s.stored(ENV, CLIENT))[0])
        conn = sqlite3.connect(bare)
        floor.append(clock(lambda c=conn: c.execute("SELECT * FROM bare").fetchall())[0])
        conn.close()
    return mine, floor


def largest_gap(work) -> float:
    """The longest the main thread waited between ticks of 1 ms while ``work`` ran on another
    thread: how long the window's GUI thread would freeze if its worker merged (the GIL)."""
    done = threading.Event()
    worker = threading.Thread(target=lambda: (work(), done.set()))
    gap, last = 0.0, time.perf_counter()
    worker.start()
    while not done.is_set():
        time.sleep(0.001)
        now = time.perf_counter()
        gap, last = max(gap, now - last), now
    worker.join()
    return gap * 1000


def clock(fn) -> tuple[float, float]:
    gc.collect()
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stored", type=int, default=200_000)
    parser.add_argument("--new", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--order", choices=["newer", "interleaved"], default="newer")
    parser.add_argument("--json", action="store_true", help="print rows as JSON (for a parent)")
    args = parser.parse_args(argv)
    older = NOW - timedelta(days=30) if args.order == "newer" else NOW
    stored = make_leads(args.stored, seed=1, now=older, days=150 if args.order == "newer" else 30)
    fetched = make_leads(args.new, seed=2, days=30)
    work = Path(tempfile.mkdtemp(prefix="store-bench-"))
    try:
        base = work / "base.sqlite3"
        with LeadStore.open(base) as store:
            store.merge(ENV, CLIENT, stored)
        store_size = base.stat().st_size
        leads_json = {"leads": [lead.as_dict() for lead in stored]}
        as_json = len(json.dumps(leads_json, separators=(",", ":"), ensure_ascii=False).encode())
        filled(work / "bare.sqlite3", _BARE, "bare", bare_rows(stored))
        filled(work / "own.sqlite3", _OWN, "own", list(insert_rows(prepare(stored), 1)))
        new_bare, new_own = bare_rows(fetched), list(insert_rows(prepare(fetched), 1))
        times: dict[str, list[tuple[float, float]]] = {"merge": [], "bare": [], "own": []}
        for _ in range(args.runs):
            for name in times:
                copy = work / f"run-{name}.sqlite3"
                source = base if name == "merge" else work / f"{name}.sqlite3"
                shutil.copyfile(source, copy)
                if name == "merge":
                    with LeadStore.open(copy) as store:
                        times[name].append(clock(lambda s=store: s.merge(ENV, CLIENT, fetched)))
                else:
                    rows = new_bare if name == "bare" else new_own
                    conn = sqlite3.connect(copy, isolation_level=None)
                    conn.execute("PRAGMA synchronous=NORMAL")
                    times[name].append(clock(lambda c=conn, r=rows, t=name: insert(c, t, r)))
                    conn.close()
                for leftover in work.glob("run-*"):
                    leftover.unlink()
        reads = read_times(base, work / "bare.sqlite3", args.runs)
        shutil.copyfile(base, work / "run-stall.sqlite3")
        with LeadStore.open(work / "run-stall.sqlite3") as store:
            stall = largest_gap(lambda: store.merge(ENV, CLIENT, fetched))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    wall = {k: [w for w, _ in v] for k, v in times.items()}
    cpu = {k: [c for _, c in v] for k, v in times.items()}
    label = f"{args.new:,} into {args.stored:,} ({args.order})"
    out = [
        ratio_row(f"merge {label}, wall", args.stored, wall["merge"], wall["bare"]),
        ratio_row(f"merge {label}, CPU", args.stored, cpu["merge"], cpu["bare"]),
        ratio_row(f"merge {label} vs own rows, wall", args.stored, wall["merge"], wall["own"]),
        ratio_row(f"read all {args.stored:,} stored leads, wall", args.stored, *reads, 1.5),
        Row("store", "largest gap of a 1 ms ticker while a thread merges", args.stored, "ms",
            stall, None, "≤ 50 ms", stall <= 50),
        Row("store", "store size / the leads' JSON", args.stored, "ratio",
            store_size / as_json, None, "≤ 1.5", store_size <= 1.5 * as_json),
    ]  # fmt: skip
    return report(out, args.json)


if __name__ == "__main__":
    sys.exit(main())
