"""The window's commands a user presses right after typing in a box. On X11 desktops Qt's text
boxes take Ctrl+E for "end of line" (and may take Ctrl+K, "delete to the end"), so from a box
these shortcuts did nothing: the boxes leave them to the window."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence

# The window's actions take their shortcuts from here (``window_actions``): one place for both.
EXPORT_KEY, EXPORT_XLSX_KEY, SET_KEY_KEY = "Ctrl+E", "Ctrl+Shift+E", "Ctrl+K"
WINDOW_KEYS = frozenset(QKeySequence(k) for k in (EXPORT_KEY, EXPORT_XLSX_KEY, SET_KEY_KEY))


def is_window_key(event: QEvent) -> bool:
    """A shortcut override the window's shortcut should get, not the box with the focus."""
    return (
        event.type() == QEvent.Type.ShortcutOverride
        and isinstance(event, QKeyEvent)
        and QKeySequence(event.keyCombination()) in WINDOW_KEYS
    )


class WindowKeys(QObject):
    """Installed on a box (a line edit, a spin box, a date edit): its window keys go by."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if is_window_key(event):
            event.ignore()  # not claimed: the window's shortcut runs
            return True
        return super().eventFilter(watched, event)
