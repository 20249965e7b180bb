"""The tray icon that counts new leads and names the first few in a desktop notification.

Created only where the platform has a system tray; elsewhere (and in tests on the offscreen
platform) the window title alone carries the count.
"""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon

from ..api.lead import Lead

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

    def set_count(self, n: int) -> None:
        if self.icon is None:
            return
        self.icon.setToolTip(count_text(n) if n else "No new leads")
        self.icon.setVisible(n > 0)

    def notify(self, fresh: Sequence[Lead], total_new: int) -> None:
        if self.icon is None or not fresh or not QSystemTrayIcon.supportsMessages():
            return
        self.icon.showMessage(count_text(total_new), describe_leads(fresh))

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
