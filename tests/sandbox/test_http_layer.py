"""The sandbox's HTTP layer (http_layer.py): keep-alive, every injected fault, a clean stop."""

from __future__ import annotations

import gc
import http.client
import json
import socket
import time
import warnings

import httpx
import pytest

from mymove_viewer.sandbox import DEMO_CLIENT_ID, Fault, Sandbox
from tests.sandbox.helpers import AUTH, NOW, raw_request

# -- contract --------------------------------------------------------------------------------


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
