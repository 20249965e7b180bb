"""A private, real Secret Service for one test: its own D-Bus daemon and GNOME Keyring daemon in
a throwaway HOME, so a test can store a key, lock the collection and see what the CLI says,
without touching the keyring ``dev.py test`` set up (or yours)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

TOOLS = ("dbus-daemon", "gnome-keyring-daemon")

# Run in a child with the private bus's environment: waits for the unlocked login collection
# (the daemon creates it from the password on its stdin), then stores and/or locks.
_SCRIPT = r"""
import sys, time
import secretstorage
from keyring.backends import SecretService

store, lock = sys.argv[1], sys.argv[2] == "lock"
deadline, problem = time.monotonic() + 30, None
while True:
    connection = secretstorage.dbus_init()
    try:
        collection = secretstorage.Collection(connection)
        if not collection.is_locked():
            break
        problem = "locked"
    except Exception as exc:  # the daemon is still starting
        problem = repr(exc)
    connection.close()
    if time.monotonic() > deadline:
        sys.exit(f"no unlocked login collection: {problem}")
    time.sleep(0.05)
if store:
    service, env, key = store.split("|")
    SecretService.Keyring().set_password(service, env, key)
if lock:
    collection.lock()
    assert collection.is_locked()
connection.close()
"""


def missing_tools() -> list[str]:
    return [tool for tool in TOOLS if shutil.which(tool) is None]


@contextlib.contextmanager
def private_secret_service(folder: Path) -> Iterator[dict[str, str]]:
    """The environment variables that point a child at a fresh, unlocked Secret Service."""
    home, runtime = folder / "home", folder / "run"
    home.mkdir()
    runtime.mkdir(mode=0o700)
    env = dict(os.environ, HOME=str(home), XDG_RUNTIME_DIR=str(runtime))
    bus = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--print-address=1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=env,
    )
    try:
        assert bus.stdout is not None
        with bus.stdout:
            env["DBUS_SESSION_BUS_ADDRESS"] = bus.stdout.readline().strip()
        daemon = subprocess.Popen(
            ["gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets"],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        try:
            assert daemon.stdin is not None
            daemon.stdin.write(b"throwaway-password")
            daemon.stdin.close()
            prepare(env)
            yield {k: env[k] for k in ("HOME", "XDG_RUNTIME_DIR", "DBUS_SESSION_BUS_ADDRESS")}
        finally:
            daemon.terminate()
            daemon.wait(timeout=10)
    finally:
        bus.terminate()
        bus.wait(timeout=10)


def prepare(env: dict[str, str], *, store: tuple[str, str, str] | None = None,
            lock: bool = False) -> None:  # fmt: skip
    """Wait for the login collection; store (service, env, key) in it; lock it."""
    env = dict(os.environ, **env)
    subprocess.run(
        [sys.executable, "-c", _SCRIPT, "|".join(store) if store else "", "lock" * lock],
        env=env,
        check=True,
        timeout=60,
        capture_output=True,
    )
