"""Every kind of place ``-o`` can name, through the real CLI (a child process) and the window.

Issue 14: a symbolic link was replaced by a file, a FIFO or ``/dev/null`` by a regular file (the
reader got nothing), ``-o >(cmd)`` failed with "the folder /dev/fd does not exist" and a long name
with "Unexpected error (OSError)". Each row says what the user must end up with: the exit code,
the one-line message, and what is on disk afterwards (the link still a link, the FIFO still a
FIFO, the old file untouched, no temporary file anywhere).

A real read-only folder, even as root, is a read-only bind mount in a private user and mount
namespace (``unshare``) that only the child sees; the row is skipped where that is not allowed.
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import openpyxl
import pytest

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import Sandbox

from .conftest import (
    CLI_ENTRY,
    FAST,
    MARKER_KEY,
    REPO,
    SEEN_CMDLINES,
    CliRun,
    cli_env,
    export_args,
    read_cmdline,
)
from .test_lifecycle import export_window, run_gui_export  # noqa: F401  (a fixture)

EXPORT_WINDOW_LEADS = 50_000  # what the export_window fixture holds

OK, FAILURE = 0, 1


def run_export(
    base_url: str, target: str, fmt: str, *, pass_fds=(), wrap=(), stdout=subprocess.PIPE
) -> CliRun:
    """``mymove-viewer export … -o target`` in a child; ``wrap`` goes before the interpreter."""
    more = ["-o", target] + (["--format", "xlsx"] if fmt == "xlsx" else [])
    proc = subprocess.Popen(
        [*wrap, sys.executable, "-m", CLI_ENTRY, *export_args(base_url, *more)],
        stdin=subprocess.DEVNULL,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=cli_env(MARKER_KEY),
        cwd=REPO,
        pass_fds=pass_fds,
    )
    SEEN_CMDLINES.append(read_cmdline(proc.pid))
    for fd in pass_fds:
        os.close(fd)  # the child has its copy; the reader must see end-of-file when it is done
    out, err = proc.communicate(timeout=120)
    return CliRun(proc.returncode, (out or b"").decode("utf-8", "replace"), err.decode())


def lead_rows(data: bytes, fmt: str) -> list[list[str]]:
    """The rows below the header, which must start with the vendor's fields."""
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        rows = [["" if v is None else str(v) for v in r] for r in book.active.values]
        book.close()
    else:
        rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows and rows[0][: len(FIELDS)] == list(FIELDS), rows[:1]
    return rows[1:]


def reported_count(run: CliRun) -> int:
    match = re.match(r"([\d,]+) leads? ", run.stderr)
    assert match, run.stderr
    return int(match.group(1).replace(",", ""))


def assert_exported(run: CliRun, data: bytes, fmt: str) -> None:
    assert run.returncode == OK, run.stderr
    assert len(lead_rows(data, fmt)) == reported_count(run) > 0


def temp_leftovers(*folders: Path) -> list[str]:
    names = [p.name for folder in folders for p in folder.iterdir()]
    return [name for name in names if ".part" in name or "scratch" in name]


class Reader:
    """Reads a FIFO or a pipe to its end on a thread, as ``cat`` or ``wc`` would."""

    def __init__(self, open_read: Callable[[], io.BufferedReader]) -> None:
        self.data = b""
        self._open = open_read
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with self._open() as f:
            self.data = f.read()

    def result(self, fifo: Path | None = None) -> bytes:
        self._thread.join(5)
        if self._thread.is_alive() and fifo is not None:
            os.close(os.open(fifo, os.O_WRONLY))  # nobody wrote: let the reader end
            self._thread.join(5)
        assert not self._thread.is_alive()
        return self.data


_CAN_UNSHARE: bool | None = None


def read_only_wrap(folder: Path) -> list[str]:
    """A command prefix that makes ``folder`` read-only for the command it runs."""
    global _CAN_UNSHARE
    command = [
        "unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
        'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"',
        str(folder),
    ]  # fmt: skip
    if _CAN_UNSHARE is None:
        probe = subprocess.run([*command, "true"], capture_output=True, check=False)
        _CAN_UNSHARE = shutil.which("unshare") is not None and probe.returncode == 0
    if not _CAN_UNSHARE:
        pytest.skip("no private read-only mount here (unshare not allowed)")
    return command


def private_null_device(folder: Path) -> Path:
    """A character device that discards writes: a copy of /dev/null's node where mknod is
    allowed (root), else /dev/null itself (which a non-root process cannot replace)."""
    node = folder / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        if os.geteuid() == 0:
            pytest.skip("no private device node here; /dev/null itself is not risked as root")
        return Path("/dev/null")
    return node


# -- the matrix ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One kind of target: ``run(base_url, folder, fmt)`` does the export and checks the end."""

    name: str
    run: Callable[[str, Path, str], None]
    formats: tuple[str, ...] = ("csv",)


def regular_old_file(folder: Path) -> Path:
    old = folder / "leads.csv"
    old.write_text("old\n")
    return old


def row_symlink(base_url: str, folder: Path, fmt: str) -> None:
    (folder / "real").mkdir()
    real = folder / "real" / f"leads.{fmt}"
    real.write_text("old\n")
    real.chmod(0o644)
    link = folder / f"link.{fmt}"
    link.symlink_to(Path("real") / real.name)  # relative, as dotfile managers make them
    run = run_export(base_url, str(link), fmt)
    assert_exported(run, real.read_bytes(), fmt)
    assert link.is_symlink() and os.readlink(link) == str(Path("real") / real.name)
    assert stat.S_IMODE(real.stat().st_mode) == 0o600  # leads are personal data, as always
    assert temp_leftovers(folder, folder / "real") == []


def row_dangling_symlink(base_url: str, folder: Path, fmt: str) -> None:
    link = folder / "link.csv"
    link.symlink_to(folder / "made-by-export.csv")
    run = run_export(base_url, str(link), fmt)
    assert_exported(run, (folder / "made-by-export.csv").read_bytes(), fmt)
    assert link.is_symlink() and temp_leftovers(folder) == []


def row_symlink_into_missing_folder(base_url: str, folder: Path, fmt: str) -> None:
    link = folder / "link.csv"
    link.symlink_to(folder / "gone" / "leads.csv")
    run = run_export(base_url, str(link), fmt)
    line = run.one_line_error()
    assert run.returncode == FAILURE and "a link to" in line and "does not exist" in line
    assert str(folder / "gone") in line and link.is_symlink() and temp_leftovers(folder) == []


def row_symlink_loop(base_url: str, folder: Path, fmt: str) -> None:
    (folder / "a.csv").symlink_to("b.csv")
    (folder / "b.csv").symlink_to("a.csv")
    run = run_export(base_url, str(folder / "a.csv"), fmt)
    assert run.returncode == FAILURE and "leads back to itself" in run.one_line_error()
    assert (folder / "a.csv").is_symlink() and temp_leftovers(folder) == []


def row_fifo_with_reader(base_url: str, folder: Path, fmt: str, via_link: bool = False) -> None:
    fifo = folder / "pipe"
    os.mkfifo(fifo)
    target = fifo
    if via_link:
        target = folder / "link"
        target.symlink_to(fifo)
    reader = Reader(lambda: open(fifo, "rb"))  # noqa: SIM115  (Reader closes it)
    run = run_export(base_url, str(target), fmt)
    assert_exported(run, reader.result(fifo), fmt)
    assert stat.S_ISFIFO(fifo.stat().st_mode) and temp_leftovers(folder) == []


def row_symlink_to_fifo(base_url: str, folder: Path, fmt: str) -> None:
    row_fifo_with_reader(base_url, folder, fmt, via_link=True)


def row_process_substitution(base_url: str, folder: Path, fmt: str) -> None:
    """``-o >(wc -c)``: the shell passes a pipe as /dev/fd/63; here a pipe as /dev/fd/N."""
    r, w = os.pipe()
    reader = Reader(lambda: os.fdopen(r, "rb"))
    run = run_export(base_url, f"/dev/fd/{w}", fmt, pass_fds=(w,))
    assert_exported(run, reader.result(), fmt)
    assert f"→ /dev/fd/{w}" in run.stderr


# As root, a regression that replaced /dev/stdout would replace the machine's own: root then
# names the same open file by /proc/self/fd/1 (the same path through the code; the unit tests
# check /dev/stdout's classification without writing).
STDOUT = "/dev/stdout" if os.geteuid() != 0 else "/proc/self/fd/1"


def row_stdout_pipe(base_url: str, folder: Path, fmt: str) -> None:
    run = run_export(base_url, STDOUT, fmt)
    assert_exported(run, run.stdout.encode(), fmt)


def row_stdout_file(base_url: str, folder: Path, fmt: str) -> None:
    """``-o /dev/stdout > out.csv`` and ``>> out.csv``: written into the shell's file, appended
    after what ``>>`` keeps; the file is the same one (not replaced), its mode unchanged."""
    out = folder / "out.csv"
    out.write_bytes(b"kept\n")
    out.chmod(0o644)
    inode = out.stat().st_ino
    with open(out, "ab") as appending:
        run = run_export(base_url, STDOUT, fmt, stdout=appending)
    data = out.read_bytes()
    assert data.startswith(b"kept\n")
    assert_exported(run, data.removeprefix(b"kept\n"), fmt)
    assert out.stat().st_ino == inode and stat.S_IMODE(out.stat().st_mode) == 0o644
    assert temp_leftovers(folder) == []


def row_null_device(base_url: str, folder: Path, fmt: str) -> None:
    node = private_null_device(folder)
    before = node.stat()
    run = run_export(base_url, str(node), fmt)
    assert run.returncode == OK and reported_count(run) > 0, run.stderr
    after = node.stat()
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)  # no mode change
    assert temp_leftovers(folder) == []


def row_directory(base_url: str, folder: Path, fmt: str) -> None:
    (folder / "a-folder").mkdir()
    run = run_export(base_url, str(folder / "a-folder"), fmt)
    assert run.returncode == FAILURE and "is a folder" in run.one_line_error()
    assert list((folder / "a-folder").iterdir()) == [] and temp_leftovers(folder) == []


def row_long_name(base_url: str, folder: Path, fmt: str) -> None:
    run = run_export(base_url, str(folder / ("n" * 300 + ".csv")), fmt)
    line = run.one_line_error()
    assert run.returncode == FAILURE and "too long" in line and "Unexpected" not in line
    assert "n" * 100 not in line  # the name is shortened in the message
    assert list(folder.iterdir()) == []


def row_missing_folder(base_url: str, folder: Path, fmt: str) -> None:
    run = run_export(base_url, str(folder / "nowhere" / "leads.csv"), fmt)
    assert run.returncode == FAILURE and "does not exist" in run.one_line_error()
    assert list(folder.iterdir()) == []


def row_read_only_folder(base_url: str, folder: Path, fmt: str) -> None:
    old = regular_old_file(folder)
    run = run_export(base_url, str(old), fmt, wrap=read_only_wrap(folder))
    assert run.returncode == FAILURE and "is read-only" in run.one_line_error()
    assert old.read_text() == "old\n" and temp_leftovers(folder) == []


def row_symlink_into_read_only_folder(base_url: str, folder: Path, fmt: str) -> None:
    (folder / "ro").mkdir()
    old = regular_old_file(folder / "ro")
    link = folder / "link.csv"
    link.symlink_to(old)
    run = run_export(base_url, str(link), fmt, wrap=read_only_wrap(folder / "ro"))
    line = run.one_line_error()
    assert run.returncode == FAILURE and "(a link to" in line and "is read-only" in line
    assert link.is_symlink() and old.read_text() == "old\n"
    assert temp_leftovers(folder, folder / "ro") == []


ROWS = [
    Row("symlink", row_symlink, ("csv", "xlsx")),
    Row("dangling-symlink", row_dangling_symlink),
    Row("symlink-into-missing-folder", row_symlink_into_missing_folder),
    Row("symlink-loop", row_symlink_loop),
    Row("fifo-with-reader", row_fifo_with_reader, ("csv", "xlsx")),
    Row("symlink-to-fifo", row_symlink_to_fifo),
    Row("process-substitution", row_process_substitution, ("csv", "xlsx")),
    Row("stdout-pipe", row_stdout_pipe),
    Row("stdout-appending-file", row_stdout_file),
    Row("null-device", row_null_device, ("csv", "xlsx")),
    Row("directory", row_directory, ("csv", "xlsx")),
    Row("long-name", row_long_name, ("csv", "xlsx")),
    Row("missing-folder", row_missing_folder),
    Row("read-only-folder", row_read_only_folder, ("csv", "xlsx")),
    Row("symlink-into-read-only-folder", row_symlink_into_read_only_folder),
]
CASES = [pytest.param(row, fmt, id=f"{row.name}-{fmt}") for row in ROWS for fmt in row.formats]


@pytest.mark.parametrize(("row", "fmt"), CASES)
def test_cli(row: Row, fmt: str, sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    row.run(sandbox.base_url, folder, fmt)


# -- the same targets from the window ------------------------------------------------------------


@pytest.mark.parametrize("kind", ["symlink", "fifo-with-reader", "long-name", "dangling-symlink"])
def test_window(kind: str, qtbot, export_window, tmp_path: Path) -> None:  # noqa: F811  (the imported fixture)
    """What the CLI rows check, through Ctrl+E: the file lands where the link points, the FIFO's
    reader gets every row, a long name gets the plain message in the banner."""
    folder = tmp_path / "out"
    folder.mkdir()
    real = folder / "real.csv"
    reader = None
    if kind == "symlink":
        real.write_text("old\n")
        target = folder / "link.csv"
        target.symlink_to(real)
    elif kind == "dangling-symlink":
        target = folder / "link.csv"
        target.symlink_to(real)
    elif kind == "fifo-with-reader":
        target = folder / "pipe.csv"
        os.mkfifo(target)
        reader = Reader(lambda: open(target, "rb"))  # noqa: SIM115  (Reader closes it)
    else:
        target = folder / ("n" * 300 + ".csv")
    outcome, detail = run_gui_export(qtbot, export_window, target)
    if kind == "long-name":
        assert outcome == "failed" and "too long" in str(detail)
        assert "too long" in export_window.banner.message()
        assert list(folder.iterdir()) == []
        return
    assert outcome == "finished" and detail == EXPORT_WINDOW_LEADS
    data = reader.result(target) if reader is not None else real.read_bytes()
    assert len(lead_rows(data, "csv")) == EXPORT_WINDOW_LEADS
    if kind == "fifo-with-reader":
        assert stat.S_ISFIFO(target.stat().st_mode)
    else:
        assert target.is_symlink() and os.readlink(target) == str(real)
    assert temp_leftovers(folder) == []


# -- signals mid-export ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def big_sandbox():
    """Enough leads in the last 24 hours that writing the workbook takes a few seconds."""
    with Sandbox(leads=20_000, days=1, seed=5, api_key=MARKER_KEY) as box:
        yield box


@pytest.mark.parametrize(
    ("sig", "code", "words"),
    [
        (signal.SIGTERM, 143, "Stopped by SIGTERM."),
        (signal.SIGHUP, 129, "Stopped by SIGHUP."),
        (signal.SIGINT, 130, "Interrupted."),
    ],
    ids=["SIGTERM", "SIGHUP", "SIGINT"],
)
def test_signal_mid_export(sig, code: int, words: str, big_sandbox, tmp_path: Path) -> None:
    """Issue 14: SIGTERM or SIGHUP while the file was written left the .part file (exit -15).
    Now all three end like Ctrl+C: the temporary file and scratch folder are removed, the old
    file is untouched, one line on stderr, exit 128 + the signal's number."""
    folder = tmp_path / "out"
    folder.mkdir()
    old = folder / "leads.xlsx"
    old.write_text("old\n")
    more = ["-o", str(old), "--format", "xlsx"]
    proc = subprocess.Popen(
        [sys.executable, "-m", CLI_ENTRY, *export_args(big_sandbox.base_url, *more)],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cli_env(MARKER_KEY),
        cwd=REPO,
    )
    SEEN_CMDLINES.append(read_cmdline(proc.pid))
    try:
        # Polling the folder from this (non-GUI) test: the .part file is the only sign, from
        # outside, that the download is over and the writing has begun.
        deadline = time.monotonic() + 60
        while not temp_leftovers(folder) and proc.poll() is None:
            assert time.monotonic() < deadline, "the export never started writing"
            time.sleep(0.01)
        assert proc.poll() is None, "the export ended before the signal could be sent"
        proc.send_signal(sig)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    run = CliRun(proc.returncode, "", err.decode())
    assert run.returncode == code and run.one_line_error() == f"mymove-viewer: {words}"
    assert old.read_text() == "old\n" and temp_leftovers(folder) == []
    assert sorted(p.name for p in folder.iterdir()) == ["leads.xlsx"]


# -- a symlinked settings file ------------------------------------------------------------------


def test_window_saves_settings_through_a_symlink(qtbot, tmp_path: Path, credentials) -> None:
    """Issue 14: the window replaced a symlinked settings.json (dotfiles kept in a repository)
    with a plain file. The file the link names is updated; the link stays."""
    from mymove_viewer.settings import FILE_NAME, Settings, SettingsStore
    from mymove_viewer.ui.window import MainWindow

    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    config = tmp_path / "config"
    config.mkdir()
    store = SettingsStore(config)
    SettingsStore(dotfiles).save(Settings(hours=48))
    (config / FILE_NAME).symlink_to(dotfiles / FILE_NAME)
    window = MainWindow(credentials=credentials, settings_store=store, client_settings=FAST)
    qtbot.addWidget(window)
    window.show()
    assert window.panel.hours_spin.value() == 48
    window.panel.hours_spin.setValue(7)
    window.close()
    assert (config / FILE_NAME).is_symlink()
    assert os.readlink(config / FILE_NAME) == str(dotfiles / FILE_NAME)
    assert SettingsStore(dotfiles).load().settings.hours == 7
    assert sorted(p.name for p in config.iterdir()) == [FILE_NAME]
    assert sorted(p.name for p in dotfiles.iterdir()) == [FILE_NAME]
