"""Replace a file so that a crash leaves either the old one or the new one, never half of one.

A temporary file is created beside the target (same file system, so the rename is atomic) with
the mode asked from its first moment (a settings file or an export is nobody else's business),
written, synced to disk, renamed over the target, and then the folder is synced so that the
rename itself survives a power cut. On any failure or interruption before the rename the
temporary file is removed and the target is left as it was. Shared by settings and export;
errors stay ``OSError`` for each caller to put in its own words. No Qt.
"""

from __future__ import annotations

import os
import secrets
from contextlib import suppress
from pathlib import Path
from types import TracebackType
from typing import BinaryIO

__all__ = ["AtomicFile", "fresh_name", "fsync_directory", "write_atomically"]

# O_CLOEXEC and O_NOFOLLOW are POSIX only; O_BINARY is Windows only, where a file os.open makes
# is otherwise in text mode and would turn every "\n" into "\r\n".
_NEW_FILE = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)


def fresh_name(folder: Path, stem: str, suffix: str) -> Path:
    """An unused-looking name in ``folder``: ``stem`` cut short (a long target name must not make
    the temporary name too long), a random part, then ``suffix``."""
    return folder / f"{stem[:41]}.{secrets.token_hex(6)}{suffix}"


class AtomicFile:
    """A new file beside ``target`` that replaces it on ``commit()``.

    ``with AtomicFile(target) as out:`` write to ``out.file``, then call ``out.commit()``.
    Leaving the block without a commit (an exception, Ctrl+C, or a caller that decided not to)
    removes the temporary file. ``sync()`` alone lets a caller check something (a cancel
    request) between the data being safe on disk and the rename.
    """

    def __init__(
        self, target: Path | str, *, mode: int = 0o600, suffix: str = ".tmp", buffering: int = -1
    ) -> None:
        self.target = Path(target)
        self.mode = mode
        self._suffix = suffix
        self._buffering = buffering
        self._tmp: Path | None = None
        self._file: BinaryIO | None = None
        self._committed = False

    @property
    def file(self) -> BinaryIO:
        assert self._file is not None, "used outside its with block"
        return self._file

    def __enter__(self) -> AtomicFile:
        folder, stem = self.target.parent, f".{self.target.name}"
        # Named before it exists and created inside the ``try``, so that Ctrl+C or SIGTERM at
        # any moment (even inside the call that creates it) leaves no temporary file behind.
        self._tmp = fresh_name(folder, stem, self._suffix)
        try:
            while True:
                try:
                    fd = os.open(self._tmp, _NEW_FILE, self.mode)  # the mode from the start
                    break
                except FileExistsError:
                    self._tmp = fresh_name(folder, stem, self._suffix)  # not ours: left alone
            try:
                self._file = os.fdopen(fd, "wb", buffering=self._buffering)
            except BaseException:
                os.close(fd)
                raise
        except BaseException:
            self._discard()
            raise
        return self

    def sync(self) -> None:
        """Put the data on disk and close the file (once; ``commit`` does it too)."""
        f = self.file
        if not f.closed:
            f.flush()
            os.fsync(f.fileno())
            f.close()

    def commit(self) -> None:
        """Sync, replace the target, and sync the folder so the new name is on disk too."""
        self.sync()
        assert self._tmp is not None
        os.replace(self._tmp, self.target)
        self._committed = True
        fsync_directory(self.target.parent)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self._discard()

    def _discard(self) -> None:
        if self._file is not None:
            with suppress(OSError):  # a flush that failed (disk full) fails again here
                self._file.close()
        if self._tmp is not None:
            with suppress(OSError):
                os.unlink(self._tmp)


def write_atomically(target: Path | str, data: bytes, *, mode: int = 0o600) -> None:
    """Replace ``target`` by a file holding ``data``, created with ``mode`` (less the umask)."""
    with AtomicFile(target, mode=mode) as out:
        out.file.write(data)
        out.commit()


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (POSIX); a no-op where folders can't be opened."""
    if os.name != "posix":
        return
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems refuse to sync a folder; the data itself is already synced
    finally:
        os.close(fd)
