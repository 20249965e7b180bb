"""The sandbox's lead store (``Sandbox``) and its command line (``main``).

Leads are held as pre-encoded JSON records sorted by ``created_at``, so answering a
window is a bisect slice and a join, even at a million leads.

Records whose ``created_at`` is missing or not RFC 3339 (only possible through ``leads=[...]`` or
``add_leads``) cannot be placed in time; they are served with every answer, after the dated
ones, so client tests can see how the client copes with them.

The socket side is in ``http_layer``, the query rules in ``query``, the synthetic leads in
``leads``.
"""

from __future__ import annotations

import argparse
import hmac
import random
import selectors
import socket
import sys
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

import msgspec

from .http_layer import (
    Fault,
    RecordedRequest,
    _error,
    _Reply,
    _Server,
    _shutdown,
)
from .leads import (
    ODD_KINDS,
    ODD_RECORDS,
    decode_records,
    generate_json,
    make_odd,
    now_utc,
)
from .query import _epoch_us, _QueryError, _window, parse_rfc3339

__all__ = ["DEMO_API_KEY", "DEMO_CLIENT_ID", "Sandbox", "main"]

DEMO_API_KEY = "demo-key-0000"  # not a secret: it only opens the local sandbox
DEMO_CLIENT_ID = "00000000-aaaa-bbbb-cccc-eeeeffff1111"  # the client id of the vendor's example


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
        odd: bool = False,
    ) -> None:
        """``odd``: a few of the generated leads, spread through them, carry what the vendor's
        page does not promise (an undocumented field, a null, a number, an offset timestamp);
        see ``leads.make_odd``."""
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
            if odd:
                make_odd(stamps, blobs)
            self._keys = [s * 1_000_000 for s in stamps]
            self._blobs = blobs
        else:
            if odd:
                raise ValueError("odd applies to generated leads; put odd records in the list")
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
    parser.add_argument(
        "--odd",
        action="store_true",
        help=f"make {ODD_RECORDS} leads, spread through the rest, carry what the API's page does "
        f"not promise: {', '.join(ODD_KINDS)}",
    )
    args = parser.parse_args(argv)
    if args.leads < 0 or args.days < 0:
        parser.error("--leads and --days must not be negative")
    if args.leads >= 100_000:
        print(f"Generating {args.leads:,} leads…", flush=True)
    sandbox = Sandbox(
        leads=args.leads,
        seed=args.seed,
        days=args.days,
        host=args.host,
        port=args.port,
        odd=args.odd,
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
        if args.odd:
            print(f"  {min(ODD_RECORDS, sandbox.count)} of them odd: {', '.join(ODD_KINDS)}")
        print(f"  Base URL:  {sandbox.base_url}")
        print(f"  Client ID: {sandbox.client_id}")
        print(f"  API key:   {DEMO_API_KEY}  (demo key for this sandbox only)")
        print(f"  Try: curl -H 'Authorization: {DEMO_API_KEY}' '{sandbox.leads_url}?days=7'")
        # The command line's own export, ready to paste: what a new user came to try.
        print(
            f"  Export: MYMOVE_API_KEY={DEMO_API_KEY} mymove-viewer export "
            f"--base-url {sandbox.base_url} --client-id {sandbox.client_id} --days 7 -o leads.csv"
        )
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
