"""Proxy variables and the key (issue 14, item 3): a plain-http request, allowed only to
loopback, never goes through a proxy (it would carry the key unencrypted to wherever the proxy
is); an https request goes through one only as a CONNECT tunnel, the key inside TLS. The proxy
is real (``RecordingProxy`` on loopback) and keeps every byte it is sent."""

from __future__ import annotations

import ssl
from base64 import b64encode
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api import transport
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import Sandbox

from .conftest import CLIENT_ID, FAST, MARKER_KEY, export_args, run_cli
from .secret_scan import pieces_in
from .servers import RecordingProxy, TlsServer, self_signed_cert

PROXY_VARS = ["http_proxy", "https_proxy", "all_proxy", "no_proxy"]
TLS_HOST = "leads.proxy-test.invalid"  # never resolved: only the proxy is asked for it


def proxy_env(url: str) -> dict[str, str]:
    """Every proxy variable pointing at ``url``, and no exemption (NO_PROXY) from the machine."""
    env = {}
    for name in PROXY_VARS:
        value = "" if name == "no_proxy" else url
        env[name] = env[name.upper()] = value
    return env


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingProxy]:
    with RecordingProxy() as recording:
        for name, value in proxy_env(recording.url).items():
            monkeypatch.setenv(name, value)
        yield recording


def test_the_recording_proxy_is_genuine(proxy: RecordingProxy, sandbox: Sandbox) -> None:
    """Control: a client that honours the variables for loopback too sends the proxy the key
    in clear text, which is what the LeadsClient did before."""
    with httpx.Client(trust_env=True) as client:
        answer = client.get(sandbox.leads_url, headers={"Authorization": MARKER_KEY})
    assert answer.status_code == 502
    assert MARKER_KEY.encode() in proxy.received


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_a_loopback_target_never_goes_through_a_proxy(
    proxy: RecordingProxy, sandbox: Sandbox, host: str
) -> None:
    url = sandbox.base_url.replace("127.0.0.1", host)
    with LeadsClient(url, MARKER_KEY, settings=FAST) as client:
        result = client.fetch(CLIENT_ID, Query.last_hours(24))
    assert result.leads and proxy.received == b""


def test_the_cli_never_sends_a_loopback_request_through_a_proxy(
    proxy: RecordingProxy, sandbox: Sandbox, tmp_path: Path
) -> None:
    out = tmp_path / "leads.csv"
    run = run_cli(*export_args(sandbox.base_url, "-o", str(out)), env=proxy_env(proxy.url))
    assert run.returncode == 0, run.stderr
    assert out.stat().st_size > 0 and proxy.received == b""


@pytest.mark.parametrize(
    "url", [f"http://{TLS_HOST}", "http://localhost.proxy-test.invalid", "http://127.0.0.1.nip.io"]
)
def test_plain_http_off_this_machine_is_refused_before_any_proxy(
    proxy: RecordingProxy, url: str
) -> None:
    """So an http_proxy can never be handed a request with the key: the only plain-http
    targets allowed are loopback ones, and those go direct."""
    with pytest.raises(E.ValidationError, match="Plain http is only allowed"):
        LeadsClient(url, MARKER_KEY)
    assert proxy.received == b""


@pytest.mark.parametrize("login", ["", "alice:s3cret"])
def test_an_https_proxy_only_tunnels_and_never_sees_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, login: str
) -> None:
    """A proxy's own login (``user:password@`` in its URL) goes to the proxy alone."""
    cert, cert_key = self_signed_cert(tmp_path, san=f"DNS:{TLS_HOST}")
    trusted = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(transport, "ssl_context", lambda: trusted)
    with (
        TlsServer(cert, cert_key) as server,
        RecordingProxy(tunnel_to=("127.0.0.1", server.port)) as proxy,
    ):
        url = proxy.url.replace("://", f"://{login}@") if login else proxy.url
        for name, value in proxy_env(url).items():
            monkeypatch.setenv(name, value)
        with LeadsClient(f"https://{TLS_HOST}", MARKER_KEY, settings=FAST) as client:
            result = client.fetch(CLIENT_ID, Query.last_hours(1))
    assert result.leads == []
    assert proxy.received.startswith(f"CONNECT {TLS_HOST}:443 ".encode())
    assert MARKER_KEY.encode() in server.requests[0]  # it did travel: inside the tunnel's TLS
    assert pieces_in(proxy.received.decode("latin-1"), MARKER_KEY) == []
    head = proxy.received.split(b"\r\n\r\n", 1)[0]  # the CONNECT, before the tunnel's TLS
    sent = [line for line in head.split(b"\r\n") if line.lower().startswith(b"proxy-auth")]
    assert sent == ([b"Proxy-Authorization: Basic " + b64encode(login.encode())] if login else [])
    assert b"proxy-auth" not in server.requests[0].lower()
