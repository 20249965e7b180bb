"""Where the lead history lives, what the environment says about it, and its file on disk.

The folder is ``$MYMOVE_VIEWER_DATA_DIR`` if set, else the platform's folder for the app's
state from ``platformdirs`` (``~/.local/state/mymove-viewer`` on Linux; on macOS and Windows the
same as the user data folder). Not ``user_data_dir`` on Linux: that is
``~/.local/share/mymove-viewer``, the folder ``install.sh`` replaces on every install and
removes on uninstall, so the history would go with each update.
"""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Mapping
from pathlib import Path

from ..api.errors import ValidationError, app_logger
from ..settings import APP_DIR_NAME
from ..settings import DEFAULT_HISTORY_DAYS as DEFAULT_RETENTION_DAYS
from ..settings import MAX_HISTORY_DAYS as MAX_RETENTION_DAYS
from .errors import StoreUnavailableError

log = app_logger(__name__)

DATA_DIR_ENV = "MYMOVE_VIEWER_DATA_DIR"
NO_HISTORY_ENV = "MYMOVE_VIEWER_NO_HISTORY"
HISTORY_DAYS_ENV = "MYMOVE_VIEWER_HISTORY_DAYS"
FILE_NAME = "leads.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDE_FILES = ("-wal", "-shm", "-journal")
_FALSE = frozenset({"", "0", "false", "no", "off"})


def data_dir() -> Path:
    """The history's folder: ``$MYMOVE_VIEWER_DATA_DIR`` if set, else the OS state folder."""
    override = os.environ.get(DATA_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser().absolute()
    import platformdirs  # only here, as in settings.config_dir: it costs cold-start time

    return platformdirs.user_state_path(APP_DIR_NAME)


def store_path() -> Path:
    return data_dir() / FILE_NAME


def history_disabled(environ: Mapping[str, str] | None = None) -> bool:
    """True when ``MYMOVE_VIEWER_NO_HISTORY`` asks to keep no lead history (1, yes, true...)."""
    value = (os.environ if environ is None else environ).get(NO_HISTORY_ENV, "")
    return value.strip().lower() not in _FALSE


def retention_days(environ: Mapping[str, str] | None = None) -> int:
    """Days of leads (by ``created_at``) kept: ``MYMOVE_VIEWER_HISTORY_DAYS`` or 180."""
    text = (os.environ if environ is None else environ).get(HISTORY_DAYS_ENV, "").strip()
    if not text:
        return DEFAULT_RETENTION_DAYS
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= MAX_RETENTION_DAYS:
        raise ValidationError(
            f"{HISTORY_DAYS_ENV} must be a whole number of days from 1 to "
            f"{MAX_RETENTION_DAYS:,} (how long stored leads are kept), not {text[:40]!r}."
        )
    return int(text)


def prepare_file(path: Path) -> None:
    """Create the folder (0700) and an empty file (0600) before SQLite opens it, so the leads
    are never readable by others for a moment; tighten an existing file that is wider."""
    folder = path.parent
    try:
        if not folder.is_dir():
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            with contextlib.suppress(OSError):  # mkdir's mode is filtered by the umask
                os.chmod(folder, 0o700)
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
        try:
            mode = os.fstat(fd).st_mode
            if stat.S_ISREG(mode) and mode & 0o077:
                os.fchmod(fd, 0o600)
        finally:
            os.close(fd)
    except OSError as exc:
        raise StoreUnavailableError(
            f"The lead history {path} cannot be created or opened ({exc.strerror or exc}). "
            "Check that its folder is yours and writable."
        ) from exc


def looks_like_sqlite(path: Path) -> bool:
    """True for an empty file (SQLite makes it a database) or one with SQLite's header."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        return True
    except OSError:
        return True  # not ours to judge: opening it reports the real problem
    return head in (b"", SQLITE_MAGIC)


def set_aside(path: Path) -> Path:
    """Move the file (and its WAL and shared-memory files, which would otherwise be replayed
    into the new store) to ``<name>.bad-<time>``; the new path of the main file."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.bad-{stamp}")
    counter = 1
    while target.exists() or target.is_symlink():
        target = path.with_name(f"{path.name}.bad-{stamp}-{counter}")
        counter += 1
    try:
        os.rename(path, target)
    except OSError as exc:
        raise StoreUnavailableError(
            f"The lead history {path} is damaged or not a lead history, and it could not be "
            f"moved aside ({exc.strerror or exc}). Move or delete it, then try again."
        ) from exc
    for suffix in SIDE_FILES:
        side = path.with_name(path.name + suffix)
        if side.exists():
            try:
                os.rename(side, target.with_name(target.name + suffix))
            except OSError:
                with contextlib.suppress(OSError):
                    os.unlink(side)
    log.info("moved the unusable lead history to %s", target)  # the caller says so in words
    return target
