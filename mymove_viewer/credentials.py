"""API keys, one per environment: the OS keychain, a session-only memory store, or an env var.

The vendor asks that the key be treated like a bank password, so this module never writes it to a
file: keyring backends that store in files (``keyrings.alt``) or do nothing (``null``) are refused
and reported as "no keychain". Every backend failure is turned into a :class:`KeychainError` with a
message a user can act on; no message, log line or ``repr`` ever contains a key. No Qt here.

``keyring`` is imported on first use, not with this module: importing it and choosing a backend
costs ~0.35 s, which the window's first paint must not wait for (the window asks for keys on a
worker thread once it is shown).
"""

from __future__ import annotations

import os
import sys
import threading
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, TypeVar

from .api.errors import app_logger

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend
    from keyring.backends import chainer

log = app_logger(__name__)
_T = TypeVar("_T")

SERVICE = "mymove-viewer"
ENV_VAR = "MYMOVE_API_KEY"

# Backends from these packages keep secrets in files (plaintext or with a file passphrase).
_FILE_BACKEND_MODULES = ("keyrings.alt", "keyrings.cryptfile")
# keyring's own guidance: a priority below 1 marks a backend that is not recommended.
_MIN_PRIORITY = 1

_SESSION_HINT = "or keep the key for this session only"


class KeySource(Enum):
    ENVIRONMENT_VARIABLE = "environment variable"
    KEYCHAIN = "keychain"
    SESSION = "session"
    NONE = "none"


@dataclass(frozen=True)
class KeyStatus:
    """Where the key for an environment comes from. Never holds the key itself."""

    source: KeySource
    backend: str
    has_key: bool
    # A user message when the keychain could not be asked (locked, unavailable, failing).
    problem: str | None = None
    # The problem is the keychain itself (none, locked, failing), not an unusable key.
    keychain_failed: bool = False


class InvalidKeyError(ValueError):
    """The key (typed, stored or from the env var) cannot be sent in an HTTP header."""


class KeychainError(Exception):
    """A keychain operation failed. ``str(error)`` is the user message; ``detail`` is technical.

    Neither ever contains the key.
    """

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail


class KeychainUnavailableError(KeychainError):
    """No usable keychain: none installed, unreachable, or only file/null backends."""


class KeychainLockedError(KeychainError):
    """The keychain exists but is locked and could not be unlocked."""


class KeychainWriteError(KeychainError):
    """Saving the key failed."""


class KeychainReadError(KeychainError):
    """Reading the key failed."""


class KeychainDeleteError(KeychainError):
    """Removing the key failed (and it is still there)."""


def normalize_key(key: str) -> str:
    """The key without surrounding whitespace; raises InvalidKeyError when it can't be sent."""
    if not isinstance(key, str):
        raise InvalidKeyError("The API key must be text.")
    key = key.strip()
    if not key:
        raise InvalidKeyError(
            "The API key is empty. Paste the key you received from your MYMOVE representative."
        )
    for ch in key:
        # Cc: C0/C1 controls incl. newlines; Cf: invisible format chars such as zero-width space;
        # Zl/Zp: Unicode line/paragraph separators. None can travel in an HTTP header.
        if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp"):
            raise InvalidKeyError(
                "The API key contains a line break or another invisible control character. "
                "Copy the key again as a single line and paste it."
            )
    if not key.isascii():
        raise InvalidKeyError(
            "The API key contains a character that is not plain ASCII (for example a curly quote "
            "or an accented letter). Copy the key again exactly as you received it."
        )
    return key


def _validate_env(env: str) -> str:
    if not isinstance(env, str) or not env.strip() or not env.isprintable():
        raise ValueError(f"Unknown environment name {env!r}.")
    return env


def _no_keychain_message(rejected: str | None = None) -> str:
    if sys.platform == "darwin":
        todo = "Make sure your login keychain is available in Keychain Access"
    elif sys.platform == "win32":
        todo = "Make sure Windows Credential Manager is available"
    else:
        todo = "Log in to a desktop that runs GNOME Keyring or KWallet, or start and unlock one"
    why = f" ({rejected})" if rejected else ""
    return f"No usable keychain was found{why}. {todo}, {_SESSION_HINT}."


def command_line_wording(message: str) -> str:
    """A keychain message for the command line, which has no session-only key: the way out
    there is the environment variable."""
    return message.replace(_SESSION_HINT, f"or set the {ENV_VAR} environment variable instead")


def _secret_service_problem() -> str | None:
    """Why keyring fell back to its "fail" backend on Linux although the Secret Service backend
    is installed (no D-Bus session, no daemon), or None when that is not the reason."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        from keyring.backends import SecretService

        SecretService.Keyring.priority  # noqa: B018  (raises saying why it cannot be used)
    except ImportError:
        return None
    except (OSError, KeyError):  # jeepney: no bus address, or nothing listening there
        return "there is no D-Bus session to reach the Secret Service through"
    except Exception:
        return "no Secret Service (GNOME Keyring or KWallet) is running"
    return None


def _rejection(backend: KeyringBackend) -> str | None:
    """Why this backend may not hold API keys, or None when it may."""
    from keyring.backends import fail, null

    cls = type(backend)
    name = _display_name(backend)
    if isinstance(backend, fail.Keyring):
        return _secret_service_problem() or "no keychain backend is installed"
    if isinstance(backend, null.Keyring):
        return "the keyring library is disabled"
    if cls.__module__.startswith(_FILE_BACKEND_MODULES):
        return f"{name} keeps keys in a file, which this app does not allow"
    try:
        priority = backend.priority
    except Exception as exc:  # keyring signals "not usable here" by raising from priority
        return f"{name} is not reachable: {exc}"
    if not isinstance(priority, int | float) or priority < _MIN_PRIORITY:
        return f"{name} is not a recommended keychain"
    return None


def _display_name(backend: KeyringBackend) -> str:
    try:
        return str(type(backend).name)
    except Exception:
        return type(backend).__name__


def _scrub(text: str, secret: str | None) -> str:
    if secret:
        text = text.replace(secret, "***")
    return text


def _is_dbus_unavailable(exc: BaseException) -> bool:
    """D-Bus/secretstorage errors meaning "no Secret Service here" (imports are Linux-only)."""
    try:
        import secretstorage.exceptions as ss
    except Exception:
        return False
    if isinstance(exc, ss.SecretServiceNotAvailableException):
        return True
    try:
        from jeepney.wrappers import DBusErrorResponse
    except Exception:
        return False
    return isinstance(exc, DBusErrorResponse) and str(exc.name or "").startswith(
        "org.freedesktop.DBus.Error."
    )


def _is_missing_item(exc: BaseException) -> bool:
    try:
        import secretstorage.exceptions as ss
    except Exception:
        return False
    return type(exc) is ss.ItemNotFoundException


def _is_dbus_locked(exc: BaseException) -> bool:
    try:
        import secretstorage.exceptions as ss
    except Exception:
        return False
    if isinstance(exc, ss.LockedException | ss.PromptDismissedException):
        return True
    try:
        from jeepney.wrappers import DBusErrorResponse
    except Exception:
        return False
    return (
        isinstance(exc, DBusErrorResponse) and exc.name == "org.freedesktop.Secret.Error.IsLocked"
    )


class CredentialStore:
    """API keys per environment. Precedence on read: env var, then session store, then keychain.

    ``backend`` defaults to keyring's choice for this OS; ``environ`` defaults to ``os.environ``
    (read on every call, never written). ``service`` exists so tests never touch the real entries.
    """

    def __init__(
        self,
        backend: KeyringBackend | None = None,
        environ: Mapping[str, str] | None = None,
        *,
        service: str = SERVICE,
    ) -> None:
        self._requested = backend
        self._environ: Mapping[str, str] = os.environ if environ is None else environ
        self._service = service
        self._session: dict[str, str] = {}
        self._resolved = False
        self._backend: KeyringBackend | None = None
        self._rejected: str | None = None
        # The window may ask from a worker thread while the GUI thread asks too: choose once.
        self._resolve_lock = threading.Lock()

    def __repr__(self) -> str:  # the default would be harmless, but say so explicitly
        return f"<CredentialStore service={self._service!r} backend={self.backend_name()!r}>"

    # --- backend selection -------------------------------------------------------------------

    def _resolve(self) -> KeyringBackend | None:
        """The backend to use, or None (with ``_rejected`` set). Decided once: probing may
        open a D-Bus connection."""
        if self._resolved:
            return self._backend
        with self._resolve_lock:
            if not self._resolved:
                self._backend = self._choose()
                self._resolved = True
                log.info("keychain backend: %s", self.backend_name())
        return self._backend

    def _choose(self) -> KeyringBackend | None:
        import keyring
        from keyring.backends import chainer

        candidate = self._requested
        if candidate is None:
            try:
                candidate = keyring.get_keyring()
            except Exception as exc:
                self._rejected = f"the keychain could not be initialised: {type(exc).__name__}"
                log.info("keyring initialisation failed: %s", type(exc).__name__)
                return None
        if isinstance(candidate, chainer.ChainerBackend):
            return self._pick_from_chain(candidate)
        self._rejected = _rejection(candidate)
        return None if self._rejected else candidate

    def _pick_from_chain(self, chain: chainer.ChainerBackend) -> KeyringBackend | None:
        # Use the best acceptable member directly: the chainer itself would also read from
        # (and possibly write to) any file backend in the chain.
        try:
            members = list(chain.backends)
        except Exception as exc:
            self._rejected = f"the keychain could not be initialised: {type(exc).__name__}"
            return None
        reasons = []
        for member in members:
            reason = _rejection(member)
            if reason is None:
                return member
            reasons.append(reason)
        self._rejected = "; ".join(reasons) or None
        return None

    def keychain_available(self) -> bool:
        return self._resolve() is not None

    def backend_name(self) -> str:
        backend = self._resolve()
        return "none" if backend is None else _display_name(backend)

    def check_keychain(self) -> None:
        """Raise KeychainUnavailableError (saying why and what to do) when there is none."""
        self._require_backend()

    def _require_backend(self) -> KeyringBackend:
        backend = self._resolve()
        if backend is None:
            raise KeychainUnavailableError(
                _no_keychain_message(self._rejected), detail=self._rejected or ""
            )
        return backend

    # --- reading ----------------------------------------------------------------------------

    def _from_environment(self) -> str | None:
        raw = self._environ.get(ENV_VAR)
        if raw is None or not raw.strip():
            return None
        try:
            return normalize_key(raw)
        except InvalidKeyError as exc:
            raise InvalidKeyError(
                f"The {ENV_VAR} environment variable is not usable: {exc}"
            ) from None

    def _from_keychain(self, env: str) -> str | None:
        backend = self._resolve()
        if backend is None:
            return None
        stored = self._call("read", None, backend.get_password, self._service, env)
        if stored is None or not stored.strip():
            return None
        try:
            return normalize_key(stored)
        except InvalidKeyError:
            raise InvalidKeyError(
                f"The API key saved in the keychain for {env} is damaged (it contains characters "
                "that cannot be sent). Enter the key again."
            ) from None

    def get(self, env: str) -> str | None:
        """The key for ``env``, or None when there is none (or no keychain to look in).

        Raises KeychainError when the keychain fails, InvalidKeyError when the key found is
        unusable.
        """
        _validate_env(env)
        from_env = self._from_environment()
        if from_env is not None:
            return from_env
        if env in self._session:
            return self._session[env]
        return self._from_keychain(env)

    def status(self, env: str) -> KeyStatus:
        """Where the key comes from. Never raises for keychain trouble: it reports it instead."""
        _validate_env(env)
        name = self.backend_name()
        try:
            if self._from_environment() is not None:
                return KeyStatus(KeySource.ENVIRONMENT_VARIABLE, name, True)
        except InvalidKeyError as exc:
            return KeyStatus(KeySource.ENVIRONMENT_VARIABLE, name, False, str(exc))
        if env in self._session:
            return KeyStatus(KeySource.SESSION, name, True)
        if not self.keychain_available():
            problem = _no_keychain_message(self._rejected)
            return KeyStatus(KeySource.NONE, name, False, problem, keychain_failed=True)
        try:
            found = self._from_keychain(env)
        except KeychainError as exc:
            return KeyStatus(KeySource.NONE, name, False, str(exc), keychain_failed=True)
        except InvalidKeyError as exc:
            return KeyStatus(KeySource.NONE, name, False, str(exc))
        if found is None:
            return KeyStatus(KeySource.NONE, name, False)
        return KeyStatus(KeySource.KEYCHAIN, name, True)

    # --- writing ----------------------------------------------------------------------------

    def set(self, env: str, key: str) -> None:
        """Save the key in the keychain (replacing any session key for ``env``)."""
        _validate_env(env)
        key = normalize_key(key)
        backend = self._require_backend()
        self._call("write", key, backend.set_password, self._service, env, key)
        self._session.pop(env, None)  # else a stale session key would shadow the saved one

    def set_for_session(self, env: str, key: str) -> None:
        """Keep the key in memory only, until the app exits."""
        _validate_env(env)
        self._session[env] = normalize_key(key)

    def delete(self, env: str) -> bool:
        """Forget the key in the session store and the keychain; whether the keychain held one.
        A missing key is not an error."""
        _validate_env(env)
        self._session.pop(env, None)
        backend = self._resolve()
        if backend is None:
            return False  # nothing can be stored where there is no keychain
        try:
            backend.delete_password(self._service, env)
            return True
        except Exception as exc:
            failure: Exception = exc
        if _is_missing_item(failure):
            return False
        # Backends raise PasswordDeleteError both for "not there" and for real failures.
        import keyring.errors

        if (
            isinstance(failure, keyring.errors.PasswordDeleteError)
            and self._call("delete", None, backend.get_password, self._service, env) is None
        ):
            return False
        raise self._map(failure, "delete", None)

    # --- error mapping ----------------------------------------------------------------------

    def _call(self, action: str, key: str | None, fn: Callable[..., _T], *args: str) -> _T:
        """``fn(*args)`` with any exception mapped to a KeychainError.

        The mapped error is raised outside the ``except`` block so that it carries no
        ``__context__``: a backend exception may quote its arguments, which include the key.
        """
        try:
            return fn(*args)
        except Exception as exc:
            error = self._map(exc, action, key)
        raise error

    def _map(self, exc: Exception, action: str, key: str | None) -> KeychainError:
        """A KeychainError for a backend exception. The key is scrubbed from the detail in case
        a backend echoes its arguments."""
        import keyring.errors

        name = self.backend_name()
        detail = _scrub(f"{type(exc).__name__}: {exc}", key)
        log.info("keychain %s failed (%s): %s", action, name, type(exc).__name__)  # raised too
        if isinstance(exc, keyring.errors.KeyringLocked) or _is_dbus_locked(exc):
            return KeychainLockedError(
                f"The keychain ({name}) is locked. Unlock it (for example by logging in again or "
                f"in your keyring manager) and try again, {_SESSION_HINT}.",
                detail,
            )
        if isinstance(
            exc, keyring.errors.NoKeyringError | keyring.errors.InitError | OSError
        ) or _is_dbus_unavailable(exc):
            return KeychainUnavailableError(_no_keychain_message(f"{name} did not respond"), detail)
        if action == "write":
            return KeychainWriteError(
                f"The API key could not be saved in the keychain ({name}). Try again, "
                f"{_SESSION_HINT}.",
                detail,
            )
        if action == "delete":
            return KeychainDeleteError(
                f"The API key could not be removed from the keychain ({name}). Remove the "
                f"'{self._service}' entry in your keyring manager, or try again.",
                detail,
            )
        return KeychainReadError(
            f"The API key could not be read from the keychain ({name}). Try again, or enter the "
            "key again.",
            detail,
        )
