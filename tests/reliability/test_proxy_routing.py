"""Which requests the transport sends through a proxy from the environment: NO_PROXY exempts a
host. The proxy is real (``RecordingProxy`` on loopback); the target host is never resolved
unless the request goes direct."""

from __future__ import annotations

import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query

from .conftest import CLIENT_ID, FAST, MARKER_KEY
from .servers import RecordingProxy
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
