"""The fault matrix: every fault goes through the real CLI (a child process) and the real window.

Each row says what the user must end up with. For a failure: the typed error, the CLI's exit code
and one-line message without a traceback, and in the window the same message in the banner with
the previous table untouched and no fetch thread left. The rows are in ``fault_cases``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.api import errors as E
from mymove_viewer.sandbox import Fault, Sandbox

from .conftest import FAST, MARKER_KEY, TIMEOUT_MS, export_args, run_cli
from .fault_cases import CASES, CREATED_FORMS, IDS, TEN_MB, Case, leads_body, record
from .servers import (
    RawServer,
    TlsServer,
    full_backlog_listener,
    refused_url,
    self_signed_cert,
)


@pytest.fixture(scope="module")
def tls_cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return self_signed_cert(tmp_path_factory.mktemp("tls"))


@contextlib.contextmanager
def fault_target(case: Case, sandbox: Sandbox, tls_cert: tuple[Path, Path]) -> Iterator[str]:
    """The base URL that produces the case's fault, and the checks on what the server saw."""
    if case.fault is not None:
        sandbox.inject(case.fault)
    if case.target == "sandbox":
        yield sandbox.base_url
    elif case.target == "refused":
        yield refused_url()
    elif case.target == "dns":
        yield "https://no-such-host.invalid"
    elif case.target == "connect_timeout":
        with full_backlog_listener() as url:
            yield url
    elif case.target == "tls":
        with TlsServer(*tls_cert) as server:
            yield server.url
        assert server.handshake_failures >= 1
        assert server.requests == []  # the key never went over the unverified connection
    elif case.target == "raw":
        with RawServer(case.raw) as server:
            yield server.url
        assert server.requests  # the answer was really asked for
    elif case.target == "other_host":
        with Sandbox(leads=5, api_key=MARKER_KEY) as other:
            target = other.leads_url + "?hrs=24"
            sandbox.inject(Fault("redirect", status=307, location=target, times=None))
            yield sandbox.base_url
            assert other.requests == []  # the other host's log: the key never travelled there
    else:  # pragma: no cover
        raise AssertionError(case.target)
    sandbox.clear_faults()


def test_tls_server_is_genuine_when_trusted(tls_cert) -> None:
    """Control for the TLS row: the same server works for a client that trusts its cert."""
    import ssl

    import httpx

    with TlsServer(*tls_cert) as server:
        ctx = ssl.create_default_context(cafile=str(tls_cert[0]))
        with httpx.Client(verify=ctx) as client:
            assert client.get(server.url + "/v2/x").json() == {"leads": []}
    assert len(server.requests) == 1


def read_csv(text: str) -> list[dict[str, str]]:
    old = csv.field_size_limit(2 * TEN_MB)  # the csv module refuses cells over 128 KiB
    try:
        return list(csv.DictReader(io.StringIO(text)))
    finally:
        csv.field_size_limit(old)


# -- the CLI -------------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli(case: Case, sandbox: Sandbox, tls_cert) -> None:
    with fault_target(case, sandbox, tls_cert) as url:
        run = run_cli(*export_args(url), settings=case.settings)
    for text in (run.stdout, run.stderr, *run.cmdline):
        assert MARKER_KEY not in text
    if case.error is None:
        assert run.returncode == 0, run.stderr
        assert run.stderr.strip().splitlines()[-1].startswith(case.text + " → stdout")
        rows = read_csv(run.stdout)
        assert case.check is not None
        case.check(rows)
        return
    assert run.returncode == case.code, run.stderr
    line = run.one_line_error()
    assert case.text in line, line
    assert run.stdout == ""


# -- the window ----------------------------------------------------------------------------------


def fetch_outcome(qtbot, window) -> tuple[str, object]:
    """Press F5 and wait for the fetch to end, however it ends."""
    events: list[tuple[str, object]] = []
    c = window.controller
    slots = [
        (c.finished, lambda _g, outcome: events.append(("finished", outcome))),
        (c.failed, lambda _g, error: events.append(("failed", error))),
        (c.cancelled, lambda _g: events.append(("cancelled", None))),
    ]
    for signal, slot in slots:
        signal.connect(slot)
    try:
        with qtbot.waitSignal(c.idle, timeout=TIMEOUT_MS):
            qtbot.keyClick(window, Qt.Key.Key_F5)
    finally:
        for signal, slot in slots:
            signal.disconnect(slot)
    assert len(events) == 1, events
    return events[0]


def table(window) -> list[tuple[str, ...]]:
    model = window.model
    return [tuple(model.lead_at(r)) for r in range(model.rowCount())]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_window(
    case: Case, sandbox: Sandbox, tls_cert, marked_window, qtbot, caplog, monkeypatch
) -> None:
    caplog.set_level(logging.DEBUG)
    window = marked_window(client_settings=replace(FAST, **case.settings))
    first = fetch_outcome(qtbot, window)
    assert first[0] == "finished"
    before = table(window)
    assert before  # a previous table to keep

    with fault_target(case, sandbox, tls_cert) as url:
        if url != sandbox.base_url:
            monkeypatch.setattr(window, "base_url", lambda _env: url)
        kind, value = fetch_outcome(qtbot, window)
        qtbot.waitUntil(lambda: window.controller.thread_count() == 0, timeout=TIMEOUT_MS)

    if case.error is None:
        assert kind == "finished", value
        result = value.result  # type: ignore[attr-defined]
        assert result.skipped == case.skipped
        assert result.replaced == case.replaced
        summary = window.status_label.text()
        assert ("with invalid characters (shown as \ufffd)" in summary) == bool(case.replaced)
        assert window.model.total_count() == len(result.leads)
        assert case.check is not None
        case.check([window.model.lead_at(r).as_dict() for r in range(window.model.rowCount())])
        assert not window.banner.isVisible()
        # The window stays responsive: painting every visible cell (a 10 MB one included).
        started = time.monotonic()
        window.table.viewport().repaint()
        assert time.monotonic() - started < 2.5  # it took ~6 s
    else:
        assert kind == "failed"
        assert type(value) is case.error, value
        error: E.ApiError = value  # type: ignore[assignment]
        assert case.text in error.message
        assert window.banner.isVisible() and window.banner.message() == error.message
        assert "Traceback" not in window.banner.message()
        assert table(window) == before  # the previous table, untouched
        assert "previous leads" in window.status_label.text()
        for text in (error.message, error.detail, repr(error)):
            assert MARKER_KEY not in text
    assert not window.controller.busy and not window.panel.cancel_button.isEnabled()
    for rec in caplog.records:
        assert MARKER_KEY not in rec.getMessage()
        assert rec.levelno < logging.ERROR, rec.getMessage()


# -- a range beyond the calendar ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "named"),
    [
        ("0001-01-01T00:00:00+05:00", "2026-11-27T00:00:00Z", "start"),  # the year 0 in UTC
        ("2026-11-27T00:00:00Z", "9999-12-31T23:00:00-05:00", "end"),  # the year 10000 in UTC
    ],
)
def test_cli_range_beyond_the_calendar_is_a_usage_error(
    start: str, end: str, named: str, sandbox: Sandbox
) -> None:
    args = export_args(sandbox.base_url)[:-2]  # without --hrs 24
    run = run_cli(*args, "--start", start, "--end", end)
    assert run.returncode == 2, run.stderr
    line = run.one_line_error()
    assert f"The {named} of the range" in line and "0001-01-01T00:00:00Z" in line
    assert sandbox.requests == []  # nothing was sent


def test_window_sorts_created_at_forms_by_instant(sandbox: Sandbox, marked_window, qtbot) -> None:
    """The created-at row above keeps each form as sent; sorted by the Created header they go
    by instant (as text, " " and "t" sort apart from "T": 11:00, 12:00, 09:00, 10:00)."""
    from PySide6.QtCore import QPoint

    window = marked_window(client_settings=FAST)
    # Only forms of the canonical length ending in "Z": a check on those two alone passes them.
    forms = {c: h for c, h in CREATED_FORMS.items() if c.endswith("Z")}
    body = leads_body(*(record(created_at=c, probe=h) for c, h in forms.items()))
    sandbox.inject(Fault("raw_body", body=body, times=None))
    assert fetch_outcome(qtbot, window)[0] == "finished"
    table, col = window.table, window.model.column_of("created_at")
    header = table.horizontalHeader()
    orders = set()
    for _ in range(2):  # one click each way
        x = header.sectionViewportPosition(col) + header.sectionSize(col) // 2
        qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
        assert header.sortIndicatorSection() == col
        descending = header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
        orders.add(descending)
        hours = [window.model.lead_at(r).get("probe") for r in range(window.model.rowCount())]
        assert hours == sorted(forms.values(), reverse=descending)
    assert orders == {False, True}
