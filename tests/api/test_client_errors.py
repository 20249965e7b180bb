"""Errors that used to mislead (issue 14): a client ID that leaves its path segment, a body
that is not the compression it claims, and Retry-After values that are not plain numbers."""

from __future__ import annotations

import gzip
from urllib.parse import quote

import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api.client import RETRY_AFTER_MAX, LeadsClient, _retry_after, _wait_advice
from mymove_viewer.api.query import Query, clean_client_id, leads_path
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from tests.reliability.servers import RawServer, raw_response

from .conftest import FAST

# Each of these, sent as typed, would reach /v2/leads or /v2/clients/leads (or another path)
# on some URL normaliser, proxy or server on the way.
DOT_SEGMENTS = [".", "..", " .. ", "%2e", "%2E", "%2e%2e", "%2E%2E", ".%2e", "%2e.", "%252e%252e"]
SLASHES = ["a/..", "../x", "..%2f", "%2F", "x%5c..", "a\\b", "%252F"]


@pytest.mark.parametrize("client_id", DOT_SEGMENTS + SLASHES)
def test_ids_that_leave_their_path_segment_are_refused_before_sending(
    sandbox: Sandbox, client: LeadsClient, client_id: str
) -> None:
    with pytest.raises(E.ValidationError) as info:
        client.fetch(client_id, Query.last_hours(1))
    assert "client ID" in info.value.message and "MYMOVE sent you" in info.value.message
    assert sandbox.requests == []
    with pytest.raises(E.ValidationError):
        clean_client_id(client_id)  # what the window's reason next to Fetch shows


@pytest.mark.parametrize("client_id", ["a?b", "a#b", "a b", "ü-1", "...", "a.b", "%zz", "50%"])
def test_other_ids_travel_as_exactly_one_path_segment(
    sandbox: Sandbox, client: LeadsClient, client_id: str
) -> None:
    with pytest.raises(E.ClientNotFoundError):  # the sandbox knows only its demo client
        client.fetch(client_id, Query.last_hours(1))
    (request,) = sandbox.requests
    assert request.path == f"/v2/clients/{quote(client_id, safe='')}/leads"
    assert request.path == leads_path(client_id)
    assert request.query == {"hrs": "1"}  # a "?" or "#" in the ID did not start a query


def compressed_garbage(encoding: str) -> bytes:
    headers = {"Content-Type": "application/json", "Content-Encoding": encoding}
    return raw_response("200 OK", headers, b"this is not " + encoding.encode() + b" data" * 50)


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "GZIP"])
def test_a_body_that_is_not_the_compression_it_claims_is_an_invalid_answer(encoding) -> None:
    with RawServer(compressed_garbage(encoding)) as server:
        with LeadsClient(server.url, DEMO_API_KEY, settings=FAST) as client:
            with pytest.raises(E.InvalidResponseError) as info:
                client.fetch("c", Query.last_hours(1))
    assert "could not be unpacked" in info.value.message
    assert "DecodingError" in info.value.detail
    assert len(server.requests) == 1  # not retried like a lost connection


def test_a_real_gzip_body_still_works() -> None:
    body = gzip.compress(b'{"leads": [{"created_at": "2026-11-27T10:00:00Z"}]}')
    answer = raw_response("200 OK", {"Content-Encoding": "gzip"}, body)
    with RawServer(answer) as server, LeadsClient(server.url, "k", settings=FAST) as client:
        assert len(client.fetch("c", Query.last_hours(1)).leads) == 1


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("0", 0.0),
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0005", 5.0),
        ("\u0663", None),  # Arabic-Indic three: a digit to str.isdigit, not to RFC 9110
        ("\u00b2", None),  # superscript two: float() refuses it (was a ValueError)
        ("\uff13", None),  # fullwidth three
        ("-5", None),
        ("+5", None),
        ("1.5", None),
        ("1e3", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("1" + "0" * 400, RETRY_AFTER_MAX),  # was inf
        ("9" * 5000, RETRY_AFTER_MAX),  # past Python's int() digit limit
        ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),  # in the past: no wait
        ("Wed, 21 Oct 2999 07:28:00 GMT", RETRY_AFTER_MAX),
        ("Wed, 21 Oct 99999 07:28:00 GMT", None),
    ],
)
def test_retry_after_is_digits_or_an_http_date_and_clamped(header, seconds) -> None:
    assert _retry_after(header) == seconds


@pytest.mark.parametrize(
    ("wait", "words"),
    [
        (None, "Try again later."),
        (0.0, "Try again later."),
        (0.3, "Wait about 1 second and"),
        (45.0, "Wait about 45 seconds and"),
        (120.0, "Wait about 2 minutes and"),
        (5400.0, "Wait about 90 minutes and"),
        (6 * 3600.0, "Wait about 6 hours and"),
        (3 * 86400.0, "more than a day; try again tomorrow"),
        (RETRY_AFTER_MAX, "more than a day; try again tomorrow"),
    ],
)
def test_waits_are_worded_in_sensible_units(wait, words) -> None:
    advice = _wait_advice(wait)
    assert words in advice
    assert "inf" not in advice and "nan" not in advice


@pytest.mark.parametrize(
    ("header", "tries", "words"),
    [
        ("\u0663".encode(), 3, "Try again later."),  # UTF-8 bytes on the wire, as seen
        (b"1" + b"0" * 400, 1, "more than a day"),  # beyond the cap: no retry
    ],
)
def test_odd_retry_after_headers_over_the_wire(header: bytes, tries: int, words: str) -> None:
    answer = raw_response("429 Too Many Requests", {"Retry-After": header}, b"{}")
    with RawServer(answer) as server, LeadsClient(server.url, "k", settings=FAST) as client:
        with pytest.raises(E.RateLimitedError) as info:
            client.fetch("c", Query.last_hours(1))
    assert words in info.value.message
    assert len(server.requests) == tries


def test_https_to_a_plain_http_server_says_so_and_does_not_retry() -> None:
    with Sandbox(leads=10) as box:
        secure = box.base_url.replace("http://", "https://")
        client = LeadsClient(secure, DEMO_API_KEY, settings=FAST)
        try:
            with pytest.raises(E.NetworkError) as caught:
                client.fetch(DEMO_CLIENT_ID, Query.last_hours(1))
        finally:
            client.close()
        assert "plain HTTP" in caught.value.message and "http://" in caught.value.message
        assert "certificate" not in caught.value.message
        assert len(box.requests) == 0  # the TLS greeting is no request it could read
