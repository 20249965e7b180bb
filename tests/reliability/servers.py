"""Loopback servers the sandbox cannot imitate: TLS with a self-signed certificate, a listener
whose accept queue is full (connect timeout), and a port nobody listens on (refused)."""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Self


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1, made with the ``openssl`` CLI."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return cert, key


class _LoopbackServer:
    """A thread that accepts loopback connections one at a time and hands each to ``_handle``.
    ``requests`` holds the request heads it read."""

    scheme = "http"

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self.url = f"{self.scheme}://127.0.0.1:{self.port}"
        self.requests: list[bytes] = []
        self._wake = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="test-server", daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wake[1].send(b"x")
        self._thread.join(timeout=10)
        self._listener.close()
        for end in self._wake:
            end.close()

    def _serve(self) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(self._listener, selectors.EVENT_READ)
            sel.register(self._wake[0], selectors.EVENT_READ)
            while True:
                for key, _ in sel.select():
                    if key.fileobj is self._wake[0]:
                        return
                    conn, _addr = self._listener.accept()
                    conn.settimeout(5)
                    self._handle(conn)

    def _handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def _read_head(self, conn: socket.socket | ssl.SSLSocket) -> None:
        head = b""
        while b"\r\n\r\n" not in head and (chunk := conn.recv(4096)):
            head += chunk
        self.requests.append(head)


class TlsServer(_LoopbackServer):
    """An https server on loopback that answers ``body`` (no leads unless given) to anyone who
    trusts its cert.

    ``requests`` holds the decrypted request heads: a client that refused the certificate
    never gets that far, so an empty list proves nothing (not even the key) was sent.
    """

    scheme = "https"

    def __init__(self, cert: Path, key: Path, body: bytes = b'{"leads":[]}') -> None:
        self._body = body
        self._ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._ctx.load_cert_chain(cert, key)
        self.handshake_failures = 0
        super().__init__()

    def _handle(self, conn: socket.socket) -> None:
        try:
            with self._ctx.wrap_socket(conn, server_side=True) as tls:
                self._read_head(tls)
                body = self._body
                tls.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n"
                    b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
                )
        except (ssl.SSLError, OSError):
            self.handshake_failures += 1
        finally:
            conn.close()


@contextlib.contextmanager
def full_backlog_listener() -> Iterator[str]:
    """A loopback port that listens but never accepts, its accept queue already full.

    Linux drops further SYNs instead of refusing them, so a new connect hangs until the
    client's connect timeout: a real connect timeout without leaving loopback.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    fillers: list[socket.socket] = []
    try:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        port = listener.getsockname()[1]
        for _ in range(4):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                s.connect(("127.0.0.1", port))
            fillers.append(s)
        probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        probe.settimeout(0.3)
        try:
            probe.connect(("127.0.0.1", port))
        except TimeoutError:
            pass  # the queue is full: exactly what we need
        else:
            raise RuntimeError("the accept queue did not fill up; no connect timeout possible")
        finally:
            probe.close()
        yield f"http://127.0.0.1:{port}"
    finally:
        for s in fillers:
            s.close()
        listener.close()


def refused_url() -> str:
    """A loopback port that was just free: connecting to it is refused."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class RawServer(_LoopbackServer):
    """A loopback http server that answers every request with the same raw bytes: headers the
    sandbox cannot send (a Content-Encoding its body does not have, non-ASCII or absurd
    Retry-After values)."""

    def __init__(self, response: bytes) -> None:
        self._response = response
        super().__init__()

    def _handle(self, conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            self._read_head(conn)
            conn.sendall(self._response)


def raw_response(status: str, headers: dict[str, bytes | str], body: bytes) -> bytes:
    """An HTTP/1.1 answer with exactly these headers (values as given: bytes go out as is)."""
    lines = [f"HTTP/1.1 {status}".encode()]
    for name, value in {**headers, "Content-Length": str(len(body)), "Connection": "close"}.items():
        lines.append(
            name.encode() + b": " + (value if isinstance(value, bytes) else value.encode())
        )
    return b"\r\n".join(lines) + b"\r\n\r\n" + body
