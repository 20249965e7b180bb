"""The httpx client setup: OS trust store, no redirects, and sockets a cancel can shut down."""

from __future__ import annotations

import contextlib
import functools
import logging
import select
import socket
import ssl
import threading
import weakref
from typing import Any

import httpcore
import httpx

from .errors import NetworkError, app_logger
from .query import _is_loopback

# httpcore's DEBUG trace prints response headers and httpx's INFO line the reason phrase, both
# chosen by the server, which may echo the key: their records are redacted like the app's own.
for _name in ["httpx", *(n for n in logging.root.manager.loggerDict if n.startswith("httpcore"))]:
    app_logger(_name)


@functools.cache
def ssl_context() -> ssl.SSLContext | bool:
    """The OS trust store, so corporate TLS-inspecting proxies' roots are honoured.

    Made once per process and shared by every client (an SSLContext is safe to share): a new
    context per fetch left ~30 KB of native memory behind each time (OpenSSL 3), which the
    fetch/cancel stress test saw as steady RSS growth.
    """
    try:
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except Exception:  # an OS truststore cannot serve: httpx's bundled roots still verify
        return True


# Up to this much is handed to httpcore per read (see _GatheringStream).
GATHER_BYTES = 1 << 20


class _GatheringStream(httpcore.NetworkStream):
    """Hands httpcore what one read returns plus whatever else has already arrived, up to
    ``GATHER_BYTES``. httpcore asks for 64 KiB a read (over TLS a read returns one 16 KiB
    record) and each read passes through httpcore's, h11's and httpx's Python layers: a 52 MB
    answer took ~800 such trips (~3,300 over TLS), now ~50. Measured at 100k leads, CPU per
    fetch, medians: loopback HTTP 701 against 783 ms (10 runs); TLS 1,042 against 1,068 ms
    (8 runs, the server's encryption in the same process), where decryption dominates."""

    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner
        self._failed: Exception | None = None  # raised by the next read, after the bytes before

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        if self._failed is not None:
            failed, self._failed = self._failed, None
            raise failed
        data = self._inner.read(max_bytes, timeout)
        parts, size = [data], len(data)
        while data and size < GATHER_BYTES and self._more_ready():
            try:
                data = self._inner.read(max_bytes, timeout)
            except Exception as exc:  # e.g. a reset: httpcore must see the bytes before it first
                self._failed = exc
                break
            parts.append(data)  # b"" at the end: the next read reports the end again
            size += len(data)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def _more_ready(self) -> bool:
        sock = self._inner.get_extra_info("socket")
        if sock is None:
            return False
        if getattr(sock, "pending", lambda: 0)():  # TLS bytes already decrypted
            return True
        try:
            return bool(select.select([sock], [], [], 0)[0])
        except (OSError, ValueError):  # closed meanwhile: the next read says so
            return False

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _GatheringStream(self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _TrackingBackend(httpcore.SyncBackend):
    """Remembers every socket it opens so ``abort_all`` can unblock a read from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.aborted = False

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        stream = super().connect_tcp(*args, **kwargs)
        sock = stream.get_extra_info("socket")
        if sock is not None:
            with self._lock:
                self._sockets.add(sock)
                aborted = self.aborted
            if aborted:
                _shutdown(sock)
        return _GatheringStream(stream)

    def abort_all(self) -> None:
        with self._lock:
            self.aborted = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shutdown(sock)

    def reset(self) -> None:
        with self._lock:
            self.aborted = False


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def build_http_client(
    *,
    connect_timeout: float,
    read_timeout: float,
    user_agent: str,
    transport: httpx.BaseTransport | None = None,
    target_host: str | None = None,
) -> tuple[httpx.Client, _TrackingBackend]:
    backend = _TrackingBackend()
    # Proxy variables are honoured, except for a loopback target: plain http is allowed there
    # only because the key stays on this machine, and an http_proxy/ALL_PROXY would carry the
    # request (key included) unencrypted to wherever the proxy is.
    direct = None
    if target_host and _is_loopback(target_host):
        host = f"[{target_host}]" if ":" in target_host else target_host
        direct = {f"all://{host}": None}
    try:
        client = httpx.Client(
            timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
            follow_redirects=False,
            verify=ssl_context(),
            trust_env=True,
            transport=transport,
            mounts=direct,
            headers={"User-Agent": user_agent},
        )
    except (ImportError, ValueError, httpx.InvalidURL) as exc:
        # httpx reads the proxy variables here: a SOCKS proxy needs a package we do not ship,
        # and a malformed URL fails to parse. Either way no request can go out as configured.
        raise _unusable_proxy(exc) from None
    # httpx has no public hook for the network backend; every pool it made (direct and
    # per-proxy) gets ours. If its internals change, cancel still works, only less promptly.
    transports = [client._transport, *client._mounts.values()]
    for t in transports:
        pool = getattr(t, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = backend
    return client, backend


PROXY_VARIABLES = ("ALL_PROXY", "HTTPS_PROXY", "HTTP_PROXY")


def _unusable_proxy(exc: Exception) -> NetworkError:
    """A message naming the proxy variable at fault, without the proxy's password."""
    import os

    for name in (n for upper in PROXY_VARIABLES for n in (upper, upper.lower())):
        value = os.environ.get(name)
        if not value:
            continue
        scheme, sep, rest = value.partition("://")
        shown = scheme + sep + rest.rpartition("@")[2]  # never its user:password@
        if value.lower().startswith(("socks", "socks5", "socks4")):
            what = "is a SOCKS proxy, which this app cannot use"
        else:
            what = "is not a proxy address this app can use"
        return NetworkError(
            f"The proxy in the {name} environment variable ({shown}) {what}. "
            f"Set {name} to an http:// proxy, or unset it.",
            detail=f"{type(exc).__name__}: {exc}",
        )
    return NetworkError(
        "The network settings could not be used. Check the proxy environment variables.",
        detail=f"{type(exc).__name__}: {exc}",
    )
