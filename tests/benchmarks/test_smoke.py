"""The benchmark runs end to end at 10k (``--quick``); CI asserts no timings, only that it works:
every figure on both bodies, and every step of the journey with its stall."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest

from .common import FIGURES, ROOT, SHAPES, UNSHAPED, child_env
from .journey_steps import STEPS


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, Any]]:
    out = tmp_path_factory.mktemp("bench") / "bench.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.benchmarks", "--quick", "--json", str(out)],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return done.stdout, json.loads(out.read_text(encoding="utf-8"))


def test_quick_benchmark_prints_the_table_and_writes_every_figure(quick) -> None:
    stdout, document = quick
    assert "figure" in stdout and "target" in stdout and "stall" in stdout
    assert set(document["figures"]) == set(FIGURES)
    for name in FIGURES:
        rows = document["figures"][name]
        assert rows, f"no rows for {name}"
        for row in rows:
            assert row["value"] > 0, row
            assert row["figure"] == name
            assert name in stdout
    assert all(r["size"] == 10_000 for n in FIGURES if n not in UNSHAPED
               for r in document["figures"][n])  # fmt: skip
    for name in FIGURES:  # every size runs on both bodies
        shapes = {r["shape"] for r in document["figures"][name]}
        assert shapes == ({None} if name in UNSHAPED else set(SHAPES)), (name, shapes)
    assert document["meta"]["shapes"] == list(SHAPES)


def test_quick_benchmark_runs_the_whole_journey_on_both_bodies(quick) -> None:
    _stdout, document = quick
    by_shape: dict[str, list[dict[str, Any]]] = {}
    for row in document["figures"]["journey"]:
        by_shape.setdefault(row["shape"], []).append(row)
    assert set(by_shape) == set(SHAPES)
    for shape, rows in by_shape.items():
        # Every step, in the journey's order (the first keystroke's label says more after "(").
        assert [r["metric"].split(" (with")[0] for r in rows] == list(STEPS.values()), shape
        for row in rows:
            assert row["stall"] is not None and row["stall"] > 0, row
            assert row["target"], row
        by_step = dict(zip(STEPS, rows, strict=True))
        for step in ("fetch", "first_keystroke", "sort_last_name", "filter_rare", "export", "copy"):
            assert by_step[step]["floor"] > 0, (shape, step)  # a floor from the same run
        for step in ("select_all", "switch_environment", "close"):
            assert by_step[step]["floor"] is None and "stall ≤" in by_step[step]["target"]
