"""User settings in one JSON file: read forgivingly, written atomically, never holding a secret.

``load()`` never raises: a damaged file is moved aside and defaults are used; a file from a newer
app version is read but left untouched. ``save()`` writes a 0600 temp file in the same folder and
renames it over the old one, so a crash leaves either the old or the new file, never half of one.
API keys live in the keychain (see ``credentials``); a guard refuses secret-looking names here.
No Qt here.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path
from typing import Any

from . import APP_NAME
from .api.query import MAX_DAYS, MAX_HOURS
from .atomic_file import write_atomically
from .table.views import SavedView, views_from_json, views_to_json, views_valid

APP_DIR_NAME = "mymove-viewer"
CONFIG_DIR_ENV = "MYMOVE_VIEWER_CONFIG_DIR"
FILE_NAME = "settings.json"
SCHEMA = 1
QUERY_MODES = ("hours", "days", "range")
# The lead history (``store``): stored leads are kept this many days after they were created.
DEFAULT_HISTORY_DAYS = 180
MAX_HISTORY_DAYS = 366 * 100

# Names the GUI may store under ``gui`` although they contain a word the secret guard looks for.
GUI_SORT_KEY = "sort_key"
GUI_KEYBOARD_SHORTCUTS = "keyboard_shortcuts"
ALLOWED_SECRET_LOOKING_NAMES = frozenset({GUI_SORT_KEY, GUI_KEYBOARD_SHORTCUTS})
_SECRET_WORDS = ("key", "secret", "token", "password")

# A settings file is a few kilobytes; refuse to pull a runaway file into memory at startup.
_MAX_BYTES = 16 * 1024 * 1024


class SettingsError(Exception):
    """Settings could not be saved. The message says why and what to do."""


class SettingsReadOnlyError(SettingsError):
    """Saving is disabled for this run (the file belongs to a newer app, or could not be
    read and moved aside)."""


@dataclass
class Settings:
    client_ids: dict[str, str] = field(default_factory=dict)
    last_environment: str = "production"
    query_mode: str = "hours"
    hours: int = 24
    days: int = 1
    range_start: str | None = None
    range_end: str | None = None
    export_excel: bool = False
    export_formula_guard: bool = True
    export_with_status: bool = False  # the window's exports add status and note columns
    last_export_dir: str | None = None
    # Free-form GUI state (geometry, header state...): JSON values only; bytes as base64 text.
    gui: dict[str, object] = field(default_factory=dict)
    # Saved views per environment (its value, e.g. "production"), in the order of the menu.
    views: dict[str, list[SavedView]] = field(default_factory=dict)
    # The window's lead history: off keeps nothing on disk (MYMOVE_VIEWER_NO_HISTORY also does).
    keep_history: bool = True
    history_days: int = DEFAULT_HISTORY_DAYS


@dataclass(frozen=True)
class LoadResult:
    settings: Settings
    warning: str | None = None  # show once to the user
    read_only: bool = False  # save() will refuse: see SettingsReadOnlyError
    # Saved settings were lost or partly reset (file unreadable, invalid values): a command
    # that relies on them (the CLI's saved client ID) must say so, not only "none saved".
    damaged: bool = False


def config_dir() -> Path:
    """The settings folder: ``$MYMOVE_VIEWER_CONFIG_DIR`` if set, else the OS config folder."""
    override = os.environ.get(CONFIG_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser().absolute()
    import platformdirs  # only here: ~25 ms of the window's cold start when the override is set

    return platformdirs.user_config_path(APP_DIR_NAME)


# --- validation of individual values ------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _iso_or_none(value: object) -> bool:
    if value is None:
        return True
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def _str_dict(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


_CHECKS: dict[str, Callable[[object], bool]] = {
    "client_ids": _str_dict,
    "last_environment": lambda v: isinstance(v, str) and bool(v.strip()),
    "query_mode": lambda v: v in QUERY_MODES,
    # Bounded as the query is: a spin box cannot even hold 10**12, and the window would not open.
    "hours": lambda v: _is_int(v) and 1 <= v <= MAX_HOURS,
    "days": lambda v: _is_int(v) and 1 <= v <= MAX_DAYS,
    "range_start": _iso_or_none,
    "range_end": _iso_or_none,
    "export_excel": lambda v: isinstance(v, bool),
    "export_formula_guard": lambda v: isinstance(v, bool),
    "export_with_status": lambda v: isinstance(v, bool),
    "last_export_dir": lambda v: v is None or (isinstance(v, str) and bool(v)),
    "gui": lambda v: isinstance(v, dict) and all(isinstance(k, str) for k in v),
    "views": views_valid,
    "keep_history": lambda v: isinstance(v, bool),
    "history_days": lambda v: _is_int(v) and 1 <= v <= MAX_HISTORY_DAYS,
}
assert set(_CHECKS) == {f.name for f in fields(Settings)}, "every setting needs a check"
# Settings kept in memory in another form than JSON's: (from JSON with notes on what was
# dropped, to JSON). Each part is read on its own, so a damaged one costs only itself.
_CODECS: dict[str, tuple[Callable[[object], tuple[Any, list[str]]], Callable[[Any], Any]]] = {
    "views": (views_from_json, views_to_json),
}


def _from_json(data: dict[str, Any]) -> tuple[Settings, list[str], list[str]]:
    """Settings from a decoded file, the names of values that fell back to defaults, and what
    was dropped from settings read in parts (see ``_CODECS``)."""
    settings = Settings()
    reset: list[str] = []
    dropped: list[str] = []
    for name, check in _CHECKS.items():
        if name not in data:
            continue
        value = data[name]
        if name in _CODECS:
            value, notes = _CODECS[name][0](value)
            dropped += notes
        if check(value):
            setattr(settings, name, value)
        else:
            reset.append(name)
    return settings, reset, dropped


def _to_json(settings: Settings) -> dict[str, Any]:
    bad = [name for name, check in _CHECKS.items() if not check(getattr(settings, name))]
    if bad:
        raise SettingsError(
            f"Settings were not saved: invalid value for {', '.join(bad)}. "
            "This is a bug in the app; please report it."
        )
    data: dict[str, Any] = {"schema": SCHEMA}
    for f in fields(Settings):
        value = getattr(settings, f.name)
        data[f.name] = _CODECS[f.name][1](value) if f.name in _CODECS else value
    _refuse_secret_names(data, "")
    return data


def _refuse_secret_names(value: object, where: str) -> None:
    """Raise if any mapping key, at any depth, looks like it names a secret."""
    if isinstance(value, dict):
        for name, item in value.items():
            path = f"{where}.{name}" if where else str(name)
            lowered = str(name).lower()
            if name not in ALLOWED_SECRET_LOOKING_NAMES and any(
                word in lowered for word in _SECRET_WORDS
            ):
                raise SettingsError(
                    f"Settings were not saved: the setting '{path}' looks like a secret, and "
                    "secrets must never be written to the settings file (API keys belong in the "
                    "keychain). This is a bug in the app; please report it."
                )
            _refuse_secret_names(item, path)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            _refuse_secret_names(item, f"{where}[{index}]")


def _reject_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


# --- the store --------------------------------------------------------------------------------


class SettingsStore:
    """Loads and saves ``settings.json`` in ``directory`` (default: :func:`config_dir`)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = Path(directory) if directory is not None else config_dir()
        self.path = self.directory / FILE_NAME
        self._read_only_reason: str | None = None
        self._dir_problem: str | None = None

    def load(self) -> LoadResult:
        """The saved settings, or defaults. Never raises."""
        self._read_only_reason = None
        self._dir_problem = self._ensure_directory()
        if self._dir_problem:
            return LoadResult(
                Settings(),
                f"Your settings folder {self.directory} could not be created "
                f"({self._dir_problem}); defaults are in use and changes will not be saved.",
            )
        try:
            raw = self._read()
        except FileNotFoundError:
            return LoadResult(Settings(), self._writability_warning())
        except (OSError, _Unreadable) as exc:
            return self._set_aside(_reason(exc))

        try:
            data = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
        except UnicodeDecodeError:
            return self._set_aside("it is not UTF-8 text")
        except (ValueError, RecursionError):
            return self._set_aside("it is not valid JSON; it may have been cut short")
        if not isinstance(data, dict):
            return self._set_aside("it does not hold a settings object")
        schema = data.get("schema")
        if not _is_int(schema) or schema < 1:
            return self._set_aside("its format version is missing or invalid")

        settings, reset, dropped = _from_json(data)
        warnings = []
        if schema > SCHEMA:
            self._read_only_reason = (
                f"the settings file was written by a newer version of {APP_NAME}. Update the "
                f"app, or move {self.path} away to start with fresh settings"
            )
            warnings.append(
                f"Your settings file {self.path} was written by a newer version of {APP_NAME}; "
                "it is left unchanged, and changes you make now will not be saved. Update the "
                "app to keep your settings in sync."
            )
        if reset:
            warnings.append(
                "Some settings had invalid values and were reset to their defaults: "
                f"{', '.join(reset)}."
            )
        if dropped:
            lost = "; ".join(dropped)
            warnings.append(f"Saved views that could not be read were dropped: {lost}.")
        writable = self._writability_warning()
        if writable and not self._read_only_reason:
            warnings.append(writable)
        return LoadResult(
            settings,
            " ".join(warnings) or None,
            read_only=self._read_only_reason is not None,
            damaged=bool(reset or dropped),
        )

    def save(self, settings: Settings) -> None:
        """Write ``settings`` atomically. Raises SettingsError (with a user message) on failure."""
        if self._read_only_reason:
            raise SettingsReadOnlyError(
                f"Settings were not saved because {self._read_only_reason}."
            )
        payload = self._encode(settings)
        problem = self._ensure_directory()
        if problem:
            raise SettingsError(
                f"Settings could not be saved: the folder {self.directory} could not be created "
                f"({problem}). Check that the path is a folder you can write to, or set "
                f"{CONFIG_DIR_ENV} to one."
            )
        try:
            # A settings file that is a symbolic link (dotfiles kept elsewhere) is written
            # through: the file it names is replaced, in that file's folder, and the link stays.
            write_atomically(self._link_target() or self.path, payload, mode=0o600)
        except OSError as exc:
            target = self._link_target()
            where = f"{self.path} (a link to {target})" if target else str(self.path)
            raise SettingsError(
                f"Settings could not be saved to {where} ({_reason(exc)}). Check that the "
                "folder is writable and the disk is not full."
            ) from exc

    # --- helpers ---------------------------------------------------------------------------

    @staticmethod
    def _encode(settings: Settings) -> bytes:
        data = _to_json(settings)
        try:
            text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise SettingsError(
                f"Settings were not saved: a GUI value cannot be stored as JSON ({exc}). "
                "This is a bug in the app; please report it."
            ) from exc
        return (text + "\n").encode("utf-8")

    def _ensure_directory(self) -> str | None:
        """Create the folder (0700) if needed; the reason it can't be used, or None."""
        if self.directory.is_dir():
            return None
        try:
            self.directory.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            if not self.directory.is_dir():
                return "a file with that name is in the way"
        except OSError as exc:
            return _reason(exc)
        else:
            with contextlib.suppress(OSError):  # mkdir's mode is filtered by the umask
                os.chmod(self.directory, 0o700)
        return None

    def _writability_warning(self) -> str | None:
        if os.access(self.directory, os.W_OK | os.X_OK):
            return None
        return (
            f"Your settings folder {self.directory} is read-only; changes to settings will not "
            "be saved."
        )

    def _read(self) -> bytes:
        with open(self.path, "rb") as f:
            raw = f.read(_MAX_BYTES + 1)
        if len(raw) > _MAX_BYTES:
            raise _Unreadable("it is far too large to be a settings file")
        return raw

    def _set_aside(self, reason: str) -> LoadResult:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{FILE_NAME}.bad-{stamp}")
        counter = 1
        while target.exists() or target.is_symlink():
            target = self.path.with_name(f"{FILE_NAME}.bad-{stamp}-{counter}")
            counter += 1
        try:
            os.rename(self.path, target)
        except OSError as exc:
            # Keep our hands off a file we could neither read nor move: it may be fine later.
            self._read_only_reason = (
                f"the existing settings file {self.path} could be neither read nor moved aside. "
                "Check its permissions, or remove it"
            )
            return LoadResult(
                Settings(),
                f"Your settings file {self.path} was unreadable ({reason}) and could not be "
                f"moved aside ({_reason(exc)}); defaults are in use and changes will not be "
                "saved.",
                read_only=True,
                damaged=True,
            )
        return LoadResult(
            Settings(),
            f"Your settings file was unreadable ({reason}) and was moved to {target}; "
            "defaults are in use.",
            damaged=True,
        )

    def _link_target(self) -> Path | None:
        """Where the settings file's symbolic link points, or None when it is not a link."""
        return Path(os.path.realpath(self.path)) if self.path.is_symlink() else None


class _Unreadable(Exception):
    pass


def _reason(exc: BaseException) -> str:
    if isinstance(exc, _Unreadable):
        return str(exc)
    if isinstance(exc, PermissionError):
        return "permission denied"
    if isinstance(exc, IsADirectoryError):
        return "it is a folder, not a file"
    if isinstance(exc, NotADirectoryError):
        return "part of the path is a file, not a folder"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    return type(exc).__name__
