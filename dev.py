#!/usr/bin/env python3
"""One-command set-up for a fresh Debian/Ubuntu machine that has only python3.

    python3 dev.py demo        # the app on built-in demo data
    python3 dev.py test [ARGS] # the whole test suite (ARGS go to pytest)
    python3 dev.py test --latest [ARGS]  # the same against the newest releases (.venv-latest)
    python3 dev.py bench [ARGS]# the performance benchmark
    python3 dev.py shell CMD   # run CMD inside the project's environment
    python3 dev.py lock [ARGS] # re-resolve requirements.lock to the newest allowed (ARGS go to uv)
    python3 dev.py sync [VENV] # create or update VENV (default .venv) from the lock only

It creates ``.venv`` with exactly the versions in requirements.lock (hash-checked, no dependency
resolution; again only when pyproject.toml or the lock changed), the project installed editable
on top, and, when run as root on Debian, the system libraries Qt and the keychain tests need.
Not root: it prints the exact apt-get line instead. Standard library only, on purpose.
"""

from __future__ import annotations

import ctypes.util
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
PY = VENV / "bin" / "python"
LOCK = ROOT / "requirements.lock"
LATEST_VENV = ROOT / ".venv-latest"
PROJECT = "mymove-viewer"
# Locked beside the project's dependencies (all extras) and its build backend (which builds the
# editable install with nothing fetched): pip itself, so the installer does not float either,
# and uv, which `dev.py lock` resolves with (pip locks only for the Python and system it runs on).
LOCK_TOOLS = ("pip", "uv")

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


def create_venv(venv: Path) -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs under any python3
        sys.exit(f"[dev] Python 3.11 or newer is needed; this is {sys.version.split()[0]}.")
    if (venv / "bin" / "python").exists():
        return
    say(f"creating {venv.name}")
    try:
        run([sys.executable, "-m", "venv", str(venv)], stdout=subprocess.DEVNULL)
    except subprocess.CalledProcessError:
        shutil.rmtree(venv, ignore_errors=True)
        ver = f"python3.{sys.version_info.minor}-venv"
        if not apt_install([ver], "creating a virtual environment"):
            sys.exit(1)
        run([sys.executable, "-m", "venv", str(venv)])


def run_quietly(cmd: list[str]) -> None:
    """Run an installer; its chatter (index warnings, setuptools banners) only when it fails."""
    result = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        sys.exit(f"[dev] failed: {' '.join(cmd)}")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_pins(text: str) -> dict[str, str]:
    """Name -> version of every ``name==version`` line of a requirements lock (markers ignored)."""
    pins = re.findall(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)", text, re.MULTILINE)
    return {normalize(name): version for name, version in pins}


def installed_versions(py: Path) -> dict[str, str]:
    code = (
        "import importlib.metadata as m, json;"
        "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))"
    )
    out = subprocess.run([str(py), "-c", code], check=True, capture_output=True, text=True)
    return {normalize(name): version for name, version in json.loads(out.stdout).items()}


def install_stamp() -> str:
    """What the venv was installed from: a change to either file reinstalls."""
    digest = hashlib.sha256()
    for path in (ROOT / "pyproject.toml", LOCK):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def install_commands(py: Path) -> list[list[str]]:
    """Every package from the lock, hash-checked and with no resolving, so nothing floats; then
    the project editable, built by the locked setuptools with nothing fetched."""
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    return [
        [*pip, "--require-hashes", "--no-deps", "-r", str(LOCK)],
        [*pip, "--no-deps", "--no-build-isolation", "--no-index", "-e", str(ROOT)],
    ]


def ensure_venv(venv: Path = VENV) -> Path:
    """Create ``venv`` or bring it to the lock; returns its python."""
    if not LOCK.exists():
        sys.exit(
            f"[dev] {LOCK.name} is missing: restore it from git (git checkout -- {LOCK.name})."
        )
    create_venv(venv)
    py = venv / "bin" / "python"
    stamp = venv / ".installed-from"
    wanted = install_stamp()
    if stamp.exists() and stamp.read_text().strip() == wanted:
        return py
    say(f"installing the locked packages and the project into {venv.name} (first run: a minute)")
    for cmd in install_commands(py):
        run_quietly(cmd)
    # Packages an older lock brought would otherwise linger and hide a missing dependency.
    locked = set(locked_pins(LOCK.read_text()))
    stale = sorted(set(installed_versions(py)) - locked - {PROJECT})
    if stale:
        say(f"removing packages the lock no longer has: {', '.join(stale)}")
        run_quietly([str(py), "-m", "pip", "uninstall", "-q", "-y", *stale])
    stamp.write_text(wanted)
    return py


def ensure_latest_venv() -> Path:
    """A scratch venv with the newest releases pyproject allows, and what differs from the lock."""
    create_venv(LATEST_VENV)
    py = LATEST_VENV / "bin" / "python"
    say(f"installing the newest releases pyproject.toml allows into {LATEST_VENV.name}")
    pip = [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", "-U"]
    run_quietly([*pip, "pip"])
    run_quietly([*pip, "--upgrade-strategy", "eager", "-e", f"{ROOT}[test,packaging]"])
    pins = locked_pins(LOCK.read_text())
    newest = installed_versions(py)
    drift = [
        f"{n} {v} (locked {pins[n]})" for n, v in sorted(newest.items()) if pins.get(n, v) != v
    ]
    unlocked = sorted(set(newest) - set(pins) - {PROJECT})
    say("differs from the lock: " + (", ".join(drift) if drift else "nothing"))
    if unlocked:
        say(f"not in the lock at all: {', '.join(unlocked)} (python3 dev.py lock adds them)")
    return py


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
    if args[:1] == ["--latest"]:
        py, args = ensure_latest_venv(), args[1:]
    else:
        py = ensure_venv()
    ensure_qt_libraries()
    keyring_ok = ensure_keyring_tools()
    ensure_packaging_tools()
    pytest = [str(py), "-m", "pytest", *args]
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


def lock_command(args: list[str]) -> list[str]:
    """uv resolves for every platform and Python the project supports, with every file's hash."""
    return [
        str(VENV / "bin" / "uv"),
        *("pip", "compile", "pyproject.toml", "-", "--all-extras", "--universal"),
        *("--python-version", "3.11", "--generate-hashes", "--upgrade", "--quiet"),
        *("--custom-compile-command", "python3 dev.py lock", "--output-file", LOCK.name),
        *args,
    ]


def cmd_lock(args: list[str]) -> int:
    import tomllib  # here: dev.py must start on an older python3 to say it is too old

    ensure_venv()  # brings the locked uv
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]["requires"]
    tools = "\n".join([*build, *LOCK_TOOLS]) + "\n"
    before = locked_pins(LOCK.read_text())
    code = subprocess.run(lock_command(args), input=tools, text=True, cwd=ROOT).returncode
    if code == 0:
        after = locked_pins(LOCK.read_text())
        changes = [
            f"{n} {before.get(n, '-')} -> {after.get(n, '-')}"
            for n in sorted(before.keys() | after.keys())
            if before.get(n) != after.get(n)
        ]
        say("lock changed: " + ", ".join(changes) if changes else "lock unchanged")
    return code


def cmd_sync(args: list[str]) -> int:
    ensure_venv(Path(args[0]).resolve() if args else VENV)
    return 0


COMMANDS = {
    "test": cmd_test,
    "demo": cmd_demo,
    "bench": cmd_bench,
    "shell": cmd_shell,
    "lock": cmd_lock,
    "sync": cmd_sync,
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in COMMANDS:
        print(__doc__)
        return 2
    return COMMANDS[argv[0]](argv[1:])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
