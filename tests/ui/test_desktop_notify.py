"""New-lead alerts reach desktops without a system tray: a watch poll that brings new leads
sends ``Notify`` to the freedesktop notification service on the session D-Bus (a stand-in
service in its own process here, on the private bus ``dev.py test`` starts), naming the leads
as the tray message did; with no service, or no bus, nothing breaks and it is logged once."""

from __future__ import annotations

import json
import logging
import os
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mymove_viewer.sandbox import DEMO_API_KEY
from mymove_viewer.ui.desktop_notify import DesktopNotifier

from .conftest import TIMEOUT_MS
from .test_window_watch import watching_window

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the freedesktop service is a Linux desktop's"
)
ROOT = Path(__file__).resolve().parents[2]


def private_session() -> bool:
    return bool(os.environ.get("MYMOVE_PRIVATE_KEYRING")) and DesktopNotifier.has_session_bus()


class Recorded:
    def __init__(self, path: Path) -> None:
        self.path = path

    def notifies(self) -> list[dict]:
        if not self.path.exists():
            return []
        calls = [json.loads(line) for line in self.path.read_text().splitlines()]
        return [c for c in calls if c["member"] == "Notify"]


@pytest.fixture
def notification_service(tmp_path: Path) -> Iterator[Recorded]:
    if not private_session():
        pytest.skip("needs the private D-Bus session `python3 dev.py test` starts")
    record = tmp_path / "notifications.jsonl"
    service = subprocess.Popen(
        [sys.executable, "-m", "tests.ui.notification_service", str(record)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        ready, _, _ = select.select([service.stdout], [], [], 20)
        said = service.stdout.readline().strip() if ready else "(nothing)"  # type: ignore[union-attr]
        assert said == "ready", f"the stand-in notification service said {said!r}"
        yield Recorded(record)
    finally:
        service.terminate()
        service.wait(10)
        service.stdout.close()  # type: ignore[union-attr]


def alerting_window(make_window, do_fetch):
    window = watching_window(make_window, do_fetch)
    notifier = window.watch_flow.tray.desktop
    notifier.enabled = True  # off by default on the offscreen platform
    return window, notifier


def test_a_poll_with_new_leads_sends_a_desktop_notification(
    qtbot, make_window, do_fetch, sandbox, notification_service: Recorded
) -> None:
    window, notifier = alerting_window(make_window, do_fetch)
    window.watch_flow.action.trigger()
    qtbot.waitUntil(lambda: window.watch.polls_done >= 1, timeout=TIMEOUT_MS)
    assert notification_service.notifies() == []  # only leads already shown: nothing to say

    with qtbot.waitSignal(notifier.sent, timeout=TIMEOUT_MS) as sent:
        added = sandbox.add_leads(2)
    (call,) = notification_service.notifies()
    assert call["signature"] == "susssasa{sv}i"  # replaces_id a uint32: GDBus services insist
    app, replaces, _icon, summary, body, actions, _hints, expire = call["args"]
    assert app and replaces == 0 and actions == [] and expire == -1
    assert summary == "2 new leads" and sent.args == [1]
    for lead in added:  # named as the tray named them, and nothing more of a lead
        name = " ".join(p for p in (lead["first_name"], lead["last_name"]) if p)
        assert f"{name} → {lead['new_city']}, {lead['new_state']}" in body
        assert lead["email"] not in body and lead["new_address_1"] not in body
    assert window.windowTitle().startswith("(2 new) ")

    with qtbot.waitSignal(notifier.sent, timeout=TIMEOUT_MS):
        (one,) = sandbox.add_leads(1)
    second = notification_service.notifies()[1]["args"]
    assert second[1] == 1 and second[3] == "3 new leads"  # the first one, replaced
    assert second[4].startswith(" ".join(p for p in (one["first_name"], one["last_name"]) if p))
    assert DEMO_API_KEY not in notification_service.path.read_text()


@pytest.mark.parametrize("where", ["no-service", "no-bus"])
def test_without_a_notification_service_nothing_breaks_and_it_is_logged_once(
    qtbot, make_window, do_fetch, sandbox, caplog, monkeypatch, tmp_path, where: str
) -> None:
    if where == "no-bus":  # an address where no bus listens
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/no-bus")
    elif not private_session():
        pytest.skip("needs the private D-Bus session `python3 dev.py test` starts")
    window, notifier = alerting_window(make_window, do_fetch)
    window.watch_flow.action.trigger()
    qtbot.waitUntil(lambda: window.watch.polls_done >= 1, timeout=TIMEOUT_MS)
    caplog.set_level(logging.WARNING, logger="mymove_viewer.ui.desktop_notify")
    for total in (1, 3):
        with qtbot.waitSignal(notifier.unavailable, timeout=TIMEOUT_MS) as handed_back:
            sandbox.add_leads(total - window.model.new_count())
        assert handed_back.args[0] == f"{total} new lead{'s' * (total > 1)}"  # for the tray
        assert window.windowTitle().startswith(f"({total} new) ")
    logged = [r for r in caplog.records if r.name == "mymove_viewer.ui.desktop_notify"]
    assert len(logged) == 1 and "no desktop notification service" in logged[0].getMessage()
    if where == "no-service":
        assert "ServiceUnknown" in logged[0].getMessage()
    assert window.watch.running and not window.banner.isVisible()
