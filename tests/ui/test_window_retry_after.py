"""A 429 with Retry-After: the banner's Retry counts the wait down instead of offering a
request that would only be rate-limited again; F5 and watch polls wait it out too; another
environment or client ID is not held by it."""

from __future__ import annotations

import re
import time
from dataclasses import replace

from PySide6.QtCore import Qt

from mymove_viewer.api import errors as E
from mymove_viewer.api.query import Environment
from mymove_viewer.sandbox import Fault
from mymove_viewer.ui.retry_wait import wait_text
from mymove_viewer.ui.watch import describe_delay

from .conftest import FAST, FIXED_NOW, TIMEOUT_MS

ONE_TRY = replace(FAST, max_tries=1)  # the 429 reaches the window at once, not after a retry


def rate_limit(qtbot, window, sandbox, retry_after: str | None) -> E.RateLimitedError:
    """F5, answered 429 (with ``retry_after`` as the Retry-After header, if any)."""
    sandbox.inject(Fault("status", status=429, retry_after=retry_after, times=None))
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS) as blocker:
        qtbot.keyClick(window, Qt.Key.Key_F5)
    sandbox.clear_faults()
    sandbox.clear_requests()
    error = blocker.args[1]
    assert isinstance(error, E.RateLimitedError)
    return error


def test_wait_text_rounds_up_in_plain_units() -> None:
    assert [wait_text(s) for s in (1, 28, 89, 90, 120, 121)] == [
        "1 s", "28 s", "89 s", "2 min", "2 min", "3 min",
    ]  # fmt: skip
    assert [wait_text(s) for s in (7200, 7201, 48 * 3600, 366 * 86400)] == [
        "2 h", "3 h", "2 days", "366 days",
    ]  # fmt: skip
    # Watch's "retrying in …" after a poll's 429 that asked for hours: not "1440 min".
    assert [describe_delay(s) for s in (45, 1800, 7200, 86400, 366 * 86400)] == [
        "45 s", "30 min", "2 h", "24 h", "366 days",
    ]  # fmt: skip


def test_retry_counts_down_then_turns_on(qtbot, make_window, sandbox) -> None:
    window = make_window(client_settings=ONE_TRY)
    error = rate_limit(qtbot, window, sandbox, "2")
    assert error.retry_after == 2
    banner, retry = window.banner, window.banner.action_button
    assert banner.isVisible() and banner.message() == error.message
    assert "HTTP 429" in banner.message() and "Wait about 2 seconds" in banner.message()
    assert retry.text() == "Retry in 2 s" and not retry.isEnabled() and banner.counting

    qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)  # disabled: nothing is asked
    assert not window.controller.busy and sandbox.requests == []
    qtbot.waitUntil(lambda: retry.text() == "Retry in 1 s", timeout=TIMEOUT_MS)
    assert not retry.isEnabled()
    qtbot.waitUntil(retry.isEnabled, timeout=TIMEOUT_MS)
    assert retry.text() == "Retry" and not banner.counting and not banner.holding
    assert banner.message() == error.message  # still says what happened

    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    assert len(sandbox.requests) == 1 and not banner.isVisible()
    assert window.model.rowCount() > 0


def test_f5_during_the_wait_asks_nothing_and_says_how_long(qtbot, make_window, sandbox) -> None:
    window = make_window(client_settings=ONE_TRY)
    rate_limit(qtbot, window, sandbox, "45")
    assert re.fullmatch(r"Retry in 4[345] s", window.banner.action_button.text())

    qtbot.keyClick(window, Qt.Key.Key_F5)
    status = window.status_label.text()
    assert re.fullmatch(
        r"Not fetched: MYMOVE asked to wait before the next fetch \(HTTP 429\)\. "
        r"Try again in 4[345] s\.",
        status,
    ), status
    qtbot.mouseClick(window.panel.fetch_button, Qt.MouseButton.LeftButton)
    qtbot.keyClick(window.panel.client_id_edit, Qt.Key.Key_Return)  # Enter in a box fetches
    assert not window.controller.busy and sandbox.requests == []

    # Dismissed, the banner stops counting; MYMOVE's wait is not over for that.
    qtbot.mouseClick(window.banner.close_button, Qt.MouseButton.LeftButton)
    assert not window.banner.isVisible() and not window.banner.counting
    window.status.show("")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert "Try again in 4" in window.status_label.text()
    assert not window.controller.busy and sandbox.requests == []


def test_a_long_wait_reads_in_minutes(qtbot, make_window, sandbox) -> None:
    window = make_window()  # over the client's 60 s cap: it fails at once, not retried
    rate_limit(qtbot, window, sandbox, "120")
    assert "Wait about 2 minutes" in window.banner.message()
    assert window.banner.action_button.text() == "Retry in 2 min"
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert window.status_label.text().endswith("Try again in 2 min.")
    assert not window.controller.busy and not sandbox.requests


def test_without_retry_after_retry_is_enabled_at_once(qtbot, make_window, sandbox) -> None:
    window = make_window(client_settings=ONE_TRY)
    rate_limit(qtbot, window, sandbox, None)
    retry = window.banner.action_button
    assert "Try again later" in window.banner.message()
    assert retry.text() == "Retry" and retry.isEnabled()
    assert not window.banner.holding and window.retry_wait.seconds_left() == 0
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    assert len(sandbox.requests) == 1


def test_switching_environment_clears_the_wait(qtbot, make_window, sandbox) -> None:
    window = make_window()
    rate_limit(qtbot, window, sandbox, "120")
    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert not window.controller.busy and sandbox.requests == []  # held in Production

    window.panel.select_environment(Environment.STAGING)
    assert window.environment is Environment.STAGING and not window.banner.isVisible()
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS):  # not its client ID
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert [r.path for r in sandbox.requests] == ["/v2/clients/staging-client-7/leads"]

    window.panel.select_environment(Environment.PRODUCTION)  # cleared, as a new fetch would
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window, Qt.Key.Key_F5)
    assert len(sandbox.requests) == 2 and window.model.rowCount() > 0


def test_editing_the_client_id_clears_the_wait(qtbot, make_window, sandbox) -> None:
    window = make_window()
    rate_limit(qtbot, window, sandbox, "120")
    retry = window.banner.action_button
    assert not retry.isEnabled()

    qtbot.keyClick(window.panel.client_id_edit, Qt.Key.Key_End)
    qtbot.keyClicks(window.panel.client_id_edit, "-2")
    assert retry.isEnabled() and retry.text() == "Retry" and not window.banner.counting
    with qtbot.waitSignal(window.controller.failed, timeout=TIMEOUT_MS):  # an unknown client
        qtbot.mouseClick(retry, Qt.MouseButton.LeftButton)
    assert len(sandbox.requests) == 1 and sandbox.requests[0].path.endswith("-2/leads")


def test_closing_the_window_stops_the_countdown(qtbot, make_window, sandbox) -> None:
    window = make_window()
    rate_limit(qtbot, window, sandbox, "120")
    assert window.banner.counting
    window.close()
    assert not window.banner.counting


def test_watch_polls_only_after_the_wait(qtbot, make_window, do_fetch, sandbox) -> None:
    window = make_window(client_settings=ONE_TRY, watch_interval_s=0.2)
    window.clock = window.watch.clock = lambda: FIXED_NOW
    do_fetch(window)  # a baseline: Watch polls at once when turned on
    rate_limit(qtbot, window, sandbox, "2")
    noted, left = time.monotonic(), window.retry_wait.seconds_left()
    assert 1 < left <= 2

    window.watch_flow.action.trigger()
    assert window.watch.running and not window.watch.in_flight and not window.controller.busy
    assert "next check" in window.status.watch_label.text()
    qtbot.waitUntil(lambda: window.watch.polls_done >= 1, timeout=TIMEOUT_MS)
    assert time.monotonic() - noted >= left  # not at once, nor at 0.2 s intervals meanwhile
    assert len(sandbox.requests) == 1


def test_a_polls_429_holds_the_watch_and_f5(qtbot, make_window, do_fetch, sandbox) -> None:
    window = make_window(watch_interval_s=0.2)
    window.clock = window.watch.clock = lambda: FIXED_NOW
    do_fetch(window)
    sandbox.inject(Fault("status", status=429, retry_after="120", times=None))
    window.watch_flow.action.trigger()
    qtbot.waitUntil(lambda: window.watch.failures >= 1, timeout=TIMEOUT_MS)
    sandbox.clear_faults()
    sandbox.clear_requests()
    assert "retrying in 2 min" in window.status.watch_label.text()  # backing off said 1 s
    assert not window.banner.isVisible()  # a poll's failure stays quiet

    qtbot.keyClick(window, Qt.Key.Key_F5)
    assert "Try again in 2 min" in window.status_label.text()
    assert not window.controller.busy and sandbox.requests == []
