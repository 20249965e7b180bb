"""New-lead alerts: a desktop notification naming the first few, and a tray icon counting them.

The notification goes to the desktop's notification service over D-Bus (``desktop_notify``),
which desktops without a system tray (stock GNOME) have too; the tray's own message is the way
where there is no such service (Windows, macOS) or it did not answer. The tray icon is created
only where the platform has a system tray; elsewhere (and in tests on the offscreen platform)
the window title alone carries the count.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from ..api.lead import Lead
from .desktop_notify import DesktopNotifier

NAMED = 3


def count_text(n: int) -> str:
    return f"{n:,} new lead{'s' * (n != 1)}"


def describe_leads(leads: Sequence[Lead], named: int = NAMED) -> str:
    """ "Jane Doe → Austin, TX; …" for the first ``named`` leads, then "and N more"."""
    parts = []
    for lead in leads[:named]:
        name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
        place = ", ".join(p for p in (lead.get("new_city"), lead.get("new_state")) if p)
        parts.append(" → ".join(p for p in (name or "(no name)", place) if p))
    text = "; ".join(parts)
    if len(leads) > named:
        text += f"; and {len(leads) - named:,} more"
    return text


class NewLeadsTray(QObject):
    activated = Signal()

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(icon, self)
            self.icon.setObjectName("newLeadsTray")
            self.icon.activated.connect(lambda _reason: self.activated.emit())
            self.icon.messageClicked.connect(self.activated)
        self.desktop = DesktopNotifier(self)
        self.desktop.unavailable.connect(self._show_in_tray)

    def set_count(self, n: int) -> None:
        if self.icon is None:
            return
        self.icon.setToolTip(count_text(n) if n else "No new leads")
        self.icon.setVisible(n > 0)

    def notify(self, fresh: Sequence[Lead], total_new: int) -> None:
        """Names (and places) of the first few fresh leads, and how many are new in all: never
        more of a lead than that."""
        if not fresh:
            return
        summary, body = count_text(total_new), describe_leads(fresh)
        if not self.desktop.notify(summary, body):
            self._show_in_tray(summary, body)

    @Slot(str, str)
    def _show_in_tray(self, summary: str, body: str) -> None:
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(summary, body)

    def hide(self) -> None:
        """At the window's close: the icon goes, and a notification on its way is waited for."""
        if self.icon is not None:
            self.icon.hide()
        self.desktop.shutdown()
