"""Keychain states a CLI child process is started with (``PYTHON_KEYRING_BACKEND`` names one of
these): a locked keychain, one that cannot save, and one that holds a stale key. Not a test
module; the test process itself never picks these."""

from __future__ import annotations

import keyring.errors
from keyring.backend import KeyringBackend

from mymove_viewer.credentials import SERVICE
from tests.fake_keyrings import RaisingKeyring
from tests.memory_keyring import MemoryKeyring

STALE_KEY = "mmv-STALE-" + "4b1f09c2d7e3-key"


class LockedKeyring(RaisingKeyring):
    def __init__(self) -> None:
        super().__init__(keyring.errors.KeyringLocked("Collection is locked"))


class UnsavingKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("Access denied")


class StaleKeyring(MemoryKeyring):
    """A keychain holding a key the server no longer accepts, for every environment."""

    def __init__(self) -> None:
        super().__init__()
        for env in ("production", "staging"):
            self.items[(SERVICE, env)] = STALE_KEY


for _cls in (LockedKeyring, UnsavingKeyring, StaleKeyring):
    KeyringBackend._classes.discard(_cls)
