"""The fault matrix, continued: faults on this side of the wire (issue 14), through the real
CLI (a child process) and the real window.

- Input that must be refused before anything is sent: client IDs that would leave their path
  segment, and every other bad argument. The CLI exits 2 with one line; the window shows the
  reason next to Fetch; the server sees no request and the keychain is not even loaded.
- ``--debug`` adds a traceback and never changes the exit code.
- A damaged settings file: said once, with where the old file went (CLI on stderr, window in
  the banner, without blocking).
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from mymove_viewer.sandbox import Sandbox

from .conftest import CLIENT_ID, FAST, MARKER_KEY, export_args, run_cli
from .keyrings import TRAP_ENV
from .test_fault_matrix import CASES, fault_target

USAGE = 2
# Each, sent, would reach /v2/clients/leads or /v2/leads, or split the segment, on some URL
# normaliser, proxy or server on the way.
LEAVING_IDS = [".", "..", "%2e", "%2E%2E", ".%2e", "%2e.", "%252e%252e", "a/..", "..%2F", "%5c"]


def trap_env(tmp_path) -> tuple[dict[str, str], object]:
    trap = tmp_path / "keychain-was-loaded"
    return {
        "PYTHON_KEYRING_BACKEND": "tests.reliability.keyrings.TrapKeyring",
        TRAP_ENV: str(trap),
    }, trap


# -- client IDs that leave their path segment ------------------------------------------------


@pytest.mark.parametrize("client_id", LEAVING_IDS)
def test_cli_refuses_the_client_id_before_anything(client_id, sandbox: Sandbox, tmp_path) -> None:
    env, trap = trap_env(tmp_path)
    args = ["export", "--base-url", sandbox.base_url, "--client-id", client_id, "--hrs", "24"]
    run = run_cli(*args, key=None, env=env)
    assert run.returncode == USAGE, run.stderr
    assert "client ID" in run.one_line_error()
    assert sandbox.requests == [] and not trap.exists()  # type: ignore[attr-defined]


@pytest.mark.parametrize("client_id", LEAVING_IDS)
def test_window_refuses_the_client_id_next_to_fetch(
    client_id, sandbox: Sandbox, marked_window, qtbot
) -> None:
    window = marked_window()
    panel = window.panel
    panel.client_id_edit.clear()
    qtbot.keyClicks(panel.client_id_edit, client_id)
    reason = window.fetch_block_reason()
    assert reason is not None and "client ID" in reason
    assert panel.reason_label.text() == reason
    assert not panel.fetch_button.isEnabled() and not window.fetch_action.isEnabled()
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.controller.busy and window.controller.thread_count() == 0
    assert sandbox.requests == []
    panel.client_id_edit.clear()
    qtbot.keyClicks(panel.client_id_edit, CLIENT_ID)  # a real ID: Fetch is back
    assert window.fetch_block_reason() is None and panel.fetch_button.isEnabled()


# -- every argument before the keychain or the network ----------------------------------------

INVALID_EXPORTS: dict[str, dict[str, str]] = {
    "xlsx-without-file": {"--format": "xlsx"},
    "end-without-start": {"--end": "2026-11-02T00:00:00Z"},
    "dot-client-id": {"--client-id": "%2e%2e"},
    "plain-http-remote": {"--base-url": "http://example.com"},
    "zero-hours": {"--hrs": "0"},
}


def invalid_export(base_url: str, name: str) -> list[str]:
    args = {"--base-url": base_url, "--client-id": CLIENT_ID, "--hrs": "24"}
    args.update(INVALID_EXPORTS[name])
    return ["export", *(part for pair in args.items() for part in pair)]


@pytest.mark.parametrize("with_key", [True, False], ids=["key-in-env", "key-in-keychain"])
@pytest.mark.parametrize("name", INVALID_EXPORTS)
def test_cli_checks_every_argument_before_keychain_or_network(
    name: str, with_key: bool, sandbox: Sandbox, tmp_path
) -> None:
    env, trap = trap_env(tmp_path)
    run = run_cli(*invalid_export(sandbox.base_url, name), key=MARKER_KEY if with_key else None,
                  env=env)  # fmt: skip
    assert run.returncode == USAGE, run.stderr
    run.one_line_error()
    assert sandbox.requests == []  # with the key at hand, still nothing was sent
    assert not trap.exists()  # type: ignore[attr-defined]


def test_the_keychain_trap_springs_when_the_keychain_is_asked(sandbox: Sandbox, tmp_path) -> None:
    """Control for the rows above: a valid export does load the keychain (which holds no key)."""
    env, trap = trap_env(tmp_path)
    run = run_cli(*export_args(sandbox.base_url), key=None, env=env)
    assert run.returncode == 3 and "key set" in run.one_line_error()
    assert trap.exists()  # type: ignore[attr-defined]


# -- --debug shows more, decides nothing -------------------------------------------------------

DEBUG_ROWS = ["401", "404", "connection-refused", "503", "gzip-garbage"]
DEBUG_ROWS += ["429-retry-after-10^400-seconds"]
DEBUG_CASES = [c for c in CASES if c.name in DEBUG_ROWS]


@pytest.mark.parametrize("case", DEBUG_CASES, ids=[c.name for c in DEBUG_CASES])
def test_cli_debug_keeps_the_exit_code_of_a_fault(case, sandbox: Sandbox) -> None:
    with fault_target(case, sandbox, None) as url:  # type: ignore[arg-type]
        plain = run_cli(*export_args(url), settings=case.settings)
        debug = run_cli("--debug", *export_args(url), settings=case.settings)
    assert plain.returncode == debug.returncode == case.code, debug.stderr
    assert "Traceback" in debug.stderr
    assert debug.stderr.strip().splitlines()[-1] == plain.one_line_error()
    assert MARKER_KEY not in debug.stderr


@pytest.mark.parametrize(
    ("name", "args", "code"),
    [
        ("ok", [], 0),
        ("usage", ["--format", "xlsx"], USAGE),
        ("no-keychain", [], 7),
    ],
)
def test_cli_debug_keeps_the_exit_code_here_too(name, args, code, sandbox: Sandbox) -> None:
    key, env = MARKER_KEY, {}
    if name == "no-keychain":
        key, env = None, {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    plain = run_cli(*export_args(sandbox.base_url, *args), key=key, env=env)
    debug = run_cli("--debug", *export_args(sandbox.base_url, *args), key=key, env=env)
    assert plain.returncode == debug.returncode == code, debug.stderr
    if code:
        assert "Traceback" in debug.stderr
        assert debug.stderr.strip().splitlines()[-1] == plain.one_line_error()
    else:
        assert debug.stdout == plain.stdout  # the same CSV


# -- a damaged settings file -------------------------------------------------------------------

DAMAGED = {
    "not-json": (b'{"schema": 1, "client_ids": {"production": "', "not valid JSON"),
    "not-utf8": (b'{"schema": 1, "x": "\xff"}', "not UTF-8"),
    "not-an-object": (b"[1, 2, 3]", "does not hold a settings object"),
    "no-format-version": (b'{"client_ids": {"production": "abc"}}', "format version"),
}


def damaged_config(tmp_path, name: str):
    config = tmp_path / "config-damaged"
    config.mkdir()
    (config / "settings.json").write_bytes(DAMAGED[name][0])
    return config


@pytest.mark.parametrize("name", DAMAGED)
def test_cli_says_the_settings_were_unreadable_and_where_they_went(
    name: str, sandbox: Sandbox, tmp_path
) -> None:
    raw, reason = DAMAGED[name]
    config = damaged_config(tmp_path, name)
    args = ["export", "--base-url", sandbox.base_url, "--hrs", "24"]  # the saved client ID
    first = run_cli(*args, env={"MYMOVE_VIEWER_CONFIG_DIR": str(config)})
    assert first.returncode == USAGE, first.stderr
    (moved,) = config.glob("settings.json.bad-*")
    assert moved.read_bytes() == raw  # nothing lost
    warning, error = first.stderr.strip().splitlines()
    assert warning.startswith("mymove-viewer: Your settings file was unreadable")
    assert reason in warning and str(moved) in warning
    assert "No client ID is saved" in error and "Traceback" not in first.stderr
    again = run_cli(*args, env={"MYMOVE_VIEWER_CONFIG_DIR": str(config)})
    assert again.one_line_error() == error  # said once: the damaged file is no longer there
    assert sandbox.requests == []


def test_cli_says_which_saved_values_were_reset(sandbox: Sandbox, tmp_path) -> None:
    config = tmp_path / "config-reset"
    config.mkdir()
    (config / "settings.json").write_text('{"schema": 1, "client_ids": {"production": 5}}')
    run = run_cli("export", "--base-url", sandbox.base_url, "--hrs", "24",
                  env={"MYMOVE_VIEWER_CONFIG_DIR": str(config)})  # fmt: skip
    assert run.returncode == USAGE
    warning, error = run.stderr.strip().splitlines()
    assert "invalid values" in warning and "client_ids" in warning
    assert "No client ID is saved" in error


@pytest.mark.parametrize("name", DAMAGED)
def test_window_says_the_settings_were_unreadable_without_blocking(
    name: str, qtbot, sandbox: Sandbox, credentials, settings_store
) -> None:
    from mymove_viewer.ui.window import MainWindow
    from tests.ui.conftest import dispose

    settings_store.directory.mkdir(parents=True, exist_ok=True)
    settings_store.path.write_bytes(DAMAGED[name][0])
    window = MainWindow(credentials=credentials, settings_store=settings_store,
                        base_url=sandbox.base_url, client_settings=FAST)  # fmt: skip
    qtbot.addWidget(window)
    try:
        window.show()
        qtbot.waitExposed(window)
        (moved,) = settings_store.directory.glob("settings.json.bad-*")
        assert moved.read_bytes() == DAMAGED[name][0]
        message = window.banner.message()
        assert window.banner.isVisible() and "unreadable" in message and str(moved) in message
        assert DAMAGED[name][1] in message
        assert QApplication.activeModalWidget() is None  # nothing to click away
        assert window.panel.client_id_edit.isEnabled()  # defaults: the user can go on typing
    finally:
        window.close()
        dispose(window)
