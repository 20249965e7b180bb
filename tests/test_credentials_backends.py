"""Which keyring backends count as a keychain, failures mapped to errors, and no key leaks."""

from __future__ import annotations

import logging
import traceback

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from mymove_viewer.credentials import (
    SERVICE,
    CredentialStore,
    KeychainDeleteError,
    KeychainError,
    KeychainLockedError,
    KeychainReadError,
    KeychainUnavailableError,
    KeychainWriteError,
    KeySource,
)
from tests.fake_keyrings import (
    KEY,
    LowPriorityKeyring,
    PlaintextKeyring,
    RaisingKeyring,
    UnreachableKeyring,
)
from tests.memory_keyring import MemoryKeyring

# --- no usable keychain -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "backend",
    [
        fail.Keyring(),
        null.Keyring(),
        PlaintextKeyring(),
        LowPriorityKeyring(),
        UnreachableKeyring(),
    ],
    ids=["fail", "null", "keyrings.alt", "priority<1", "unreachable"],
)
def test_unacceptable_backends_mean_no_keychain(backend: KeyringBackend) -> None:
    store = CredentialStore(backend, environ={})
    assert not store.keychain_available()
    assert store.backend_name() == "none"
    assert store.get("production") is None
    with pytest.raises(KeychainUnavailableError) as info:
        store.set("production", KEY)
    message = str(info.value)
    assert message.startswith("No usable keychain was found")
    assert "session only" in message
    assert KEY not in message
    store.delete("production")  # nothing to delete is not an error
    status = store.status("production")
    assert (status.source, status.has_key, status.problem) == (KeySource.NONE, False, message)
    if isinstance(backend, MemoryKeyring):
        assert backend.items == {}


def test_file_backend_is_named_in_the_message() -> None:
    store = CredentialStore(PlaintextKeyring(), environ={})
    with pytest.raises(KeychainUnavailableError, match="keeps keys in a file"):
        store.set("production", KEY)


def test_session_store_works_without_a_keychain() -> None:
    store = CredentialStore(fail.Keyring(), environ={})
    store.set_for_session("production", KEY)
    assert store.get("production") == KEY
    assert store.status("production").source is KeySource.SESSION


def _chain(monkeypatch: pytest.MonkeyPatch, *members: KeyringBackend) -> chainer.ChainerBackend:
    monkeypatch.setattr(keyring.backend, "get_all_keyring", lambda: list(members))
    return chainer.ChainerBackend()


def test_chainer_uses_its_acceptable_member_only(monkeypatch: pytest.MonkeyPatch) -> None:
    plaintext, memory = PlaintextKeyring(), MemoryKeyring()
    plaintext.items[(SERVICE, "staging")] = "leaked-from-a-file"
    store = CredentialStore(_chain(monkeypatch, plaintext, memory, fail.Keyring()), environ={})
    assert store.keychain_available()
    assert store.backend_name() == MemoryKeyring.name
    store.set("production", KEY)
    assert memory.items == {(SERVICE, "production"): KEY}
    assert plaintext.items == {(SERVICE, "staging"): "leaked-from-a-file"}
    assert store.get("staging") is None  # the file backend is never read either


def test_chainer_without_acceptable_member_is_no_keychain(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chain = _chain(monkeypatch, PlaintextKeyring(), LowPriorityKeyring())
    store = CredentialStore(chain, environ={})
    assert not store.keychain_available()
    with pytest.raises(KeychainUnavailableError, match="No usable keychain"):
        store.set("production", KEY)


def test_default_backend_comes_from_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    memory = MemoryKeyring()
    monkeypatch.setattr(keyring, "get_keyring", lambda: memory)
    store = CredentialStore(environ={})
    store.set("production", KEY)
    assert memory.items == {(SERVICE, "production"): KEY}


def test_keyring_initialisation_failure_is_no_keychain(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken() -> KeyringBackend:
        raise ValueError("bad keyringrc.cfg")

    monkeypatch.setattr(keyring, "get_keyring", broken)
    store = CredentialStore(environ={})
    assert not store.keychain_available()
    with pytest.raises(KeychainUnavailableError):
        store.set("production", KEY)


# --- failure mapping --------------------------------------------------------------------------


def _dbus_error(name: str) -> Exception:
    from jeepney.wrappers import DBusErrorResponse

    error = DBusErrorResponse.__new__(DBusErrorResponse)
    error.name, error.data = name, ("message",)
    return error


def _secretstorage_error(name: str) -> Exception:
    import secretstorage.exceptions

    return getattr(secretstorage.exceptions, name)("from secretstorage")


FAILURES = [
    ("NoKeyringError", lambda: keyring.errors.NoKeyringError("none"), KeychainUnavailableError),
    ("InitError", lambda: keyring.errors.InitError("no collection"), KeychainUnavailableError),
    ("KeyringLocked", lambda: keyring.errors.KeyringLocked("locked"), KeychainLockedError),
    ("ConnectionRefused", lambda: ConnectionRefusedError(111, "refused"), KeychainUnavailableError),
    (
        "DBusServiceUnknown",
        lambda: _dbus_error("org.freedesktop.DBus.Error.ServiceUnknown"),
        KeychainUnavailableError,
    ),
    (
        "DBusIsLocked",
        lambda: _dbus_error("org.freedesktop.Secret.Error.IsLocked"),
        KeychainLockedError,
    ),
    (
        "SecretServiceNotAvailable",
        lambda: _secretstorage_error("SecretServiceNotAvailableException"),
        KeychainUnavailableError,
    ),
    ("LockedException", lambda: _secretstorage_error("LockedException"), KeychainLockedError),
    (
        "PromptDismissed",
        lambda: _secretstorage_error("PromptDismissedException"),
        KeychainLockedError,
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_backend_failures_become_keychain_errors(make, expected: type[KeychainError]) -> None:
    store = CredentialStore(RaisingKeyring(make()), environ={})
    with pytest.raises(expected) as on_get:
        store.get("production")
    with pytest.raises(expected) as on_set:
        store.set("production", KEY)
    with pytest.raises(expected):
        store.delete("production")
    for error in (on_get.value, on_set.value):
        assert "session only" in error.message  # every one names what the user can do
        assert error.__context__ is None and error.__cause__ is None
    status = store.status("production")
    assert (status.source, status.has_key, status.problem) == (
        KeySource.NONE,
        False,
        str(on_get.value),
    )


@pytest.mark.parametrize(
    ("error", "action", "expected"),
    [
        (keyring.errors.PasswordSetError("denied"), "set", KeychainWriteError),
        (keyring.errors.PasswordDeleteError("denied"), "get", KeychainReadError),
        (RuntimeError("backend bug"), "set", KeychainWriteError),
        (RuntimeError("backend bug"), "get", KeychainReadError),
        (RuntimeError("backend bug"), "delete", KeychainDeleteError),
        (KeyError("x"), "delete", KeychainDeleteError),
    ],
)
def test_other_failures_map_by_operation(
    error: Exception, action: str, expected: type[KeychainError]
) -> None:
    store = CredentialStore(RaisingKeyring(error), environ={})
    call = {
        "set": lambda: store.set("production", KEY),
        "get": lambda: store.get("production"),
        "delete": lambda: store.delete("production"),
    }[action]
    with pytest.raises(expected) as info:
        call()
    assert type(error).__name__ in info.value.detail


def test_password_delete_error_for_a_missing_key_is_not_an_error() -> None:
    store = CredentialStore(MemoryKeyring(), environ={})
    store.delete("production")  # MemoryKeyring raises PasswordDeleteError, like SecretService


def test_key_never_appears_in_errors_tracebacks_reprs_or_logs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    store = CredentialStore(RaisingKeyring(RuntimeError(), echo=True), environ={})
    with pytest.raises(KeychainWriteError) as info:
        store.set("production", KEY)
    error = info.value
    rendered = "".join(traceback.format_exception(error))
    assert "***" in error.detail  # the backend did quote the key: it was scrubbed
    for text in (str(error), error.detail, repr(error), rendered, caplog.text, repr(store)):
        assert KEY not in text
    assert caplog.text  # the failure was logged (by type name)

    good = CredentialStore(MemoryKeyring(), environ={})
    good.set("production", KEY)
    good.set_for_session("staging", KEY)
    for text in (repr(good), repr(good.status("production")), repr(good.status("staging"))):
        assert KEY not in text
    assert KEY not in caplog.text
