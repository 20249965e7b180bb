"""Shared pieces: medians, the sandbox in its own process, and the issue's targets."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DAYS = 5  # leads spread over 5 days; the GUI asks for the last 7, so it gets them all
QUERY_DAYS = 7

FIGURES = ("fetch", "stall", "sort", "filter", "export", "memory", "cold_start")


@dataclass
class Row:
    """One line of the results table: a median beside the floor measured in the same run."""

    figure: str
    metric: str
    size: int | None
    unit: str  # "ms", "B/lead", "MB"
    value: float
    floor: float | None
    target: str
    passed: bool | None  # None: no target for this line
    runs: list[float] = field(default_factory=list)
    floor_runs: list[float] = field(default_factory=list)

    @property
    def ratio(self) -> float | None:
        if self.floor is None or self.floor <= 0:
            return None
        return self.value / self.floor

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        return data


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds ``fn`` took."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def big(size: int | None) -> bool:
    """Which column of the issue's target table applies: 100k (and below) or 1M."""
    return size is not None and size > 100_000


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("MYMOVE_API_KEY", None)
    return env


@contextmanager
def sandbox_process(leads: int, seed: int = 1) -> Iterator[str]:
    """A sandbox serving ``leads`` leads in another process (like the real, remote API: its
    work never competes for this process's GIL). Yields the base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mymove_viewer.sandbox",
            "--port",
            "0",
            "--leads",
            str(leads),
            "--seed",
            str(seed),
            "--days",
            str(SANDBOX_DAYS),
        ],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        url = None
        for line in proc.stdout:
            if "Base URL:" in line:
                url = line.split("Base URL:", 1)[1].strip()
                break
        if url is None:
            raise RuntimeError(f"the sandbox did not start (exit code {proc.wait()})")
        yield url
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def run_child(module: str, args: list[str], timeout: float) -> str:
    """Run ``python -m module args`` from the repository root; its stdout (a JSON document)."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{module} {' '.join(args)} failed with exit code {done.returncode}:\n"
            f"{done.stderr[-4000:]}"
        )
    return done.stdout


# -- the targets ----------------------------------------------------------------------


def target_fetch(size: int, value: float, floor: float) -> tuple[str, bool]:
    if big(size):
        return "≤ 3.5 s", value <= 3500
    return "≤ 350 ms and ≤ 1.5× floor", value <= 350 and value <= 1.5 * floor


def target_stall(size: int, value: float) -> tuple[str, bool]:
    limit = 150 if big(size) else 50
    return f"≤ {limit} ms", value <= limit


def target_sort(size: int, value: float) -> tuple[str, bool]:
    limit = 1200 if big(size) else 100
    return f"≤ {limit} ms", value <= limit


def target_filter(size: int, value: float, narrowing: bool) -> tuple[str, bool]:
    limits = (40, 15) if narrowing else (250, 35)
    limit = limits[0] if big(size) else limits[1]
    return f"≤ {limit} ms", value <= limit


def target_ratio(value: float, floor: float, limit: float) -> tuple[str, bool]:
    return f"≤ {limit:g}× floor", value <= limit * floor
