"""Saving settings: 0600 atomic writes, unusable folders, refused values, saving via symlinks."""

from __future__ import annotations

import errno
import os
import re
import stat
from pathlib import Path

import pytest

from mymove_viewer.settings import (
    FILE_NAME,
    GUI_KEYBOARD_SHORTCUTS,
    GUI_SORT_KEY,
    Settings,
    SettingsError,
    SettingsStore,
)
from tests.export.helpers import refuse_temp_files
from tests.settings_helpers import custom_settings, mode, root_can_write_anywhere, write_file

# --- basics -----------------------------------------------------------------------------------


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

    refuse_temp_files(monkeypatch, errno.EACCES, suffix=".tmp")
    with pytest.raises(SettingsError, match="permission denied") as info:
        store.save(Settings())
    assert str(store.path) in str(info.value)
    assert store.path.read_bytes() == before


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
