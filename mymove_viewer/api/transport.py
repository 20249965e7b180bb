"""The httpx client setup: OS trust store, no redirects, proxies from the environment (never for
a loopback target), and sockets a cancel can shut down, all through httpcore's public API."""

from __future__ import annotations

import contextlib
import functools
import logging
import socket
import ssl
import threading
import urllib.request
import weakref
from collections.abc import Iterable, Iterator
from typing import Any

import httpcore
import httpx

from .errors import ApiError, NetworkError, TimeoutError, app_logger
from .query import _is_loopback

# httpcore's DEBUG trace prints response headers and httpx's INFO line the reason phrase, both
# chosen by the server, which may echo the key: their records are redacted like the app's own.
for _name in ["httpx", *(n for n in logging.root.manager.loggerDict if n.startswith("httpcore"))]:
    app_logger(_name)


@functools.cache
def ssl_context() -> ssl.SSLContext:
    """The OS trust store, so corporate TLS-inspecting proxies' roots are honoured.

    Made once per process and shared by every client (an SSLContext is safe to share): a new
    context per fetch left ~30 KB of native memory behind each time (OpenSSL 3), which the
    fetch/cancel stress test saw as steady RSS growth.
    """
    try:
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    except Exception:  # an OS truststore cannot serve: httpx's bundled roots still verify
        return httpx.create_ssl_context()


class _TrackingBackend(httpcore.SyncBackend):
    """Remembers every socket it opens so ``abort_all`` can unblock a read from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.aborted = False

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        stream = _LargeReads(super().connect_tcp(*args, **kwargs))
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


# httpcore asks for 64 KiB a read. A body of 50 MB (100k leads) then takes ~770 rounds through
# h11 and httpx, each copying its piece ~4 times in Python-level buffers: reading up to 1 MiB
# of what the socket holds took ~30% less CPU for the whole read (same-run A/B over loopback).
# A slower network still returns what has arrived; TLS returns a record at a time.
READ_BYTES = 1 << 20


class _LargeReads(httpcore.NetworkStream):
    """A network stream whose reads take up to ``READ_BYTES`` of what the socket holds."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max(max_bytes, READ_BYTES), timeout)

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, timeout)

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        return _LargeReads(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


# httpcore's exceptions as the httpx ones callers catch; a subclass before its base class, the
# first match in an exception's MRO wins.
_HTTPX_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.PoolTimeout: httpx.PoolTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.ProxyError: httpx.ProxyError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


@contextlib.contextmanager
def _as_httpx_errors(request: httpx.Request) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        mapped = next((_HTTPX_ERRORS[c] for c in type(exc).__mro__ if c in _HTTPX_ERRORS), None)
        if mapped is None:
            raise
        raise mapped(str(exc), request=request) from exc


class _ResponseStream(httpx.SyncByteStream):
    def __init__(self, stream: Iterable[bytes], request: httpx.Request) -> None:
        self._stream = stream
        self._request = request

    def __iter__(self) -> Iterator[bytes]:
        with _as_httpx_errors(self._request):
            yield from self._stream

    def close(self) -> None:
        close = getattr(self._stream, "close", None)
        if close is not None:
            close()


# What httpx.Client uses by default.
_LIMITS = {"max_connections": 100, "max_keepalive_connections": 20, "keepalive_expiry": 5.0}


class _Transport(httpx.BaseTransport):
    """httpx on httpcore pools built here, direct and one per proxy, all on one network backend
    (the cancel hook): httpx itself has no public way to pass a backend to the pools it makes.

    A request goes through the proxy for its scheme (or ``all``) unless its host is loopback or
    exempted (``no_proxy``, or the OS settings where ``getproxies`` read those)."""

    def __init__(
        self,
        backend: _TrackingBackend,
        context: ssl.SSLContext,
        proxies: dict[str, httpx.Proxy],
    ) -> None:
        self._direct = httpcore.ConnectionPool(
            ssl_context=context, network_backend=backend, **_LIMITS
        )
        self._proxies = proxies
        self._via: dict[str, httpcore.HTTPProxy] = {}
        for proxy in proxies.values():
            key = str(proxy.url)
            if key not in self._via:
                self._via[key] = httpcore.HTTPProxy(
                    proxy_url=_core_url(proxy.url),
                    proxy_auth=proxy.raw_auth,
                    proxy_headers=proxy.headers.raw,
                    ssl_context=context,
                    proxy_ssl_context=proxy.ssl_context,
                    network_backend=backend,
                    **_LIMITS,
                )

    def _proxy_for(self, url: httpx.URL) -> tuple[str, httpx.Proxy] | None:
        """The proxy a request to ``url`` goes through, with the scheme it was set for."""
        scheme = url.scheme if url.scheme in self._proxies else "all"
        proxy = self._proxies.get(scheme)
        if proxy is None or _is_loopback(url.host) or urllib.request.proxy_bypass(url.host):
            return None
        return scheme, proxy

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        assert isinstance(request.stream, httpx.SyncByteStream)
        core = httpcore.Request(
            method=request.method,
            url=_core_url(request.url),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,  # the timeouts httpx.Client put there
        )
        via = self._proxy_for(request.url)
        if via is None:
            with _as_httpx_errors(request):
                response = self._direct.handle_request(core)
        else:
            response = self._through_proxy(core, request, *via)
        assert isinstance(response.stream, Iterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ResponseStream(response.stream, request),
            extensions=response.extensions,
        )

    def _through_proxy(
        self, core: httpcore.Request, request: httpx.Request, scheme: str, proxy: httpx.Proxy
    ) -> httpcore.Response:
        """``core`` sent through ``proxy``; a failure before the proxy had opened the way to
        the server is the proxy's (``ProxyFailure``), not the server's. httpcore's trace
        events tell the two apart: a new connection's TCP connect goes to the proxy, and its
        TLS with the server starts only once the proxy has agreed to the tunnel."""
        stage: list[str] = []  # "proxy" while talking to the proxy, "server" after
        outer = core.extensions.get("trace")

        def trace(event: str, info: dict[str, Any]) -> None:
            if event == "connection.connect_tcp.started":
                stage.append("proxy")
            elif event == "proxy.start_tls.started":  # httpcore.proxy: the tunnel is open
                stage.append("server")
            if outer is not None:
                outer(event, info)

        core.extensions = {**core.extensions, "trace": trace}
        try:
            with _as_httpx_errors(request):
                return self._via[str(proxy.url)].handle_request(core)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.RemoteProtocolError,
                httpx.ReadError, httpx.ProxyError) as exc:  # fmt: skip
            if not isinstance(exc, httpx.ProxyError) and stage[-1:] != ["proxy"]:
                raise  # the server's (or a reused tunnel's) failure: the usual messages
            raise ProxyFailure(exc, request, scheme, proxy.url) from exc

    def close(self) -> None:
        for pool in [self._direct, *self._via.values()]:
            pool.close()


class ProxyFailure(httpx.ProxyError):
    """The proxy failed before the server was reached: unreachable, too slow to accept,
    refused the tunnel (an HTTP answer to CONNECT), or closed the connection. Knows the
    proxy (without its password) and where it was set, for a message that names them."""

    def __init__(
        self, cause: httpx.TransportError, request: httpx.Request, scheme: str, url: httpx.URL
    ) -> None:
        super().__init__(f"{type(cause).__name__} via proxy: {cause}", request=request)
        self.cause = cause
        host = f"[{url.host}]" if ":" in url.host else url.host
        self.proxy = f"{url.scheme}://{host}" + (f":{url.port}" if url.port else "")
        self.variable = _proxy_variable(scheme)
        self.has_login = bool(url.username)

    @property
    def retry(self) -> bool:
        """Worth another attempt: the proxy may be restarting; a refusal or a hang-up is not."""
        return isinstance(self.cause, httpx.ConnectError | httpx.ConnectTimeout)

    def api_error(self, host: str, connect_timeout: float) -> ApiError:
        """The error a user reads, in words that fit the window and the command line."""
        where = (
            f"the {self.variable} environment variable"
            if self.variable
            else "your system's proxy settings"
        )
        named = f"The proxy {self.proxy} (set in {where})"
        undo = f"unset {self.variable}" if self.variable else "change the proxy settings"
        detail = f"{type(self.cause).__name__}: {self.cause} (proxy {self.proxy}, host {host})"
        cause = self.cause
        if isinstance(cause, httpx.ConnectTimeout):
            return TimeoutError(
                f"{named} did not accept a connection within {connect_timeout:g} s. Check that "
                f"the proxy is running, or {undo} to connect to {host} directly.",
                detail=detail,
            )
        if isinstance(cause, httpx.ConnectError):
            return NetworkError(
                f"{named} could not be reached. Check that the proxy is running and its address "
                f"is right, or {undo} to connect to {host} directly.",
                detail=detail,
            )
        if isinstance(cause, httpx.ProxyError):  # httpcore's text: the status and reason
            answer = str(cause).strip()[:80]  # the proxy's own words, kept short
            if not answer.startswith("407"):
                todo = f"Ask whoever runs the proxy to allow {host}, or {undo} to connect directly"
            elif self.has_login:
                todo = (
                    "It did not accept the user name and password in the proxy address: "
                    f"check them, or {undo}"
                )
            elif self.variable:
                todo = (
                    "It wants a user name and password: put them in the proxy address "
                    f"(http://user:password@host:port), or {undo}"
                )
            else:
                todo = "It wants a user name and password: add them in the proxy settings"
            return NetworkError(
                f"{named} refused the connection to {host} ({answer}). {todo}.", detail=detail
            )
        return NetworkError(
            f"{named} closed the connection without answering. Check the proxy, or {undo} to "
            f"connect to {host} directly.",
            detail=detail,
        )


def _proxy_variable(scheme: str) -> str | None:
    """The environment variable a proxy for ``scheme`` came from (the lowercase name wins, as
    in ``urllib``), or None when it came from the OS settings (macOS, Windows)."""
    import os

    for name in (f"{scheme}_proxy", f"{scheme.upper()}_PROXY"):
        if os.environ.get(name):
            return name
    return None


def _core_url(url: httpx.URL) -> httpcore.URL:
    return httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )


def environment_proxies() -> dict[str, httpx.Proxy]:
    """The proxies for http, https and every scheme ("all") from the proxy variables (or the
    OS settings on macOS and Windows), as httpx would read them. Raises ``NetworkError`` for a
    proxy this app cannot use."""
    found = urllib.request.getproxies()
    if any(host.strip() == "*" for host in found.get("no", "").split(",")):
        return {}
    proxies = {}
    for scheme in ("http", "https", "all"):
        value = found.get(scheme)
        if not value:
            continue
        url = value if "://" in value else f"http://{value}"
        try:
            proxy = httpx.Proxy(url)
            if proxy.url.scheme not in ("http", "https"):
                raise ValueError(f"unsupported proxy scheme {proxy.url.scheme!r}")
        except (ValueError, httpx.InvalidURL) as exc:
            raise _unusable_proxy(exc) from None
        proxies[scheme] = proxy
    return proxies


def build_http_client(
    *,
    connect_timeout: float,
    read_timeout: float,
    user_agent: str,
    transport: httpx.BaseTransport | None = None,
    target_host: str | None = None,
) -> tuple[httpx.Client, _TrackingBackend]:
    backend = _TrackingBackend()
    if transport is None:
        # Proxy variables are honoured, except for a loopback target: plain http is allowed
        # there only because the key stays on this machine, and an http_proxy/ALL_PROXY would
        # carry the request (key included) unencrypted to wherever the proxy is.
        loopback = target_host is not None and _is_loopback(target_host)
        proxies = {} if loopback else environment_proxies()
        transport = _Transport(backend, ssl_context(), proxies)
    client = httpx.Client(
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout),
        follow_redirects=False,
        trust_env=False,  # the transport reads the proxy variables itself
        transport=transport,
        headers={"User-Agent": user_agent},
    )
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
