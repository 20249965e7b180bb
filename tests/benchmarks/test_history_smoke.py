"""The lead history's window benchmark (``history_run``) runs end to end at a small size; no
timing is asserted, only that every figure is measured."""

from __future__ import annotations

import json
import subprocess
import sys

from .common import ROOT, child_env


def test_history_benchmark_measures_every_figure() -> None:
    args = ["--stored", "3000", "--big", "8000", "--new", "2000", "--runs", "1", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks.history_run", *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    rows = {row["metric"]: row for row in json.loads(done.stdout)}
    start = rows["start: 3,000 stored leads painted"]
    assert start["value"] > 0 and start["floor"] > 0 and len(start["runs"]) == 1
    assert rows["start: largest GUI gap until indexed"]["value"] > 0
    assert rows["merge 2,000 into 8,000 on the window's worker: largest GUI gap"]["value"] > 0
    assert rows["(that merge took, wall)"]["value"] > 0
