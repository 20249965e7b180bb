"""Tests for mymove_viewer.settings, on real files in a temporary folder."""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from pathlib import Path

import platformdirs
import pytest

from mymove_viewer import settings as settings_module
from mymove_viewer.settings import (
    CONFIG_DIR_ENV,
    FILE_NAME,
    GUI_KEYBOARD_SHORTCUTS,
    GUI_SORT_KEY,
    SCHEMA,
    Settings,
    SettingsError,
    SettingsReadOnlyError,
    SettingsStore,
    config_dir,
)

BAD_NAME = re.compile(rf"{re.escape(FILE_NAME)}\.bad-\d{{8}}-\d{{6}}(-\d+)?")


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def store(directory: Path) -> SettingsStore:
    return SettingsStore(directory)


def custom_settings() -> Settings:
    return Settings(
        client_ids={"production": "client-123", "staging": "client-stg"},
        last_environment="staging",
        query_mode="range",
        hours=6,
        days=7,
        range_start="2024-05-01T00:00:00Z",
        range_end="2024-05-02T12:30:00+02:00",
        export_excel=True,
        export_formula_guard=False,
        last_export_dir="/home/ünïcode/Exports",
        gui={
            "window_geometry": "AdnQywADAAAAAAA=",
            "columns": [{"name": "email", "width": 180}],
            "maximized": True,
            GUI_SORT_KEY: "created_at",
        },
    )


def write_file(store: SettingsStore, content: bytes) -> None:
    store.directory.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(content)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def root_can_write_anywhere(tmp_path: Path) -> bool:
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    probe_dir.chmod(0o500)
    try:
        (probe_dir / "x").write_bytes(b"")
    except PermissionError:
        return False
    else:
        return True
    finally:
        probe_dir.chmod(0o700)


# --- basics -----------------------------------------------------------------------------------


def test_missing_file_gives_defaults_quietly(store: SettingsStore, directory: Path) -> None:
    result = store.load()
    assert result.settings == Settings()
    assert (result.warning, result.read_only) == (None, False)
    assert directory.is_dir() and mode(directory) == 0o700


def test_defaults_are_the_documented_ones() -> None:
    s = Settings()
    assert (s.last_environment, s.query_mode, s.hours, s.days) == ("production", "hours", 24, 1)
    assert (s.range_start, s.range_end, s.last_export_dir) == (None, None, None)
    assert (s.export_excel, s.export_formula_guard) == (False, True)
    assert (s.client_ids, s.gui) == ({}, {})


def test_round_trip(store: SettingsStore, directory: Path) -> None:
    store.load()
    store.save(custom_settings())
    result = SettingsStore(directory).load()
    assert result.settings == custom_settings()
    assert (result.warning, result.read_only) == (None, False)
    on_disk = json.loads(store.path.read_text(encoding="utf-8"))
    assert on_disk["schema"] == SCHEMA == 1
    assert on_disk["client_ids"] == {"production": "client-123", "staging": "client-stg"}


def test_save_without_load_creates_the_folder(store: SettingsStore, directory: Path) -> None:
    store.save(custom_settings())
    assert mode(directory) == 0o700
    assert SettingsStore(directory).load().settings == custom_settings()


def test_file_is_0600_and_folder_0700_whatever_the_umask(
    store: SettingsStore, directory: Path
) -> None:
    old_umask = os.umask(0)
    try:
        store.save(Settings())
    finally:
        os.umask(old_umask)
    assert mode(store.path) == 0o600
    assert mode(directory) == 0o700


def test_existing_world_readable_file_becomes_0600(store: SettingsStore) -> None:
    write_file(store, b'{"schema": 1}')
    store.path.chmod(0o644)
    store.save(Settings())
    assert mode(store.path) == 0o600


def test_existing_folder_mode_is_left_alone(store: SettingsStore, directory: Path) -> None:
    directory.mkdir(mode=0o755)
    directory.chmod(0o755)
    store.save(Settings())
    assert mode(directory) == 0o755


def test_temp_file_is_0600_while_it_is_written(
    store: SettingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[int] = []
    real_fsync = os.fsync

    def spying_fsync(fd: int) -> None:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode):
            seen.append(stat.S_IMODE(st.st_mode))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spying_fsync)
    old_umask = os.umask(0)
    try:
        store.save(custom_settings())
    finally:
        os.umask(old_umask)
    assert seen == [0o600]


# --- atomic writes ----------------------------------------------------------------------------


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_save_leaves_old_file_and_no_temp_file(
    store: SettingsStore, directory: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    store.save(custom_settings())
    before = store.path.read_bytes()

    def broken(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(SettingsError, match="no space left on device"):
        store.save(Settings())
    monkeypatch.undo()
    assert store.path.read_bytes() == before
    assert sorted(p.name for p in directory.iterdir()) == [FILE_NAME]


# --- damaged files ----------------------------------------------------------------------------

VALID = json.dumps({"schema": 1, "hours": 6, "query_mode": "hours"}).encode()

DAMAGED = {
    "not-json": b"{this is not json",
    "truncated": VALID[: len(VALID) // 2],
    "empty": b"",
    "not-utf8": b'{"schema": 1, "last_environment": "\xff\xfe"}',
    "nan": b'{"schema": 1, "hours": NaN}',
    "list": b"[1, 2, 3]",
    "string": b'"settings"',
    "no-schema": b'{"hours": 5}',
    "schema-string": b'{"schema": "1"}',
    "schema-bool": b'{"schema": true}',
    "schema-zero": b'{"schema": 0}',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
}


@pytest.mark.parametrize("content", DAMAGED.values(), ids=DAMAGED.keys())
def test_damaged_file_is_moved_aside_once(
    store: SettingsStore, directory: Path, content: bytes
) -> None:
    write_file(store, content)
    result = store.load()
    assert result.settings == Settings()
    assert not result.read_only
    bad = [p for p in directory.iterdir() if p.name != FILE_NAME]
    assert len(bad) == 1 and BAD_NAME.fullmatch(bad[0].name)
    assert bad[0].read_bytes() == content
    assert not store.path.exists()
    assert result.warning is not None
    assert result.warning.startswith("Your settings file was unreadable")
    assert f"was moved to {bad[0]}; defaults are in use." in result.warning

    store.save(custom_settings())
    again = SettingsStore(directory).load()
    assert (again.settings, again.warning) == (custom_settings(), None)


def test_settings_path_that_is_a_folder_is_moved_aside(store: SettingsStore) -> None:
    store.path.mkdir(parents=True)
    result = store.load()
    assert result.warning is not None and "it is a folder" in result.warning
    assert result.settings == Settings()
    store.save(Settings(hours=3))
    assert store.path.is_file()


def test_unreadable_file_is_moved_aside(store: SettingsStore, tmp_path: Path) -> None:
    if root_can_write_anywhere(tmp_path):
        pytest.skip("running as root: file permissions do not stop reads")
    write_file(store, VALID)
    store.path.chmod(0)
    result = store.load()
    assert result.warning is not None and "permission denied" in result.warning
    assert not store.path.exists()


def test_oversized_file_is_moved_aside(
    store: SettingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module, "_MAX_BYTES", 10)
    write_file(store, VALID)
    result = store.load()
    assert result.warning is not None and "too large" in result.warning
    assert not store.path.exists()


def test_bad_files_in_the_same_second_get_distinct_names(
    store: SettingsStore, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module.time, "strftime", lambda fmt: "20240501-120000")
    for content in (b"first", b"second"):
        write_file(store, content)
        assert store.load().warning is not None
    assert (directory / f"{FILE_NAME}.bad-20240501-120000").read_bytes() == b"first"
    assert (directory / f"{FILE_NAME}.bad-20240501-120000-1").read_bytes() == b"second"


def test_damaged_file_that_cannot_be_moved_is_left_alone(
    store: SettingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_file(store, b"{garbage")

    def refuse(*args: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    result = store.load()
    assert result.settings == Settings()
    assert result.read_only
    assert result.warning is not None and "could not be moved aside" in result.warning
    with pytest.raises(SettingsReadOnlyError, match="neither read nor moved"):
        store.save(Settings())
    assert store.path.read_bytes() == b"{garbage"


def test_wrong_typed_values_fall_back_individually(store: SettingsStore, directory: Path) -> None:
    content = {
        "schema": 1,
        "client_ids": {"production": 123},
        "last_environment": "staging",
        "query_mode": "weeks",
        "hours": "24",
        "days": True,
        "range_start": "yesterday",
        "range_end": "2024-05-02T00:00:00Z",
        "export_excel": "yes",
        "export_formula_guard": False,
        "last_export_dir": 5,
        "gui": ["not", "a", "dict"],
        "unknown_future_field": 1,
    }
    write_file(store, json.dumps(content).encode())
    result = store.load()
    expected = Settings(
        last_environment="staging", range_end="2024-05-02T00:00:00Z", export_formula_guard=False
    )
    assert result.settings == expected
    assert not result.read_only
    assert result.warning is not None
    for name in (
        "client_ids",
        "query_mode",
        "hours",
        "days",
        "range_start",
        "export_excel",
        "last_export_dir",
        "gui",
    ):
        assert name in result.warning
    assert "last_environment" not in result.warning
    assert [p.name for p in directory.iterdir()] == [FILE_NAME]  # not moved aside


# --- a newer app's file -----------------------------------------------------------------------


def test_future_schema_is_read_but_never_overwritten(store: SettingsStore, directory: Path) -> None:
    content = json.dumps(
        {"schema": SCHEMA + 1, "hours": 12, "query_mode": "days", "new_feature": {"x": 1}}
    ).encode()
    write_file(store, content)
    result = store.load()
    assert result.read_only
    assert (result.settings.hours, result.settings.query_mode) == (12, "days")
    assert result.warning is not None and "newer version" in result.warning
    with pytest.raises(SettingsReadOnlyError, match="newer version"):
        store.save(custom_settings())
    assert store.path.read_bytes() == content
    assert [p.name for p in directory.iterdir()] == [FILE_NAME]


# --- folders that can't be used ---------------------------------------------------------------


@pytest.mark.parametrize("where", ["is-a-file", "under-a-file"])
def test_uncreatable_folder_gives_defaults_and_save_fails_clearly(
    tmp_path: Path, where: str
) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_bytes(b"I am a file")
    directory = blocker if where == "is-a-file" else blocker / "config"
    store = SettingsStore(directory)
    result = store.load()
    assert result.settings == Settings()
    assert result.warning is not None and "could not be created" in result.warning
    with pytest.raises(SettingsError, match="could not be created"):
        store.save(custom_settings())
    assert blocker.read_bytes() == b"I am a file"


def test_read_only_folder(store: SettingsStore, directory: Path, tmp_path: Path) -> None:
    if root_can_write_anywhere(tmp_path):
        pytest.skip("running as root: folder permissions do not stop writes")
    store.save(custom_settings())
    before = store.path.read_bytes()
    directory.chmod(0o500)
    try:
        result = store.load()
        assert result.settings == custom_settings()
        assert result.warning is not None and "read-only" in result.warning
        with pytest.raises(SettingsError, match="permission denied"):
            store.save(Settings())
        assert store.path.read_bytes() == before
        assert [p.name for p in directory.iterdir()] == [FILE_NAME]
    finally:
        directory.chmod(0o700)


def test_folder_refusing_new_files_makes_save_fail_clearly(
    store: SettingsStore, directory: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The same failure as a read-only folder, for runs as root (which ignores folder modes).
    store.save(custom_settings())
    before = store.path.read_bytes()

    def refuse(*args: object, **kwargs: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(settings_module.tempfile, "mkstemp", refuse)
    with pytest.raises(SettingsError, match="permission denied") as info:
        store.save(Settings())
    assert str(store.path) in str(info.value)
    assert store.path.read_bytes() == before


# --- where the file lives ---------------------------------------------------------------------


def test_env_var_overrides_config_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "override"
    monkeypatch.setenv(CONFIG_DIR_ENV, str(target))
    assert config_dir() == target
    store = SettingsStore()
    assert store.path == target / FILE_NAME
    store.save(custom_settings())
    assert (target / FILE_NAME).is_file()


def test_default_config_folder_is_the_platform_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CONFIG_DIR_ENV, raising=False)
    assert config_dir() == platformdirs.user_config_path("mymove-viewer")
    monkeypatch.setenv(CONFIG_DIR_ENV, "  ")
    assert config_dir() == platformdirs.user_config_path("mymove-viewer")


# --- nothing secret, nothing unserialisable ---------------------------------------------------


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda s: s.gui.update(api_key="SECRET-VALUE"), "gui.api_key"),
        (lambda s: s.gui.update(window={"AuthToken": "SECRET-VALUE"}), "gui.window.AuthToken"),
        (lambda s: s.gui.update(items=[{"password": "SECRET-VALUE"}]), "gui.items[0].password"),
        (lambda s: s.client_ids.update(client_secret="SECRET-VALUE"), "client_ids.client_secret"),
    ],
)
def test_secret_looking_names_are_refused(store: SettingsStore, change, path: str) -> None:
    store.save(Settings(hours=5))
    before = store.path.read_bytes()
    settings = Settings()
    change(settings)
    with pytest.raises(SettingsError, match=re.escape(f"'{path}'")) as info:
        store.save(settings)
    assert "SECRET-VALUE" not in str(info.value)
    assert store.path.read_bytes() == before


def test_known_gui_names_pass_the_secret_guard(store: SettingsStore) -> None:
    settings = Settings(gui={GUI_SORT_KEY: "email", GUI_KEYBOARD_SHORTCUTS: {"refresh": "F5"}})
    store.save(settings)
    assert SettingsStore(store.directory).load().settings == settings


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        (Settings(gui={"geometry": b"\x01\x02"}), "JSON"),
        (Settings(gui={"ratio": float("nan")}), "JSON"),
        (Settings(hours=0), "hours"),
        (Settings(query_mode="weeks"), "query_mode"),
        (Settings(range_start="last tuesday"), "range_start"),
    ],
)
def test_invalid_values_are_not_saved(store: SettingsStore, settings: Settings, match: str) -> None:
    with pytest.raises(SettingsError, match=match):
        store.save(settings)
    assert not store.path.exists()
    assert not store.directory.exists() or list(store.directory.iterdir()) == []


# --- what a command relying on saved settings must be told (issue 14) ------------------------


def test_damaged_is_set_exactly_when_saved_settings_were_lost_or_reset(
    store: SettingsStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert not store.load().damaged  # no file: nothing lost
    write_file(store, VALID)
    assert not store.load().damaged
    write_file(store, json.dumps({"schema": SCHEMA + 1, "hours": 5}).encode())
    newer = store.load()
    assert newer.warning and not newer.damaged  # read in full, only not written back
    write_file(store, json.dumps({"schema": 1, "client_ids": {"production": 5}}).encode())
    reset = store.load()
    assert reset.damaged and reset.warning and "client_ids" in reset.warning
    write_file(store, b"{garbage")
    assert store.load().damaged  # moved aside
    write_file(store, b"{garbage")
    monkeypatch.setattr(os, "rename", lambda *a: (_ for _ in ()).throw(PermissionError()))
    assert store.load().damaged  # could not even be moved


# --- a settings file that is a symbolic link (issue 14) --------------------------------------


def test_save_through_a_symlink_updates_the_file_it_names(
    store: SettingsStore, directory: Path, tmp_path: Path
) -> None:
    dotfiles = tmp_path / "dotfiles"
    dotfiles.mkdir()
    real = dotfiles / "mymove.json"
    real.write_text('{"schema": 1, "hours": 48}\n')
    directory.mkdir()
    store.path.symlink_to(Path("..") / "dotfiles" / "mymove.json")  # relative, as stow makes
    assert store.load().settings.hours == 48
    store.save(custom_settings())
    assert store.path.is_symlink() and os.readlink(store.path) == "../dotfiles/mymove.json"
    assert SettingsStore(directory).load().settings == custom_settings()
    assert mode(real) == 0o600
    assert sorted(p.name for p in dotfiles.iterdir()) == ["mymove.json"]  # no temp file left
    assert sorted(p.name for p in directory.iterdir()) == [FILE_NAME]


def test_save_through_a_link_into_a_missing_folder_names_both(
    store: SettingsStore, directory: Path, tmp_path: Path
) -> None:
    directory.mkdir()
    store.path.symlink_to(tmp_path / "unmounted" / "settings.json")
    with pytest.raises(SettingsError) as info:
        store.save(custom_settings())
    message = str(info.value)
    assert f"{store.path} (a link to {tmp_path / 'unmounted' / 'settings.json'})" in message
    assert store.path.is_symlink()
