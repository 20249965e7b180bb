"""Loading settings (settings.py): defaults, damaged and newer files, which folder holds them."""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import platformdirs
import pytest

from mymove_viewer import settings as settings_module
from mymove_viewer.settings import (
    CONFIG_DIR_ENV,
    FILE_NAME,
    SCHEMA,
    Settings,
    SettingsReadOnlyError,
    SettingsStore,
    config_dir,
)
from tests.settings_helpers import custom_settings, mode, root_can_write_anywhere, write_file

BAD_NAME = re.compile(rf"{re.escape(FILE_NAME)}\.bad-\d{{8}}-\d{{6}}(-\d+)?")


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
