"""The fault matrix: every fault goes through the real CLI (a child process) and the real window.

Each row says what the user must end up with. For a failure: the typed error, the CLI's exit code
and one-line message without a traceback, and in the window the same message in the banner with
the previous table untouched and no fetch thread left. A few rows are malformed *data* the app is
designed to accept (wrong types, duplicate keys, huge strings, ``{"leads": null}``): for those
the right end is a successful fetch that keeps every value, and the row says which.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.api import errors as E
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import Fault, Sandbox
from tests.calendar_edges import EDGE_STAMPS

from .conftest import FAST, MARKER_KEY, TIMEOUT_MS, export_args, run_cli
from .servers import (
    RawServer,
    TlsServer,
    full_backlog_listener,
    raw_response,
    refused_url,
    self_signed_cert,
)

AUTH, NOT_FOUND, NETWORK, SERVER = 3, 4, 5, 6
CREATED = "2026-11-27T10:00:00Z"  # inside the last 24 hours of the sandbox's fixed "now"
TEN_MB = 10 * 1024 * 1024
WRONG_VALUES = {"number": 12345, "object": {"nested": {"x": [1, 2]}}, "boolean": True}
WRONG_TEXT = {"number": "12345", "object": '{"nested":{"x":[1,2]}}', "boolean": "true"}


def record(**values: object) -> dict[str, object]:
    base: dict[str, object] = {f: f"{f}-value" for f in FIELDS}
    base["created_at"] = CREATED
    base.update(values)
    return base


def leads_body(*records: object) -> bytes:
    return json.dumps({"leads": list(records)}).encode()


# -- data faults the app keeps (checked on the leads as dicts, from CSV or from the table) ------


def wrong_types_body() -> bytes:
    return leads_body(
        *(
            record(**{f: value, "probe": f"{f}/{kind}"})
            for f in FIELDS
            for kind, value in WRONG_VALUES.items()
        )
    )


def check_wrong_types(leads: list[dict[str, str]]) -> None:
    by_probe = {lead["probe"]: lead for lead in leads}
    # Every wrongly typed field is kept as its JSON text; a non-text created_at can't be placed
    # in time, so those three records are skipped (and counted).
    assert len(by_probe) == (len(FIELDS) - 1) * len(WRONG_VALUES)
    for f in FIELDS:
        for kind in WRONG_VALUES:
            if f == "created_at":
                assert f"{f}/{kind}" not in by_probe
            else:
                assert by_probe[f"{f}/{kind}"][f] == WRONG_TEXT[kind]


DUPLICATE_BODY = (
    b'{"leads":[{"created_at":"' + CREATED.encode() + b'","first_name":"First",'
    b'"email":"a@example.com","first_name":"Second"}]}'
)


def check_duplicates(leads: list[dict[str, str]]) -> None:
    assert [lead["first_name"] for lead in leads] == ["Second"]  # the last one wins, as in JS


def huge_string_body() -> bytes:
    return leads_body(record(first_name="x" * TEN_MB, probe="huge"), record(probe="small"))


def check_huge_string(leads: list[dict[str, str]]) -> None:
    by_probe = {lead["probe"]: lead for lead in leads}
    assert len(by_probe["huge"]["first_name"]) == TEN_MB
    assert by_probe["small"]["first_name"] == "first_name-value"


def check_no_leads(leads: list[dict[str, str]]) -> None:
    assert leads == []


def calendar_edges_body() -> bytes:
    return leads_body(*(record(created_at=c, probe=c) for c in EDGE_STAMPS))


def check_calendar_edges(leads: list[dict[str, str]]) -> None:
    # Every time is kept exactly as sent, wherever it falls in (or just beyond) the calendar.
    assert sorted(lead["created_at"] for lead in leads) == sorted(EDGE_STAMPS)
    assert all(lead["probe"] == lead["created_at"] for lead in leads)


@dataclass(frozen=True)
class Case:
    name: str
    error: type[E.ApiError] | None  # None: the fetch must succeed
    code: int  # CLI exit code
    text: str  # in the message (failure) or the CLI summary (success)
    fault: Fault | None = None
    target: str = "sandbox"  # or: refused, dns, tls, connect_timeout, other_host, raw
    settings: dict[str, float] = field(default_factory=dict)
    check: Callable[[list[dict[str, str]]], None] | None = None
    skipped: int = 0
    raw: bytes = b""  # the whole answer, for target "raw" (headers the sandbox cannot send)


def status(code: int, error: type[E.ApiError], exit_code: int, text: str, **kw) -> Case:
    retry_after = kw.pop("retry_after", None)
    name = kw.pop("name", str(code))
    fault = Fault("status", status=code, retry_after=retry_after, times=None)
    return Case(name, error, exit_code, text, fault, **kw)


CASES = [
    status(400, E.UnexpectedStatusError, SERVER, "HTTP 400"),
    status(401, E.AuthenticationError, AUTH, "rejected"),
    status(403, E.AuthenticationError, AUTH, "rejected"),
    status(404, E.ClientNotFoundError, NOT_FOUND, "HTTP 404"),
    status(408, E.TimeoutError, NETWORK, "HTTP 408"),
    status(409, E.UnexpectedStatusError, SERVER, "HTTP 409"),
    status(410, E.UnexpectedStatusError, SERVER, "HTTP 410"),
    status(413, E.UnexpectedStatusError, SERVER, "HTTP 413"),
    status(422, E.UnexpectedStatusError, SERVER, "HTTP 422"),
    status(429, E.RateLimitedError, SERVER, "Try again later", name="429-no-retry-after"),
    status(
        429,
        E.RateLimitedError,
        SERVER,
        "Wait about 2 minutes",
        retry_after="120",
        name="429-retry-after-seconds",
    ),
    status(
        429,
        E.RateLimitedError,
        SERVER,
        "more than a day",
        name="429-retry-after-date",
        retry_after="Wed, 21 Oct 2099 07:28:00 GMT",
    ),
    status(500, E.ServerError, SERVER, "HTTP 500"),
    status(502, E.ServerError, SERVER, "HTTP 502"),
    status(503, E.ServerError, SERVER, "HTTP 503"),
    status(504, E.ServerError, SERVER, "HTTP 504"),
    Case(
        "redirect-same-host",
        E.UnexpectedStatusError,
        SERVER,
        "redirect",
        Fault("redirect", status=302, times=None),
    ),
    Case(
        "redirect-other-host-307", E.UnexpectedStatusError, SERVER, "redirect", target="other_host"
    ),
    Case("connection-refused", E.NetworkError, NETWORK, "Could not connect", target="refused"),
    Case("reset-mid-body", E.NetworkError, NETWORK, "lost", Fault("reset_mid_body")),
    Case(
        "close-before-headers",
        E.NetworkError,
        NETWORK,
        "without answering",
        Fault("close_before_headers", times=None),
    ),
    Case(
        "drop-without-answer",
        E.NetworkError,
        NETWORK,
        "without answering",
        Fault("drop", times=None),
    ),
    Case("dns-failure", E.NetworkError, NETWORK, "could not be found", target="dns"),
    Case("tls-self-signed", E.NetworkError, NETWORK, "could not be verified", target="tls"),
    Case(
        "connect-timeout",
        E.TimeoutError,
        NETWORK,
        "Could not connect to 127.0.0.1 within",
        target="connect_timeout",
        settings={"connect_timeout": 0.5},
    ),
    Case(
        "read-timeout",
        E.TimeoutError,
        NETWORK,
        "did not answer within 0.5 s",
        Fault("delay", delay=5.0),
        settings={"read_timeout": 0.5},
    ),
    # One byte a second never trips a read timeout; the stall check must end it.
    Case(
        "trickle-1-byte-per-second",
        E.TimeoutError,
        NETWORK,
        "too slowly",
        Fault("trickle", delay=1.0),
        settings={"read_timeout": 1.5, "stall_bytes": 1000},
    ),
    Case("truncated-body", E.InvalidResponseError, SERVER, "cut off", Fault("truncate")),
    # Issue 14: an answer that is not the compression it claims is invalid, not a lost link.
    *(
        Case(
            f"{how}-garbage",
            E.InvalidResponseError,
            SERVER,
            "could not be unpacked",
            target="raw",
            raw=raw_response("200 OK", {"Content-Encoding": how}, b"\x07not packed" * 64),
        )
        for how in ("gzip", "deflate")
    ),
    # Issue 14: Retry-After is ASCII digits or an HTTP date; anything else is "later", and an
    # absurd wait is clamped and worded (was ValueError, exit 1, and "inf minutes").
    *(
        Case(
            f"429-retry-after-{name}",
            E.RateLimitedError,
            SERVER,
            text,
            target="raw",
            raw=raw_response("429 Too Many Requests", {"Retry-After": value}, b"{}"),
        )
        for name, value, text in (
            ("arabic-indic-digit", "\u0663".encode(), "Try again later."),
            ("superscript-digit", "\u00b2".encode(), "Try again later."),
            ("10^400-seconds", b"1" + b"0" * 400, "more than a day"),
        )
    ),
    Case("empty-body", E.InvalidResponseError, SERVER, "empty", Fault("raw_body", body=b"")),
    Case("null", E.InvalidResponseError, SERVER, "no list", Fault("raw_body", body=b"null")),
    Case("empty-array", E.InvalidResponseError, SERVER, "no list", Fault("raw_body", body=b"[]")),
    Case(
        "leads-object",
        E.InvalidResponseError,
        SERVER,
        "no list",
        Fault("raw_body", body=b'{"leads": {}}'),
    ),
    Case("html-200", E.InvalidResponseError, SERVER, "not valid JSON", Fault("html", status=200)),
    Case("html-502", E.ServerError, SERVER, "HTTP 502", Fault("html", status=502, times=None)),
    Case("plain-text-200", E.InvalidResponseError, SERVER, "not valid JSON", Fault("non_json")),
    Case("invalid-utf8", E.InvalidResponseError, SERVER, "UTF-8", Fault("invalid_utf8")),
    Case(
        "content-length-2GB-never-arrives",
        E.InvalidResponseError,
        SERVER,
        "too large",
        Fault("huge_content_length", delay=5.0),
    ),
    Case(
        "body-over-size-cap",
        E.InvalidResponseError,
        SERVER,
        "too large",
        Fault("raw_body", body=leads_body(*[record()] * 200)),
        settings={"max_bytes": 65536},
    ),
    # Data the app is designed to accept: a successful fetch that keeps what it can.
    Case(
        "leads-null",
        None,
        0,
        "0 leads",
        Fault("raw_body", body=b'{"leads": null}'),
        check=check_no_leads,
    ),
    Case(
        "wrong-types-in-every-field",
        None,
        0,
        "54 leads, 3 skipped",
        Fault("raw_body", body=wrong_types_body()),
        check=check_wrong_types,
        skipped=3,
    ),
    Case(
        "duplicate-keys",
        None,
        0,
        "1 lead",
        Fault("raw_body", body=DUPLICATE_BODY),
        check=check_duplicates,
    ),
    Case(
        "created-in-the-years-1-and-9999",
        None,
        0,
        f"{len(EDGE_STAMPS)} leads",
        Fault("raw_body", body=calendar_edges_body()),
        check=check_calendar_edges,
    ),
    Case(
        "10MB-string-in-one-field",
        None,
        0,
        "2 leads",
        Fault("raw_body", body=huge_string_body()),
        check=check_huge_string,
    ),
]
IDS = [c.name for c in CASES]


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
        assert window.model.total_count() == len(result.leads)
        assert case.check is not None
        case.check([window.model.lead_at(r).as_dict() for r in range(window.model.rowCount())])
        assert not window.banner.isVisible()
        # The window stays responsive: painting every visible cell (a 10 MB one included).
        started = time.monotonic()
        window.table.viewport().repaint()
        assert time.monotonic() - started < 1.0
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
