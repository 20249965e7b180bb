"""The client against the sandbox over real loopback HTTP: queries, errors, retries, cancel."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

import httpx
import pytest

from mymove_viewer import __version__
from mymove_viewer.api import errors as E
from mymove_viewer.api.cancel import CancelToken
from mymove_viewer.api.client import LeadsClient, Settings
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import DEMO_API_KEY, Fault, Sandbox

from .conftest import CLIENT_ID, FAST, NOW


def served(sandbox: Sandbox, params: dict[str, str]) -> list[dict]:
    return sandbox.served_leads(params)


def test_fetch_returns_exactly_what_the_server_served(sandbox: Sandbox, client: LeadsClient):
    result = client.fetch(CLIENT_ID, Query.last_days(30))
    expected = served(sandbox, {"days": "30"})
    assert len(result.leads) == len(expected) > 250
    assert [lead.as_dict() for lead in result.leads] == [
        {k: v or "" for k, v in record.items()} for record in expected
    ]
    assert result.skipped == 0
    assert result.bytes_received > 0 and result.environment == "Staging"


@pytest.mark.parametrize(
    ("query", "params"),
    [
        (Query.last_hours(5), {"hrs": "5"}),
        (Query.last_days(2), {"days": "2"}),
        (
            Query.between(NOW - timedelta(days=3), NOW - timedelta(days=1)),
            {"start": "2026-11-24T12:00:00Z", "end": "2026-11-26T12:00:00Z"},
        ),
    ],
)
def test_each_query_form_reaches_the_server_as_documented(sandbox, client, query, params):
    result = client.fetch(CLIENT_ID, query)
    (request,) = sandbox.requests
    assert request.query == params
    assert len(result.leads) == len(served(sandbox, params))


def test_request_headers_are_exactly_the_documented_ones(sandbox, client):
    client.fetch(CLIENT_ID, Query.last_hours(1))
    headers = sandbox.requests[0].headers
    assert headers["authorization"] == DEMO_API_KEY  # no "Bearer"
    assert headers["content-type"] == "application/json"
    assert headers["accept"] == "application/json"
    assert headers["user-agent"] == f"mymove-viewer/{__version__}"


def test_client_id_is_stripped_and_encoded_into_the_path(sandbox, client):
    client.fetch(f"  {CLIENT_ID}\n", Query.last_hours(1))
    assert sandbox.requests[0].path == f"/v2/clients/{CLIENT_ID}/leads"
    with pytest.raises(E.ClientNotFoundError):
        client.fetch("a?b#c", Query.last_hours(1))
    assert sandbox.requests[-1].path == "/v2/clients/a%3Fb%23c/leads"
    # A slash, even encoded, could split the segment on a server that decodes before routing.
    with pytest.raises(E.ValidationError, match="cannot contain"):
        client.fetch("a/../b", Query.last_hours(1))
    assert len(sandbox.requests) == 2


def test_invalid_query_fails_before_any_request(sandbox, client):
    with pytest.raises(E.ValidationError):
        client.fetch(CLIENT_ID, Query(hours=0))
    with pytest.raises(E.ValidationError):
        client.fetch("   ", Query.last_hours(1))
    assert sandbox.requests == []


def test_wrong_key_is_an_authentication_error_naming_the_environment(sandbox):
    key = "wrong-key-7f3a9"
    with LeadsClient(sandbox.base_url, key, environment="Staging", settings=FAST) as c:
        with pytest.raises(E.AuthenticationError) as info:
            c.fetch(CLIENT_ID, Query.last_hours(1))
    assert "rejected for Staging" in info.value.message
    assert len(sandbox.requests) == 1  # never retried
    assert key not in info.value.message and key not in info.value.detail


def test_unknown_client_is_client_not_found(client):
    with pytest.raises(E.ClientNotFoundError, match="client ID"):
        client.fetch("nobody", Query.last_hours(1))


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (403, E.AuthenticationError),
        (400, E.UnexpectedStatusError),
        (409, E.UnexpectedStatusError),
        (410, E.UnexpectedStatusError),
        (413, E.UnexpectedStatusError),
        (422, E.UnexpectedStatusError),
        (501, E.ServerError),
    ],
)
def test_statuses_that_are_not_retried(sandbox, client, status, error):
    sandbox.inject(Fault("status", status=status, times=None))
    with pytest.raises(error) as info:
        client.fetch(CLIENT_ID, Query.last_hours(1))
    assert info.value.status == status
    assert f"HTTP {status}" in info.value.message
    assert len(sandbox.requests) == 1


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (408, E.TimeoutError),
        (429, E.RateLimitedError),
        (500, E.ServerError),
        (502, E.ServerError),
        (503, E.ServerError),
        (504, E.ServerError),
    ],
)
def test_retryable_statuses_are_tried_three_times_then_typed(sandbox, client, status, error):
    sandbox.inject(Fault("status", status=status, times=None))
    with pytest.raises(error) as info:
        client.fetch(CLIENT_ID, Query.last_hours(1))
    assert info.value.status == status
    assert len(sandbox.requests) == 3


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_retry_then_success(sandbox, client, status):
    sandbox.inject(Fault("status", status=status, times=2))
    result = client.fetch(CLIENT_ID, Query.last_days(1))
    assert len(sandbox.requests) == 3
    assert len(result.leads) == len(served(sandbox, {"days": "1"}))


def test_retry_after_is_honoured(sandbox, client):
    waits: list[float] = []
    real_wait = CancelToken.wait

    def spy(self, seconds):
        waits.append(seconds)
        return real_wait(self, 0)

    sandbox.inject(Fault("status", status=429, retry_after="1", times=1))
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(CancelToken, "wait", spy)
        client.fetch(CLIENT_ID, Query.last_hours(1))
    assert waits == [1.0]


def test_retry_after_beyond_the_cap_fails_at_once_with_the_wait(sandbox, client):
    sandbox.inject(Fault("status", status=429, retry_after="3600", times=None))
    with pytest.raises(E.RateLimitedError) as info:
        client.fetch(CLIENT_ID, Query.last_hours(1))
    assert info.value.retry_after == 3600
    assert "60 minutes" in info.value.message
    assert len(sandbox.requests) == 1


def test_server_error_message_is_quoted_for_4xx(sandbox, client):
    sandbox.inject(Fault("raw_body", status=400, body=b'{"error": "bad window"}'))
    with pytest.raises(E.UnexpectedStatusError, match="bad window"):
        client.fetch(CLIENT_ID, Query.last_hours(1))


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirects_are_never_followed(sandbox, client, status):
    with Sandbox(leads=5) as other:
        sandbox.inject(Fault("redirect", status=status, location=other.leads_url + "?hrs=1"))
        with pytest.raises(E.UnexpectedStatusError, match="redirect") as info:
            client.fetch(CLIENT_ID, Query.last_hours(1))
        assert other.requests == []  # the key never travelled there
    assert info.value.status == status


def test_connection_refused_is_a_network_error_after_retries():
    box = Sandbox(leads=0).start()
    url = box.base_url
    box.stop()
    with LeadsClient(url, "k", settings=FAST) as c, pytest.raises(E.NetworkError, match="connect"):
        c.fetch(CLIENT_ID, Query.last_hours(1))


def test_dns_failure_is_a_network_error():
    with LeadsClient("https://no-such-host.invalid", "k", settings=FAST) as c:
        with pytest.raises(E.NetworkError, match=r"could not be found|connect"):
            c.fetch(CLIENT_ID, Query.last_hours(1))


@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        (Fault("drop"), E.NetworkError, "without answering"),
        (Fault("close_before_headers"), E.NetworkError, "without answering"),
        (Fault("truncate"), E.InvalidResponseError, "cut off"),
        (Fault("reset_mid_body"), E.NetworkError, "lost"),
        (Fault("non_json"), E.InvalidResponseError, "not valid JSON"),
        (Fault("html", status=200), E.InvalidResponseError, "not valid JSON"),
        (Fault("html", status=502, times=None), E.ServerError, "HTTP 502"),
        (Fault("raw_body", body=b""), E.InvalidResponseError, "empty"),
        (Fault("raw_body", body=b"null"), E.InvalidResponseError, "no list"),
        (Fault("raw_body", body=b"[]"), E.InvalidResponseError, "no list"),
        (Fault("raw_body", body=b'{"leads": {}}'), E.InvalidResponseError, "no list"),
    ],
)
def test_broken_answers_become_typed_errors(sandbox, client, fault, error, match):
    sandbox.inject(fault)
    with pytest.raises(error, match=match):
        client.fetch(CLIENT_ID, Query.last_days(30))


def test_read_timeout_before_headers(sandbox):
    sandbox.inject(Fault("delay", delay=3))
    settings = Settings(read_timeout=0.3, max_tries=1)
    with LeadsClient(sandbox.base_url, DEMO_API_KEY, settings=settings) as c:
        with pytest.raises(E.TimeoutError, match=r"did not answer within 0\.3 s"):
            c.fetch(CLIENT_ID, Query.last_hours(1))


def test_trickling_body_ends_as_a_timeout(sandbox):
    sandbox.inject(Fault("trickle", delay=0.05))
    settings = Settings(read_timeout=0.4, stall_bytes=1000, max_tries=1)
    with LeadsClient(sandbox.base_url, DEMO_API_KEY, settings=settings) as c:
        with pytest.raises(E.TimeoutError, match="too slowly"):
            c.fetch(CLIENT_ID, Query.last_days(30))


def test_huge_content_length_is_refused_by_the_size_cap(sandbox, client):
    sandbox.inject(Fault("huge_content_length"))
    with pytest.raises(E.InvalidResponseError, match="too large"):
        client.fetch(CLIENT_ID, Query.last_days(30))


def test_body_over_the_size_cap_without_length_is_refused():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b'{"leads":[', b" " * 5000, b"]}"]))

    settings = Settings(max_bytes=1000)
    transport = httpx.MockTransport(handler)  # a chunked body of unknown length
    with LeadsClient("https://x.test", "k", settings=settings, transport=transport) as c:
        with pytest.raises(E.InvalidResponseError, match="too large"):
            c.fetch(CLIENT_ID, Query.last_hours(1))


def test_progress_reports_bytes_and_total(sandbox, client):
    seen: list[tuple[int, int | None]] = []
    result = client.fetch(CLIENT_ID, Query.last_days(30), progress=lambda r, t: seen.append((r, t)))
    assert seen[0] == (0, result.bytes_received)
    assert seen[-1] == (result.bytes_received, result.bytes_received)
    assert [r for r, _ in seen] == sorted(r for r, _ in seen)


def test_cancel_mid_download_stops_promptly(sandbox, client):
    sandbox.inject(Fault("slow_body", delay=5, pieces=4))
    token = CancelToken()
    started = threading.Event()

    def progress(received: int, total: int | None) -> None:
        if received:
            started.set()

    errors: list[BaseException] = []

    def run() -> None:
        try:
            client.fetch(CLIENT_ID, Query.last_days(30), progress=progress, cancel=token)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert started.wait(5)
    token.cancel()
    worker.join(2)  # without the socket shutdown this would wait for the 5 s pause
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], E.CancelledError)


def test_cancel_while_waiting_for_headers(sandbox, client):
    sandbox.inject(Fault("delay", delay=10))
    token = CancelToken()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            client.fetch(CLIENT_ID, Query.last_hours(1), cancel=token)
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run)
    worker.start()
    assert sandbox.wait_for_requests(1, timeout=5)
    token.cancel()
    worker.join(2)
    assert not worker.is_alive()
    assert isinstance(errors[0], E.CancelledError)


def test_cancel_during_backoff(sandbox):
    sandbox.inject(Fault("status", status=503, times=None))
    settings = Settings(backoff_base=30, backoff_cap=30)
    token = CancelToken()
    with LeadsClient(sandbox.base_url, DEMO_API_KEY, settings=settings) as c:
        threading.Thread(
            target=lambda: sandbox.wait_for_requests(1, timeout=5) and token.cancel()
        ).start()
        with pytest.raises(E.CancelledError):
            c.fetch(CLIENT_ID, Query.last_hours(1), cancel=token)


def test_client_is_reusable_after_a_cancel(sandbox, client):
    token = CancelToken()
    token.cancel()
    with pytest.raises(E.CancelledError):
        client.fetch(CLIENT_ID, Query.last_hours(1), cancel=token)
    assert len(client.fetch(CLIENT_ID, Query.last_days(30)).leads) > 0


def test_overlapping_windows_merge_without_duplicates(sandbox, client):
    a = client.fetch(CLIENT_ID, Query.between(NOW - timedelta(days=10), NOW - timedelta(days=4)))
    b = client.fetch(CLIENT_ID, Query.between(NOW - timedelta(days=6), NOW))
    merged = {lead.key: lead for lead in [*a.leads, *b.leads]}
    everything = client.fetch(CLIENT_ID, Query.between(NOW - timedelta(days=10), NOW))
    assert set(merged) == {lead.key for lead in everything.leads}
    assert len(merged) == len(everything.leads)


def test_two_leads_differing_in_one_field_are_not_merged():
    from mymove_viewer.api.lead import Lead

    base = {"created_at": "2026-11-27T10:00:00Z", "offer_id": "1", "email": ""}
    a, b = Lead.from_mapping(base), Lead.from_mapping(dict(base, first_name="Ann"))
    assert a.key != b.key and len({a.key, b.key, Lead.from_mapping(base).key}) == 2


def test_plain_http_to_a_remote_host_is_refused_before_sending():
    with pytest.raises(E.ValidationError, match="unencrypted"):
        LeadsClient("http://leads.mymove.com", "k")


def test_the_key_is_in_no_error_or_log(sandbox, caplog):
    marker = "MARKER-KEY-51c2e0"
    caplog.set_level(logging.DEBUG)
    sandbox.inject(
        Fault("raw_body", status=400, body=('{"error": "bad key ' + marker + '"}').encode())
    )
    with LeadsClient(sandbox.base_url, marker, settings=FAST) as c:
        with pytest.raises(E.UnexpectedStatusError) as info:
            c.fetch(CLIENT_ID, Query.last_hours(1))
        with pytest.raises(E.AuthenticationError) as info2:
            c.fetch(CLIENT_ID, Query.last_hours(1))
    for exc in (info.value, info2.value):
        assert marker not in exc.message and marker not in exc.detail and marker not in repr(exc)
    assert "***" in info.value.message
    assert all(marker not in r.getMessage() for r in caplog.records)


def test_invalid_utf8_in_one_value_keeps_every_lead_and_counts_it(sandbox, client):
    sandbox.inject(Fault("invalid_utf8"))  # b"Jos\xe9 \xff\xfe" in the first lead's first name
    result = client.fetch(CLIENT_ID, Query.last_days(30))
    assert result.replaced == 1
    names = [lead.first_name for lead in result.leads]
    assert names.count("Jos\ufffd \ufffd\ufffd") == 1
    assert sum("\ufffd" in "".join(lead[:19]) for lead in result.leads) == 1
    assert len(result.leads) == 50 and result.skipped == 0  # the sandbox sends its first 50
