"""``mymove-viewer sandbox`` as a new user meets it: a child process that prints an export
command, and that command, pasted as printed, exports the sandbox's leads."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from tests.test_cli import run_cli

REPO = Path(__file__).resolve().parents[2]


def test_the_printed_export_command_works_as_pasted(tmp_path: Path) -> None:
    environ = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.Popen(
        [sys.executable, "-m", "mymove_viewer", "sandbox", "--port", "0", "--leads", "30"],
        stdout=subprocess.PIPE,
        text=True,
        env=environ,
    )
    assert proc.stdout is not None
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if line.startswith("Press Ctrl+C"):
                break
        export = [line.split("Export:", 1)[1] for line in lines if "Export:" in line]
        assert export, "".join(lines)
        words = shlex.split(export[0])
        variable, program, *args = words
        name, _, key = variable.partition("=")
        assert (name, program, args[0]) == ("MYMOVE_API_KEY", "mymove-viewer", "export")
        out = args.index("-o") + 1
        args[out] = str(tmp_path / args[out])  # the file the command names, here
        done = run_cli(*args, key=key, env={"MYMOVE_VIEWER_NO_HISTORY": "1"})
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert done.returncode == 0, done.stderr
    written = (tmp_path / "leads.csv").read_text(encoding="utf-8").splitlines()
    assert written[0].startswith("offer_id,created_at,") and len(written) > 1
