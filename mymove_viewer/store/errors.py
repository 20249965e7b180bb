"""What can go wrong with the lead history, as exceptions whose text a person can act on.

The messages name the file and say what to do, in words that fit both the window and the
command line (no button or flag names): each interface adds its own way out.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from .. import APP_NAME


class StoreError(Exception):
    """The lead history could not be read or written. ``str()`` is the message to show."""


class StoreFullError(StoreError):
    """The disk (or the store's size limit) is full: the change was not made."""


class StoreBusyError(StoreError):
    """Another program kept the history locked longer than the busy timeout."""


class StoreTooNewError(StoreError):
    """The file was written by a newer version of the app; it is left untouched."""


class StoreDamagedError(StoreError):
    """The file turned out to be damaged after it was opened (found while reading it)."""


class StoreUnavailableError(StoreError):
    """The folder or the file cannot be created, opened or written (permissions, a file in
    the way, a read-only disk)."""


def too_new(path: Path, found: int, known: int) -> StoreTooNewError:
    return StoreTooNewError(
        f"The lead history {path} was written by a newer version of {APP_NAME} (format "
        f"{found}; this version knows up to {known}). It was left unchanged and is not used. "
        "Update the app, or move the file away to start a new history."
    )


def from_sqlite(exc: sqlite3.Error, path: Path, doing: str, seconds: float) -> StoreError:
    """The ``StoreError`` for an error SQLite reported while ``doing`` (e.g. "storing the
    leads"); the whole change was rolled back by then."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF  # the primary result code
    if code == sqlite3.SQLITE_FULL:
        return StoreFullError(
            f"The disk holding the lead history ({path}) is full: {doing} failed and the "
            "history is as it was before. Free some disk space and try again."
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusyError(
            f"The lead history ({path}) is busy: another {APP_NAME} (a window or an export) "
            f"kept it locked for more than {seconds:g} seconds, so {doing} was not done. Try "
            "again when it has finished."
        )
    if code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StoreDamagedError(
            f"The lead history {path} is damaged ({exc}): {doing} failed. Close every "
            f"{APP_NAME} window and move the file away; a new history starts the next time."
        )
    if code in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return StoreUnavailableError(
            f"The lead history {path} cannot be written ({exc}), so {doing} was not done. "
            "Check that its folder is yours and writable."
        )
    return StoreError(f"The lead history {path} could not be used ({exc}): {doing} failed.")
