"""The window and a scheduled command-line export using the history at the same time (issue 18):
both succeed, and neither user sees "database is locked". Real processes, one real SQLite file."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID
from mymove_viewer.store import Status
from mymove_viewer.table.work import WorkChange

from .conftest import TIMEOUT_MS
from .test_window_history import count_stored, range_settings, wait_written

ROOT = Path(__file__).resolve().parents[2]


def start_export(url: str) -> subprocess.Popen[str]:
    """``export --only-new`` as a scheduled job runs it, in its own process."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), MYMOVE_API_KEY=DEMO_API_KEY)
    args = ["export", "--base-url", url, "--client-id", DEMO_CLIENT_ID, "--days", "30"]
    return subprocess.Popen(
        [sys.executable, "-m", "mymove_viewer", *args, "--only-new"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env=env,
    )


def test_the_window_and_a_cli_export_share_the_history(
    qtbot, make_window, do_fetch, sandbox
) -> None:
    window = make_window(settings=range_settings())
    exported: set[tuple[str, ...]] = set()
    for round_ in range(3):
        job = start_export(sandbox.base_url)
        do_fetch(window, indexed=False)  # the window's merge runs while the job merges and marks
        lead = window.model.leads[round_]
        window.session.change_work(WorkChange([lead], status=Status.CONTACTED))
        out, err = job.communicate(timeout=120)
        assert job.returncode == 0, err
        assert "locked" not in err.lower() and "busy" not in err.lower()
        rows = list(csv.reader(io.StringIO(out)))
        assert rows[0][0] == "offer_id"
        fresh = {tuple(r) for r in rows[1:]}
        assert not fresh & exported  # --only-new: never a lead the job wrote before
        exported |= fresh
        wait_written(qtbot, window)
        assert window.banner.message() == ""  # nothing about the history in the window
    assert exported  # the first run wrote the leads, the later ones only the header
    assert count_stored("production") >= window.model.total_count()

    again = make_window()  # what both wrote is there: the window's statuses too
    qtbot.waitUntil(lambda: len(again.model.table.work.status) == 3, timeout=TIMEOUT_MS)
