"""The network stream under httpx: reads gathered into larger pieces, over plain sockets and TLS."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from pathlib import Path

import httpcore
import msgspec
import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api import transport
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.parse import parse_leads
from mymove_viewer.api.query import Query
from mymove_viewer.api.transport import GATHER_BYTES, _GatheringStream
from mymove_viewer.sandbox import generate_leads
from tests.reliability.servers import TlsServer, self_signed_cert


class SocketStream(httpcore.NetworkStream):
    """What httpcore's own stream does, counting the reads it is asked for."""

    def __init__(self, sock: socket.socket, fail_after: int | None = None) -> None:
        self.sock = sock
        self.reads = 0
        self.fail_after = fail_after

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.reads += 1
        if self.fail_after is not None and self.reads > self.fail_after:
            raise httpcore.ReadError("connection reset")
        return self.sock.recv(max_bytes)

    def get_extra_info(self, info: str) -> object:
        return self.sock if info == "socket" else None


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    a, b = socket.socketpair()
    yield a, b
    a.close()
    b.close()


def test_what_has_arrived_comes_in_one_read(pair) -> None:
    ours, theirs = pair
    theirs.sendall(b"x" * 10_000)
    inner = SocketStream(ours)
    stream = _GatheringStream(inner)
    assert stream.read(1000) == b"x" * 10_000
    assert inner.reads == 10  # of 1,000 bytes each, one trip through httpcore's layers
    theirs.sendall(b"y" * 10)
    assert stream.read(1000) == b"y" * 10


def test_a_read_stops_at_the_gather_limit(pair) -> None:
    ours, theirs = pair
    theirs.setblocking(False)
    sent = 0
    try:
        while sent < GATHER_BYTES + 200_000:
            sent += theirs.send(b"z" * 65536)
    except BlockingIOError:
        pass
    stream = _GatheringStream(SocketStream(ours))
    got = stream.read(65536)
    assert 0 < len(got) < GATHER_BYTES + 65536


def test_an_error_after_some_bytes_comes_with_the_next_read(pair) -> None:
    # A reset after the headers arrived must reach httpcore after those bytes, as "connection
    # lost", not before them as "closed without answering".
    ours, theirs = pair
    theirs.sendall(b"HTTP/1.1 200 OK\r\n" * 100)
    stream = _GatheringStream(SocketStream(ours, fail_after=1))
    assert stream.read(100) == (b"HTTP/1.1 200 OK\r\n" * 100)[:100]
    with pytest.raises(httpcore.ReadError):
        stream.read(100)


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
