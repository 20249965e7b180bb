"""``python -m tests.benchmarks [--sizes 10000,100000,1000000] [--shape clean,odd] [--runs N]
[--quick] [--json PATH]``

Starts a sandbox (in its own process) per size and body shape, runs the GUI figures, the user's
journey and the memory figure each in a fresh child process, then the cold-start figure; prints
one table and writes the rows as JSON (default ``bench-results/<timestamp>.json``) for
comparison across commits.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .common import FIGURES, ROOT, SHAPES, Row, run_child, sandbox_process


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.benchmarks", description=__doc__)
    parser.add_argument("--sizes", default="10000,100000", help="comma-separated lead counts")
    parser.add_argument(
        "--shape",
        default=",".join(SHAPES),
        help="bodies to fetch, comma-separated: clean (the sandbox's leads), odd (the same with "
        "a few records carrying an undocumented field, a null, a number, an offset timestamp)",
    )
    parser.add_argument("--runs", type=int, default=None, help="runs per figure (default 5)")
    parser.add_argument("--quick", action="store_true", help="CI smoke: 10k leads, 3 runs")
    parser.add_argument("--json", type=Path, default=None, help="where to write the results")
    args = parser.parse_args(argv)
    try:
        args.sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    except ValueError:
        parser.error("--sizes takes whole numbers separated by commas, e.g. 10000,100000")
    args.shape = [s.strip() for s in args.shape.split(",") if s.strip()]
    if not args.shape or any(s not in SHAPES for s in args.shape):
        parser.error(f"--shape takes {' or '.join(SHAPES)}, or both separated by a comma")
    if args.quick:
        args.sizes = [10_000]
        args.runs = args.runs or 3
    if not args.sizes or any(n < 1 for n in args.sizes):
        parser.error("--sizes needs at least one positive number")
    if args.runs is not None and args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def rows_from(text: str) -> list[Row]:
    out = []
    for data in json.loads(text):
        data.pop("ratio", None)
        out.append(Row(**data))
    return out


def run_size(size: int, shape: str, runs: int, journeys: int) -> list[Row]:
    timeout = 600 + size / 500  # 1M leads: ~40 minutes at most
    with sandbox_process(size, shape=shape) as served:
        args = ["--url", served.url, "--size", str(size)]
        rows = rows_from(
            run_child("tests.benchmarks.gui_run", [*args, "--runs", str(runs)], timeout)
        )
        rows += rows_from(run_child("tests.benchmarks.memory_run", args, timeout))
    # The journey adds leads to its sandbox as it goes: one of its own, in its child.
    journey = ["--size", str(size), "--shape", shape, "--runs", str(journeys)]
    rows += rows_from(run_child("tests.benchmarks.journey_run", journey, timeout * 2))
    for row in rows:
        row.shape = shape
    return rows


def history_rows(quick: bool, runs: int | None) -> list[Row]:
    """The lead history (issue 18): the store's merge, read and size against bare SQLite, and in
    the window the start from stored leads and a merge into a large store."""
    stored, big, new = (2_000, 6_000, 2_000) if quick else (100_000, 1_000_000, 100_000)
    n = str(runs or 3)
    timeout = 600 + big / 250
    sizes = ["--stored", str(stored), "--big", str(big), "--new", str(new), "--runs", n]
    rows = rows_from(run_child("tests.benchmarks.history_run", [*sizes, "--json"], timeout))
    merge = ["--stored", str(big), "--new", str(new), "--runs", n, "--json"]
    return rows + rows_from(run_child("tests.benchmarks.store_run", merge, timeout))


def journey_runs(size: int, runs: int, quick: bool) -> int:
    """Each journey ends by closing its window, and takes long: fewer runs than the figures."""
    if quick:
        return 1
    return max(1, min(runs, 3 if size <= 100_000 else 1))


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return "—"
    if unit == "MB":
        return f"{value:,.0f} MB"
    if unit == "B/lead":
        return f"{value:,.0f} B"
    if unit == "ratio":
        return f"{value:.2f}"
    if value >= 1000:
        return f"{value / 1000:,.2f} s"
    return f"{value:,.1f} ms"


def table(rows: list[Row]) -> str:
    head = ("figure", "size", "body", "metric", "value", "floor", "ratio", "stall", "target",
            "result")  # fmt: skip
    lines = [
        (
            r.figure,
            f"{r.size:,}" if r.size else "—",
            r.shape or "—",
            r.metric,
            fmt(r.value, r.unit),
            fmt(r.floor, r.unit),
            f"{r.ratio:.2f}×" if r.ratio is not None else "—",
            fmt(r.stall, "ms"),
            r.target,
            {True: "pass", False: "FAIL", None: "info"}[r.passed],
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *lines, strict=True)]
    rule = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)), rule]
    out += ["  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)) for line in lines]
    return "\n".join(out)


def git_commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        )
    except OSError:
        return None
    return done.stdout.strip() or None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    rows: list[Row] = []
    for size in args.sizes:
        runs = args.runs or (5 if size <= 100_000 else 3)
        for shape in args.shape:
            print(f"benchmarking {size:,} leads, {shape} body ({runs} runs)…", file=sys.stderr,
                  flush=True)  # fmt: skip
            rows += run_size(size, shape, runs, journey_runs(size, runs, args.quick))
    print("benchmarking cold start…", file=sys.stderr, flush=True)
    from .startup import bench as bench_startup

    rows += bench_startup(args.runs or 5)
    print("benchmarking the lead history…", file=sys.stderr, flush=True)
    rows += history_rows(args.quick, args.runs)

    print(table(rows))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = args.json or ROOT / "bench-results" / f"{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "meta": {
            "timestamp": stamp,
            "commit": git_commit(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "sizes": args.sizes,
            "shapes": args.shape,
            "runs": args.runs,
            "quick": args.quick,
            "seconds": round(time.monotonic() - started, 1),
        },
        "figures": {name: [r.as_json() for r in rows if r.figure == name] for name in FIGURES},
    }
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nresults written to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
