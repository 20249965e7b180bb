"""Desktop file, AppStream metainfo and icons: validated, named by the app id, shipped as built."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from importlib import resources

import pytest

from mymove_viewer import APP_ID, APP_NAME, __version__
from tests.packaging_helpers import (
    DESKTOP_FILE,
    ICON_SIZES,
    IN_CI,
    METAINFO_FILE,
    PNG_MAGIC,
    RESOURCES,
    ROOT,
)


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian: desktop-file-utils / appstream)"
        if IN_CI:
            pytest.fail(f"{message}; CI must run this check.")
        pytest.skip(message)
    return path


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == PNG_MAGIC, "not a PNG"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk comes first
    return width, height


def test_desktop_file_passes_desktop_file_validate() -> None:
    tool = require_tool("desktop-file-validate")
    result = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in result.stdout.lower()


def test_desktop_file_uses_the_app_id_for_its_name_and_icon() -> None:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys are case-sensitive
    parser.read(DESKTOP_FILE, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert DESKTOP_FILE.name == f"{APP_ID}.desktop"
    assert entry["Name"] == APP_NAME
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "mymove-viewer"
    assert entry["Terminal"] == "false"


def test_metainfo_passes_appstreamcli_validate() -> None:
    tool = require_tool("appstreamcli")
    result = subprocess.run(
        [tool, "validate", "--no-net", str(METAINFO_FILE)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_metainfo_matches_the_package() -> None:
    root = ET.parse(METAINFO_FILE).getroot()
    assert root.findtext("id") == APP_ID
    assert root.findtext("name") == APP_NAME
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP_FILE.name
    newest = root.find("releases/release")
    assert newest is not None
    assert newest.get("version") == __version__, "add a <release> for the new version"
    image = root.findtext("screenshots/screenshot/image") or ""
    assert image.endswith("/resources/screenshot.png")
    assert root.find("content_rating") is not None
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert root.findtext("project_license") == pyproject["project"]["license"]
    assert (root.findtext("summary") or "").strip()
    assert root.find("description/p") is not None


@pytest.mark.parametrize("size", ICON_SIZES)
def test_icon_png_has_its_size_and_ships_in_the_package(size: int) -> None:
    committed = (RESOURCES / "icons" / f"{size}x{size}" / f"{APP_ID}.png").read_bytes()
    assert png_size(committed) == (size, size)
    packaged = resources.files("mymove_viewer").joinpath(f"data/icon-{size}.png").read_bytes()
    assert packaged == committed, "run packaging/make_icons.py"


def test_package_svg_is_the_source_svg() -> None:
    packaged = resources.files("mymove_viewer").joinpath("data/icon.svg").read_bytes()
    assert packaged == (RESOURCES / f"{APP_ID}.svg").read_bytes(), "run packaging/make_icons.py"
    assert b"<svg" in packaged


def test_windows_and_macos_icons_hold_png_images() -> None:
    ico = (RESOURCES / f"{APP_ID}.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind) == (0, 1)
    entries = [struct.unpack("<BBBBHHII", ico[6 + 16 * i : 22 + 16 * i]) for i in range(count)]
    for width, height, *_rest, length, offset in entries:
        assert width == height
        assert ico[offset : offset + 8] == PNG_MAGIC
        assert offset + length <= len(ico)
    assert {e[0] or 256 for e in entries} >= {16, 32, 48, 256}

    icns = (RESOURCES / f"{APP_ID}.icns").read_bytes()
    assert icns[:4] == b"icns"
    assert struct.unpack(">I", icns[4:8])[0] == len(icns)
    assert b"ic10" in icns and b"icp4" in icns
