"""The transport under httpx: TLS, large answers, and proxy variables it cannot use."""

from __future__ import annotations

import ssl
from pathlib import Path

import msgspec
import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api import transport
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.parse import parse_leads
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import generate_leads
from tests.reliability.servers import TlsServer, self_signed_cert


def test_a_large_answer_over_tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, key = self_signed_cert(tmp_path)
    trusted = ssl.create_default_context(cafile=str(cert))
    monkeypatch.setattr(transport, "ssl_context", lambda: trusted)
    body = msgspec.json.encode({"leads": generate_leads(5000, seed=11)})
    with TlsServer(cert, key, body) as server, LeadsClient(server.url, "k") as client:
        result = client.fetch("1", Query.last_days(7))
    assert result.bytes_received == len(body) > 2 * 1024 * 1024
    assert result.leads == parse_leads(body).leads


@pytest.mark.parametrize(
    ("variable", "value", "shown", "said"),
    [
        ("ALL_PROXY", "socks5://alice:s3cret@127.0.0.1:1080", "socks5://127.0.0.1:1080", "SOCKS"),
        ("https_proxy", "socks4://proxy.example:1080", "socks4://proxy.example:1080", "SOCKS"),
        ("ALL_PROXY", "ftp://proxy.example:21", "ftp://proxy.example:21", "not a proxy"),
    ],
)
def test_an_unusable_proxy_variable_is_named_not_a_crash(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str, shown: str, said: str
) -> None:
    """httpx raised ImportError (SOCKS needs a package we do not ship) or ValueError while
    reading the proxy variables: the CLI said "Unexpected error", exit 1."""
    for name in ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY", "all_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, value)
    with pytest.raises(E.NetworkError) as info:
        LeadsClient("https://leads.example", "k" * 24)
    message = info.value.message
    assert f"{variable} environment variable ({shown})" in message and said in message
    assert "s3cret" not in message and "alice" not in message
