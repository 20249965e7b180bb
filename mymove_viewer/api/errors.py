"""Typed errors of the Partner API client, and the redaction that keeps the API key out of them.

Each error carries ``message`` (what a salesperson reads: what happened and what to do) and
``detail`` (the technical facts for a log or a "details" toggle). Neither ever holds the API key:
both pass through ``redact`` when they are set, and so do the app's log records
(``RedactingFilter``) and the window's banner.

``redact`` knows every key a ``LeadsClient`` was made with (``register_secret``), kept only as
hashes of its pieces, so the registry itself holds nothing a "forget key" must clear. It finds a
key in the text as it is and after undoing the escapes a server or a library may have applied
(JSON ``\\uXXXX``, ``\\xXX``, backslashes, percent-encoding, HTML entities; up to three layers),
ignoring ASCII case, and also as hex or base64 of the key. Pieces count, not only the whole key:
a long key (``LONG_KEY`` characters or more) is removed wherever ``FRAGMENT`` consecutive
characters of it appear, so cutting a text never leaves a useful part of the key (at most seven
characters of a key of at least sixteen survive a cut, and only if redaction ran after it, which
``redact(text, limit=…)`` avoids). A short key is no random text, and its pieces would be
ordinary words ("demo-key"), so it is removed only whole and standing alone.
"""

from __future__ import annotations

import base64
import builtins
import html
import logging
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

REDACTED = "***"
# Eight characters of a random key are ~48 bits (base64 alphabet); anything shorter also turns
# up by chance in ordinary text (hex ids, ports) and leaves most of a long key unknown.
FRAGMENT = 8
LONG_KEY = 16
_MAX_KEYS = 32  # most recent keys remembered; a session uses one or two
_ESCAPE_SIGNS = re.compile(r"[\\%&]")
_ESCAPES = re.compile(
    r"\\u[0-9a-fA-F]{4}|\\x[0-9a-fA-F]{2}|\\[^\r\n]|%[0-9a-fA-F]{2}|&#?[0-9a-zA-Z]{1,8};"
)
_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


@dataclass(frozen=True)
class _Needles:
    """Hashes (per process, ``hash``) of what marks a key, by the length of text they match."""

    pieces: dict[int, frozenset[int]] = field(default_factory=dict)  # anywhere in the text
    alone: dict[int, frozenset[int]] = field(default_factory=dict)  # not inside a word
    longest: int = 0  # the longest key's length


_lock = threading.Lock()
_keys: OrderedDict[int, _Needles] = OrderedDict()
_needles = _Needles()


def register_secret(key: str) -> None:
    """From now on ``redact`` removes ``key`` (and its pieces and encodings) from any text."""
    if not key:
        return
    with _lock:  # the same key again (every watch poll makes a client): nothing to rebuild
        if hash(key) in _keys:
            _keys.move_to_end(hash(key))
            return
    mine = _needles_of(key)
    global _needles
    with _lock:
        _keys[hash(key)] = mine
        while len(_keys) > _MAX_KEYS:
            _keys.popitem(last=False)
        merged: dict[str, dict[int, set[int]]] = {"pieces": {}, "alone": {}}
        for needles in _keys.values():
            for kind in merged:
                for width, hashes in getattr(needles, kind).items():
                    merged[kind].setdefault(width, set()).update(hashes)
        _needles = _Needles(
            **{k: {w: frozenset(h) for w, h in v.items()} for k, v in merged.items()},
            longest=max(n.longest for n in _keys.values()),
        )


def _needles_of(key: str) -> _Needles:
    raw = key.encode("utf-8", "surrogatepass")
    encoded = [raw.hex()]
    for shift in range(3):  # where in a base64 stream the key starts decides its characters
        for encode in (base64.standard_b64encode, base64.urlsafe_b64encode):
            text = encode(bytes(shift) + raw).decode("ascii")
            # Only characters made of the key's bits alone: the ones at either end mix in
            # bytes from before or after it.
            encoded.append(text[(8 * shift + 5) // 6 : 8 * (shift + len(raw)) // 6])
    pieces: dict[int, set[int]] = {}
    alone: dict[int, set[int]] = {}
    long_key = len(key) >= LONG_KEY
    for form, derived in [(key, False), *((e, True) for e in encoded)]:
        form = _lower(form)
        if long_key:
            grams = {hash(form[i : i + FRAGMENT]) for i in range(len(form) - FRAGMENT + 1)}
            pieces.setdefault(FRAGMENT, set()).update(grams)
        elif derived:  # hex or base64 of a short key: random-looking, so matched anywhere
            if len(form) >= FRAGMENT:
                pieces.setdefault(len(form), set()).add(hash(form))
        else:
            alone.setdefault(len(form), set()).add(hash(form))
    return _Needles(
        {w: frozenset(h) for w, h in pieces.items()},
        {w: frozenset(h) for w, h in alone.items()},
        len(key),
    )


def redact(text: str, *, limit: int | None = None) -> str:
    """``text`` with every registered key, piece or encoding of one replaced by ``***``.

    With ``limit``, the result is cut to ``text[:limit]`` *after* the search ran on all of
    ``text``: a key that crosses the cut is replaced whole instead of leaving its start behind.
    """
    end = len(text) if limit is None else min(limit, len(text))
    needles = _needles
    if not text or not (needles.pieces or needles.alone):
        return text[:end]
    if limit is not None:  # past this, not even a key escaped three times reaches the cut
        text = text[: limit + 32 * needles.longest]
    out: list[str] = []
    pos = 0
    for start, stop in _key_spans(text, needles):
        if start >= end:
            break
        out += [text[pos:start], REDACTED]
        pos = stop
    if pos < end:
        out.append(text[pos:end])
    return "".join(out)


def _key_spans(text: str, needles: _Needles) -> list[tuple[int, int]]:
    """Where in ``text`` keys are, as sorted, non-overlapping (start, stop) pairs."""
    decoded, starts, ends = _unescaped(text)
    low = _lower(decoded)
    n = len(low)
    hits: list[tuple[int, int]] = []
    for width, hashes in needles.pieces.items():
        hits += [(i, i + width) for i in range(n - width + 1) if hash(low[i : i + width]) in hashes]
    for width, hashes in needles.alone.items():
        for i in range(n - width + 1):
            if (
                hash(low[i : i + width]) in hashes
                and (i == 0 or not low[i - 1].isalnum())
                and (i + width == n or not low[i + width].isalnum())
            ):
                hits.append((i, i + width))
    if starts is not None and ends is not None:
        hits = [(starts[a], ends[b - 1]) for a, b in hits]
    merged: list[tuple[int, int]] = []
    for start, stop in sorted(hits):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(stop, merged[-1][1]))
        else:
            merged.append((start, stop))
    return merged


def _unescaped(text: str) -> tuple[str, list[int] | None, list[int] | None]:
    """``text`` with escapes undone, and for each character where it came from in ``text``."""
    if not _ESCAPE_SIGNS.search(text):
        return text, None, None
    starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
    for _ in range(3):  # e.g. a JSON-escaped key inside a percent-encoded URL
        parts: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        pos = 0
        for m in _ESCAPES.finditer(text):
            char = _unescape(m.group())
            if char is None:
                continue
            a, b = m.span()
            parts += [text[pos:a], char]
            new_starts += [*starts[pos:a], starts[a]]
            new_ends += [*ends[pos:a], ends[b - 1]]
            pos = b
        if not pos:
            break
        parts.append(text[pos:])
        text = "".join(parts)
        starts, ends = new_starts + starts[pos:], new_ends + ends[pos:]
    return text, starts, ends


def _unescape(token: str) -> str | None:
    if token[0] == "%":
        return chr(int(token[1:], 16))
    if token[0] == "\\":
        return chr(int(token[2:], 16)) if len(token) > 2 else token[1]
    char = html.unescape(token)
    return char if len(char) == 1 else None


def _lower(text: str) -> str:
    low = text.lower()  # keeps positions unless a non-ASCII letter changes length
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


class RedactingFilter(logging.Filter):
    """Redacts a record's message, traceback and stack before any handler formats it.

    A logger's filters only see records logged on that very logger, not its children's, so
    every app module gets its logger from ``app_logger``.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not (_needles.pieces or _needles.alone):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: logging reports that itself
            return True
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = _FORMATTER.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_FORMATTER = logging.Formatter()
REDACT_LOGS = RedactingFilter()


def app_logger(name: str) -> logging.Logger:
    """``logging.getLogger(name)`` with the key redacted from every record it makes."""
    logger = logging.getLogger(name)
    if REDACT_LOGS not in logger.filters:
        logger.addFilter(REDACT_LOGS)
    return logger


class _Redacted:
    """An attribute whose text is redacted whenever it is set, also after construction."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = "_" + name

    def __get__(self, obj: object, owner: type | None = None) -> str:
        return getattr(obj, self.name)

    def __set__(self, obj: Exception, value: str) -> None:
        value = redact(value)
        setattr(obj, self.name, value)
        if self.name == "_message":
            obj.args = (value,)  # what repr() and a traceback show


class ApiError(Exception):
    """Base of every error the client raises on purpose."""

    message = _Redacted()
    detail = _Redacted()

    def __init__(self, message: str, *, detail: str = "", status: int | None = None) -> None:
        super().__init__()
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
