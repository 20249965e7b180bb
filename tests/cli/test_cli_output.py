"""Where ``export`` writes, as a script drives it: an empty ``-o``, a workbook whose writing
fails (one line on stderr, no traceback from the abandoned zip writer), and help that says
what ``export`` writes and that ``-o`` replaces a file. Each case is a real child process."""

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
    with Sandbox(leads=200, seed=4) as box:
        yield box


def test_an_empty_output_name_is_a_usage_error_not_stdout(sandbox: Sandbox) -> None:
    # `-o "$FILE"` with FILE unset: the leads went to stdout, into whatever reads it.
    proc = run_cli(*export_args(sandbox, "--days", "30", "-o", ""))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "-o needs a file name" in proc.stderr
    assert sandbox.requests == []  # checked before anything was sent


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_a_workbook_on_a_full_drive_is_one_line_without_a_traceback(sandbox: Sandbox) -> None:
    proc = run_cli(*export_args(sandbox, "--days", "30", "--format", "xlsx", "-o", "/dev/full"))
    assert proc.returncode == 1
    assert "the drive is full" in proc.stderr
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


def test_a_workbook_into_a_closed_pipe_is_one_line_without_a_traceback() -> None:
    with Sandbox(leads=3000, seed=5) as box:  # a workbook larger than a pipe's buffer (64 KB)
        err, code = _workbook_into_a_pipe_closed_early(box)
    assert code == 1
    assert "stopped before the export finished" in err
    assert "Traceback" not in err and "Exception ignored" not in err
    assert len(err.strip().splitlines()) == 1, err


def _workbook_into_a_pipe_closed_early(sandbox: Sandbox) -> tuple[str, int]:
    environ = dict(os.environ, PYTHONPATH=str(REPO), MYMOVE_API_KEY=DEMO_API_KEY)
    args = export_args(sandbox, "--days", "30", "--format", "xlsx", "-o", "/dev/stdout")
    proc = subprocess.Popen(
        [sys.executable, "-m", "mymove_viewer", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environ,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.read(10).startswith(b"PK")  # `head -c 10`: the zip has begun
    proc.stdout.close()
    err = proc.stderr.read().decode()
    code = proc.wait(timeout=60)
    proc.stderr.close()
    return err, code


def test_help_says_export_writes_workbooks_and_replaces_the_file() -> None:
    top = run_cli("--help").stdout
    export_line = next(line for line in top.splitlines() if line.strip().startswith("export"))
    assert "Excel" in export_line, export_line
    export_help = " ".join(run_cli("export", "--help").stdout.split())
    assert "replacing the file if it exists" in export_help
    assert "--env {production,staging} default: production" in export_help


def test_an_empty_client_id_is_named_as_empty_not_as_missing(sandbox: Sandbox) -> None:
    # `--client-id "$ID"` with ID unset said "No client ID is saved … Pass --client-id".
    proc = run_cli(*export_args(sandbox, "--days", "1", "--client-id", " "))
    assert proc.returncode == 2
    assert "--client-id is empty" in proc.stderr and "saved for" not in proc.stderr
    assert sandbox.requests == []


def test_key_status_problem_line_is_prefixed_as_other_errors_are() -> None:
    proc = run_cli(
        "key", "status", key=None, env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    )
    assert proc.returncode == 7
    assert proc.stdout.startswith("Production: ")
    assert proc.stderr.startswith("mymove-viewer: "), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
