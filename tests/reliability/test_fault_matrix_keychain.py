"""The fault matrix, continued: every keychain state through ``key set/status/delete`` and
``export`` (the real CLI in a child process) and through the real window (issue 14).

States: none (no D-Bus session at all), a refused file backend, locked, no entry, a key
present. "None" and "locked" used to mislead: ``export`` said "run key set" (exit 3) where
``key set`` then failed (exit 7), ``delete`` claimed to remove a key "from none", and a locked
keychain's ``status`` said "no key is stored". Locked, no entry and present run against a real
Secret Service (GNOME Keyring on a D-Bus daemon of the test's own).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from keyring.backends import fail

from mymove_viewer.credentials import SERVICE, CredentialStore
from mymove_viewer.sandbox import Sandbox
from tests.memory_keyring import MemoryKeyring

from .conftest import MARKER_KEY, TIMEOUT_MS, export_args, run_cli
from .keyrings import LockedKeyring, PlaintextKeyring
from .secret_service import missing_tools, prepare, private_secret_service

OK, USAGE, AUTH, KEYCHAIN = 0, 2, 3, 7
REAL = "SecretService Keyring"
COMMANDS = ["status", "set", "delete", "export"]

# state -> command -> (exit code, texts that must appear, texts that must not)
EXPECTED: dict[str, dict[str, tuple[int, list[str], list[str]]]] = {
    "no-dbus": {
        "status": (
            KEYCHAIN,
            ["no usable keychain", "D-Bus", "MYMOVE_API_KEY"],
            ["no key is stored"],
        ),
        "set": (KEYCHAIN, ["No usable keychain", "D-Bus", "MYMOVE_API_KEY"], ["Saved"]),
        "delete": (KEYCHAIN, ["No usable keychain", "MYMOVE_API_KEY"], ["Removed", "from none"]),
        "export": (KEYCHAIN, ["No usable keychain", "MYMOVE_API_KEY"], ["key set"]),
    },
    "file-backend": {
        "status": (KEYCHAIN, ["no usable keychain", "keeps keys in a file"], ["no key is stored"]),
        "set": (KEYCHAIN, ["keeps keys in a file", "MYMOVE_API_KEY"], ["Saved"]),
        "delete": (KEYCHAIN, ["keeps keys in a file"], ["Removed"]),
        "export": (KEYCHAIN, ["keeps keys in a file", "MYMOVE_API_KEY"], ["key set"]),
    },
    "locked": {
        "status": (KEYCHAIN, ["could not check", "locked", "MYMOVE_API_KEY"], ["no key is stored"]),
        "set": (KEYCHAIN, ["locked", "MYMOVE_API_KEY"], ["Saved"]),
        "delete": (KEYCHAIN, ["locked"], ["Removed", "nothing was removed"]),
        "export": (KEYCHAIN, ["locked", "MYMOVE_API_KEY"], ["key set"]),
    },
    "no-entry": {
        "status": (OK, [f"no key is stored in {REAL}"], []),
        "set": (OK, [f"Saved the Production API key in {REAL}"], []),
        "delete": (OK, ["No Production API key was stored", "nothing was removed"], ["Removed"]),
        "export": (AUTH, ["mymove-viewer key set", "MYMOVE_API_KEY"], []),
    },
    "present": {
        "status": (OK, [f"a key is stored in {REAL}"], []),
        "set": (OK, [f"Saved the Production API key in {REAL}"], []),
        "delete": (OK, [f"Removed the Production API key from {REAL}"], []),
        "export": (OK, ["leads → stdout"], []),
    },
}
REAL_STATES = {"locked", "no-entry", "present"}
ROWS = [(state, command) for state in EXPECTED for command in COMMANDS]


@pytest.fixture
def keychain_env(request, tmp_path) -> Iterator[dict[str, str]]:
    """The environment that puts a CLI child in the state ``request.param``."""
    state = request.param
    if state == "no-dbus":
        yield {"DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus-here"}
        return
    if state == "file-backend":
        yield {"PYTHON_KEYRING_BACKEND": "tests.reliability.keyrings.PlaintextKeyring"}
        return
    missing = missing_tools()
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the keychain states must run: no {missing}")
        pytest.skip(f"a private Secret Service needs {missing}")
    with private_secret_service(tmp_path) as env:
        if state != "no-entry":
            prepare(env, store=(SERVICE, "production", MARKER_KEY), lock=state == "locked")
        yield env


def command_args(command: str, sandbox: Sandbox) -> list[str]:
    if command == "export":
        return export_args(sandbox.base_url)
    return ["key", command, "--env", "production"]


@pytest.mark.parametrize(("keychain_env", "command"), ROWS, indirect=["keychain_env"],
                         ids=[f"{s}-{c}" for s, c in ROWS])  # fmt: skip
def test_cli(keychain_env: dict[str, str], command: str, sandbox: Sandbox, request) -> None:
    state = request.node.callspec.params["keychain_env"]
    code, present, absent = EXPECTED[state][command]
    stdin = "a-new-key-typed-here\n" if command == "set" else None
    run = run_cli(*command_args(command, sandbox), key=None, stdin=stdin, env=keychain_env)
    assert run.returncode == code, (run.stdout, run.stderr)
    said = run.stdout + run.stderr if command == "status" or code == OK else run.one_line_error()
    for text in present:
        assert text in said, said
    for text in absent:
        assert text not in said, said
    assert "Traceback" not in run.stderr and "a-new-key-typed-here" not in said
    assert MARKER_KEY not in said
    if command == "status":  # one line that is true on stdout; the problem on stderr
        assert len(run.stdout.strip().splitlines()) == 1
    if command == "export" and code != OK:
        assert sandbox.requests == []


@pytest.mark.parametrize("keychain_env", ["no-dbus", "file-backend", "locked"], indirect=True)
def test_cli_the_way_out_it_names_works(keychain_env: dict[str, str], sandbox: Sandbox) -> None:
    """Every keychain failure names MYMOVE_API_KEY: with it set, export and status succeed."""
    export = run_cli(*export_args(sandbox.base_url), key=MARKER_KEY, env=keychain_env)
    assert export.returncode == OK, export.stderr
    status = run_cli("key", "status", key=MARKER_KEY, env=keychain_env)
    assert status.returncode == OK and "MYMOVE_API_KEY" in status.stdout


# -- the window ----------------------------------------------------------------------------------

WINDOW_STATES = {
    # state: (backend, reason next to Fetch (None: can fetch), text in the key dialog)
    "no-keychain": (fail.Keyring, "No API key is set", "No usable keychain"),
    "file-backend": (PlaintextKeyring, "No API key is set", "keeps keys in a file"),
    "locked": (LockedKeyring, "is locked", "Could not check whether a key"),
    "no-entry": (MemoryKeyring, "No API key is set", "No key is set for Production."),
    "present": (MemoryKeyring, None, "is saved in the keychain"),
}


@pytest.fixture
def credentials(request) -> CredentialStore:
    """Overrides the GUI suite's store: one backend per state (``indirect``)."""
    backend = WINDOW_STATES[request.param][0]()
    if request.param == "present":
        backend.set_password("mymove-viewer-test", "production", MARKER_KEY)
    return CredentialStore(backend=backend, environ={}, service="mymove-viewer-test")


@pytest.mark.parametrize("credentials", WINDOW_STATES, indirect=True)
def test_window(credentials: CredentialStore, make_window, sandbox: Sandbox, qtbot, request):
    state = request.node.callspec.params["credentials"]
    _backend, reason, dialog_text = WINDOW_STATES[state]
    window = make_window(key=False)
    window.refresh_keys()
    got = window.fetch_block_reason()
    if reason is None:
        assert got is None and window.panel.fetch_button.isEnabled()
    else:
        assert got is not None and reason in got and window.panel.reason_label.text() == got
        assert not window.panel.fetch_button.isEnabled()
    dialog = window.open_key_dialog()
    assert dialog is not None
    qtbot.waitUntil(dialog.isVisible, timeout=TIMEOUT_MS)
    assert dialog_text in dialog.status_label.text()
    assert "no key is stored" not in dialog.status_label.text().lower() or state == "no-entry"
    if state in ("no-keychain", "file-backend"):  # nowhere safe to save: session only
        assert dialog.session_check.isChecked() and not dialog.session_check.isEnabled()
    dialog.reject()
    assert sandbox.requests == []
