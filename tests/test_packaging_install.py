"""packaging/install.sh with a stand-in app: adds it to the menu, removes it, refuses strays."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from mymove_viewer import APP_ID, __version__
from tests.packaging_helpers import (
    DESKTOP_FILE,
    ICON_SIZES,
    METAINFO_FILE,
    RESOURCES,
    ROOT,
    assert_installed,
    assert_uninstalled,
    home_env,
    run_install,
)

# -- install.sh (with a stand-in app; the bundle test runs it on the real one) --------------


def stage_fake_release(folder: Path) -> Path:
    """The tarball's layout (see packaging/build.sh) around a stub executable."""
    release = folder / f"mymove-viewer-{__version__}"
    app = release / "mymove-viewer"
    app.mkdir(parents=True)
    exe = app / "mymove-viewer"
    exe.write_text('#!/bin/sh\necho stub mymove-viewer "$@"\n')
    exe.chmod(0o755)
    shutil.copy(ROOT / "packaging" / "install.sh", release / "install.sh")
    share = release / "share"
    (share / "applications").mkdir(parents=True)
    shutil.copy(DESKTOP_FILE, share / "applications")
    (share / "metainfo").mkdir()
    shutil.copy(METAINFO_FILE, share / "metainfo")
    scalable = share / "icons" / "hicolor" / "scalable" / "apps"
    scalable.mkdir(parents=True)
    shutil.copy(RESOURCES / f"{APP_ID}.svg", scalable)
    for size in ICON_SIZES:
        target = share / "icons" / "hicolor" / f"{size}x{size}" / "apps"
        target.mkdir(parents=True)
        shutil.copy(RESOURCES / "icons" / f"{size}x{size}" / f"{APP_ID}.png", target)
    return release


def test_install_script_adds_the_app_to_the_menu_and_removes_it(tmp_path: Path) -> None:
    release = stage_fake_release(tmp_path / "unpacked")
    home = tmp_path / "home"
    home.mkdir()
    installed = run_install(release, home)
    assert installed.returncode == 0, installed.stderr
    link = assert_installed(home)

    shutil.rmtree(release)  # the unpacked folder is no longer needed
    ran = subprocess.run([str(link), "--version"], capture_output=True, text=True)
    assert ran.stdout.strip() == "stub mymove-viewer --version"

    uninstaller = home / ".local" / "share" / "mymove-viewer" / "uninstall.sh"
    removed = subprocess.run(
        ["sh", str(uninstaller)], capture_output=True, text=True, env=home_env(home)
    )
    assert removed.returncode == 0, removed.stderr
    assert_uninstalled(home)


def test_install_script_refuses_to_run_outside_a_release(tmp_path: Path) -> None:
    lone = tmp_path / "install.sh"
    shutil.copy(ROOT / "packaging" / "install.sh", lone)
    home = tmp_path / "home"
    home.mkdir()
    result = run_install(tmp_path, home)
    assert result.returncode == 1
    assert "unpacked mymove-viewer folder" in result.stderr
    assert not (home / ".local").exists()
