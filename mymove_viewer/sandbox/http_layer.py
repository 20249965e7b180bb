"""The sandbox's HTTP layer: faults, the request record, the server, and the wire writing.

Holds everything that touches sockets (``_Server``, ``_Handler``, ``_Reply``) and the transport
faults it can inject, apart from the lead store in ``server`` so each stays readable. The
handler reaches the ``Sandbox`` only through ``_Server.sandbox``, typed by the ``LeadStore``
protocol below, so this module never imports the store, not even for type checking.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import msgspec

FAULT_KINDS = frozenset(
    {
        "status",
        "delay",
        "slow_body",
        "truncate",
        "non_json",
        "html",
        "redirect",
        "drop",
        "close_before_headers",
        "reset_mid_body",
        "trickle",
        "huge_content_length",
        "invalid_utf8",
        "raw_body",
    }
)
_BODY_FAULTS = frozenset(
    {"slow_body", "truncate", "reset_mid_body", "trickle", "huge_content_length"}
)
_DEFAULT_STATUS = {"status": 500, "html": 500, "redirect": 302}
_HUGE_LENGTH = 2_147_483_648
_JSON = "application/json"
_MAX_DRAIN = 1024 * 1024  # request body bytes read and dropped before answering
_SMALL_BODY = 64 * 1024  # below this, headers and body leave in one send
_BATCH = 4096  # records joined per piece of a large answer
_LEADS_OPEN = b'{"leads":['
_LEADS_CLOSE = b"]}"


def _error_body(message: str) -> bytes:
    return msgspec.json.encode({"error": message})


@dataclass(frozen=True)
class Fault:
    """What to do to the next ``times`` requests (``None``: every request until cleared).

    ``status`` None means the kind's default: 500 for ``status`` and ``html``, 302 for
    ``redirect``, 200 for ``non_json``, ``raw_body`` and ``invalid_utf8``. Kinds that disturb
    the transport (``delay``, ``slow_body``, ``truncate``, ``reset_mid_body``, ``trickle``,
    ``huge_content_length``) apply to the answer the request would normally get. ``delay`` is
    the wait before headers (``delay``), between pieces (``slow_body``), per byte (``trickle``)
    or before closing (``huge_content_length``).
    """

    kind: str
    status: int | None = None
    retry_after: str | None = None
    delay: float = 0.0
    location: str | None = None
    body: bytes | None = None
    times: int | None = 1
    content_type: str | None = None
    pieces: int = 4

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {sorted(FAULT_KINDS)}")
        if self.status is not None and not 200 <= self.status <= 599:
            raise ValueError("a fault status must be a final HTTP status (200-599)")
        if self.times is not None and self.times < 1:
            raise ValueError("times must be at least 1, or None for every request")
        if self.delay < 0 or self.pieces < 1:
            raise ValueError("delay must not be negative and pieces must be at least 1")

    @property
    def effective_status(self) -> int:
        return self.status if self.status is not None else _DEFAULT_STATUS.get(self.kind, 200)


class Headers(dict[str, str]):
    """Request headers under lower-case names; lookups ignore case."""

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the sandbox received it (``path`` without the query, not decoded)."""

    method: str
    path: str
    query: dict[str, str]
    headers: Headers
    target: str = ""

    def __repr__(self) -> str:
        shown = {k: ("<hidden>" if k == "authorization" else v) for k, v in self.headers.items()}
        return f"RecordedRequest({self.method} {self.path} query={self.query} headers={shown})"


@dataclass
class _Reply:
    """A status and body; a leads answer keeps its records and joins them while sending."""

    status: int
    parts: list[bytes]
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = _JSON
    records: list[bytes] | None = None  # when set, the body is {"leads":[records]}

    @property
    def length(self) -> int:
        if self.records is None:
            return sum(map(len, self.parts))
        commas = max(len(self.records) - 1, 0)
        return len(_LEADS_OPEN) + sum(map(len, self.records)) + commas + len(_LEADS_CLOSE)

    def chunks(self) -> Iterator[bytes]:
        if self.records is None:
            yield from self.parts
            return
        records = self.records
        yield _LEADS_OPEN
        for i in range(0, len(records), _BATCH):
            yield (b"," if i else b"") + b",".join(records[i : i + _BATCH])
        yield _LEADS_CLOSE

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks())


def _error(status: int, message: str, headers: list[tuple[str, str]] | None = None) -> _Reply:
    return _Reply(status, [_error_body(message)], headers or [])


class LeadStore(Protocol):
    """What the server and its handler use of the store behind them (``server.Sandbox``)."""

    host: str
    errors: list[BaseException]
    _conn_lock: threading.Lock
    _conns: set[socket.socket]
    _threads: list[threading.Thread]
    _stopping: threading.Event

    @property
    def port(self) -> int: ...

    def _record(self, request: RecordedRequest) -> None: ...

    def _take_fault(self) -> Fault | None: ...

    def _answer(
        self, method: str, path: str, pairs: list[tuple[str, str]], auth: str | None
    ) -> _Reply: ...

    def _invalid_utf8_reply(self, status: int) -> _Reply: ...


def _shutdown(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or reset by the peer
        conn.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() joins the connection threads itself, with a time limit
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], sandbox: LeadStore, family: socket.AddressFamily
    ) -> None:
        self.address_family = family
        self.sandbox = sandbox
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup, which can stall on odd networks
        TCPServer.server_bind(self)
        self.server_name = str(self.server_address[0])
        self.server_port = self.server_address[1]

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name="sandbox-connection",
            daemon=True,
        )
        with self.sandbox._conn_lock:
            self.sandbox._threads = [t for t in self.sandbox._threads if t.is_alive()]
            self.sandbox._threads.append(thread)
        thread.start()

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if error is not None and not isinstance(error, OSError):  # client disconnects are normal
            self.sandbox.errors.append(error)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "MyMoveSandbox/1"
    sys_version = ""
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sandbox = self.server.sandbox
        with sandbox._conn_lock:
            sandbox._conns.add(self.connection)
        if sandbox._stopping.is_set():  # accepted while stop() was cutting connections
            _shutdown(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.server.sandbox._conn_lock:
                self.server.sandbox._conns.discard(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        return  # tests and the demo want a quiet stderr

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # every method reaches _serve, which answers 405 for non-GET
            return self._serve
        raise AttributeError(name)

    # -- request -----------------------------------------------------------------------------

    def _serve(self) -> None:
        sandbox = self.server.sandbox
        split = urlsplit(self.path)
        pairs = parse_qsl(split.query, keep_blank_values=True)
        headers = Headers()
        for name, value in self.headers.items():
            key = name.lower()
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        sandbox._record(RecordedRequest(self.command, split.path, dict(pairs), headers, self.path))
        try:
            self._drain_body()
            fault = sandbox._take_fault()
            if fault is None:
                self._send(self._normal(split.path, pairs))
            else:
                self._apply(fault, split.path, pairs)
        except OSError:
            self.close_connection = True  # the client went away or stop() cut the connection

    def _drain_body(self) -> None:
        """Read a request body nobody asked for, so it neither corrupts the next request on
        this connection nor turns our close into an RST that hides the answer."""
        length = self.headers.get("Content-Length", "0").strip()
        if "Transfer-Encoding" in self.headers or not length.isdigit():
            self.close_connection = True
        elif int(length) > _MAX_DRAIN:
            self.close_connection = True
            self.rfile.read(_MAX_DRAIN)
        elif length != "0":
            self.rfile.read(int(length))

    def _normal(self, path: str, pairs: list[tuple[str, str]]) -> _Reply:
        auth = self.headers.get("Authorization")
        return self.server.sandbox._answer(self.command, path, pairs, auth)

    # -- faults ------------------------------------------------------------------------------

    def _apply(self, fault: Fault, path: str, pairs: list[tuple[str, str]]) -> None:
        sandbox = self.server.sandbox
        kind = fault.kind
        status = fault.effective_status
        extra = [("Retry-After", fault.retry_after)] if fault.retry_after is not None else []
        if kind == "drop":
            self.close_connection = True
            return
        if kind == "close_before_headers":
            self.close_connection = True
            self.connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: applic")
            return
        if kind == "delay" and sandbox._stopping.wait(fault.delay):
            self.close_connection = True
            return
        if kind == "status":
            message = f"the server answered {status} {_phrase(status)}; try again later"
            body = fault.body if fault.body is not None else _error_body(message)
            reply = _Reply(status, [] if status in (204, 304) else [body])
        elif kind == "non_json":
            text = fault.body if fault.body is not None else b"upstream request timeout"
            reply = _Reply(status, [text], content_type="text/plain; charset=utf-8")
        elif kind == "html":
            reply = _Reply(status, [fault.body or _html_page(status)], content_type="text/html")
        elif kind == "redirect":
            host = self.headers.get("Host") or f"{sandbox.host}:{sandbox.port}"
            location = fault.location or f"http://{host}{self.path}"
            reply = _Reply(status, [], [("Location", location)])
        elif kind == "raw_body":
            reply = _Reply(status, [fault.body or b""])
        elif kind == "invalid_utf8":
            reply = sandbox._invalid_utf8_reply(status)
        else:
            reply = self._normal(path, pairs)
        if fault.content_type is not None:
            reply.content_type = fault.content_type
        reply.headers.extend(extra)
        self._transport(fault, reply)

    def _transport(self, fault: Fault, reply: _Reply) -> None:
        kind = fault.kind
        stopping = self.server.sandbox._stopping
        if kind not in _BODY_FAULTS:
            self._send(reply)
            return
        body = reply.body
        send = self.connection.sendall
        if kind == "slow_body":
            send(self._head(reply, len(body)))
            size = -(-len(body) // fault.pieces) or 1
            for i in range(0, len(body), size):
                if i and stopping.wait(fault.delay):
                    self.close_connection = True
                    return
                send(body[i : i + size])
        elif kind == "trickle":
            send(self._head(reply, len(body)))
            for i in range(len(body)):
                if i and stopping.wait(fault.delay):
                    self.close_connection = True
                    return
                send(body[i : i + 1])
        elif kind == "truncate":
            self.close_connection = True
            send(self._head(reply, len(body)) + body[: len(body) // 2])
        elif kind == "reset_mid_body":
            self.close_connection = True
            send(self._head(reply, len(body)) + body[: len(body) // 2])
            self._reset()
        else:  # huge_content_length: promise 2 GiB, send the real body, stall, hang up
            self.close_connection = True
            send(self._head(reply, _HUGE_LENGTH) + body)
            stopping.wait(fault.delay)

    def _reset(self) -> None:
        """Close with an RST instead of a FIN, as a crashed proxy or load balancer would."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.rfile.close()  # the read buffer holds a reference that would delay the close
        self.connection.close()

    # -- writing -----------------------------------------------------------------------------

    def _head(self, reply: _Reply, length: int) -> bytes:
        lines = [
            f"HTTP/1.1 {reply.status} {_phrase(reply.status)}",
            f"Server: {self.server_version}",
            f"Date: {self.date_time_string()}",
            f"Content-Type: {reply.content_type}",
            *(f"{name}: {value}" for name, value in reply.headers),
        ]
        if reply.status != 204:  # a 204 must not carry Content-Length
            lines.append(f"Content-Length: {length}")
        if self.close_connection:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace")

    def _send(self, reply: _Reply) -> None:
        length = reply.length
        head = self._head(reply, length)
        if self.command == "HEAD":
            self.connection.sendall(head)
        elif length <= _SMALL_BODY:
            self.connection.sendall(head + reply.body)
        else:
            self.connection.sendall(head)
            for (
                chunk
            ) in reply.chunks():  # batch by batch: a million leads never sit twice in memory
                self.connection.sendall(chunk)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _html_page(status: int) -> bytes:
    title = f"{status} {_phrase(status)}"
    return (
        f"<!DOCTYPE html>\n<html><head><title>{title}</title></head>\n"
        f"<body><center><h1>{title}</h1></center><hr><center>nginx</center></body></html>\n"
    ).encode()
