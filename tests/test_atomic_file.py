"""The one atomic writer settings and export share: real files in a temporary folder."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from mymove_viewer import atomic_file
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.atomic_file import AtomicFile, write_atomically
from mymove_viewer.export import write_csv
from mymove_viewer.settings import Settings, SettingsStore

LEADS = [Lead.build([f"{f} {i}" for f in FIELDS]) for i in range(10)]


@pytest.fixture
def no_umask() -> Iterator[None]:
    """The mode on disk is exactly the one asked for, not what a umask left of it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def names(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.usefixtures("no_umask")
@pytest.mark.parametrize("mode", [0o600, 0o640])
def test_the_new_file_has_the_content_and_the_mode_asked(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "out.json"
    target.write_bytes(b"old and longer than the new content\n")
    target.chmod(0o644)
    write_atomically(target, b"new\n", mode=mode)
    assert target.read_bytes() == b"new\n"
    assert mode_of(target) == mode
    assert names(tmp_path) == ["out.json"]


def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Record what each fsync is applied to ("file" or "folder") and its mode at that moment."""
    seen: list[tuple[str, int]] = []
    real_fsync = os.fsync

    def spying(fd: int) -> None:
        info = os.fstat(fd)
        seen.append(
            ("folder" if stat.S_ISDIR(info.st_mode) else "file", stat.S_IMODE(info.st_mode))
        )
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", spying)
    return seen


@pytest.mark.usefixtures("no_umask")
def test_the_temporary_file_has_the_mode_before_it_is_in_place(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = fsyncs(monkeypatch)
    write_atomically(tmp_path / "out.csv", b"x", mode=0o640)
    assert seen[0] == ("file", 0o640)  # synced before the rename: nobody saw a wider mode


def test_replacing_onto_a_folder_fails_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("kept\n")
    with pytest.raises(OSError):
        write_atomically(target, b"new\n")
    assert names(tmp_path) == ["taken"]
    assert (target / "inside").read_text() == "kept\n"


def test_a_failure_while_writing_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    with pytest.raises(RuntimeError, match="stop"), AtomicFile(target) as out:
        out.file.write(b"half")
        raise RuntimeError("stop")
    assert target.read_bytes() == b"old\n"
    assert names(tmp_path) == ["out.csv"]


def test_leaving_without_a_commit_replaces_nothing(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_bytes(b"old\n")
    with AtomicFile(target) as out:
        out.file.write(b"new\n")
        out.sync()  # on disk, but not put in place
    assert target.read_bytes() == b"old\n"
    assert names(tmp_path) == ["out.csv"]


def test_an_interrupt_right_after_the_file_is_created_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = os.open

    def interrupted(path, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        os.close(real_open(path, flags, mode, *args, **kwargs))  # the file exists now
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "open", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_atomically(tmp_path / "out.csv", b"new\n")
    monkeypatch.undo()
    assert names(tmp_path) == []


def test_someone_elses_file_with_the_temporary_name_is_left_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = iter(["aaaaaaaaaaaa", "bbbbbbbbbbbb"])
    monkeypatch.setattr(atomic_file.secrets, "token_hex", lambda _n: next(parts))
    foreign = tmp_path / ".out.csv.aaaaaaaaaaaa.tmp"
    foreign.write_bytes(b"not ours\n")
    write_atomically(tmp_path / "out.csv", b"new\n")
    assert (tmp_path / "out.csv").read_bytes() == b"new\n"
    assert foreign.read_bytes() == b"not ours\n"
    assert names(tmp_path) == [foreign.name, "out.csv"]


@pytest.mark.skipif(os.name != "posix", reason="folders are synced on POSIX only")
def test_settings_and_export_both_sync_the_file_then_its_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = fsyncs(monkeypatch)
    SettingsStore(tmp_path / "config").save(Settings())
    assert [kind for kind, _mode in seen] == ["file", "folder"]
    seen.clear()
    write_csv(tmp_path / "leads.csv", list(FIELDS), LEADS)
    assert [kind for kind, _mode in seen] == ["file", "folder"]
    assert (tmp_path / "leads.csv").read_bytes().count(b"\r\n") == len(LEADS) + 1
