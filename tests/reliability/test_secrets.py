"""A full CLI session and a full GUI session with a marker key, then a search for the marker
everywhere it could have been left: files, logs, exceptions, output, exports, command lines and
(after "Forget") the app's live Python objects."""

from __future__ import annotations

import gc
import json
import logging
import os
import stat
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import platformdirs
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLineEdit

from mymove_viewer.credentials import CredentialStore
from mymove_viewer.sandbox import Fault, Sandbox
from mymove_viewer.settings import APP_DIR_NAME, Settings, SettingsStore

from .conftest import (
    FAST,
    MARKER_KEY,
    SEEN_CMDLINES,
    SESSION_START,
    TIMEOUT_MS,
    export_args,
    read_cmdline,
    run_cli,
)
from .secret_scan import pieces_in, record_texts
from .servers import EchoServer, http_answer

PRIVATE_KEYRING = bool(os.environ.get("MYMOVE_PRIVATE_KEYRING"))
MAX_SCAN_BYTES = 50_000_000


def needles(marker: str) -> list[bytes]:
    raw = marker.encode()
    return [raw, marker.encode("utf-16-le"), raw.hex().encode()]


def files_containing(
    roots: list[Path], marker: str, since: float | None = None
) -> tuple[list[Path], int]:
    """Files under ``roots`` holding the marker (UTF-8, UTF-16 or hex); with ``since``, only
    files modified after it are read (HOME outside ``dev.py test`` holds ~250k old files)."""
    found, scanned = [], 0
    wanted = needles(marker)
    seen: set[Path] = set()
    for root in roots:
        if not root.is_dir():
            continue
        for dirpath, _dirs, names in os.walk(root):
            for name in names:
                path = Path(dirpath, name)
                if path in seen or path.is_symlink() or not path.is_file():
                    continue
                seen.add(path)
                try:
                    info = path.stat()
                    if info.st_size > MAX_SCAN_BYTES:
                        continue
                    if since is not None and info.st_mtime < since:
                        continue
                    data = path.read_bytes()
                except OSError:
                    continue
                scanned += 1
                if any(n in data for n in wanted):
                    found.append(path)
    return found, scanned


def all_cmdlines() -> list[list[str]]:
    return [read_cmdline(int(p)) for p in os.listdir("/proc") if p.isdigit()]


def app_dirs() -> list[Path]:
    return [
        platformdirs.user_config_path(APP_DIR_NAME),
        platformdirs.user_data_path(APP_DIR_NAME),
        platformdirs.user_cache_path(APP_DIR_NAME),
        platformdirs.user_state_path(APP_DIR_NAME),
    ]


def test_the_scan_finds_a_planted_marker(tmp_path: Path) -> None:
    """Control: otherwise an empty result would prove nothing."""
    marker = f"MMV-PLANT-{uuid.uuid4().hex}"
    (tmp_path / "a.bin").write_bytes(b"x" + marker.encode("utf-16-le") + b"y")
    (tmp_path / "b.txt").write_text(marker)
    found, scanned = files_containing([tmp_path], marker)
    assert sorted(p.name for p in found) == ["a.bin", "b.txt"] and scanned == 2


def test_cli_and_gui_sessions_leave_the_key_nowhere(
    qtbot, tmp_path: Path, caplog, capfd, settings_store: SettingsStore, keychain
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = f"MMV-SECRET-{uuid.uuid4().hex}"
    texts: list[str] = []  # every output, message and log line seen
    exported: list[Path] = []
    with Sandbox(leads=300, seed=5, api_key=marker) as box:
        # -- CLI: key set (stdin) / status / export / delete --------------------------------
        out = tmp_path / "cli.csv"
        base = ["--env", "staging"]
        export = [
            "export",
            *base,
            "--base-url",
            box.base_url,
            "--client-id",
            box.client_id,
            "--days",
            "30",
            "-o",
            str(out),
        ]
        if PRIVATE_KEYRING:
            runs = [
                run_cli("key", "set", *base, key=None, stdin=marker + "\n"),
                run_cli("key", "status", *base, key=None),
                run_cli(*export, key=None),
                run_cli("key", "delete", *base, key=None),
                run_cli("key", "status", *base, key=None),
            ]
            assert "no key is stored" in runs[-1].stdout
        else:  # no keychain to write to: the key comes from the environment variable
            runs = [run_cli("key", "status", *base, key=marker), run_cli(*export, key=marker)]
        assert [r.returncode for r in runs] == [0] * len(runs), [r.stderr for r in runs]
        for r in runs:
            texts += [r.stdout, r.stderr, *r.cmdline]
        exported.append(out)
        assert stat.S_IMODE(out.stat().st_mode) == 0o600

        # -- GUI: set via the dialog, test, fetch, export, a failure, forget -----------------
        from mymove_viewer.ui.window import MainWindow

        service = f"mymove-viewer-rel-{uuid.uuid4().hex}"
        creds = (
            CredentialStore(environ={}, service=service)
            if PRIVATE_KEYRING
            else CredentialStore(backend=keychain, environ={}, service=service)
        )
        settings_store.save(
            Settings(client_ids={"production": box.client_id}, days=30, query_mode="days")
        )
        window = MainWindow(
            credentials=creds,
            settings_store=settings_store,
            base_url=box.base_url,
            client_settings=FAST,
        )
        qtbot.addWidget(window)
        window.show()
        errors: list[object] = []
        window.controller.failed.connect(lambda _g, e: errors.append(e))

        dialog = window.open_key_dialog()
        assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
        dialog.key_edit.setText(marker)
        with qtbot.waitSignal(dialog._controller.finished, timeout=TIMEOUT_MS):
            qtbot.mouseClick(dialog.test_button, Qt.MouseButton.LeftButton)
        assert dialog.result_label.text().startswith("OK")
        texts.append(dialog.result_label.text())
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
        assert dialog.key_edit.text() == "" and window.key_dialog is None  # cleared on close

        with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
            window.fetch()
        gui_csv = tmp_path / "gui.csv"
        window.ask_export_path = lambda _s: gui_csv
        window.confirm_export_all = lambda _n: True
        with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
            window.export_selected()
        exported.append(gui_csv)
        assert stat.S_IMODE(gui_csv.stat().st_mode) == 0o600

        # A server that echoes the key back: the banner must show it scrubbed.
        box.inject(Fault("raw_body", status=400, body=f'{{"error": "bad key {marker}"}}'.encode()))
        with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS):
            window.fetch()
        assert "***" in window.banner.message()
        texts += [window.banner.message(), window.banner.message_label.toolTip()]
        texts.append(window.status_label.text())
        cmdlines_during = all_cmdlines()

        dialog = window.open_key_dialog()
        qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
        dialog.reject()
        assert window.fetch_block_reason() is not None  # forgotten for real
        window.close()
        settings_file = settings_store.path
        assert stat.S_IMODE(settings_file.stat().st_mode) == 0o600

        # -- after "Forget": no live app object still holds the key -------------------------
        box.clear_requests()
        holders = live_holders(marker, exclude=box)
        assert holders == [], holders

    # -- the scan ------------------------------------------------------------------------------
    for e in errors:
        texts += [str(e), getattr(e, "detail", ""), repr(e)]
    texts += [r.getMessage() for r in caplog.records] + record_texts(caplog.records)
    texts += [str(r.exc_info[1]) for r in caplog.records if r.exc_info]
    captured = capfd.readouterr()
    texts += [captured.out, captured.err]
    texts += [" ".join(c) for c in SEEN_CMDLINES + cmdlines_during + all_cmdlines()]
    texts += [p.read_text(encoding="utf-8-sig") for p in exported]
    for text in texts:
        assert marker not in text and MARKER_KEY not in text
    scanned = 0
    for needle in (marker, MARKER_KEY):
        found, n = files_containing([*app_dirs(), tmp_path, settings_store.directory], needle)
        recent, m = files_containing(
            [Path.home(), Path(tempfile.gettempdir())], needle, since=SESSION_START - 2
        )
        assert found + recent == [], found + recent
        scanned = n + m
    assert scanned > 0
    print(
        f"\nsecret scan: {len(texts)} texts, {scanned} files, "
        f"{len(SEEN_CMDLINES)} child command lines; keychain: "
        f"{'Secret Service' if PRIVATE_KEYRING else 'memory'}"
    )


def live_holders(marker: str, exclude: object) -> list[str]:
    """Containers (other than the sandbox, the server side) that reference the marker."""
    skip = {id(exclude), id(vars(exclude))}
    hits = []
    for obj in gc.get_objects():
        if id(obj) in skip or type(obj).__module__.startswith(("http", "email", "socketserver")):
            continue
        try:
            if isinstance(obj, dict):
                values = list(obj.values()) + list(obj.keys())
            elif isinstance(obj, list | tuple | set | frozenset):
                values = list(obj)
            else:
                continue
        except Exception:
            continue
        if any(isinstance(v, str) and v == marker for v in values):
            hits.append(f"{type(obj).__name__}: {str(obj)[:120]}")
    return hits


# -- issue 14: a server that echoes the key, cut where the app cuts ---------------------------


def echo_answers(cut_at: int) -> dict[str, Callable[[str], bytes]]:
    """Answers that send the key back with only ``cut_at`` of its characters before the cut
    (the issue saw the first ten survive): in the server's words quoted in the message (cut at
    200), and in the body excerpt of the detail (cut at 160) with the reason phrase and a
    header (httpcore's DEBUG trace) as well."""
    return {
        "400": lambda k: http_answer(
            400, json.dumps({"error": "y" * (200 - cut_at) + k + " is not valid"}).encode()
        ),
        "503": lambda k: http_answer(
            503,
            ("x" * (160 - cut_at) + k + " end").encode(),
            reason=f"Unavailable for {k}",
            headers=(f"X-Echo: {k}",),
        ),
    }


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("kind", ["400", "503"])
def test_cli_stderr_never_shows_an_echoed_key(kind: str, debug: bool) -> None:
    with EchoServer(echo_answers(10)[kind]) as server:
        run = run_cli(*(["--debug"] if debug else []), *export_args(server.url))
    assert run.returncode == 6, run.stderr  # server error or unexpected status, --debug or not
    if not debug:
        run.one_line_error()
    else:  # the traceback comes first, redacted by the CLI itself
        assert "Traceback" in run.stderr and "httpcore" in run.stderr
        if kind == "503":
            assert "retrying in" in run.stderr and "X-Echo" in run.stderr
    if debug or kind == "400":  # the plain 503 message quotes nothing from the server
        assert "***" in run.stderr
    assert pieces_in(run.stderr + run.stdout, MARKER_KEY) == [], run.stderr


def test_the_banner_and_its_tooltip_never_show_a_key_across_the_cut(
    qtbot, marked_window, caplog
) -> None:
    caplog.set_level(logging.DEBUG)
    with EchoServer(lambda _k: b"") as server:
        window = marked_window(base_url=server.url)
        shown: list[str] = []
        for cut_at in range(0, len(MARKER_KEY) + 1, 3):
            for kind, answer in echo_answers(cut_at).items():
                server.answer = answer
                with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS):
                    window.fetch()
                text, tip = window.banner.message(), window.banner.message_label.toolTip()
                shown += [text, tip]
                assert pieces_in(text + "\n" + tip, MARKER_KEY) == [], (kind, cut_at, text, tip)
                if cut_at:
                    assert "***" in (text if kind == "400" else tip), (kind, cut_at, text, tip)
        # The banner is a boundary of its own: text that did not come from an ApiError.
        window.banner.show_message(f"pasted {MARKER_KEY[:12]}", detail=f"d {MARKER_KEY}")
        text, tip = window.banner.message(), window.banner.message_label.toolTip()
        assert (text, tip) == ("pasted ***", "d ***")
    assert pieces_in("\n".join(record_texts(caplog.records)), MARKER_KEY) == []
