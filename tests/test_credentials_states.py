"""Truthful answers for every keychain state (issue 14): whether ``delete`` found a key,
keychain trouble told apart from "no key", no D-Bus named as such, and the command line's way
out (``MYMOVE_API_KEY``) in place of the window's session-only key."""

from __future__ import annotations

import sys
from pathlib import Path

import keyring.errors
import pytest
from keyring.backends import fail

from mymove_viewer.credentials import (
    ENV_VAR,
    SERVICE,
    CredentialStore,
    KeychainUnavailableError,
    command_line_wording,
)
from tests.fake_keyrings import KEY, PlaintextKeyring, RaisingKeyring
from tests.memory_keyring import MemoryKeyring


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


def test_delete_says_whether_the_keychain_held_a_key() -> None:
    store = CredentialStore(MemoryKeyring(), environ={})
    store.set("production", KEY)
    assert store.delete("production") is True
    assert store.delete("production") is False
    assert CredentialStore(fail.Keyring(), environ={}).delete("production") is False


@pytest.mark.parametrize(
    ("backend", "keychain_failed"),
    [
        (fail.Keyring(), True),
        (PlaintextKeyring(), True),
        (RaisingKeyring(keyring.errors.KeyringLocked("locked")), True),
        (RaisingKeyring(RuntimeError("backend bug")), True),
        (MemoryKeyring(), False),
    ],
    ids=["none", "file", "locked", "failing", "no-entry"],
)
def test_status_tells_keychain_trouble_from_no_key(backend, keychain_failed: bool) -> None:
    status = CredentialStore(backend, environ={}).status("production")
    assert not status.has_key
    assert status.keychain_failed is keychain_failed
    assert (status.problem is not None) is keychain_failed


def test_a_damaged_stored_key_is_not_keychain_trouble(memory: MemoryKeyring) -> None:
    memory.items[(SERVICE, "production")] = "abc\ndef"
    status = CredentialStore(memory, environ={}).status("production")
    assert status.problem and "damaged" in status.problem and not status.keychain_failed


def test_check_keychain_raises_only_without_one() -> None:
    CredentialStore(MemoryKeyring(), environ={}).check_keychain()
    with pytest.raises(KeychainUnavailableError, match="keeps keys in a file"):
        CredentialStore(PlaintextKeyring(), environ={}).check_keychain()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the Secret Service is Linux's")
def test_no_dbus_session_is_named_instead_of_no_backend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/nobody-listens")
    with pytest.raises(KeychainUnavailableError) as info:
        CredentialStore(fail.Keyring(), environ={}).check_keychain()
    assert "no D-Bus session" in info.value.message
    assert "no keychain backend is installed" not in info.value.message


def test_command_line_wording_offers_the_environment_variable() -> None:
    messages = [
        str(CredentialStore(fail.Keyring(), environ={}).status("production").problem),
        str(
            CredentialStore(RaisingKeyring(keyring.errors.KeyringLocked("x")), environ={})
            .status("production")
            .problem
        ),
    ]
    for message in messages:
        assert "session only" in message  # the window's way out
        cli = command_line_wording(message)
        assert "session" not in cli and ENV_VAR in cli and cli.endswith("instead.")
