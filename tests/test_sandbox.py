"""The sandbox server against real HTTP clients on loopback."""

from __future__ import annotations

import gc
import http.client
import json
import re
import socket
import threading
import time
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import msgspec
import pytest

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import (
    DEMO_API_KEY,
    DEMO_CLIENT_ID,
    Fault,
    Sandbox,
    generate_leads,
    main,
    parse_rfc3339,
)

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
AUTH = {"Authorization": DEMO_API_KEY}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
MIDNIGHT = re.compile(r"\d{4}-\d{2}-\d{2}T00:00:00Z")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=300, now=NOW) as sb:
        yield sb
    assert sb.errors == []


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # One client for the module: building an httpx client loads CA certificates (~40 ms)
    with httpx.Client(timeout=5) as c:
        yield c


def lead(created_at: str, name: str = "Ann", **extra: str) -> dict[str, str]:
    record = dict.fromkeys(FIELDS, "")
    record.update(created_at=created_at, first_name=name, **extra)
    return record


def names(response: httpx.Response) -> list[str]:
    return [r["first_name"] for r in response.json()["leads"]]


def raw_request(sb: Sandbox, target: str, headers: dict[str, str] = AUTH) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", sb.port), timeout=5)
    lines = [f"GET {target} HTTP/1.1", "Host: sandbox", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock


# -- contract --------------------------------------------------------------------------------


def test_answer_has_the_documented_shape(sandbox: Sandbox, client: httpx.Client) -> None:
    r = client.get(sandbox.leads_url, params={"days": 30}, headers=AUTH)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert int(r.headers["content-length"]) == len(r.content)
    leads = msgspec.json.decode(r.content)["leads"]
    assert len(leads) == 300
    for record in leads:
        assert list(record)[:19] == list(FIELDS)
        assert set(record) <= {*FIELDS, "old_housing_tenure"}
        assert all(isinstance(v, str) for v in record.values())
    assert leads == sandbox.leads


def test_keep_alive_reuses_one_connection(sandbox: Sandbox) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    try:
        socks = []
        for query in ("hrs=1", "days=2", "nope=1"):
            conn.request("GET", f"/v2/clients/{DEMO_CLIENT_ID}/leads?{query}", headers=AUTH)
            conn.getresponse().read()
            socks.append(conn.sock)
        assert socks[0] is not None and socks.count(socks[0]) == 3
    finally:
        conn.close()


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "wrong"}, {"Authorization": f"Bearer {DEMO_API_KEY}"},
     {"Authorization": DEMO_API_KEY.upper()}, {"X-Api-Key": DEMO_API_KEY}],
)  # fmt: skip
def test_wrong_or_missing_key_is_401(
    sandbox: Sandbox, client: httpx.Client, headers: dict[str, str]
) -> None:
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=headers)
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/json"
    assert "Authorization" in r.json()["error"]
    assert DEMO_API_KEY not in r.text


def test_custom_key_and_client_id(client: httpx.Client) -> None:
    with Sandbox(leads=5, now=NOW, api_key="k-123", client_id="abc def") as sb:
        url = f"{sb.base_url}/v2/clients/abc%20def/leads"
        assert (
            client.get(url, params={"days": 30}, headers={"Authorization": "k-123"}).json()["leads"]
            == sb.leads
        )
        assert client.get(url, params={"days": 30}, headers=AUTH).status_code == 401


@pytest.mark.parametrize(
    "path",
    ["/", "/v2/clients", f"/v2/clients/{DEMO_CLIENT_ID}", f"/v2/clients/{DEMO_CLIENT_ID}/leads/",
     f"/v1/clients/{DEMO_CLIENT_ID}/leads", f"/v2/clients/{DEMO_CLIENT_ID}/lead",
     f"/V2/clients/{DEMO_CLIENT_ID}/leads"],
)  # fmt: skip
def test_other_paths_are_404(sandbox: Sandbox, client: httpx.Client, path: str) -> None:
    r = client.get(sandbox.base_url + path, params={"hrs": 1}, headers=AUTH)
    assert r.status_code == 404
    assert "error" in r.json()


def test_client_id_is_percent_decoded_and_checked(sandbox: Sandbox, client: httpx.Client) -> None:
    encoded = "".join(f"%{b:02X}" for b in DEMO_CLIENT_ID.encode())
    ok = client.get(f"{sandbox.base_url}/v2/clients/{encoded}/leads?hrs=1", headers=AUTH)
    assert ok.status_code == 200
    wrong = client.get(f"{sandbox.base_url}/v2/clients/{'1' * 8}/leads?hrs=1", headers=AUTH)
    assert wrong.status_code == 404
    assert wrong.json() == {"error": "unknown client id"}


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
def test_other_methods_are_405(sandbox: Sandbox, client: httpx.Client, method: str) -> None:
    body = b"x" * 300_000 if method in ("POST", "PUT") else None
    r = client.request(method, sandbox.leads_url + "?hrs=1", headers=AUTH, content=body)
    assert r.status_code == 405
    assert r.headers["allow"] == "GET"
    if method != "HEAD":
        assert "GET" in r.json()["error"]
    assert client.get(sandbox.leads_url + "?hrs=1", headers=AUTH).status_code == 200


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("", "missing"),
        ("hrs=0", "hrs"),
        ("hrs=-1", "hrs"),
        ("hrs=abc", "hrs"),
        ("days=1.5", "days"),
        ("days=", "days"),
        ("hrs=%D9%A3", "hrs"),  # an Arabic-Indic three is a digit to Python, not to the API
        ("hrs=1&days=1", "combined"),
        ("hrs=1&start=2026-05-01T00:00:00Z&end=2026-05-02T00:00:00Z", "combined"),
        ("start=2026-05-01T00:00:00Z", "together"),
        ("end=2026-05-01T00:00:00Z", "together"),
        ("start=yesterday&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-05-01T00:00:00Z&end=2026-05-02", "end"),
        ("start=2026-05-01 00:00:00Z&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-05-01T00:00:00&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-02-30T00:00:00Z&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-05-01T00:00:00+02:00&end=2026-05-02T00:00:00Z", "%2B"),
        ("start=2026-05-02T00:00:00Z&end=2026-05-02T00:00:00Z", "before"),
        ("start=2026-05-03T00:00:00Z&end=2026-05-02T00:00:00Z", "before"),
        ("hrs=1&hrs=2", "more than once"),
        ("hours=1", "hours"),
    ],
)
def test_bad_queries_are_400_naming_the_problem(
    sandbox: Sandbox, client: httpx.Client, query: str, named: str
) -> None:
    r = client.get(f"{sandbox.leads_url}?{query}", headers=AUTH)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/json"
    assert named in r.json()["error"]
    if named != "more than once":  # a dict cannot hold a repeated parameter
        with pytest.raises(ValueError, match=re.escape(named)):
            sandbox.served_leads(dict(httpx.QueryParams(query)))


def test_rfc3339_parsing() -> None:
    base = parse_rfc3339("2020-01-01T14:30:00Z")
    assert base == int(datetime(2020, 1, 1, 14, 30, tzinfo=UTC).timestamp()) * 1_000_000
    assert parse_rfc3339("2020-01-01t14:30:00z") == base
    assert parse_rfc3339("2020-01-01T15:30:00+01:00") == base
    assert parse_rfc3339("2020-01-01T14:30:00.5Z") == base + 500_000
    assert parse_rfc3339("2020-01-01T14:30:00.123456789Z") == base + 123_456
    for bad in ("2020-01-01", "2020-01-01T14:30Z", "2020-13-01T00:00:00Z", "2020-01-01T14:30:00"):
        assert parse_rfc3339(bad) is None


# -- filtering ---------------------------------------------------------------------------------


@pytest.fixture
def edges() -> Iterator[Sandbox]:
    hour = timedelta(hours=1)
    records = [
        lead(iso(NOW - 2 * hour), "two-hours"),
        lead(iso(NOW - hour - timedelta(seconds=1)), "just-outside"),
        lead(iso(NOW - hour), "hour-edge"),
        lead(iso(NOW - timedelta(minutes=5)), "recent"),
        lead(iso(NOW), "now"),
        lead(iso(NOW + timedelta(seconds=1)), "future"),
        lead("2026-06-01T11:30:00.250+00:00", "fraction"),
    ]
    with Sandbox(leads=records[::-1], now=NOW) as sb:
        yield sb
    assert sb.errors == []


def test_hrs_and_days_include_both_ends(edges: Sandbox, client: httpx.Client) -> None:
    r = client.get(edges.leads_url, params={"hrs": 1}, headers=AUTH)
    assert names(r) == ["hour-edge", "fraction", "recent", "now"]
    r = client.get(edges.leads_url, params={"hrs": 2}, headers=AUTH)
    assert names(r)[:2] == ["two-hours", "just-outside"]
    assert "future" not in names(r)
    r = client.get(edges.leads_url, params={"days": 1}, headers=AUTH)
    assert len(names(r)) == 6


def test_start_is_inclusive_and_end_exclusive(edges: Sandbox, client: httpx.Client) -> None:
    params = {"start": iso(NOW - timedelta(hours=1)), "end": iso(NOW)}
    assert names(client.get(edges.leads_url, params=params, headers=AUTH)) == [
        "hour-edge",
        "fraction",
        "recent",
    ]
    offset = {"start": "2026-06-01T12:30:00+01:00", "end": "2026-06-01T13:00:00.000001+01:00"}
    got = names(client.get(edges.leads_url, params=offset, headers=AUTH))
    assert got == ["fraction", "recent", "now"]


def test_windows_match_a_manual_filter(sandbox: Sandbox, client: httpx.Client) -> None:
    everything = sandbox.leads
    created = [datetime.fromisoformat(r["created_at"]) for r in everything]
    cases = [
        ({"hrs": "5"}, lambda t: NOW - timedelta(hours=5) <= t <= NOW),
        ({"days": "7"}, lambda t: NOW - timedelta(days=7) <= t <= NOW),
        (
            {"start": "2026-05-10T00:00:00Z", "end": "2026-05-20T06:00:00Z"},
            lambda t: datetime(2026, 5, 10, tzinfo=UTC) <= t < datetime(2026, 5, 20, 6, tzinfo=UTC),
        ),
    ]
    for query, keep in cases:
        expected = [r for r, t in zip(everything, created, strict=True) if keep(t)]
        assert 0 < len(expected) < len(everything)
        assert client.get(sandbox.leads_url, params=query, headers=AUTH).json()["leads"] == expected
        assert sandbox.served_leads(query) == expected


def test_real_clock_when_no_now_is_given(client: httpx.Client) -> None:
    with Sandbox(leads=100) as sb:
        newest = datetime.fromisoformat(sb.leads[-1]["created_at"])
        assert datetime.now(UTC) - newest < timedelta(days=1)
        assert (
            len(client.get(sb.leads_url, params={"days": 31}, headers=AUTH).json()["leads"]) == 100
        )
        future = {
            "start": iso(datetime.now(UTC) + timedelta(days=1)),
            "end": "2999-01-01T00:00:00Z",
        }
        assert client.get(sb.leads_url, params=future, headers=AUTH).json() == {"leads": []}


def test_empty_answer_can_be_null(client: httpx.Client) -> None:
    with Sandbox(leads=0, now=NOW, empty_as_null=True) as sb:
        assert client.get(sb.leads_url, params={"hrs": 1}, headers=AUTH).json() == {"leads": None}


# -- synthetic data ----------------------------------------------------------------------------


def test_generation_is_deterministic_by_seed() -> None:
    first = generate_leads(200, seed=5, now=NOW)
    assert first == generate_leads(200, seed=5, now=NOW)
    assert first != generate_leads(200, seed=6, now=NOW)
    assert Sandbox(leads=200, seed=5, now=NOW).leads == first
    assert generate_leads(0) == []


def test_generated_leads_look_real() -> None:
    leads = generate_leads(3000, seed=2, now=NOW, days=10)
    created = [r["created_at"] for r in leads]
    assert created == sorted(created)
    assert all(STAMP.fullmatch(t) for t in created)
    assert iso(NOW - timedelta(days=10)) <= created[0] and created[-1] <= iso(NOW)
    assert all(MIDNIGHT.fullmatch(r["move_date"]) for r in leads)
    everything = " ".join(r["first_name"] + " " + r["last_name"] for r in leads)
    assert all(name in everything for name in ("José", "Zoë", "Nguyễn"))
    share = {
        f: sum(1 for r in leads if r[f] == "") / len(leads)
        for f in ("email", "new_address_2", "old_postal_code_plus4")
    }
    assert 0.02 < share["email"] < 0.15
    assert 0.4 < share["new_address_2"] < 0.9
    assert 0.1 < share["old_postal_code_plus4"] < 0.4
    zips = {r["new_postal_code"] for r in leads} | {r["old_postal_code"] for r in leads}
    assert {"02134", "07030"} <= zips and all(re.fullmatch(r"\d{5}", z) for z in zips)
    assert {r["new_housing_tenure"] for r in leads} == {"own", "rent"}
    offers = [r["offer_id"] for r in leads]
    assert 2 <= len(set(offers)) <= 12
    assert all(r["new_state"] == "MA" for r in leads if r["new_city"] == "Boston")
    assert 30 < sum("old_housing_tenure" in r for r in leads) < 300
    assert all(re.search(r"@([a-z]+\.)?example\.[a-z]+$", r["email"]) for r in leads if r["email"])
    size = sum(len(msgspec.json.encode(r)) for r in leads) / len(leads)
    assert 470 < size < 560


def test_generated_records_encode_like_msgspec() -> None:
    with Sandbox(leads=500, seed=9, now=NOW) as sb, httpx.Client() as c:
        body = c.get(sb.leads_url, params={"days": 30}, headers=AUTH).content
    leads = generate_leads(500, seed=9, now=NOW)
    assert body == b'{"leads":[' + b",".join(msgspec.json.encode(r) for r in leads) + b"]}"
    assert json.loads(body)["leads"] == leads  # the stdlib agrees too


# -- live data and recorded requests -----------------------------------------------------------


def test_add_leads_while_running(sandbox: Sandbox, client: httpx.Client) -> None:
    before = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).json()["leads"]
    added = sandbox.add_leads(3)
    assert len(added) == 3 and all(r["created_at"] == iso(NOW) for r in added)
    after = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).json()["leads"]
    assert after == before + added
    assert sandbox.add_leads(3) != added  # each batch is new
    mine = sandbox.add_leads([lead("2026-05-15T10:00:00Z", "Zed"), lead("2026-05-15T09:00:00Z")])
    window = {"start": "2026-05-15T09:00:00Z", "end": "2026-05-15T10:00:01Z"}
    got = client.get(sandbox.leads_url, params=window, headers=AUTH).json()["leads"]
    assert [r for r in got if r in mine] == mine[::-1]
    assert sandbox.count == 308


def test_undated_records_are_served_with_every_answer(client: httpx.Client) -> None:
    odd = [{"first_name": "No date"}, lead("yesterday", "Bad date"), lead(iso(NOW), "Dated")]
    with Sandbox(leads=odd, now=NOW) as sb:
        r = client.get(sb.leads_url, params={"hrs": 1}, headers=AUTH)
        assert names(r) == ["Dated", "No date", "Bad date"]
        far = {"start": "2001-01-01T00:00:00Z", "end": "2001-01-02T00:00:00Z"}
        assert names(client.get(sb.leads_url, params=far, headers=AUTH)) == ["No date", "Bad date"]


def test_requests_are_recorded(sandbox: Sandbox) -> None:
    seen = threading.Event()

    def fetch() -> None:
        with httpx.Client() as c:
            c.get(sandbox.leads_url, params={"hrs": "3"}, headers={**AUTH, "X-Trace": "t1"})
        seen.set()

    assert sandbox.wait_for_requests(1, timeout=0.05) is False
    worker = threading.Thread(target=fetch)
    worker.start()
    assert sandbox.wait_for_requests(1, timeout=5)
    worker.join()
    (request,) = sandbox.requests
    assert request.method == "GET"
    assert request.path == f"/v2/clients/{DEMO_CLIENT_ID}/leads"
    assert request.query == {"hrs": "3"}
    assert request.headers["authorization"] == DEMO_API_KEY
    assert request.headers["X-TRACE"] == "t1" and "x-trace" in request.headers
    assert DEMO_API_KEY not in repr(request)
    assert seen.is_set()


# -- faults ------------------------------------------------------------------------------------


def test_status_fault_with_retry_after_then_recovers(
    sandbox: Sandbox, client: httpx.Client
) -> None:
    sandbox.inject(Fault("status", status=429, retry_after="7", times=2))
    for _ in range(2):
        r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
        assert r.status_code == 429
        assert r.headers["retry-after"] == "7"
        assert "429" in r.json()["error"]
    assert client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).status_code == 200


def test_status_fault_without_a_body(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault("status", status=204))
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert (r.status_code, r.content) == (204, b"")
    assert client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).status_code == 200


def test_faults_apply_in_order_and_forever_until_cleared(
    sandbox: Sandbox, client: httpx.Client
) -> None:
    sandbox.inject(Fault("status", status=503))
    sandbox.inject(Fault("status", times=None))
    codes = [client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).status_code]
    codes += [client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).status_code]
    codes += [client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).status_code]
    sandbox.clear_faults()
    codes += [client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).status_code]
    assert codes == [503, 500, 500, 200]


def test_fault_arguments_are_checked() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("explode")
    with pytest.raises(ValueError):
        Fault("status", times=0)
    with pytest.raises(ValueError):
        Fault("status", status=99)
    assert Fault("redirect").effective_status == 302


def test_delay_holds_back_the_headers(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault("delay", delay=0.3))
    started = time.perf_counter()
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert time.perf_counter() - started >= 0.3
    assert r.status_code == 200
    sandbox.inject(Fault("delay", delay=2))
    with pytest.raises(httpx.ReadTimeout):
        client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH, timeout=0.1)


def test_slow_body_arrives_in_pieces(sandbox: Sandbox, client: httpx.Client) -> None:
    expected = client.get(sandbox.leads_url, params={"days": 30}, headers=AUTH).content
    sandbox.inject(Fault("slow_body", delay=0.1, pieces=3))
    started = time.perf_counter()
    r = client.get(sandbox.leads_url, params={"days": 30}, headers=AUTH)
    assert time.perf_counter() - started >= 0.2  # two pauses between three pieces
    assert r.content == expected


def test_trickle_sends_one_byte_at_a_time(sandbox: Sandbox) -> None:
    sandbox.inject(Fault("trickle", delay=0.01))
    started = time.perf_counter()
    sock = raw_request(sandbox, "/v2/clients/x/leads?hrs=1")
    try:
        data, reads = b"", 0
        while not data.endswith(b"}"):
            chunk = sock.recv(4096)
            assert chunk
            data += chunk
            reads += 1 if b"\r\n\r\n" in data else 0
        _head, body = data.split(b"\r\n\r\n", 1)
        assert json.loads(body) == {"error": "unknown client id"}
        assert time.perf_counter() - started >= 0.01 * (len(body) - 1)
        assert reads >= 5  # the body came in many small reads, not one
    finally:
        sock.close()


def test_truncate_closes_before_content_length(sandbox: Sandbox) -> None:
    sandbox.inject(Fault("truncate"))
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    try:
        conn.request("GET", f"/v2/clients/{DEMO_CLIENT_ID}/leads?days=30", headers=AUTH)
        response = conn.getresponse()
        assert response.status == 200
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        conn.close()


def test_huge_content_length(sandbox: Sandbox) -> None:
    sandbox.inject(Fault("huge_content_length"))
    conn = http.client.HTTPConnection("127.0.0.1", sandbox.port, timeout=5)
    try:
        conn.request("GET", f"/v2/clients/{DEMO_CLIENT_ID}/leads?days=30", headers=AUTH)
        response = conn.getresponse()
        assert response.getheader("Content-Length") == "2147483648"
        with pytest.raises(http.client.IncompleteRead):
            response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("kind", ["drop", "close_before_headers"])
def test_connection_closed_without_a_response(
    sandbox: Sandbox, client: httpx.Client, kind: str
) -> None:
    sandbox.inject(Fault(kind))
    with pytest.raises(httpx.RemoteProtocolError):
        client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH).status_code == 200


def test_reset_mid_body_is_an_rst(sandbox: Sandbox) -> None:
    sandbox.inject(Fault("reset_mid_body"))
    sock = raw_request(sandbox, f"/v2/clients/{DEMO_CLIENT_ID}/leads?days=30")
    received = 0
    try:
        with pytest.raises(ConnectionResetError):
            while chunk := sock.recv(65536):
                received += len(chunk)
    finally:
        sock.close()
    assert received < 100_000  # about half of the 150 kB body at most


def test_non_json_html_and_raw_bodies(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault("non_json"))
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    with pytest.raises(json.JSONDecodeError):
        r.json()
    sandbox.inject(Fault("html", status=502))
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert r.status_code == 502 and r.headers["content-type"] == "text/html"
    assert r.text.startswith("<!DOCTYPE html>") and "502 Bad Gateway" in r.text
    sandbox.inject(Fault("raw_body", body=b'{"leads": "nope"}'))
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert (r.status_code, r.content) == (200, b'{"leads": "nope"}')
    sandbox.inject(Fault("raw_body", status=418, body=b"", content_type="text/csv"))
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert (r.status_code, r.content, r.headers["content-type"]) == (418, b"", "text/csv")


def test_invalid_utf8(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault("invalid_utf8"))
    r = client.get(sandbox.leads_url, params={"hrs": 1}, headers=AUTH)
    assert r.status_code == 200
    with pytest.raises(UnicodeDecodeError):
        r.content.decode("utf-8")
    leads = json.loads(r.content.decode("utf-8", "replace"))["leads"]
    assert leads[0]["first_name"].startswith("Jos") and len(leads[0]) >= 19


def test_redirect_to_the_same_url_or_elsewhere(sandbox: Sandbox, client: httpx.Client) -> None:
    sandbox.inject(Fault("redirect"))
    url = f"{sandbox.leads_url}?hrs=1"
    r = client.get(url, headers=AUTH)
    assert r.status_code == 302 and r.headers["location"] == url
    assert client.get(r.headers["location"], headers=AUTH).status_code == 200
    sandbox.inject(Fault("redirect", status=301, location="https://evil.example/steal"))
    r = client.get(url, headers=AUTH)
    assert (r.status_code, r.headers["location"]) == (301, "https://evil.example/steal")


# -- lifecycle ---------------------------------------------------------------------------------


def test_stop_is_prompt_and_leaves_nothing_open() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sb = Sandbox(leads=20, now=NOW).start()
        sb.inject(Fault("trickle", delay=30))
        idle = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
        idle.request("GET", f"/v2/clients/{DEMO_CLIENT_ID}/leads?hrs=1", headers=AUTH)
        trickling = idle.getresponse()
        other = http.client.HTTPConnection("127.0.0.1", sb.port, timeout=5)
        other.request("GET", f"/v2/clients/{DEMO_CLIENT_ID}/leads?hrs=1", headers=AUTH)
        other.getresponse().read()  # now an idle keep-alive connection
        started = time.perf_counter()
        sb.stop()
        assert time.perf_counter() - started < 2
        with pytest.raises(http.client.IncompleteRead):
            trickling.read()
        with pytest.raises((ConnectionError, http.client.HTTPException)):
            other.request("GET", f"/v2/clients/{DEMO_CLIENT_ID}/leads?hrs=1", headers=AUTH)
            other.getresponse()
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", sb.port), timeout=5).close()
        idle.close()
        other.close()
        sb.stop()  # idempotent
        del sb, trickling
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []


def test_base_url_needs_a_started_server() -> None:
    sb = Sandbox(leads=1)
    with pytest.raises(RuntimeError):
        sb.base_url  # noqa: B018
    with sb:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sb.base_url)
        with pytest.raises(RuntimeError):
            sb.start()


def test_main_serves_until_stopped(capsys: pytest.CaptureFixture[str]) -> None:
    ready: list[Sandbox] = []
    running = threading.Event()
    stop = threading.Event()

    def on_ready(sb: Sandbox) -> None:
        ready.append(sb)
        running.set()

    result: list[int] = []
    thread = threading.Thread(
        target=lambda: result.append(
            main(["--port", "0", "--leads", "25"], stop=stop, on_ready=on_ready)
        )
    )
    thread.start()
    try:
        assert running.wait(10)
        with httpx.Client() as c:
            r = c.get(ready[0].leads_url, params={"days": 31}, headers=AUTH)
        assert len(r.json()["leads"]) == 25
    finally:
        stop.set()
        thread.join(10)
    assert result == [0]
    out = capsys.readouterr().out
    assert ready[0].base_url in out and DEMO_CLIENT_ID in out and DEMO_API_KEY in out


def test_main_reports_a_busy_port(capsys: pytest.CaptureFixture[str]) -> None:
    with Sandbox(leads=0) as busy:
        assert main(["--port", str(busy.port), "--leads", "0"]) == 1
    err = capsys.readouterr().err
    assert f"port {busy.port}" in err and "--port" in err


def test_query_helper_quotes(sandbox: Sandbox, client: httpx.Client) -> None:
    # A client that forgets to escape "+" sends a space; the 400 says how to fix it.
    start = quote("2026-05-01T00:00:00+02:00", safe=":")
    r = client.get(f"{sandbox.leads_url}?start={start}&end=2026-05-02T00:00:00Z", headers=AUTH)
    assert r.status_code == 200
