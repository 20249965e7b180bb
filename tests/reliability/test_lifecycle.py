"""Settings, export and keychain faults, seen through the real window (and the CLI for export).

Root ignores file permissions, so "no permission" is real only in a child process that drops to
``nobody`` (skipped where it cannot); inside the test process it is simulated at the OS call.
"""

from __future__ import annotations

import errno
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import keyring.errors
import pytest
from keyring.backends import fail
from PySide6.QtCore import QTimer

from mymove_viewer import settings as settings_module
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.credentials import CredentialStore, KeySource
from mymove_viewer.export import csv_file
from mymove_viewer.settings import FILE_NAME, Settings, SettingsStore
from tests.export.helpers import refuse_temp_files
from tests.ui.conftest import MemoryKeyring

from .conftest import FAST, MARKER_KEY, REPO, TIMEOUT_MS, cli_env, export_args, run_cli

# -- settings ----------------------------------------------------------------------------------

GOOD = b'{"schema": 1, "hours": 48, "client_ids": {"production": "c-1"}}\n'
DAMAGED = {
    "corrupt": b"{this is not json",
    "truncated": GOOD[: len(GOOD) // 2],
    "not-utf8": b'{"schema": 1, "hours": "\xff\xfe"}',
    "wrong-types": b'{"schema": 1, "hours": "many", "days": -3, "client_ids": [1, 2]}',
    "future-version": b'{"schema": 99, "hours": 48, "new_thing": {"x": 1}}',
}


def open_window(qtbot, store: SettingsStore, credentials, **kw):
    from mymove_viewer.ui.window import MainWindow

    window = MainWindow(credentials=credentials, settings_store=store, client_settings=FAST, **kw)
    qtbot.addWidget(window)
    window.show()
    return window


def bad_copies(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{FILE_NAME}.bad-*"))


@pytest.mark.parametrize("kind", DAMAGED, ids=DAMAGED.keys())
def test_damaged_settings_start_with_defaults_and_say_so(
    kind, qtbot, settings_store: SettingsStore, credentials
) -> None:
    folder = settings_store.directory
    folder.mkdir(parents=True, exist_ok=True)
    content = DAMAGED[kind]
    settings_store.path.write_bytes(content)
    window = open_window(qtbot, settings_store, credentials)
    message = window.banner.message()
    assert window.banner.kind == "info" and message
    if kind == "future-version":
        assert "newer version" in message and window.panel.hours_spin.value() == 48
    elif kind == "wrong-types":
        assert "reset to their defaults" in message and "hours" in message
        assert window.panel.hours_spin.value() == 24 and window.panel.days_spin.value() == 1
    else:
        assert "defaults are in use" in message and window.panel.hours_spin.value() == 24
        # The user's file is kept, byte for byte, beside the new one.
        assert [p.read_bytes() for p in bad_copies(folder)] == [content]
    window.panel.hours_spin.setValue(5)
    window.close()
    if kind == "future-version":
        assert settings_store.path.read_bytes() == content  # never overwritten by an older app
    else:
        assert settings_store.load().settings.hours == 5  # and life goes on


def test_settings_folder_that_cannot_be_created(qtbot, tmp_path: Path, credentials) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where a folder should be")
    store = SettingsStore(blocker / "mymove-viewer")
    window = open_window(qtbot, store, credentials)
    assert "could not be created" in window.banner.message()
    assert window.panel.hours_spin.value() == 24
    window.panel.client_id_edit.setText("c-9")
    window.panel.client_id_edit.editingFinished.emit()  # a save attempt: must not crash
    window.close()
    assert blocker.read_text() == "a file where a folder should be"


def test_read_only_settings_folder_simulated(
    qtbot, settings_store: SettingsStore, credentials, monkeypatch
) -> None:
    settings_store.save(Settings(hours=48))
    before = settings_store.path.read_bytes()
    real_access = os.access
    monkeypatch.setattr(
        settings_module.os,
        "access",
        lambda p, mode: False if Path(p) == settings_store.directory else real_access(p, mode),
    )

    refuse_temp_files(monkeypatch, errno.EACCES, suffix=".tmp")
    window = open_window(qtbot, settings_store, credentials)
    assert "read-only" in window.banner.message() and window.panel.hours_spin.value() == 48
    window.panel.hours_spin.setValue(3)
    window.close()
    monkeypatch.undo()
    assert settings_store.path.read_bytes() == before


# -- export ------------------------------------------------------------------------------------


def leads(n: int) -> list[Lead]:
    return [Lead.build([f"{f} {i}" for f in FIELDS]) for i in range(n)]


@pytest.fixture
def export_window(marked_window):
    window = marked_window()
    window.model.set_leads(leads(50_000), (), None)
    window.confirm_export_all = lambda _n: True
    return window


def run_gui_export(qtbot, window, target: Path, *, cancel: bool = False) -> tuple[str, object]:
    window.ask_export_path = lambda _suggested: target
    events: list[tuple[str, object]] = []
    x = window.exporter
    # A finished export answers (rows written, the leads written, their export times).
    x.finished.connect(lambda _g, outcome: events.append(("finished", outcome[0])))
    x.failed.connect(lambda _g, error: events.append(("failed", error)))
    x.cancelled.connect(lambda _g: events.append(("cancelled", None)))
    with qtbot.waitSignal(x.idle, timeout=TIMEOUT_MS):
        window.export_selected()
        if cancel:
            window.cancel()  # Esc, while the worker is still writing
    qtbot.waitUntil(lambda: x.thread_count() == 0, timeout=TIMEOUT_MS)
    assert len(events) == 1, events
    return events[0]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def test_gui_export_cancelled_midway(qtbot, export_window, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(csv_file, "POLL_ROWS", 10)  # poll the cancel flag often
    target = tmp_path / "leads.csv"
    target.write_text("old\n")
    kind, _ = run_gui_export(qtbot, export_window, target, cancel=True)
    assert kind == "cancelled"
    assert "no file was written" in export_window.status_label.text()
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


def test_gui_export_disk_full(qtbot, export_window, tmp_path: Path) -> None:
    """A real write failure: the process may write at most 64 KiB per file meanwhile
    (Python ignores SIGXFSZ, so the write fails with EFBIG instead of killing the process)."""
    target = tmp_path / "leads.csv"
    target.write_text("old\n")
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, hard))
    try:
        kind, error = run_gui_export(qtbot, export_window, target)
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
    assert kind == "failed" and "larger than this drive" in str(error)
    assert export_window.banner.message() == str(error)
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


@pytest.mark.parametrize("fault", ["directory", "permission", "read-only"])
def test_gui_export_target_faults(
    qtbot, export_window, tmp_path: Path, monkeypatch, fault: str
) -> None:
    target = tmp_path / "leads.csv"
    target.write_text("old\n")
    expected = {
        "directory": "is a folder",
        "permission": "do not have permission",
        "read-only": "read-only",
    }[fault]
    if fault == "directory":
        target = tmp_path / "a-folder"
        target.mkdir()
    else:
        refuse_temp_files(monkeypatch, errno.EACCES if fault == "permission" else errno.EROFS)
    kind, error = run_gui_export(qtbot, export_window, target)
    assert kind == "failed" and expected in str(error)
    assert export_window.banner.isVisible() and expected in export_window.banner.message()
    assert (tmp_path / "leads.csv").read_text() == "old\n" and leftovers(tmp_path) == []


def test_cli_export_to_a_directory_and_disk_full(sandbox, tmp_path: Path) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    run = run_cli(*export_args(sandbox.base_url, "-o", str(folder)))
    assert run.returncode == 1 and "is a folder" in run.one_line_error()

    target = tmp_path / "leads.csv"
    target.write_text("old\n")
    limit = lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (1024, 1024))  # noqa: E731
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.reliability.cli_entry",
            *export_args(sandbox.base_url, "-o", str(target)),
        ],
        capture_output=True,
        text=True,
        env=cli_env(MARKER_KEY),
        cwd=REPO,
        preexec_fn=limit,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 1, proc.stderr
    assert "larger than this drive" in proc.stderr and "Traceback" not in proc.stderr
    assert target.read_text() == "old\n" and leftovers(tmp_path) == []


@pytest.mark.skipif(not hasattr(os, "setuid"), reason="POSIX")
def test_cli_export_without_permission_for_real(sandbox) -> None:
    folder = Path(tempfile.mkdtemp(prefix="mymove-ro-"))
    try:
        (folder / "leads.csv").write_text("old\n")
        folder.chmod(0o555)

        def as_nobody() -> None:
            if os.geteuid() == 0:
                os.setgroups([])
                os.setgid(65534)
                os.setuid(65534)

        env = cli_env(MARKER_KEY, env={"HOME": str(folder)})
        try:
            proc = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "tests.reliability.cli_entry",
                    *export_args(sandbox.base_url, "-o", str(folder / "leads.csv")),
                ],
                capture_output=True,
                text=True,
                env=env,
                cwd=REPO,
                preexec_fn=as_nobody,
                timeout=60,
                check=False,
            )
        except (subprocess.SubprocessError, PermissionError) as exc:
            pytest.skip(f"cannot drop to nobody here: {exc}")
        if "No module named" in proc.stderr or "Permission denied: '" in proc.stderr:
            pytest.skip("nobody cannot read the project here")
        assert proc.returncode == 1, proc.stderr
        assert "do not have permission" in proc.stderr and "Traceback" not in proc.stderr
        assert (folder / "leads.csv").read_text() == "old\n"
        assert sorted(p.name for p in folder.iterdir()) == ["leads.csv"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


# -- keychain ----------------------------------------------------------------------------------


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")


class VanishingKeyring(MemoryKeyring):
    """Works until the D-Bus session goes away, then fails like secretstorage does."""

    gone = False

    def _check(self) -> None:
        if self.gone:
            from secretstorage.exceptions import SecretServiceNotAvailableException

            raise SecretServiceNotAvailableException("Could not connect to the session bus")

    def get_password(self, service: str, username: str) -> str | None:
        self._check()
        return super().get_password(service, username)

    def set_password(self, service: str, username: str, password: str) -> None:
        self._check()
        super().set_password(service, username, password)

    def delete_password(self, service: str, username: str) -> None:
        self._check()
        super().delete_password(service, username)


def set_key_in_dialog(window, key: str, *, session: bool | None = None):
    dialog = window.open_key_dialog()
    assert dialog is not None
    dialog.key_edit.setText(key)
    if session is not None:
        dialog.session_check.setChecked(session)
    dialog.save()
    return dialog


def fetch_works(qtbot, window) -> None:
    assert window.fetch_block_reason() is None, window.fetch_block_reason()
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        window.fetch()
    assert window.model.total_count() > 0


@pytest.mark.parametrize("kind", ["locked", "missing", "dbus-gone-mid-session"])
def test_keychain_faults_offer_session_only(kind, qtbot, sandbox, settings_store, caplog) -> None:
    backend = {
        "locked": LockedKeyring,
        "missing": fail.Keyring,
        "dbus-gone-mid-session": VanishingKeyring,
    }[kind]()
    creds = CredentialStore(backend=backend, environ={}, service="mymove-viewer-test")
    settings_store.save(Settings(client_ids={"production": sandbox.client_id}))
    window = open_window(qtbot, settings_store, creds, base_url=sandbox.base_url)
    if kind == "dbus-gone-mid-session":
        dialog = set_key_in_dialog(window, MARKER_KEY)
        assert not dialog.isVisible()
        fetch_works(qtbot, window)
        backend.gone = True
        window.refresh_keys()  # the next look-up meets the dead bus
        reason = window.fetch_block_reason()
        assert reason is not None and "keychain" in reason.lower()
        assert window.panel.reason_label.text() == reason
    dialog = set_key_in_dialog(window, MARKER_KEY)
    if kind == "missing":
        assert dialog is not None and not dialog.isVisible()  # saved for the session at once
    else:
        assert dialog.isVisible()
        message = dialog.result_label.text()
        assert ("locked" if kind == "locked" else "keychain") in message.lower()
        assert "this session only" in message and dialog.session_check.isEnabled()
        dialog.session_check.setChecked(True)  # the fallback the message offers
        dialog.save()
        assert not dialog.isVisible()
    assert creds.status("production").source is KeySource.SESSION
    fetch_works(qtbot, window)
    assert all(MARKER_KEY not in r.getMessage() for r in caplog.records)
    window.close()


@pytest.mark.keychain
def test_real_secret_service_vanishing_mid_session(monkeypatch) -> None:
    """The real backend, then a dead bus address: errors are typed, nothing crashes."""
    if not os.environ.get("MYMOVE_PRIVATE_KEYRING"):
        pytest.skip("needs the throwaway Secret Service that `dev.py test` starts")
    from keyring.backends import SecretService

    store = CredentialStore(SecretService.Keyring(), environ={}, service="mymove-viewer-rel")
    assert store.keychain_available()
    store.set("staging", MARKER_KEY)
    assert store.get("staging") == MARKER_KEY
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    from mymove_viewer.credentials import KeychainError

    with pytest.raises(KeychainError) as info:
        store.get("staging")
    assert MARKER_KEY not in str(info.value) + info.value.detail
    assert store.status("staging").problem  # reported, not raised
    store.set_for_session("staging", MARKER_KEY)
    assert store.get("staging") == MARKER_KEY
    monkeypatch.undo()
    store.delete("staging")
    assert (
        CredentialStore(SecretService.Keyring(), environ={}, service="mymove-viewer-rel").get(
            "staging"
        )
        is None
    )


# -- closing the window while an export runs ---------------------------------------------------


def part_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.glob("*.part"))


@pytest.mark.parametrize("moment", ["writing rows", "final save"])
def test_closing_the_window_mid_xlsx_export_stops_it_and_removes_the_partial_file(
    qtbot, marked_window, tmp_path: Path, moment: str
) -> None:
    """Issue 14: closing during the final save of a large workbook aborted the app (the export
    thread outlived the window) and left a .part file. The final save is the zip phase: the
    only time the .part file grows (the rows go to XlsxWriter's scratch files first)."""
    window = marked_window()
    window.model.set_leads(leads(12_000), (), None)
    window.confirm_export_all = lambda _n: True
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "leads.xlsx"
    target.write_text("old\n")
    window.ask_export_path = lambda _suggested: target
    x = window.exporter
    # Waiting on signals runs a real event loop, which lets the export thread have the GIL
    # (qtbot.waitUntil's qWait would starve it).
    with qtbot.waitSignal(x.progress, timeout=60_000, check_params_cb=lambda _g, done, n: done):
        window.export_selected_xlsx()
    if moment == "final save":
        poll = QTimer()
        poll.start(5)
        with qtbot.waitSignal(
            poll.timeout, timeout=60_000, check_params_cb=lambda: part_bytes(folder) > 0
        ):
            pass
        poll.stop()
    assert x.thread_count() == 1  # still exporting when the user closes the window
    window.close()
    assert x.thread_count() == 0 and not window.isVisible()
    assert target.read_text() == "old\n"  # cancelled, not finished behind the user's back
    assert sorted(p.name for p in folder.iterdir()) == ["leads.xlsx"]  # no .part, no scratch
