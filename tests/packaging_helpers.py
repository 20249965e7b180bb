"""Paths, flags and the install.sh helpers shared by the packaging tests (not a test module)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from mymove_viewer import APP_ID

ROOT = Path(__file__).resolve().parent.parent
RESOURCES = ROOT / "resources"
LOCK = ROOT / "requirements.lock"
DESKTOP_FILE = RESOURCES / f"{APP_ID}.desktop"
METAINFO_FILE = RESOURCES / f"{APP_ID}.metainfo.xml"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
IN_CI = bool(os.environ.get("CI"))
BUILD_BUNDLE = IN_CI or os.environ.get("MYMOVE_BUILD_BUNDLE") == "1"


def clean_env(**extra: str) -> dict[str, str]:
    """The environment minus anything that would let a child see this checkout's sources."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(extra)
    return env


def home_env(home: Path) -> dict[str, str]:
    env = clean_env(HOME=str(home))
    for var in ("XDG_DATA_HOME", "XDG_BIN_HOME"):
        env.pop(var, None)
    return env


def run_install(release: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["sh", str(release / "install.sh"), *args],
        capture_output=True,
        text=True,
        env=home_env(home),
        cwd=home,
        timeout=120,
    )


def assert_installed(home: Path) -> Path:
    data = home / ".local" / "share"
    desktop = data / "applications" / f"{APP_ID}.desktop"
    exe = data / "mymove-viewer" / "app" / "mymove-viewer"
    assert desktop.is_file()
    text = desktop.read_text(encoding="utf-8")
    assert f'Exec="{exe}"' in text  # absolute: ~/.local/bin is not always on the menu's PATH
    assert f"TryExec={exe}" in text
    for size in ICON_SIZES:
        assert (data / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (data / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (data / "metainfo" / f"{APP_ID}.metainfo.xml").is_file()
    link = home / ".local" / "bin" / "mymove-viewer"
    assert link.is_symlink() and link.resolve() == exe.resolve()
    if shutil.which("desktop-file-validate"):
        check = subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True)
        assert check.returncode == 0, check.stdout
    return link


def assert_uninstalled(home: Path) -> None:
    data = home / ".local" / "share"
    assert not (data / "applications" / f"{APP_ID}.desktop").exists()
    assert not (data / "mymove-viewer").exists()
    assert not (home / ".local" / "bin" / "mymove-viewer").is_symlink()
    leftovers = [p for p in (data / "icons").rglob("*") if p.is_file()]
    assert leftovers == []
