"""Which requests the transport sends through a proxy from the environment (NO_PROXY exempts a
host), and cancel through one. The proxy is real (``RecordingProxy`` on loopback); the target
host is never resolved unless the request goes direct."""

from __future__ import annotations

import socket
import threading
from dataclasses import replace

import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query
from tests.api.test_cancel import cancelled_promptly

from .conftest import CLIENT_ID, FAST, MARKER_KEY
from .servers import RecordingProxy, _Listener
from .test_secret_proxy import TLS_HOST, proxy_env


@pytest.mark.parametrize(
    ("no_proxy", "proxied"),
    [("", True), (TLS_HOST, False), (".proxy-test.invalid", False), ("*", False)],
)
def test_no_proxy_sends_a_host_direct(
    monkeypatch: pytest.MonkeyPatch, no_proxy: str, proxied: bool
) -> None:
    """Direct, ``TLS_HOST`` cannot be resolved: the fetch fails without the proxy hearing of it.
    Through the proxy (which tunnels nowhere), the proxy is asked to CONNECT."""
    with RecordingProxy() as proxy:
        for name, value in proxy_env(proxy.url).items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("no_proxy", no_proxy)
        monkeypatch.setenv("NO_PROXY", no_proxy)
        with (
            LeadsClient(f"https://{TLS_HOST}", MARKER_KEY, settings=FAST) as client,
            pytest.raises(E.NetworkError),
        ):
            client.fetch(CLIENT_ID, Query.last_hours(1))
        received = proxy.received
    assert received.startswith(f"CONNECT {TLS_HOST}:443 ".encode()) is proxied
    assert MARKER_KEY.encode() not in received


class SilentServer(_Listener):
    """Accepts connections and never says a word: a TLS handshake through it never ends."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = threading.Event()
        self._held: list[socket.socket] = []

    def _accepted(self, conn: socket.socket) -> None:
        self._held.append(conn)
        self.reached.set()

    def __exit__(self, *exc: object) -> None:
        for conn in self._held:
            conn.close()
        super().__exit__(*exc)


def test_cancel_is_prompt_through_a_proxy_tunnel(monkeypatch: pytest.MonkeyPatch) -> None:
    """The connection to the proxy comes from the same cancellable network backend as a
    direct one: cancel shuts it down while the handshake through the tunnel waits."""
    patient = replace(FAST, connect_timeout=60.0, read_timeout=60.0, max_tries=1)
    with (
        SilentServer() as server,
        RecordingProxy(tunnel_to=("127.0.0.1", int(server.url.rsplit(":", 1)[1]))) as proxy,
    ):
        for name, value in proxy_env(proxy.url).items():
            monkeypatch.setenv(name, value)
        with LeadsClient(f"https://{TLS_HOST}", MARKER_KEY, settings=patient) as client:
            cancelled_promptly(client, Query.last_hours(1), server.reached)
