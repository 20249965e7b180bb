"""The Partner API client: one request per fetch, retried where safe, typed errors."""

from __future__ import annotations

import email.utils
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from .. import __version__
from . import errors as E
from .cancel import CancelToken
from .lead import Lead
from .options import Settings
from .parse import excerpt
from .parse_stream import LeadStream
from .query import Query, check_base_url, clean_api_key, leads_path
from .transport import ProxyFailure, build_http_client

log = E.app_logger(__name__)
# What OpenSSL says when the other end speaks plain HTTP to a TLS handshake (versions differ).
_PLAIN_HTTP_SIGNS = ("WRONG_VERSION_NUMBER", "RECORD_LAYER_FAILURE", "HTTP_REQUEST")

ProgressCallback = Callable[[int, int | None], None]
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
ERROR_BODY_LIMIT = 64 * 1024
PROGRESS_INTERVAL = 0.05
RETRY_AFTER_MAX = 366 * 86400.0  # a Retry-After beyond this is read as this


@dataclass(frozen=True)
class FetchResult:
    leads: list[Lead]
    extra_fields: tuple[str, ...]
    skipped: int
    skip_reasons: dict[str, int]
    bytes_received: int
    elapsed: float
    environment: str
    query: Query
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    canonical_created: bool = False
    replaced: int = 0  # values with invalid characters made U+FFFD (see ParseResult)
    created_keys: list[str] | None = field(default=None, compare=False, repr=False)  # ditto


_CLOSED = httpx.ByteStream(b"")  # what a closed response's stream is replaced with


class _Retry(Exception):
    def __init__(self, error: E.ApiError, wait: float | None = None) -> None:
        self.error = error
        self.wait = wait


class LeadsClient:
    """Fetches leads for one environment with one key. Not shared between threads at once."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        environment: str = "Production",
        settings: Settings | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self._key = clean_api_key(api_key)
        E.register_secret(self._key)  # from here on no message or log can show it
        self.environment = environment
        self.settings = settings or Settings()
        self._host = urlsplit(self.base_url).hostname or self.base_url
        self._http, self._backend = build_http_client(
            connect_timeout=self.settings.connect_timeout,
            read_timeout=self.settings.read_timeout,
            user_agent=f"mymove-viewer/{__version__}",
            transport=transport,
            target_host=self._host,
        )

    def close(self) -> None:
        self._http.close()
        self._key = ""

    def __enter__(self) -> LeadsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(
        self,
        client_id: str,
        query: Query,
        *,
        progress: ProgressCallback | None = None,
        cancel: CancelToken | None = None,
    ) -> FetchResult:
        url = self.base_url + leads_path(client_id)
        params = query.params()
        token = cancel or CancelToken()
        started = time.monotonic()
        self._backend.reset()
        unregister = token.on_cancel(self._backend.abort_all)
        try:
            for attempt in range(1, self.settings.max_tries + 1):
                self._check(token)
                try:
                    stream, status = self._get(url, params, progress, token)
                except _Retry as retry:
                    if attempt == self.settings.max_tries:
                        raise self._scrubbed(retry.error) from None
                    wait = retry.wait if retry.wait is not None else self._backoff(attempt)
                    log.info("retrying in %.2f s after: %s", wait, retry.error.detail)
                    if token.wait(wait):
                        raise E.CancelledError("The fetch was cancelled.") from None
                    continue
                parsed = stream.finish(status=status)
                del stream
                return FetchResult(
                    leads=parsed.leads,
                    extra_fields=parsed.extra_fields,
                    skipped=parsed.skipped,
                    skip_reasons=parsed.skip_reasons,
                    bytes_received=self._received,
                    elapsed=time.monotonic() - started,
                    environment=self.environment,
                    query=query,
                    canonical_created=parsed.canonical_created,
                    replaced=parsed.replaced,
                    created_keys=parsed.created_keys,
                )
            raise AssertionError("unreachable")  # pragma: no cover
        except E.ApiError as exc:
            if token.cancelled and not isinstance(exc, E.CancelledError):
                raise E.CancelledError("The fetch was cancelled.") from None
            raise self._scrubbed(exc) from None
        finally:
            unregister()

    # -- one attempt -------------------------------------------------------------------------

    def _get(
        self,
        url: str,
        params: dict[str, str],
        progress: ProgressCallback | None,
        token: CancelToken,
    ) -> tuple[LeadStream, int]:
        headers = {
            "Authorization": self._key,
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        self._received = 0
        got_headers = False
        resp: httpx.Response | None = None
        try:
            with self._http.stream("GET", url, params=params, headers=headers) as resp:
                got_headers = True
                log.debug("GET %s %s -> %s", urlsplit(url).path, params, resp.status_code)
                if not 200 <= resp.status_code < 300:
                    raise self._status_error(resp)
                return self._read_body(resp, progress, token), resp.status_code
        except (E.ApiError, _Retry):
            raise
        except httpx.HTTPError as exc:
            if token.cancelled:
                raise E.CancelledError("The fetch was cancelled.") from None
            raise self._transport_error(exc, got_headers) from None
        finally:
            if resp is not None:
                # httpx binds the closed response and its stream in a reference cycle holding
                # the connection, pool and socket (~80 objects): only the cycle collector would
                # free them, and the freeze after a parse (``gcpause``) could keep them forever.
                resp.stream = _CLOSED

    def _read_body(
        self, resp: httpx.Response, progress: ProgressCallback | None, token: CancelToken
    ) -> LeadStream:
        """The body, parsed as it arrives: the caller takes the leads from ``finish``."""
        stream = LeadStream(cancel=token)
        try:
            self._read_into(stream, resp, progress, token)
        except BaseException:
            stream.close()
            raise
        return stream

    def _read_into(
        self,
        stream: LeadStream,
        resp: httpx.Response,
        progress: ProgressCallback | None,
        token: CancelToken,
    ) -> None:
        limit = self.settings.max_bytes
        total = _content_length(resp)
        if total is not None and total > limit:
            raise self._too_large(total)
        last_report = 0.0
        window_start, window_bytes = time.monotonic(), 0
        stall_window = self.settings.read_timeout
        if progress is not None:
            progress(0, total)
        for chunk in resp.iter_bytes():
            if token.cancelled:
                raise E.CancelledError("The fetch was cancelled.")
            self._received += len(chunk)
            if self._received > limit:
                raise self._too_large(None)
            now = time.monotonic()
            window_bytes += len(chunk)
            if now - window_start >= stall_window:
                if window_bytes < self.settings.stall_bytes:
                    raise E.TimeoutError(
                        f"The server is sending the leads too slowly ({window_bytes} bytes in "
                        f"{now - window_start:.0f} s). Try again later or pick a shorter window.",
                        detail=f"stalled body from {self._host}",
                    )
                window_start, window_bytes = now, 0
            if progress is not None and now - last_report >= PROGRESS_INTERVAL:
                last_report = now
                progress(self._received, total)
            stream.feed(chunk)
        if progress is not None:
            progress(self._received, total)

    # -- error mapping -----------------------------------------------------------------------

    def _status_error(self, resp: httpx.Response) -> E.ApiError | _Retry:
        status = resp.status_code
        body = _read_limited(resp)
        snippet = excerpt(body)
        detail = f"HTTP {status} from {self._host}; body: {snippet!r}"
        env = self.environment
        if 300 <= status < 400:
            target = resp.headers.get("location", "")
            where = urlsplit(target).hostname or "another address"
            return E.UnexpectedStatusError(
                f"The server tried to redirect the request to {where}. It was not followed, so "
                "your API key stayed here. Check the server address or contact MYMOVE support.",
                detail=f"{detail}; Location: {target!r}",
                status=status,
            )
        if status in (401, 403):
            return E.AuthenticationError(
                f"The API key was rejected for {env} (HTTP {status}). Check that it is the key "
                f"for {env}, or ask your MYMOVE representative for a new one.",
                detail=detail,
                status=status,
            )
        if status == 404:
            return E.ClientNotFoundError(
                f"No leads endpoint was found for this client ID on {env} (HTTP 404). Check the "
                "client ID, and whether it belongs to the other environment.",
                detail=detail,
                status=status,
            )
        if status == 408:
            return _Retry(
                E.TimeoutError(
                    "The server timed out waiting for the request (HTTP 408). Try again.",
                    detail=detail,
                    status=status,
                )
            )
        if status == 429:
            wait = _retry_after(resp.headers.get("retry-after"))
            cap = self.settings.retry_after_cap
            when = _wait_advice(wait)
            error = E.RateLimitedError(
                f"MYMOVE is limiting how often leads can be fetched (HTTP 429).{when}",
                detail=detail,
                status=status,
                retry_after=wait,
            )
            if wait is not None and wait > cap:
                return error
            return _Retry(error, wait)
        if status >= 500:
            error = E.ServerError(
                f"The MYMOVE server had a problem (HTTP {status}). Try again in a few minutes; "
                "if it keeps happening, contact MYMOVE support.",
                detail=detail,
                status=status,
            )
            return _Retry(error) if status in RETRY_STATUSES else error
        reason = _server_message(body)
        said = f" The server said: “{reason}”." if reason else ""
        return E.UnexpectedStatusError(
            f"The server refused the request (HTTP {status}).{said} Check the client ID and "
            "time window; if they look right, contact MYMOVE support.",
            detail=detail,
            status=status,
        )

    def _transport_error(self, exc: httpx.HTTPError, got_headers: bool) -> E.ApiError | _Retry:
        detail = f"{type(exc).__name__}: {exc} (host {self._host})"
        s = self.settings
        if isinstance(exc, ProxyFailure):  # not the server's doing: the proxy is named
            error = exc.api_error(self._host, s.connect_timeout)
            return _Retry(error) if exc.retry else error
        if isinstance(exc, httpx.ConnectTimeout):
            return _Retry(
                E.TimeoutError(
                    f"Could not connect to {self._host} within {s.connect_timeout:g} s. Check "
                    "your internet connection or proxy, then try again.",
                    detail=detail,
                )
            )
        if isinstance(exc, httpx.TimeoutException):
            return E.TimeoutError(
                f"The server did not answer within {s.read_timeout:g} s. Try again, or pick "
                "a shorter time window.",
                detail=detail,
            )
        text = str(exc)
        if isinstance(exc, httpx.ConnectError):
            if any(sign in text.upper() for sign in _PLAIN_HTTP_SIGNS):
                return E.NetworkError(
                    f"The server at {self._host} answered without encryption (plain HTTP), "
                    "not HTTPS. Check the server address: a test server on this computer may "
                    "need http:// instead of https://.",
                    detail=detail,
                )
            if "CERTIFICATE" in text.upper() or "SSL" in text.upper():
                return E.NetworkError(
                    f"The secure connection to {self._host} could not be verified. If your "
                    "company inspects web traffic, ask IT to install its certificate; otherwise "
                    "try again later.",
                    detail=detail,
                )
            if "name or service not known" in text.lower() or "getaddrinfo" in text.lower():
                return _Retry(
                    E.NetworkError(
                        f"The server name {self._host} could not be found. Check your internet "
                        "connection, then try again.",
                        detail=detail,
                    )
                )
            return _Retry(
                E.NetworkError(
                    f"Could not connect to {self._host}. Check your internet connection or "
                    "proxy, then try again.",
                    detail=detail,
                )
            )
        if isinstance(exc, httpx.DecodingError):
            # The headers promised gzip/deflate/br/zstd and the bytes are not: an answer that
            # arrived whole but is not what it says it is, not a lost connection.
            return E.InvalidResponseError(
                "The server's answer could not be unpacked (it claims a compression it does "
                "not use). Try again; if it keeps happening, contact MYMOVE support.",
                detail=detail,
            )
        if isinstance(exc, httpx.RemoteProtocolError) and got_headers:
            return E.InvalidResponseError(
                "The server's answer was cut off before the end. Try again.",
                detail=detail,
            )
        if not got_headers:
            return E.NetworkError(
                f"{self._host} closed the connection without answering. Try again in a moment.",
                detail=detail,
            )
        return E.NetworkError(
            "The connection was lost while downloading leads. Try again.", detail=detail
        )

    def _too_large(self, total: int | None) -> E.InvalidResponseError:
        size = f"{total:,} bytes" if total is not None else "more than the limit"
        return E.InvalidResponseError(
            f"The answer is too large ({size}; the limit is {self.settings.max_bytes:,} bytes). "
            "Pick a shorter time window.",
            detail=f"body over max_bytes from {self._host}",
        )

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.settings.backoff_cap, self.settings.backoff_base * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _check(self, token: CancelToken) -> None:
        if token.cancelled:
            raise E.CancelledError("The fetch was cancelled.")

    def _scrubbed(self, exc: E.ApiError) -> E.ApiError:
        """Never let the key out inside text that came from the network or a library."""
        key = self._key
        if key and (key in exc.message or key in exc.detail):
            exc.message = exc.message.replace(key, "***")
            exc.detail = exc.detail.replace(key, "***")
            exc.args = (exc.message,)
        return exc


def _content_length(resp: httpx.Response) -> int | None:
    if resp.headers.get("content-encoding", "identity").lower() != "identity":
        return None
    try:
        value = int(resp.headers.get("content-length", ""))
    except ValueError:
        return None
    return value if value >= 0 else None


def _read_limited(resp: httpx.Response) -> bytes:
    out = bytearray()
    try:
        for chunk in resp.iter_bytes():
            out += chunk
            if len(out) >= ERROR_BODY_LIMIT:
                break
    except httpx.HTTPError:
        pass  # the status alone is enough to report; a broken error body adds nothing
    return bytes(out[:ERROR_BODY_LIMIT])


def _server_message(body: bytes) -> str:
    """A short reason from a JSON error body like {"error": "..."} or {"message": "..."}."""
    import json

    try:
        data = json.loads(body)
    except ValueError:
        return ""
    if isinstance(data, dict):
        for k in ("error", "message", "detail", "error_description"):
            v = data.get(k)
            if isinstance(v, str) and v.strip():
                text = " ".join(v.split())
                return E.redact(text, limit=200) + ("…" if len(text) > 200 else "")
    return ""


def _retry_after(value: str | None) -> float | None:
    """Seconds to wait, from delta-seconds (ASCII digits only) or an HTTP date (RFC 9110);
    None for anything else. Clamped to ``RETRY_AFTER_MAX``: a server's typo or a hostile
    header must not become an endless wait or an ``inf`` in a message."""
    if not value:
        return None
    value = value.strip()
    if not value.isascii():
        return None
    if value.isdigit():
        # Compared as text: int() of thousands of digits is slow and then refused by Python.
        too_long = len(value.lstrip("0")) > len(str(int(RETRY_AFTER_MAX)))
        return RETRY_AFTER_MAX if too_long else min(float(int(value)), RETRY_AFTER_MAX)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    try:
        seconds = (when - datetime.now(UTC)).total_seconds()
    except OverflowError:
        return None
    return min(max(0.0, seconds), RETRY_AFTER_MAX)


def _wait_advice(wait: float | None) -> str:
    """The sentence that follows "MYMOVE is limiting …": how long to wait, in plain units."""
    if not wait:
        return " Try again later."
    if wait > 36 * 3600:
        return (
            " It asks to wait more than a day; try again tomorrow, and contact MYMOVE support "
            "if this keeps happening."
        )
    seconds = math.ceil(wait)
    if seconds < 90:
        amount = f"{seconds} second{'s' * (seconds != 1)}"
    elif seconds < 2 * 3600:
        amount = f"{round(seconds / 60)} minutes"
    else:
        amount = f"{round(seconds / 3600)} hours"
    return f" Wait about {amount} and try again."
