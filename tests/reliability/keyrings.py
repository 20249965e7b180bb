"""Keyring backends a CLI child loads by name (``PYTHON_KEYRING_BACKEND=tests.reliability.
keyrings.NAME``), for keychain states a real machine has but a test cannot otherwise make."""

from __future__ import annotations

import os
from pathlib import Path

import keyring.errors
from keyring.backend import KeyringBackend

from tests.memory_keyring import MemoryKeyring

TRAP_ENV = "MMV_TEST_KEYCHAIN_TRAP"


class PlaintextKeyring(MemoryKeyring):
    """Stands in for keyrings.alt's file backend (not installed here): the app must refuse it."""

    priority = 5


PlaintextKeyring.__module__ = "keyrings.alt.file"


class LockedKeyring(MemoryKeyring):
    """A keychain that is there but locked, as keyring reports it when unlocking failed."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("Failed to unlock the collection!")

    def set_password(self, service: str, username: str, password: str) -> None:
        self.get_password(service, username)

    def delete_password(self, service: str, username: str) -> None:
        self.get_password(service, username)


class TrapKeyring(MemoryKeyring):
    """Writes the file named by ``$MMV_TEST_KEYCHAIN_TRAP`` when keyring so much as loads it:
    proof that a command touched the keychain."""

    def __init__(self) -> None:
        super().__init__()
        Path(os.environ[TRAP_ENV]).write_text("loaded")


for _cls in (PlaintextKeyring, LockedKeyring, TrapKeyring):
    KeyringBackend._classes.discard(_cls)
