"""Where and how an export file is written: atomically, through links, straight into pipes.

A regular file is written through ``atomic_file.AtomicFile`` (created 0600, user-only: leads are
personal data; renamed over the target only when complete and synced, folder included), so a
failed or cancelled export leaves the previous file untouched. A symbolic link is written through
to the file it names. A pipe, a terminal, ``/dev/null`` or a shell's ``>(command)`` is written
straight into, since replacing it by a file would send the leads nowhere. OS errors become an
``ExportError`` in plain words. Shared by the CSV and XLSX exporters; the package re-exports the
error types.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ..atomic_file import AtomicFile

__all__ = [
    "ExportCancelled",
    "ExportError",
    "atomic_output",
    "describe_os_error",
    "output_location",
]


class ExportError(Exception):
    """An export failed; the message says what happened and what to do, in plain words."""

    def __init__(self, message: str, path: Path | None = None) -> None:
        super().__init__(message)
        self.path = path


class ExportCancelled(ExportError):
    """The user cancelled; any previous file at the target is untouched."""


@contextmanager
def atomic_output(
    target: Path | str, cancel: Callable[[], bool] | None = None
) -> Iterator[BinaryIO]:
    """A binary file that replaces ``target`` only if the ``with`` block completes.

    The file is created beside the target (same file system, so the final rename is atomic),
    mode 0600, and synced to disk before the rename. On any exception it is removed and the
    target is left as it was. OS errors become ``ExportError``; ``ExportCancelled`` gets a message
    naming the target.

    A symbolic link is written through: the file it points to is replaced, in that file's folder,
    and the link stays. A pipe, a device or ``/dev/stdout`` cannot be replaced by a file, so it is
    written straight into (see ``output_location``); ``cancel`` is polled while a pipe has no
    reader yet.
    """
    path = Path(target)
    real, direct = output_location(path)
    if direct:
        with _direct_output(path, cancel) as f:
            yield f
        return
    via = path if real != path else None
    try:
        with AtomicFile(real, mode=0o600, suffix=".part", buffering=1 << 16) as out:
            yield out.file
            out.sync()
            if cancel is not None and cancel():  # the last moment the old file can stay
                raise ExportCancelled("Export cancelled.")
            try:
                out.commit()
            except OSError as exc:
                raise describe_os_error(real, exc, replacing=True, via=via) from exc
    except ExportCancelled as exc:
        raise ExportCancelled(f"Export cancelled. “{path}” was not changed.", path) from exc
    except ExportError:
        raise
    except OSError as exc:
        raise describe_os_error(real, exc, via=via) from exc


# O_NOCTTY and O_CLOEXEC are POSIX only (Windows handles are not inherited by default).
_INTO_FILE = os.O_WRONLY | os.O_APPEND | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


# Names that stand for one of this process's open files: they are written into, never replaced.
_FD_ALIASES = ("/dev/stdout", "/dev/stderr")
_FD_FOLDERS = ("/dev/fd/", "/proc/")


def output_location(path: Path) -> tuple[Path, bool]:
    """Where to write ``path`` and whether to write straight into it (True) rather than
    atomically replace it (False).

    A regular file (or nothing yet) is replaced atomically; through a symbolic link, even a
    dangling one, the file the link names is. Pipes, terminals, ``/dev/null`` and the
    ``/dev/fd/N`` a shell's ``>(command)`` gives are written into: replacing them by a file
    would silently send the leads nowhere. Folders and disk devices are refused.
    """
    try:
        info = os.stat(path)  # follows links, as writing does
    except FileNotFoundError:
        info = None  # nothing there yet, or a link to something not there yet
    except OSError as exc:
        raise describe_os_error(path, exc) from exc
    if info is not None:
        if stat.S_ISDIR(info.st_mode):
            raise ExportError(
                f"“{path}” is a folder. Type a file name inside it, such as “leads.csv”.", path
            )
        if stat.S_ISBLK(info.st_mode):
            raise ExportError(
                f"“{path}” is a disk device, not a file. Choose a file name, such as “leads.csv”.",
                path,
            )
        text = str(path)
        if not stat.S_ISREG(info.st_mode) or text in _FD_ALIASES or text.startswith(_FD_FOLDERS):
            return path, True
    if path.is_symlink():
        return Path(os.path.realpath(path)), False
    return path, False


@contextmanager
def _direct_output(path: Path, cancel: Callable[[], bool] | None) -> Iterator[BinaryIO]:
    """Stream into a pipe or device as it is: no temporary file, no rename, no mode change.

    ``O_APPEND`` so that ``-o /dev/stdout >> log`` appends as the shell asked (a fresh ``>``
    file is empty anyway); a pipe and a device ignore it.
    """
    try:
        fd = _open_direct(path, _INTO_FILE, cancel)
    except OSError as exc:
        raise describe_os_error(path, exc) from exc
    except ExportCancelled as exc:
        raise ExportCancelled(f"Export cancelled. Nothing was written to “{path}”.", path) from exc
    try:
        with os.fdopen(fd, "wb", buffering=1 << 16) as f:
            yield f
    except ExportCancelled as exc:
        raise ExportCancelled(
            f"Export cancelled. Part of the leads may already have gone to “{path}”.", path
        ) from exc
    except OSError as exc:
        raise describe_os_error(path, exc) from exc


def _open_direct(path: Path, flags: int, cancel: Callable[[], bool] | None) -> int:
    """Open for writing; a pipe with no reader yet is waited for, polling ``cancel``."""
    if cancel is None or not stat.S_ISFIFO(os.stat(path).st_mode):
        return os.open(path, flags)  # the command line waits for a reader, as a shell does
    while True:
        try:
            fd = os.open(path, flags | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO:  # ENXIO: no reader yet
                raise
            if cancel():
                raise ExportCancelled("Export cancelled.") from None
            time.sleep(0.05)
            continue
        os.set_blocking(fd, True)
        return fd


def describe_os_error(
    path: Path | None, exc: OSError, *, replacing: bool = False, via: Path | None = None
) -> ExportError:
    """An ``ExportError`` saying plainly why ``path`` could not be written and what to do;
    ``via`` is the link the user named when ``path`` is where it points."""
    where = f"“{_shown(path)}”" if path is not None else "the output"
    if via is not None:
        where = f"“{_shown(via)}” (a link to {where})"
    folder = f"“{path.parent}”" if path is not None else "that location"
    code = exc.errno
    if code in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)):
        what = "the drive is full. Free some space or choose another drive, then export again."
    elif code == errno.EFBIG:
        what = (
            "the file is larger than this drive or system allows. "
            "Choose another drive, or export fewer leads."
        )
    elif code == errno.EROFS:
        what = f"the folder {folder} is read-only. Choose another folder."
    elif isinstance(exc, PermissionError) and replacing:
        what = (
            "the existing file may be open in another program, such as Excel, or be read-only. "
            "Close it, or choose another file name, then export again."
        )
    elif isinstance(exc, PermissionError):
        what = (
            f"you do not have permission to save in {folder}. "
            "Choose another folder, such as your Documents folder."
        )
    elif isinstance(exc, IsADirectoryError):
        what = "that is a folder. Type a file name inside it, such as “leads.csv”."
    elif isinstance(exc, FileNotFoundError):
        what = f"the folder {folder} does not exist. Choose an existing folder, or create it first."
    elif isinstance(exc, NotADirectoryError):
        what = f"{folder} is not a folder. Choose an existing folder."
    elif code == errno.ENAMETOOLONG:
        what = (
            "the file name is too long (most drives allow 255 bytes; this one has "
            f"{len(os.fsencode(path.name)) if path is not None else 'more'}). "
            "Choose a shorter name."
        )
    elif code == errno.ELOOP:
        what = "it is a link that leads back to itself. Choose another file name."
    elif code == errno.ENXIO:
        what = "nothing is there to receive the leads (a socket, or a device that is gone)."
    elif code == errno.EPIPE:
        what = "the program reading the output stopped before the export finished."
    else:
        reason = exc.strerror or str(exc) or type(exc).__name__
        what = f"{reason}. Choose another location and try again."
    return ExportError(f"Could not save {where}: {what}", path)


def _shown(path: Path) -> Path | str:
    """``path``, with a name too long to read shortened in the middle."""
    name = path.name
    if len(name) <= 80:
        return path
    return str(path.parent / f"{name[:40]}…{name[-20:]}")
