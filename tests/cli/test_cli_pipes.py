"""The command line as a shell user drives it: a reader that stops early (``| head -1``), and
``--debug`` written after the command as well as before it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mymove_viewer.sandbox import DEMO_API_KEY, Sandbox
from tests.test_cli import export_args, run_cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=3000, seed=5) as box:  # more than a pipe's buffer holds (~600 KB)
        yield box


def test_a_reader_that_stops_early_ends_the_export_quietly_with_141(sandbox: Sandbox) -> None:
    environ = dict(os.environ, PYTHONPATH=str(REPO), MYMOVE_API_KEY=DEMO_API_KEY)
    proc = subprocess.Popen(
        [sys.executable, "-m", "mymove_viewer", *export_args(sandbox, "--days", "30")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )
    assert proc.stdout is not None and proc.stderr is not None
    header = proc.stdout.readline()  # what `head -1` reads, then it exits
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    proc.stderr.close()
    assert header.startswith(b"offer_id,created_at,")
    assert code == 141, err
    assert err == ""  # nothing went wrong that the user must read


def test_a_file_that_cannot_be_written_is_still_an_error(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = run_cli(*export_args(sandbox, "--days", "1", "-o", str(tmp_path / "no" / "x.csv")))
    assert proc.returncode == 1
    assert "does not exist" in proc.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_before_or_after_the_command(sandbox: Sandbox, where: str) -> None:
    args = export_args(sandbox, "--days", "1", "--client-id", "bad/id")
    proc = run_cli(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert proc.returncode == 2, proc.stderr
    assert "Traceback (most recent call last)" in proc.stderr
