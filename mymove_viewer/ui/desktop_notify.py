"""Desktop notifications through the freedesktop Notifications service on the session D-Bus.

Stock GNOME and other desktops have no system tray, so ``QSystemTrayIcon.showMessage`` shows
nothing there; the ``org.freedesktop.Notifications`` service is what they (and KDE, Xfce, dunst,
mako …) all listen on. The call goes out on a worker thread, so a service that is slow to start
(D-Bus activation) or stuck never holds up the window; when there is none, the alert is handed
back (``unavailable``) for the tray, if any, and the reason is logged once.

The message is built with ``jeepney`` (the pure-Python D-Bus library ``keyring`` already brings
on Linux), not QtDBus: PySide6 cannot give a D-Bus argument the type ``u`` that ``Notify``'s
``replaces_id`` has (a Python int goes out as ``i``), and services built on GDBus, GNOME Shell's
among them, refuse a call whose signature differs.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QGuiApplication

from ..api.errors import app_logger
from .worker import BackgroundRunner

log = app_logger(__name__)

SERVICE = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"
SIGNATURE = "susssasa{sv}i"  # app_name, replaces_id, app_icon, summary, body, actions, hints, ms
REPLY_TIMEOUT_S = 5.0  # long enough for a service D-Bus starts on demand


def send_notification(
    app_name: str, replaces_id: int, summary: str, body: str, hints: dict[str, tuple[str, Any]]
) -> int:
    """``Notify`` on the session bus; the id the service gave the notification. Blocks (for at
    most ``REPLY_TIMEOUT_S`` once connected): for a worker thread."""
    from jeepney import DBusAddress, new_method_call
    from jeepney.io.blocking import open_dbus_connection
    from jeepney.wrappers import unwrap_msg

    target = DBusAddress(PATH, bus_name=SERVICE, interface=SERVICE)
    args = (app_name, replaces_id, "", summary, body, [], hints, -1)  # -1: the service's timeout
    call = new_method_call(target, "Notify", SIGNATURE, args)
    with open_dbus_connection("SESSION") as connection:
        reply = connection.send_and_get_reply(call, timeout=REPLY_TIMEOUT_S)
    (notification_id,) = unwrap_msg(reply)  # raises DBusErrorResponse for an error reply
    return int(notification_id)


def _reason(error: object) -> str:
    """Why a notification could not be sent, for the log (no user data in it)."""
    name = getattr(error, "name", None)  # jeepney's DBusErrorResponse: the D-Bus error's name
    if name:
        return str(name)
    if isinstance(error, ImportError):
        return "the jeepney D-Bus library is not installed"
    return type(error).__name__


class DesktopNotifier(QObject):
    """Sends each alert as a desktop notification that replaces the previous one (so a day of
    polls leaves one notification with the latest count, not a stack)."""

    unavailable = Signal(str, str)  # summary, body of an alert no service took: for the tray
    sent = Signal(int)  # the id the service gave it

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        # The offscreen platform (self-test, screenshots, the test suite) has nobody to read a
        # notification; a test that wants them sets this.
        self.enabled = QGuiApplication.platformName() != "offscreen"
        self._runner = BackgroundRunner(self, name="notify")
        self._runner.finished.connect(self._on_sent)
        self._runner.failed.connect(self._on_failed)
        self._last_id = 0
        self._alert: tuple[str, str] = ("", "")
        self._logged = False
        self._closed = False

    @staticmethod
    def has_session_bus() -> bool:
        """A session D-Bus to try (Linux and BSD desktops set its address). Without the address
        libdbus-style clients fall back to autolaunching a bus, which is not wanted here."""
        return not sys.platform.startswith(("win", "darwin")) and bool(
            os.environ.get("DBUS_SESSION_BUS_ADDRESS")
        )

    def notify(self, summary: str, body: str) -> bool:
        """Send the alert; False when there is no session bus to send it on (use the tray).
        A service that turns out to be missing is reported later through ``unavailable``."""
        if self._closed or not self.enabled or not self.has_session_bus():
            return False
        self._alert = (summary, body)
        app = QGuiApplication.applicationDisplayName() or "MyMove Lead Viewer"
        hints: dict[str, tuple[str, Any]] = {}
        if entry := QGuiApplication.desktopFileName():  # the icon and the click, on GNOME/KDE
            hints["desktop-entry"] = ("s", entry)
        replaces = self._last_id

        def job(_report: object, _token: object) -> int:
            return send_notification(app, replaces, summary, body, hints)

        self._runner.start(job)
        return True

    def shutdown(self) -> None:
        self._closed = True
        self._runner.shutdown(int(REPLY_TIMEOUT_S * 1000))

    @Slot(int, object)
    def _on_sent(self, _gen: int, notification_id: object) -> None:
        self._last_id = int(notification_id)  # type: ignore[call-overload]
        self.sent.emit(self._last_id)

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        if not self._logged:  # once: every poll with new leads would repeat it
            self._logged = True
            log.warning(
                "no desktop notification service answered (%s): new leads are still counted "
                "in the window title",
                _reason(error),
            )
        self._last_id = 0  # a service that comes back knows none of the old ids
        self.unavailable.emit(*self._alert)
