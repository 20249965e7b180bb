"""An in-memory keychain for tests: a real ``KeyringBackend`` (priority 1, so acceptable)."""

from __future__ import annotations

import keyring.errors
from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """Keeps entries in a dict; nothing touches the user's real keychain."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        try:
            del self.items[(service, username)]
        except KeyError:
            raise keyring.errors.PasswordDeleteError("No such password!") from None


# Defining a backend registers it; keep keyring.get_keyring() elsewhere from ever choosing it.
KeyringBackend._classes.discard(MemoryKeyring)
