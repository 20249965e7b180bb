"""Where an export is written: links, pipes, devices, and OS errors in plain words (issue 14).

The child-process matrix over every kind of target is tests/reliability/test_output_targets.py;
these are the unit-level checks, none of which writes to a system path.
"""

from __future__ import annotations

import errno
import os
import stat
import threading
from pathlib import Path

import pytest

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.export import ExportCancelled, ExportError, output_file, write_csv
from mymove_viewer.export.output_file import describe_os_error, output_location

LEADS = [Lead.build([f"{f} {i}" for f in FIELDS]) for i in range(10)]


def test_a_file_or_nothing_yet_is_replaced_atomically(tmp_path: Path) -> None:
    assert output_location(tmp_path / "new.csv") == (tmp_path / "new.csv", False)
    (tmp_path / "old.csv").write_text("old\n")
    assert output_location(tmp_path / "old.csv") == (tmp_path / "old.csv", False)


def test_links_resolve_to_the_file_they_name(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "leads.csv").write_text("old\n")
    (tmp_path / "link.csv").symlink_to("real/leads.csv")
    (tmp_path / "chain.csv").symlink_to("link.csv")
    (tmp_path / "dangling.csv").symlink_to("real/not-yet.csv")
    real = (tmp_path / "real").resolve()
    assert output_location(tmp_path / "link.csv") == (real / "leads.csv", False)
    assert output_location(tmp_path / "chain.csv") == (real / "leads.csv", False)
    assert output_location(tmp_path / "dangling.csv") == (real / "not-yet.csv", False)


def test_pipes_devices_and_stdout_are_written_into(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "to-pipe").symlink_to("pipe")
    assert output_location(tmp_path / "pipe") == (tmp_path / "pipe", True)
    assert output_location(tmp_path / "to-pipe") == (tmp_path / "to-pipe", True)
    # Classified only: nothing is written to these.
    assert output_location(Path("/dev/null")) == (Path("/dev/null"), True)
    assert output_location(Path("/dev/stdout"))[1] is True  # even when stdout is a plain file
    r, w = os.pipe()
    try:
        assert output_location(Path(f"/dev/fd/{w}")) == (Path(f"/dev/fd/{w}"), True)
    finally:
        os.close(r)
        os.close(w)


def test_folders_and_disk_devices_are_refused(tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(ExportError, match="is a folder"):
        output_location(tmp_path)
    real_stat = os.stat
    disk = tmp_path / "sdz"

    def fake_stat(path, *args, **kwargs):  # a block device node, without making one
        if Path(path) == disk:
            return os.stat_result((stat.S_IFBLK | 0o660, *real_stat(tmp_path)[1:]))
        return real_stat(path, *args, **kwargs)

    monkeypatch.setattr(output_file.os, "stat", fake_stat)
    with pytest.raises(ExportError, match="is a disk device, not a file"):
        output_location(disk)


def test_cancel_while_a_pipe_waits_for_its_reader(tmp_path: Path) -> None:
    """From the window, a FIFO nobody reads yet must not hang the export (nor the window's
    close): the open is retried, polling cancel, until a reader comes."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    polls = []

    def cancel() -> bool:
        polls.append(1)
        return len(polls) > 3

    with pytest.raises(ExportCancelled, match="Nothing was written"):
        write_csv(fifo, FIELDS, LEADS, cancel=cancel)
    assert len(polls) == 4 and stat.S_ISFIFO(fifo.stat().st_mode)


def test_a_pipe_whose_reader_comes_later_gets_everything(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)

    def cancel() -> bool:
        if not reader.is_alive() and not got:  # the first poll found no reader: now one comes
            reader.start()
        return False

    assert write_csv(fifo, FIELDS, LEADS, cancel=cancel) == len(LEADS)
    reader.join(10)
    assert got[0].count(b"\r\n") == len(LEADS) + 1


# -- messages --------------------------------------------------------------------------------

TARGET = Path("/home/ann/exports/leads.csv")
MESSAGES = {
    errno.ENAMETOOLONG: "file name is too long",
    errno.ENOSPC: "drive is full",
    errno.EACCES: "do not have permission to save in “/home/ann/exports”",
    errno.EROFS: "folder “/home/ann/exports” is read-only",
    errno.EISDIR: "that is a folder",
    errno.ENOENT: "folder “/home/ann/exports” does not exist",
    errno.ENOTDIR: "is not a folder",
    errno.ELOOP: "leads back to itself",
    errno.ENXIO: "nothing is there to receive the leads",
    errno.EPIPE: "program reading the output stopped",
    errno.EFBIG: "larger than this drive or system allows",
}


@pytest.mark.parametrize("code", MESSAGES, ids=[errno.errorcode[c] for c in MESSAGES])
def test_each_os_error_has_a_plain_message(code: int) -> None:
    exc = OSError(code, os.strerror(code), str(TARGET))
    if code == errno.EACCES:
        exc = PermissionError(code, os.strerror(code))
    elif code in (errno.EISDIR, errno.ENOENT, errno.ENOTDIR):
        exc = OSError(code, os.strerror(code))  # OSError picks the matching subclass
    message = str(describe_os_error(TARGET, exc))
    assert message.startswith(f"Could not save “{TARGET}”: ")
    assert MESSAGES[code] in message
    assert "Errno" not in message and "OSError" not in message


def test_messages_name_the_link_and_shorten_long_names() -> None:
    via = Path("/home/ann/leads.csv")
    exc = PermissionError(errno.EACCES, "Permission denied")
    message = str(describe_os_error(TARGET, exc, via=via))
    assert message.startswith(f"Could not save “{via}” (a link to “{TARGET}”): ")
    long = TARGET.parent / ("x" * 300 + ".csv")
    message = str(describe_os_error(long, OSError(errno.ENAMETOOLONG, "File name too long")))
    assert "x" * 41 not in message and "…" in message and "this one has 304" in message
