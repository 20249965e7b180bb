"""A local HTTP server that speaks the MYMOVE Partner API contract, with injectable faults.

Used by the client and GUI tests, the app's ``--demo`` mode, ``mymove-viewer sandbox`` and the
benchmarks. Leads are held as pre-encoded JSON records sorted by ``created_at``, so answering a
window is a bisect slice and a join, even at a million leads.

Records whose ``created_at`` is missing or not RFC 3339 (only possible through ``leads=[...]`` or
``add_leads``) cannot be placed in time; they are served with every answer, after the dated
ones, so client tests can see how the client copes with them.
"""

from __future__ import annotations

import argparse
import contextlib
import hmac
import random
import re
import selectors
import socket
import struct
import sys
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import msgspec

from .sandbox_leads import decode_records, generate_json, generate_leads, now_utc

__all__ = [
    "DEMO_API_KEY",
    "DEMO_CLIENT_ID",
    "FAULT_KINDS",
    "Fault",
    "Headers",
    "RecordedRequest",
    "Sandbox",
    "generate_leads",
    "main",
    "parse_rfc3339",
]

DEMO_API_KEY = "demo-key-0000"  # not a secret: it only opens the local sandbox
DEMO_CLIENT_ID = "00000000-aaaa-bbbb-cccc-eeeeffff1111"  # the client id of the vendor's example

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
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)


def parse_rfc3339(text: str) -> int | None:
    """Microseconds since the epoch for an RFC 3339 time, or None when ``text`` is not one."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zulu, sign, off_h, off_m = m.groups()
    try:
        if zulu:
            tz = UTC
        else:
            if int(off_h) > 23 or int(off_m) > 59:
                return None
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            tz = timezone(-offset if sign == "-" else offset)
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((frac or "0")[:6].ljust(6, "0")), tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        return None
    return (moment - _EPOCH) // _US


def _epoch_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _US


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


class _QueryError(ValueError):
    pass


def _positive_int(name: str, value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise _QueryError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


def _time_param(name: str, value: str) -> int:
    moment = parse_rfc3339(value)
    if moment is None:
        hint = " (a '+' in the offset must be sent as %2B)" if " " in value else ""
        raise _QueryError(
            f"{name} must be an RFC 3339 time like 2020-01-01T14:30:00Z, got {value!r}{hint}"
        )
    return moment


def _window(pairs: list[tuple[str, str]], now_us: int) -> tuple[int, int, bool]:
    """(low, high, high_inclusive) in epoch microseconds for a query, or raise _QueryError."""
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in ("hrs", "days", "start", "end"):
            raise _QueryError(f"unknown query parameter {name!r}; use hrs, days, or start and end")
        if name in params:
            raise _QueryError(f"query parameter {name!r} was given more than once")
        params[name] = value
    given = sorted(params)
    if not given:
        raise _QueryError("missing query: pass hrs, days, or both start and end")
    if given in (["hrs"], ["days"]):
        name = given[0]
        amount = _positive_int(name, params[name])
        return now_us - amount * (3_600_000_000 if name == "hrs" else 86_400_000_000), now_us, True
    if given == ["end", "start"]:
        start = _time_param("start", params["start"])
        end = _time_param("end", params["end"])
        if start >= end:
            raise _QueryError("start must be before end")
        return start, end, False
    if given in (["start"], ["end"]):
        raise _QueryError("start and end must be passed together")
    raise _QueryError(
        f"{' and '.join(given)} cannot be combined; pass only one of hrs, days, or start and end"
    )


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


class Sandbox:
    """A real HTTP server on a loopback port that answers like the Partner API."""

    def __init__(
        self,
        *,
        leads: int | list[dict[str, Any]] = 200,
        seed: int = 1,
        api_key: str = DEMO_API_KEY,
        client_id: str = DEMO_CLIENT_ID,
        now: datetime | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        days: int = 30,
        empty_as_null: bool = False,
    ) -> None:
        self.api_key = api_key
        self.client_id = client_id
        self.host = host
        self.seed = seed
        self.days = days
        self.fixed_now = now
        self.empty_as_null = empty_as_null
        self._port = port
        self._data_lock = threading.Lock()
        self._keys: list[int] = []
        self._blobs: list[bytes] = []
        self._undated: list[bytes] = []
        self._added_batches = 0
        self._cond = threading.Condition()
        self._requests: list[RecordedRequest] = []
        self._faults: list[list[Any]] = []  # [fault, uses left or None]
        self.errors: list[BaseException] = []  # unexpected handler exceptions (tests assert none)
        self._stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._conns: set[socket.socket] = set()
        self._threads: list[threading.Thread] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        if isinstance(leads, int):
            if leads < 0:
                raise ValueError("leads must not be negative")
            stamps, blobs = generate_json(leads, random.Random(seed), now or now_utc(), days)
            self._keys = [s * 1_000_000 for s in stamps]
            self._blobs = blobs
        else:
            self._store(leads)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> Sandbox:
        if self._server is not None:
            raise RuntimeError("this sandbox was already started; make a new one")
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._server = _Server((self.host, self._port), self, family)
        self._wake = socket.socketpair()  # stop() writes to it to wake the accept loop
        self._thread = threading.Thread(
            target=self._accept_loop,
            args=(self._server, self._wake[0]),
            name="sandbox-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def _accept_loop(self, server: _Server, wake: socket.socket) -> None:
        # Like serve_forever, but woken by a socket pair instead of polling, so stop() is instant
        with selectors.DefaultSelector() as selector:
            selector.register(server, selectors.EVENT_READ)
            selector.register(wake, selectors.EVENT_READ)
            while not self._stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is server and not self._stopping.is_set():
                        server._handle_request_noblock()

    def stop(self) -> None:
        """Stop serving, cut open connections and wait for their threads (idempotent)."""
        server, wake, thread = self._server, self._wake, self._thread
        if server is None or wake is None or thread is None or self._stopping.is_set():
            return
        self._stopping.set()  # also wakes fault waits
        wake[1].send(b"x")
        thread.join()
        server.server_close()
        for end in wake:
            end.close()
        with self._conn_lock:
            conns = list(self._conns)
            threads = list(self._threads)
        for conn in conns:
            _shutdown(conn)
        for thread in threads:
            thread.join(timeout=5)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("the sandbox has no port until start()")
        return self._server.server_address[1]

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def leads_url(self) -> str:
        return f"{self.base_url}/v2/clients/{self.client_id}/leads"

    # -- data ------------------------------------------------------------------------------

    @property
    def leads(self) -> list[dict[str, Any]]:
        """A fresh copy of every lead held, sorted by ``created_at`` (undated ones last).

        Decodes every record, so it costs seconds at a million leads.
        """
        with self._data_lock:
            blobs = self._blobs + self._undated
        return decode_records(blobs)

    @property
    def count(self) -> int:
        with self._data_lock:
            return len(self._blobs) + len(self._undated)

    def add_leads(self, records: list[dict[str, Any]] | int) -> list[dict[str, Any]]:
        """Add leads while running; an int adds that many synthetic leads created "now"."""
        if isinstance(records, int):
            with self._data_lock:
                self._added_batches += 1
                batch = self._added_batches
            rng = random.Random(f"{self.seed}/added/{batch}")
            stamps, blobs = generate_json(records, rng, self._now_for_generation(), 0)
            self._insert([s * 1_000_000 for s in stamps], blobs, [])
            return decode_records(blobs)
        return decode_records(self._store(records))

    def served_leads(self, query: dict[str, str]) -> list[dict[str, Any]]:
        """What a request with ``query`` would get; raises ValueError when it would get a 400."""
        return decode_records(self._select(_window(list(query.items()), self._now_us())))

    def _store(self, records: Iterable[dict[str, Any]]) -> list[bytes]:
        keys: list[int] = []
        blobs: list[bytes] = []
        undated: list[bytes] = []
        encoded = []
        for record in records:
            if not isinstance(record, dict):
                raise TypeError("each lead must be a dict of field name to value")
            blob = msgspec.json.encode(record)
            encoded.append(blob)
            created = record.get("created_at")
            key = parse_rfc3339(created) if isinstance(created, str) else None
            if key is None:
                undated.append(blob)
            else:
                keys.append(key)
                blobs.append(blob)
        order = sorted(range(len(keys)), key=keys.__getitem__)  # stable: ties keep input order
        self._insert([keys[i] for i in order], [blobs[i] for i in order], undated)
        return encoded

    def _insert(self, keys: list[int], blobs: list[bytes], undated: list[bytes]) -> None:
        with self._data_lock:
            self._undated.extend(undated)
            if not self._keys or not keys or keys[0] >= self._keys[-1]:
                self._keys.extend(keys)
                self._blobs.extend(blobs)
                return
            for key, blob in zip(keys, blobs, strict=True):
                at = bisect_right(self._keys, key)
                self._keys.insert(at, key)
                self._blobs.insert(at, blob)

    def _now_us(self) -> int:
        if self.fixed_now is not None:
            return _epoch_us(self.fixed_now)
        return _epoch_us(datetime.now(UTC))

    def _now_for_generation(self) -> datetime:
        return self.fixed_now if self.fixed_now is not None else now_utc()

    def _select(self, window: tuple[int, int, bool]) -> list[bytes]:
        low, high, inclusive = window
        with self._data_lock:
            lo = bisect_left(self._keys, low)
            hi = (bisect_right if inclusive else bisect_left)(self._keys, high)
            return self._blobs[lo:hi] + self._undated

    def _leads_reply(self, blobs: list[bytes]) -> _Reply:
        if not blobs and self.empty_as_null:
            return _Reply(200, [b'{"leads":null}'])
        return _Reply(200, [], records=blobs)

    # -- faults and recorded requests ------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        """Queue a fault; queued faults apply in order, each for its ``times`` requests."""
        with self._cond:
            self._faults.append([fault, fault.times])

    def clear_faults(self) -> None:
        with self._cond:
            self._faults.clear()

    def _take_fault(self) -> Fault | None:
        with self._cond:
            if not self._faults:
                return None
            entry = self._faults[0]
            if entry[1] is not None:
                entry[1] -= 1
                if entry[1] == 0:
                    self._faults.pop(0)
            return entry[0]

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    def clear_requests(self) -> None:
        with self._cond:
            self._requests.clear()

    def wait_for_requests(self, n: int, timeout: float = 5.0) -> bool:
        """Block until at least ``n`` requests arrived (True) or ``timeout`` passed (False)."""
        with self._cond:
            return self._cond.wait_for(lambda: len(self._requests) >= n, timeout)

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()

    # -- answering ---------------------------------------------------------------------------

    def _answer(
        self, method: str, path: str, pairs: list[tuple[str, str]], auth: str | None
    ) -> _Reply:
        """The reply the Partner API contract calls for (no faults)."""
        segments = path.split("/")
        if len(segments) != 5 or segments[:3] != ["", "v2", "clients"] or segments[4] != "leads":
            return _error(404, f"no such endpoint: {path}; use /v2/clients/<client id>/leads")
        if method != "GET":
            return _error(405, f"method {method} is not allowed; use GET", [("Allow", "GET")])
        if auth is None or not hmac.compare_digest(
            auth.encode("latin-1", "replace"), self.api_key.encode()
        ):
            what = "missing" if auth is None else "not valid"
            return _error(401, f"the Authorization header is {what}; send your API key in it")
        if unquote(segments[3]) != self.client_id:
            return _error(404, "unknown client id")
        try:
            window = _window(pairs, self._now_us())
        except _QueryError as exc:
            return _error(400, str(exc))
        return self._leads_reply(self._select(window))

    def _invalid_utf8_reply(self, status: int) -> _Reply:
        with self._data_lock:
            blobs = self._blobs[:50] + self._undated[:1]
        if not blobs:
            blobs = generate_json(1, random.Random(self.seed), self._now_for_generation(), 1)[1]
        record = msgspec.json.decode(blobs[0])
        record["first_name"] = "__INVALID_UTF8__"
        first = msgspec.json.encode(record).replace(b"__INVALID_UTF8__", b"Jos\xe9 \xff\xfe")
        reply = self._leads_reply([first, *blobs[1:]])
        reply.status = status
        return reply


def _shutdown(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed or reset by the peer
        conn.shutdown(socket.SHUT_RDWR)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() joins the connection threads itself, with a time limit
    request_queue_size = 128

    def __init__(
        self, address: tuple[str, int], sandbox: Sandbox, family: socket.AddressFamily
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


def main(
    argv: list[str] | None = None,
    *,
    stop: threading.Event | None = None,
    on_ready: Callable[[Sandbox], None] | None = None,
) -> int:
    """Run a sandbox in the foreground until Ctrl+C (or until ``stop`` is set, for tests)."""
    parser = argparse.ArgumentParser(
        prog="mymove-viewer sandbox",
        description="Serve synthetic leads on this computer the way the MYMOVE Partner API does.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8765, help="port (0: any free port)")
    parser.add_argument("--leads", type=int, default=1000, help="how many leads to serve")
    parser.add_argument("--seed", type=int, default=1, help="seed for the synthetic leads")
    parser.add_argument("--days", type=int, default=30, help="leads spread over this many days")
    args = parser.parse_args(argv)
    if args.leads < 0 or args.days < 0:
        parser.error("--leads and --days must not be negative")
    if args.leads >= 100_000:
        print(f"Generating {args.leads:,} leads…", flush=True)
    sandbox = Sandbox(
        leads=args.leads, seed=args.seed, days=args.days, host=args.host, port=args.port
    )
    try:
        sandbox.start()
    except OSError as exc:
        print(
            f"Could not listen on {args.host} port {args.port}: {exc.strerror or exc}. "
            "Choose another port with --port, or --port 0 for any free one.",
            file=sys.stderr,
        )
        return 1
    try:
        print(f"MYMOVE sandbox serving {sandbox.count:,} synthetic leads")
        print(f"  Base URL:  {sandbox.base_url}")
        print(f"  Client ID: {sandbox.client_id}")
        print(f"  API key:   {DEMO_API_KEY}  (demo key for this sandbox only)")
        print(f"  Try: curl -H 'Authorization: {DEMO_API_KEY}' '{sandbox.leads_url}?days=7'")
        print("Press Ctrl+C to stop.", flush=True)
        if on_ready is not None:
            on_ready(sandbox)
        waiter = stop or threading.Event()
        while not waiter.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    print("Sandbox stopped.", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
