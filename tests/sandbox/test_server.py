"""The sandbox's store and CLI (server.py) over loopback HTTP: contract, live data, main."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta

import httpx
import msgspec
import pytest

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox, main
from tests.sandbox.helpers import AUTH, NOW, iso, lead, names

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


# -- filtering ---------------------------------------------------------------------------------


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


# -- lifecycle ---------------------------------------------------------------------------------


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
