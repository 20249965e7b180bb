"""The benchmark runs end to end at 10k (``--quick``); CI asserts no timings, only that it works."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .common import FIGURES, ROOT, child_env


def test_quick_benchmark_prints_the_table_and_writes_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    assert "figure" in done.stdout and "target" in done.stdout
    document = json.loads(out.read_text(encoding="utf-8"))
    assert set(document["figures"]) == set(FIGURES)
    for name in FIGURES:
        rows = document["figures"][name]
        assert rows, f"no rows for {name}"
        for row in rows:
            assert row["value"] > 0, row
            assert row["figure"] == name
            assert name in done.stdout
    assert all(r["size"] == 10_000 for n in FIGURES if n != "cold_start"
               for r in document["figures"][n])  # fmt: skip
