"""Tests for mymove_viewer.credentials.

Most tests use an in-memory keyring backend; those marked ``keychain`` use the real Secret Service
on the session bus (skipped when there is none, failing instead when ``CI`` is set).
"""

from __future__ import annotations

import base64
import logging
import os
import pwd
import shutil
import subprocess
import traceback
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import keyring
import keyring.backend
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null
from keyring.compat import properties

from mymove_viewer.credentials import (
    ENV_VAR,
    SERVICE,
    CredentialStore,
    InvalidKeyError,
    KeychainDeleteError,
    KeychainError,
    KeychainLockedError,
    KeychainReadError,
    KeychainUnavailableError,
    KeychainWriteError,
    KeySource,
    normalize_key,
)
from tests.memory_keyring import MemoryKeyring

KEY = "mm_live_9f8e7d6c5b4a3210"


class LowPriorityKeyring(MemoryKeyring):
    priority = 0.5


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt.file.PlaintextKeyring (not installed here)."""

    priority = 5


PlaintextKeyring.__module__ = "keyrings.alt.file"


class UnreachableKeyring(MemoryKeyring):
    @properties.classproperty
    def priority(cls) -> float:
        raise RuntimeError("The Secret Service daemon is neither running nor activatable")


class RaisingKeyring(MemoryKeyring):
    """Raises ``error`` from every operation; ``echo`` makes set's error quote the password."""

    def __init__(self, error: Exception, echo: bool = False) -> None:
        super().__init__()
        self.error = error
        self.echo = echo

    def get_password(self, service: str, username: str) -> str | None:
        raise self.error

    def set_password(self, service: str, username: str, password: str) -> None:
        if self.echo:
            raise keyring.errors.PasswordSetError(f"could not store {password!r} for {username}")
        raise self.error

    def delete_password(self, service: str, username: str) -> None:
        raise self.error


class UndeletableKeyring(MemoryKeyring):
    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("Access denied")


# Defining a backend class registers it with keyring; unregister ours so keyring.get_keyring()
# elsewhere in the test session can never pick an in-memory test backend.
for _cls in (
    MemoryKeyring,
    LowPriorityKeyring,
    PlaintextKeyring,
    UnreachableKeyring,
    RaisingKeyring,
    UndeletableKeyring,
):
    KeyringBackend._classes.discard(_cls)


@pytest.fixture
def memory() -> MemoryKeyring:
    return MemoryKeyring()


@pytest.fixture
def store(memory: MemoryKeyring) -> CredentialStore:
    return CredentialStore(memory, environ={})


# --- keychain round trip ----------------------------------------------------------------------


def test_set_then_get_uses_service_and_environment_name(
    store: CredentialStore, memory: MemoryKeyring
) -> None:
    store.set("production", KEY)
    assert memory.items == {(SERVICE, "production"): KEY}
    assert store.get("production") == KEY
    assert store.get("staging") is None


def test_each_environment_has_its_own_key(store: CredentialStore) -> None:
    store.set("production", KEY)
    store.set("staging", "staging-key")
    assert store.get("production") == KEY
    assert store.get("staging") == "staging-key"


def test_status_reports_keychain_and_backend_name(store: CredentialStore) -> None:
    assert store.keychain_available()
    assert store.backend_name() == MemoryKeyring.name
    assert store.status("production").source is KeySource.NONE
    assert not store.status("production").has_key
    store.set("production", KEY)
    status = store.status("production")
    assert (status.source, status.has_key, status.problem) == (KeySource.KEYCHAIN, True, None)
    assert status.backend == MemoryKeyring.name


def test_set_strips_surrounding_whitespace(store: CredentialStore, memory: MemoryKeyring) -> None:
    store.set("production", f"  {KEY}\n")
    assert memory.items[(SERVICE, "production")] == KEY


def test_stored_key_with_stray_whitespace_is_trimmed_on_read(
    store: CredentialStore, memory: MemoryKeyring
) -> None:
    memory.items[(SERVICE, "production")] = f"{KEY}\n"  # e.g. saved by `secret-tool store`
    assert store.get("production") == KEY


def test_damaged_stored_key_is_reported_without_its_value(
    store: CredentialStore, memory: MemoryKeyring
) -> None:
    memory.items[(SERVICE, "production")] = "abc\ndef"
    with pytest.raises(InvalidKeyError, match="damaged") as info:
        store.get("production")
    assert "abc" not in str(info.value)
    assert store.status("production").problem == str(info.value)


def test_delete_removes_key_and_missing_key_is_not_an_error(
    store: CredentialStore, memory: MemoryKeyring
) -> None:
    store.set("production", KEY)
    store.delete("production")
    assert memory.items == {}
    store.delete("production")  # already gone
    store.delete("staging")  # never there
    assert store.get("production") is None


def test_delete_failure_while_key_is_still_there_is_reported() -> None:
    backend = UndeletableKeyring()
    store = CredentialStore(backend, environ={})
    store.set("production", KEY)
    with pytest.raises(KeychainDeleteError, match="could not be removed"):
        store.delete("production")


# --- key validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "fragment"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("abc\ndef", "line break"),
        ("abc\rdef", "line break"),
        ("abc\x00def", "control character"),
        ("abc\x1bdef", "control character"),
        ("abc\u200bdef", "invisible"),
        ("abc\u2028def", "line break"),
        ("abc\x85def", "line break"),
        ("\u201cabcdef\u201d", "ASCII"),
    ],
)
def test_unusable_keys_are_rejected_with_a_clear_message(
    store: CredentialStore, memory: MemoryKeyring, key: str, fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment) as info:
        store.set("production", key)
    if key.strip():
        assert "abc" not in str(info.value)
    with pytest.raises(ValueError, match=fragment):
        store.set_for_session("production", key)
    assert memory.items == {}
    assert store.get("production") is None


def test_normalize_key_keeps_inner_characters() -> None:
    assert normalize_key(" a-b_c.d~e+f/g=h ") == "a-b_c.d~e+f/g=h"


@pytest.mark.parametrize("env", ["", "   ", "prod\nuction"])
def test_bad_environment_names_are_rejected(store: CredentialStore, env: str) -> None:
    with pytest.raises(ValueError, match="environment"):
        store.get(env)


# --- environment variable ---------------------------------------------------------------------


def test_env_var_overrides_keychain_for_every_environment(
    memory: MemoryKeyring,
) -> None:
    environ = {ENV_VAR: "  from-env  "}
    store = CredentialStore(memory, environ=environ)
    store.set("production", KEY)
    store.set_for_session("staging", "session-key")
    for env in ("production", "staging", "anything"):
        assert store.get(env) == "from-env"
        status = store.status(env)
        assert (status.source, status.has_key) == (KeySource.ENVIRONMENT_VARIABLE, True)
    store.delete("production")
    assert environ == {ENV_VAR: "  from-env  "}  # read, never written
    assert memory.items == {}  # set/delete still act on the keychain


def test_env_var_is_read_from_the_process_environment_by_default(
    memory: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = CredentialStore(memory)
    monkeypatch.delenv(ENV_VAR, raising=False)
    assert store.get("production") is None
    monkeypatch.setenv(ENV_VAR, "process-env-key")
    assert store.get("production") == "process-env-key"
    store.set("production", KEY)
    assert os.environ[ENV_VAR] == "process-env-key"


def test_empty_env_var_is_ignored(memory: MemoryKeyring) -> None:
    store = CredentialStore(memory, environ={ENV_VAR: "  "})
    store.set("production", KEY)
    assert store.get("production") == KEY
    assert store.status("production").source is KeySource.KEYCHAIN


def test_unusable_env_var_names_the_variable_not_the_value(memory: MemoryKeyring) -> None:
    store = CredentialStore(memory, environ={ENV_VAR: "secret-part\nother"})
    with pytest.raises(InvalidKeyError, match=ENV_VAR) as info:
        store.get("production")
    assert "secret-part" not in str(info.value)
    status = store.status("production")
    assert status.source is KeySource.ENVIRONMENT_VARIABLE
    assert not status.has_key
    assert status.problem is not None and ENV_VAR in status.problem


# --- session store ----------------------------------------------------------------------------


def test_session_key_stays_in_memory(store: CredentialStore, memory: MemoryKeyring) -> None:
    store.set_for_session("production", f" {KEY} ")
    assert store.get("production") == KEY
    assert memory.items == {}
    assert store.status("production").source is KeySource.SESSION
    assert CredentialStore(memory, environ={}).get("production") is None  # a new app run


def test_session_key_wins_over_keychain_until_a_key_is_saved(
    store: CredentialStore, memory: MemoryKeyring
) -> None:
    memory.items[(SERVICE, "production")] = "old-keychain-key"
    store.set_for_session("production", "session-key")
    assert store.get("production") == "session-key"
    store.set("production", KEY)  # saving replaces the session key, else it would shadow it
    assert store.get("production") == KEY
    assert store.status("production").source is KeySource.KEYCHAIN


def test_delete_forgets_session_key(store: CredentialStore) -> None:
    store.set_for_session("production", KEY)
    store.delete("production")
    assert store.get("production") is None


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


# --- the real Secret Service ------------------------------------------------------------------


def _secret_service_problem() -> str | None:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is unset)"
    try:
        from keyring.backends import SecretService

        SecretService.Keyring.priority  # noqa: B018  (raises when the service is unreachable)
    except Exception as exc:
        return f"Secret Service not reachable: {exc}"
    # A daemon started by D-Bus activation alone has no unlocked default collection, and
    # unlocking one needs a prompt (a display). Look without creating or unlocking anything.
    import secretstorage
    from secretstorage.collection import DEFAULT_COLLECTION

    try:
        with closing(secretstorage.dbus_init()) as connection:
            if secretstorage.Collection(connection, DEFAULT_COLLECTION).is_locked():
                return "the Secret Service default collection is locked"
    except Exception as exc:
        return f"the Secret Service has no usable default collection: {type(exc).__name__}"
    return None


@pytest.fixture
def secret_service() -> Iterator[tuple[KeyringBackend, str]]:
    """A real Secret Service backend and a throwaway service name (never the app's own)."""
    problem = _secret_service_problem()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set, so the keychain tests must run: {problem}")
        pytest.skip(problem)
    from keyring.backends import SecretService

    backend = SecretService.Keyring()
    service = f"{SERVICE}-test-{uuid.uuid4().hex}"
    yield backend, service
    for env in ("production", "staging"):
        CredentialStore(backend, environ={}, service=service).delete(env)


def _files_containing(root: Path, needles: list[bytes]) -> list[Path]:
    hits = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            path = Path(dirpath, name)
            if path.is_symlink() or not path.is_file():
                continue
            try:
                data = path.read_bytes()
            except OSError:
                continue
            if any(needle in data for needle in needles):
                hits.append(path)
    return hits


@pytest.mark.keychain
def test_secret_service_round_trip(secret_service: tuple[KeyringBackend, str]) -> None:
    backend, service = secret_service
    store = CredentialStore(backend, environ={}, service=service)
    assert store.keychain_available()
    assert store.backend_name() == "SecretService Keyring"
    store.set("production", KEY)
    store.set("staging", "staging-key")

    from keyring.backends import SecretService

    fresh = CredentialStore(SecretService.Keyring(), environ={}, service=service)
    assert fresh.get("production") == KEY
    assert fresh.get("staging") == "staging-key"
    assert fresh.status("production").source is KeySource.KEYCHAIN
    if shutil.which("secret-tool"):  # another Secret Service client sees the same item
        looked_up = subprocess.run(
            ["secret-tool", "lookup", "service", service, "username", "production"],
            capture_output=True,
            text=True,
            check=True,
            timeout=30,
        )
        assert looked_up.stdout == KEY

    store.delete("production")
    assert fresh.get("production") is None
    store.delete("production")  # the real backend raises PasswordDeleteError: not an error
    assert fresh.get("staging") == "staging-key"


@pytest.mark.keychain
def test_default_store_finds_the_secret_service(secret_service: tuple[KeyringBackend, str]) -> None:
    assert CredentialStore(environ={}).backend_name() == "SecretService Keyring"


@pytest.mark.keychain
def test_saved_key_is_in_no_file_under_home(
    secret_service: tuple[KeyringBackend, str], tmp_path: Path
) -> None:
    home = Path.home()
    if not os.environ.get("CI") and home == Path(pwd.getpwuid(os.getuid()).pw_dir):
        pytest.skip("needs a throwaway HOME (the test runner provides one)")
    marker = f"MMV-MARKER-{uuid.uuid4().hex}"
    raw = marker.encode()
    needles = [raw, marker.encode("utf-16-le"), base64.b64encode(raw)[:-4]]

    # The scan itself must be able to find the marker, or passing proves nothing.
    probe = tmp_path / "probe.bin"
    probe.write_bytes(b"prefix" + marker.encode("utf-16-le") + b"suffix")
    assert _files_containing(tmp_path, needles) == [probe]

    backend, service = secret_service
    keyrings = home / ".local" / "share" / "keyrings"
    before = {p: p.stat().st_mtime_ns for p in keyrings.glob("*")} if keyrings.is_dir() else {}
    store = CredentialStore(backend, environ={}, service=service)
    store.set("production", marker)
    assert store.get("production") == marker

    if keyrings.is_dir():  # gnome-keyring: it did write its (encrypted) store to disk
        after = {p: p.stat().st_mtime_ns for p in keyrings.glob("*")}
        assert after != before
    assert _files_containing(home, needles) == []
