"""The real Secret Service (marked keychain; skipped without one, failing when CI is set)."""

from __future__ import annotations

import base64
import os
import pwd
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from keyring.backend import KeyringBackend

from mymove_viewer.credentials import SERVICE, CredentialStore, KeySource
from tests.fake_keyrings import KEY

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
