#!/bin/sh
# MyMove Lead Viewer: add the app to your applications menu (no administrator rights needed).
#
#   ./install.sh              copy the app to ~/.local/share/mymove-viewer, add a menu entry,
#                             the icon, and the `mymove-viewer` command in ~/.local/bin
#   ./install.sh --uninstall  remove all of that again (your settings and saved key stay)
#
# Run it from the unpacked mymove-viewer-<version> folder. After installing, the unpacked folder
# can be deleted; ~/.local/share/mymove-viewer/uninstall.sh (a copy of this script) removes the
# app later.
set -eu

APP_ID=com.mymove.LeadViewer
DATA_HOME=${XDG_DATA_HOME:-$HOME/.local/share}
BIN_HOME=${XDG_BIN_HOME:-$HOME/.local/bin}
APP_HOME=$DATA_HOME/mymove-viewer
SIZES="16 24 32 48 64 128 256 512"
HERE=$(cd "$(dirname "$0")" && pwd)

say() { printf '%s\n' "$*"; }

refresh_menus() {
    # Desktops pick the new entry up on their own; these only make it quicker. Missing is fine.
    if command -v update-desktop-database >/dev/null 2>&1; then
        update-desktop-database -q "$DATA_HOME/applications" 2>/dev/null || true
    fi
    if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f "$DATA_HOME/icons/hicolor/index.theme" ]; then
        gtk-update-icon-cache -q -t "$DATA_HOME/icons/hicolor" 2>/dev/null || true
    fi
}

uninstall() {
    rm -f "$DATA_HOME/applications/$APP_ID.desktop" "$DATA_HOME/metainfo/$APP_ID.metainfo.xml"
    for size in $SIZES; do
        rm -f "$DATA_HOME/icons/hicolor/${size}x${size}/apps/$APP_ID.png"
    done
    rm -f "$DATA_HOME/icons/hicolor/scalable/apps/$APP_ID.svg"
    # Only remove the command if it is ours (a link into the app folder).
    if [ -L "$BIN_HOME/mymove-viewer" ] && [ "$(readlink "$BIN_HOME/mymove-viewer")" = "$APP_HOME/app/mymove-viewer" ]; then
        rm -f "$BIN_HOME/mymove-viewer"
    fi
    rm -rf "$APP_HOME"
    refresh_menus
    say "MyMove Lead Viewer was removed. Your settings and the API key in the keychain were kept."
}

install() {
    if [ ! -x "$HERE/mymove-viewer/mymove-viewer" ] || [ ! -d "$HERE/share" ]; then
        say "install.sh: run me from the unpacked mymove-viewer folder (it has mymove-viewer/ and share/ next to me)." >&2
        exit 1
    fi
    rm -rf "$APP_HOME.new"
    mkdir -p "$APP_HOME.new"
    cp -R "$HERE/mymove-viewer" "$APP_HOME.new/app"
    cp "$HERE/install.sh" "$APP_HOME.new/uninstall.sh"
    chmod 755 "$APP_HOME.new/uninstall.sh"
    # Swap in the new copy only once it is complete, so a failed copy leaves the old one working.
    rm -rf "$APP_HOME"
    mv "$APP_HOME.new" "$APP_HOME"

    exe=$APP_HOME/app/mymove-viewer
    mkdir -p "$DATA_HOME/applications" "$DATA_HOME/metainfo" "$BIN_HOME"
    # Absolute paths: ~/.local/bin is not on every desktop session's PATH.
    sed -e "s|^Exec=.*|Exec=\"$exe\"|" -e "s|^TryExec=.*|TryExec=$exe|" \
        "$HERE/share/applications/$APP_ID.desktop" > "$DATA_HOME/applications/$APP_ID.desktop"
    cp "$HERE/share/metainfo/$APP_ID.metainfo.xml" "$DATA_HOME/metainfo/"
    for size in $SIZES; do
        mkdir -p "$DATA_HOME/icons/hicolor/${size}x${size}/apps"
        cp "$HERE/share/icons/hicolor/${size}x${size}/apps/$APP_ID.png" \
            "$DATA_HOME/icons/hicolor/${size}x${size}/apps/"
    done
    mkdir -p "$DATA_HOME/icons/hicolor/scalable/apps"
    cp "$HERE/share/icons/hicolor/scalable/apps/$APP_ID.svg" "$DATA_HOME/icons/hicolor/scalable/apps/"
    if [ ! -e "$BIN_HOME/mymove-viewer" ] || [ -L "$BIN_HOME/mymove-viewer" ]; then
        ln -sfn "$exe" "$BIN_HOME/mymove-viewer"
    else
        say "Note: $BIN_HOME/mymove-viewer already exists and is not ours; left it alone."
    fi
    refresh_menus
    say "MyMove Lead Viewer is installed: find it in your applications menu, or run mymove-viewer."
    say "To remove it: $APP_HOME/uninstall.sh"
}

case "${1:-}" in
    "") if [ "$(basename "$0")" = uninstall.sh ]; then uninstall; else install; fi ;;
    --uninstall) uninstall ;;
    -h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' ;;
    *) say "install.sh: unknown option '$1'. Use no option to install, or --uninstall." >&2; exit 2 ;;
esac
