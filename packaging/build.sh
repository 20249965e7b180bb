#!/usr/bin/env bash
# Build the Linux bundle and the tarball to hand out, in one command:
#
#   packaging/build.sh
#
# Makes dist/mymove-viewer/mymove-viewer (a one-folder PyInstaller app) and
# dist/mymove-viewer-<version>-linux-<arch>.tar.gz, which holds that folder, the desktop file,
# icons and AppStream metainfo under share/, and install.sh (adds it to the applications menu).
#
# Uses the project's .venv (created if missing), or the venv named by MYMOVE_BUILD_VENV, and
# brings it to requirements.lock first (PyInstaller included), so a build uses the tested versions.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
VENV=${MYMOVE_BUILD_VENV:-$ROOT/.venv}
APP_ID=com.mymove.LeadViewer
started=$(date +%s)

# dev.py installs the locked versions (hash-checked) and the project editable, as for the tests,
# and does nothing when the venv already matches the lock.
python3 "$ROOT/dev.py" sync "$VENV"
PY=$VENV/bin/python

VERSION=$("$PY" -c 'import mymove_viewer; print(mymove_viewer.__version__)')
ARCH=$(uname -m)
echo "[build] PyInstaller: mymove-viewer $VERSION"
"$PY" -m PyInstaller --noconfirm --log-level WARN \
    --distpath "$ROOT/dist" --workpath "$ROOT/build/pyinstaller" \
    packaging/mymove-viewer.spec
# Python's own libraries may carry debug symbols (~20 MB); Qt's and the system's are stripped
# already, and stripping those again is where breakage would come from, so only these.
if command -v strip >/dev/null; then
    strip --strip-debug dist/mymove-viewer/_internal/libpython3*.so* \
        dist/mymove-viewer/_internal/python3*/lib-dynload/*.so 2>/dev/null || true
fi
built=$(date +%s)

NAME=mymove-viewer-$VERSION
STAGE=$ROOT/build/tarball/$NAME
rm -rf "$ROOT/build/tarball"
mkdir -p "$STAGE/share/applications" "$STAGE/share/metainfo" \
    "$STAGE/share/icons/hicolor/scalable/apps"
cp -a "$ROOT/dist/mymove-viewer" "$STAGE/mymove-viewer"
cp "$ROOT/packaging/install.sh" "$STAGE/install.sh"
chmod 755 "$STAGE/install.sh"
cp "resources/$APP_ID.desktop" "$STAGE/share/applications/"
cp "resources/$APP_ID.metainfo.xml" "$STAGE/share/metainfo/"
cp "resources/$APP_ID.svg" "$STAGE/share/icons/hicolor/scalable/apps/"
for png in resources/icons/*/"$APP_ID.png"; do
    size=$(basename "$(dirname "$png")")
    mkdir -p "$STAGE/share/icons/hicolor/$size/apps"
    cp "$png" "$STAGE/share/icons/hicolor/$size/apps/"
done
cat > "$STAGE/README.txt" <<EOF
MyMove Lead Viewer $VERSION for Linux ($ARCH)

Start it without installing:   ./mymove-viewer/mymove-viewer
Add it to the applications menu: ./install.sh
Remove it again:                 ./install.sh --uninstall
EOF

TARBALL=$ROOT/dist/$NAME-linux-$ARCH.tar.gz
tar -C "$ROOT/build/tarball" -czf "$TARBALL" "$NAME"
finished=$(date +%s)

echo "[build] bundle:  dist/mymove-viewer/ ($(du -sh dist/mymove-viewer | cut -f1)), PyInstaller took $((built - started)) s"
echo "[build] tarball: ${TARBALL#"$ROOT"/} ($(du -h "$TARBALL" | cut -f1)), total $((finished - started)) s"
