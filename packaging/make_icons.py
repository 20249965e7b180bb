"""Render the application icon from its SVG source into every size and format the app ships.

    .venv/bin/python packaging/make_icons.py          # rewrite the committed icon files
    .venv/bin/python packaging/make_icons.py --check  # exit 1 if any of them is out of date

Outputs (all committed, so neither a wheel build nor a bundle build needs Qt to render anything):
  resources/icons/<N>x<N>/com.mymove.LeadViewer.png   the freedesktop hicolor sizes (install.sh)
  resources/com.mymove.LeadViewer.ico                 Windows (PyInstaller EXE icon)
  resources/com.mymove.LeadViewer.icns                macOS (PyInstaller BUNDLE icon)
  mymove_viewer/data/icon.svg, icon-<N>.png           package data: the window icon at run time

ICO and ICNS are written here (PNG-compressed entries, a format both systems read) rather than
through Pillow, to keep the build free of an extra dependency. Only Qt's SVG renderer is used.
"""

from __future__ import annotations

import argparse
import os
import struct
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "com.mymove.LeadViewer"
SOURCE = ROOT / "resources" / f"{APP_ID}.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest an ICO entry can describe
# ICNS entry type -> pixel size; the "@2x" types reuse the larger renders.
ICNS_TYPES = (
    ("icp4", 16),
    ("icp5", 32),
    ("icp6", 64),
    ("ic07", 128),
    ("ic08", 256),
    ("ic09", 512),
    ("ic10", 1024),
    ("ic11", 32),
    ("ic12", 64),
    ("ic13", 256),
    ("ic14", 512),
)


def render_png(svg: bytes, size: int) -> bytes:
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise SystemExit(f"make_icons: {SOURCE} is not a valid SVG.")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    out = QByteArray()
    buffer = QBuffer(out)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    if not image.save(buffer, "PNG"):
        raise SystemExit(f"make_icons: Qt could not encode a {size}px PNG.")
    buffer.close()
    return bytes(out.data())


def ico(pngs: dict[int, bytes]) -> bytes:
    sizes = [s for s in ICO_SIZES if s in pngs]
    header = struct.pack("<HHH", 0, 1, len(sizes))
    offset = len(header) + 16 * len(sizes)
    entries, blobs = b"", b""
    for size in sizes:
        data = pngs[size]
        dim = 0 if size >= 256 else size  # 0 means 256 in an ICONDIRENTRY
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        blobs += data
        offset += len(data)
    return header + entries + blobs


def icns(pngs: dict[int, bytes]) -> bytes:
    body = b"".join(
        kind.encode("ascii") + struct.pack(">I", 8 + len(pngs[size])) + pngs[size]
        for kind, size in ICNS_TYPES
    )
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def outputs() -> dict[Path, bytes]:
    svg = SOURCE.read_bytes()
    pngs = {size: render_png(svg, size) for size in {*SIZES, *(s for _, s in ICNS_TYPES)}}
    files: dict[Path, bytes] = {}
    for size in SIZES:
        files[ROOT / "resources" / "icons" / f"{size}x{size}" / f"{APP_ID}.png"] = pngs[size]
        files[ROOT / "mymove_viewer" / "data" / f"icon-{size}.png"] = pngs[size]
    files[ROOT / "mymove_viewer" / "data" / "icon.svg"] = svg
    files[ROOT / "resources" / f"{APP_ID}.ico"] = ico(pngs)
    files[ROOT / "resources" / f"{APP_ID}.icns"] = icns(pngs)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    try:
        files = outputs()
    finally:
        del app
    stale = [
        path for path, data in files.items() if not path.is_file() or path.read_bytes() != data
    ]
    if args.check:
        for path in stale:
            print(f"out of date: {path.relative_to(ROOT)}", file=sys.stderr)
        if stale:
            print("Run: .venv/bin/python packaging/make_icons.py", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[path])
        print(f"wrote {path.relative_to(ROOT)}")
    print(f"{len(files) - len(stale)} file(s) already up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
