"""Typed errors of the Partner API client.

Each error carries ``message`` (what a salesperson reads: what happened and what to do) and
``detail`` (the technical facts for a log or a "details" toggle). Neither ever holds the API key:
the client scrubs any text taken from the network before it builds one of these.
"""

from __future__ import annotations

import builtins


class ApiError(Exception):
    """Base of every error the client raises on purpose."""

    def __init__(self, message: str, *, detail: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.detail = detail
        self.status = status

    def __str__(self) -> str:
        return self.message


class ValidationError(ApiError, ValueError):
    """The query, client ID, key or base URL is not acceptable; nothing was sent."""


class AuthenticationError(ApiError):
    """401/403: the key was rejected."""


class ClientNotFoundError(ApiError):
    """404: the client ID is unknown here (or belongs to the other environment)."""


class RateLimitedError(ApiError):
    """429 that persisted through the retries."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after


class ServerError(ApiError):
    """5xx that persisted through the retries."""


class UnexpectedStatusError(ApiError):
    """Any other status, including a redirect, which is never followed (it could leak the key)."""


class NetworkError(ApiError):
    """DNS, connection, TLS or a connection lost mid-transfer."""


class TimeoutError(ApiError, builtins.TimeoutError):
    """The server took too long to connect, answer or send the body."""


class InvalidResponseError(ApiError):
    """The body is not the documented JSON: not JSON, no ``leads`` list, truncated, too large."""


class CancelledError(ApiError):
    """The caller cancelled the fetch."""
