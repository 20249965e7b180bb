"""Shared set-up for the reliability suite.

The window fixtures are the GUI suite's own (``tests/ui/conftest.py``), imported rather than
copied. The sandbox here is smaller than the GUI suite's and answers only a distinctive marker
key, so every test that talks to it is also a leak check for that key.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from mymove_viewer.sandbox import DEMO_CLIENT_ID, Sandbox
from tests.ui.conftest import (  # noqa: F401  (fixtures are found by name)
    FAST,
    FIXED_NOW,
    TIMEOUT_MS,
    credentials,
    do_fetch,
    isolated_config,
    keychain,
    make_window,
    settings_store,
)

REPO = Path(__file__).resolve().parents[2]
SESSION_START = time.time()  # files older than this cannot hold anything this run wrote
CLI_ENTRY = "tests.reliability.cli_entry"
# Looks like a real key, and is unlike any word a message could contain.
# Written in two pieces: a copy of this file (a second checkout under /tmp or HOME) must not
# look like a leak to the secret scan, which searches recent files for the whole marker.
MARKER_KEY = "mmv-MARKER-" + "7c41d2e9b05f-key"
CLIENT_ID = DEMO_CLIENT_ID
# The timings every CLI child and window in this suite uses (the GUI suite's FAST).
FAST_OVERRIDES = {
    "connect_timeout": FAST.connect_timeout,
    "read_timeout": FAST.read_timeout,
    "max_tries": FAST.max_tries,
    "backoff_base": FAST.backoff_base,
    "backoff_cap": FAST.backoff_cap,
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Same harmless offscreen-platform message the GUI suite ignores.
    for item in items:
        if "tests/reliability/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.qt_log_ignore("does not support propagateSizeHints"))


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """Overrides the GUI suite's sandbox for ``make_window``: 400 leads, the marker key."""
    with Sandbox(leads=400, seed=11, now=FIXED_NOW, api_key=MARKER_KEY) as box:
        yield box
    assert box.errors == []


@pytest.fixture
def marked_window(make_window, credentials):  # noqa: F811  (the imported fixtures)
    """``make_window`` with the marker key saved for Production instead of the demo key."""

    def make(**kwargs: object):
        window = make_window(key=False, **kwargs)
        credentials.set("production", MARKER_KEY)
        window.refresh_keys()
        assert window.fetch_block_reason() is None, window.fetch_block_reason()
        return window

    return make


@dataclass
class CliRun:
    returncode: int
    stdout: str
    stderr: str
    cmdline: list[str] = field(default_factory=list)

    def one_line_error(self) -> str:
        """The single ``mymove-viewer: …`` line a failed command prints, checked for shape."""
        lines = self.stderr.strip().splitlines()
        assert "Traceback" not in self.stderr, self.stderr
        assert len(lines) == 1, self.stderr
        assert lines[0].startswith("mymove-viewer: "), lines[0]
        return lines[0]


# Every child's command line, as the OS showed it while the child ran (for the secret scan).
SEEN_CMDLINES: list[list[str]] = []


def cli_env(key: str | None, settings: dict | None = None, env: dict | None = None) -> dict:
    import json

    environ = dict(os.environ, PYTHONPATH=str(REPO), PYTHONDONTWRITEBYTECODE="1")
    environ.pop("MYMOVE_API_KEY", None)
    if key is not None:
        environ["MYMOVE_API_KEY"] = key  # the CLI never takes the key from argv
    environ["MYMOVE_TEST_CLIENT_SETTINGS"] = json.dumps({**FAST_OVERRIDES, **(settings or {})})
    environ.update(env or {})
    return environ


def run_cli(
    *args: str,
    key: str | None = MARKER_KEY,
    settings: dict | None = None,
    stdin: str | None = None,
    env: dict | None = None,
    timeout: float = 60,
) -> CliRun:
    """The real CLI in a child process (see ``cli_entry``), its argv read from /proc."""
    proc = subprocess.Popen(
        [sys.executable, "-m", CLI_ENTRY, *args],
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env=cli_env(key, settings, env),
        cwd=REPO,
    )
    cmdline = read_cmdline(proc.pid)
    SEEN_CMDLINES.append(cmdline)
    try:
        out, err = proc.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise
    return CliRun(proc.returncode, out, err, cmdline)


def read_cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def export_args(base_url: str, *more: str) -> list[str]:
    return ["export", "--base-url", base_url, "--client-id", CLIENT_ID, "--hrs", "24", *more]
