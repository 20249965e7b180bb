#!/usr/bin/env python3
"""One-command set-up for a fresh Debian/Ubuntu machine that has only python3.

    python3 dev.py demo        # the app on built-in demo data
    python3 dev.py test [ARGS] # the whole test suite (ARGS go to pytest)
    python3 dev.py bench [ARGS]# the performance benchmark
    python3 dev.py shell CMD   # run CMD inside the project's environment

It creates ``.venv``, installs the project with its test tools (again only when pyproject.toml
changed), and, when run as root on Debian, the system libraries Qt and the keychain tests need.
Not root: it prints the exact apt-get line instead. Standard library only, on purpose.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
STAMP = VENV / ".installed-from"

QT_PACKAGES = {  # Debian package -> a library it provides that Qt loads
    "libglib2.0-0": "glib-2.0",
    "libegl1": "EGL",
    "libgl1": "GL",
    "libx11-6": "X11",
    "libdbus-1-3": "dbus-1",
    "libfontconfig1": "fontconfig",
    "libxkbcommon0": "xkbcommon",
}
# The X11 ("xcb") platform plugin of Qt 6 loads these; a desktop usually has most of them.
XCB_PACKAGES = {
    "libxcb-cursor0": "xcb-cursor",
    "libxcb-icccm4": "xcb-icccm",
    "libxcb-image0": "xcb-image",
    "libxcb-keysyms1": "xcb-keysyms",
    "libxcb-render-util0": "xcb-render-util",
    "libxcb-shape0": "xcb-shape",
    "libxcb-xkb1": "xcb-xkb",
    "libxkbcommon-x11-0": "xkbcommon-x11",
}
KEYRING_PACKAGES = {"gnome-keyring": "gnome-keyring-daemon", "dbus": "dbus-run-session"}
# Validators for the desktop file and AppStream metadata; strip keeps the bundle ~22 MB smaller.
PACKAGING_PACKAGES = {
    "desktop-file-utils": "desktop-file-validate",
    "appstream": "appstreamcli",
    "binutils": "strip",
}


def say(text: str) -> None:
    print(f"[dev] {text}", file=sys.stderr, flush=True)


def run(cmd: list[str], **kw: object) -> None:
    subprocess.run(cmd, check=True, **kw)  # type: ignore[call-overload]


def apt_install(packages: list[str], why: str) -> bool:
    """Install Debian packages when we can; otherwise print the line to run. True if present."""
    if not packages:
        return True
    line = "apt-get install -y --no-install-recommends " + " ".join(packages)
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        say(f"{why} needs system packages. Run:  sudo {line}")
        return False
    say(f"installing {', '.join(packages)} ({why})")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    quiet = {"stdout": subprocess.DEVNULL, "env": env}
    try:
        run(["apt-get", "install", "-y", "--no-install-recommends", *packages], **quiet)
    except subprocess.CalledProcessError:
        run(["apt-get", "update", "-qq"], **quiet)
        run(["apt-get", "install", "-y", "--no-install-recommends", *packages], **quiet)
    return True


def ensure_venv() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under any python3
        sys.exit(f"[dev] Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if not PY.exists():
        say("creating .venv")
        try:
            run([sys.executable, "-m", "venv", str(VENV)], stdout=subprocess.DEVNULL)
        except subprocess.CalledProcessError:
            shutil.rmtree(VENV, ignore_errors=True)
            ver = f"python3.{sys.version_info.minor}-venv"
            if not apt_install([ver], "creating a virtual environment"):
                sys.exit(1)
            run([sys.executable, "-m", "venv", str(VENV)])
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text().strip() == wanted:
        return
    say("installing the project and its test tools into .venv (first run takes a minute)")
    run([str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-U", "pip"])
    run(
        [str(PY), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-e", ".[test]"],
        cwd=ROOT,
    )
    STAMP.write_text(wanted)


def ensure_qt_libraries() -> bool:
    missing = [pkg for pkg, lib in QT_PACKAGES.items() if ctypes.util.find_library(lib) is None]
    return apt_install(missing, "Qt")


def ensure_keyring_tools() -> bool:
    missing = [pkg for pkg, exe in KEYRING_PACKAGES.items() if shutil.which(exe) is None]
    return apt_install(missing, "the keychain tests (a private Secret Service)")


def ensure_packaging_tools() -> bool:
    missing = [pkg for pkg, exe in PACKAGING_PACKAGES.items() if shutil.which(exe) is None]
    return apt_install(missing, "the desktop-file, AppStream and bundle checks")


def with_secret_service(cmd: list[str]) -> list[str]:
    """Wrap ``cmd`` in a private D-Bus session with an unlocked, throwaway GNOME Keyring."""
    script = (
        'eval "$(printf pass | gnome-keyring-daemon --unlock --components=secrets)" '
        '>/dev/null; export GNOME_KEYRING_CONTROL; exec "$@"'
    )
    return ["dbus-run-session", "--", "sh", "-c", script, "sh", *cmd]


def cmd_test(args: list[str]) -> int:
    ensure_venv()
    ensure_qt_libraries()
    keyring_ok = ensure_keyring_tools()
    ensure_packaging_tools()
    pytest = [str(PY), "-m", "pytest", *args]
    if not keyring_ok or not shutil.which("dbus-run-session"):
        say("no private Secret Service available: keychain tests will be skipped")
        return subprocess.call(pytest, cwd=ROOT)
    with tempfile.TemporaryDirectory(prefix="mymove-test-home-") as home:
        runtime = Path(home) / "run"
        runtime.mkdir(mode=0o700)
        # MYMOVE_PRIVATE_KEYRING tells tests this keyring is a throwaway they may write to.
        env = dict(os.environ, HOME=home, XDG_RUNTIME_DIR=str(runtime), MYMOVE_PRIVATE_KEYRING="1")
        for var in (
            "XDG_DATA_HOME",
            "XDG_CONFIG_HOME",
            "XDG_CACHE_HOME",
            "XDG_STATE_HOME",
            "DBUS_SESSION_BUS_ADDRESS",
        ):
            env.pop(var, None)
        return subprocess.call(with_secret_service(pytest), cwd=ROOT, env=env)


def cmd_demo(args: list[str]) -> int:
    ensure_venv()
    if not ensure_qt_libraries():
        return 1
    if os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        missing = [p for p, lib in XCB_PACKAGES.items() if ctypes.util.find_library(lib) is None]
        if not apt_install(missing, "Qt on X11"):
            return 1
    return subprocess.call([str(PY), "-m", "mymove_viewer", "--demo", *args], cwd=ROOT)


def cmd_bench(args: list[str]) -> int:
    ensure_venv()
    ensure_qt_libraries()
    return subprocess.call([str(PY), "-m", "tests.benchmarks", *args], cwd=ROOT)


def cmd_shell(args: list[str]) -> int:
    ensure_venv()
    env = dict(os.environ, PATH=f"{VENV / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}")
    return subprocess.call(args or [os.environ.get("SHELL", "sh")], cwd=ROOT, env=env)


COMMANDS = {"test": cmd_test, "demo": cmd_demo, "bench": cmd_bench, "shell": cmd_shell}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
