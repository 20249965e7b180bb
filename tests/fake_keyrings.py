"""Keyring backends and the marker key shared by the credential tests (not a test module)."""

from __future__ import annotations

import keyring.errors
from keyring.backend import KeyringBackend
from keyring.compat import properties

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
