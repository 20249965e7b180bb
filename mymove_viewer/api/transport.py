"""The httpx client setup: OS trust store, no redirects, and sockets a cancel can shut down."""

from __future__ import annotations

import contextlib
import functools
import socket
import ssl
import threading
import weakref
from typing import Any

import httpcore
import httpx


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
        return stream

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
) -> tuple[httpx.Client, _TrackingBackend]:
    backend = _TrackingBackend()
    client = httpx.Client(
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        follow_redirects=False,
        verify=ssl_context(),
        trust_env=True,
        transport=transport,
        headers={"User-Agent": user_agent},
    )
    # httpx has no public hook for the network backend; every pool it made (direct and
    # per-proxy) gets ours. If its internals change, cancel still works, only less promptly.
    transports = [client._transport, *client._mounts.values()]
    for t in transports:
        pool = getattr(t, "_pool", None)
        if pool is not None and hasattr(pool, "_network_backend"):
            pool._network_backend = backend
    return client, backend
