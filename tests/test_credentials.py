"""CredentialStore on a working keychain: round trip, key checks, env variable, session store."""

from __future__ import annotations

import os

import pytest

from mymove_viewer.credentials import (
    ENV_VAR,
    SERVICE,
    CredentialStore,
    InvalidKeyError,
    KeychainDeleteError,
    KeySource,
    normalize_key,
)
from tests.fake_keyrings import KEY, UndeletableKeyring
from tests.memory_keyring import MemoryKeyring


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
