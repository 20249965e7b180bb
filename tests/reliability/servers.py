"""Loopback servers the sandbox cannot imitate: TLS with a self-signed certificate, a listener
whose accept queue is full (connect timeout), a port nobody listens on (refused), a server that
echoes the request's key back in any shape (``EchoServer``) and a recording HTTP proxy."""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Self


def self_signed_cert(folder: Path, san: str = "IP:127.0.0.1") -> tuple[Path, Path]:
    """A throwaway certificate for 127.0.0.1 (or ``san``), made with the ``openssl`` CLI."""
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
            f"subjectAltName={san}",
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
        self.requests.append(_read_head(conn))


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


def http_answer(
    status: int, body: bytes = b"", *, reason: str = "Error", headers: tuple[str, ...] = ()
) -> bytes:
    """A whole raw HTTP/1.1 answer; ``reason`` and ``headers`` go out exactly as given."""
    head = [f"HTTP/1.1 {status} {reason}", *headers, "Connection: close"]
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def _read_head(conn: socket.socket | ssl.SSLSocket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = conn.recv(65536)
        if not chunk:
            break
        head += chunk
    return head


class _Listener:
    """A loopback listener whose thread hands each connection to ``_accepted``."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}"
        self._threads: list[threading.Thread] = []
        self._thread = threading.Thread(target=self._serve, name=type(self).__name__, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._listener.shutdown(socket.SHUT_RDWR)  # wakes accept()
        for thread in [self._thread, *self._threads]:
            thread.join(timeout=10)
        self._listener.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self._listener.accept()
            except OSError:
                return
            self._accepted(conn)

    def _accepted(self, conn: socket.socket) -> None:
        raise NotImplementedError


class EchoServer(_Listener):
    """A plain-http loopback server that builds every answer from the request's Authorization
    header, as an error page that echoes the request does: ``answer(key)`` returns the raw
    answer (``http_answer``), so the key can come back in the body, a header or the status
    line, whole, cut or escaped."""

    def __init__(self, answer: Callable[[str], bytes]) -> None:
        super().__init__()
        self.answer = answer
        self.requests = 0

    def _accepted(self, conn: socket.socket) -> None:
        with conn:
            head = _read_head(conn).decode("latin-1")
            key = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in head.split("\r\n")
                    if line.lower().startswith("authorization:")
                ),
                "",
            )
            self.requests += 1
            with contextlib.suppress(OSError):
                conn.sendall(self.answer(key))


class RecordingProxy(_Listener):
    """An HTTP proxy on loopback that keeps every byte clients send it (``received``).

    CONNECT is tunnelled to ``tunnel_to`` whatever host was asked for (the bytes after it are
    recorded as they pass: TLS, unreadable to the proxy); a request to forward in the clear
    (``GET http://…``) is recorded and answered 502, never forwarded.
    """

    def __init__(self, tunnel_to: tuple[str, int] | None = None) -> None:
        super().__init__()
        self.tunnel_to = tunnel_to
        self._lock = threading.Lock()
        self._received: list[bytes] = []

    @property
    def received(self) -> bytes:
        with self._lock:
            return b"".join(self._received)

    def _record(self, data: bytes) -> None:
        with self._lock:
            self._received.append(data)

    def _accepted(self, conn: socket.socket) -> None:
        thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
        self._threads.append(thread)
        thread.start()

    def _handle(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        with conn:
            try:
                head = _read_head(conn)
                self._record(head)
                if not head.startswith(b"CONNECT ") or self.tunnel_to is None:
                    conn.sendall(http_answer(502, b"not forwarded", reason="Bad Gateway"))
                    return
                with socket.create_connection(self.tunnel_to, timeout=10) as upstream:
                    conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    self._pipe(conn, upstream)
            except OSError:
                pass

    def _pipe(self, client: socket.socket, upstream: socket.socket) -> None:
        with selectors.DefaultSelector() as sel:
            sel.register(client, selectors.EVENT_READ, upstream)
            sel.register(upstream, selectors.EVENT_READ, client)
            while events := sel.select(timeout=10):
                for key, _ in events:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                    if not data:
                        return
                    if key.fileobj is client:
                        self._record(data)
                    key.data.sendall(data)


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
