"""The stdlib decode for what msgspec refuses or cannot keep exactly. No Qt.

``parse`` takes this path only for bodies msgspec's decoders do not take, or whose numbers it
would parse: invalid UTF-8 inside a value, lone UTF-16 surrogate escapes, ``NaN`` and
``Infinity``, numbers too big to convert, and any number's text as written (``1.50``, ``1e400``).
Invalid bytes are found by decoding the bytes here, never by which error a decoder raises (msgspec
0.18-0.22 raised ``UnicodeDecodeError``, 0.23 a ``DecodeError``). Each run of them is marked
with a lone surrogate (never decoded from valid UTF-8) and, like an escaped lone surrogate,
becomes U+FFFD in the values (``mended``), which can be written as UTF-8 (CSV) and shown.
"""

from __future__ import annotations

import codecs
import json
import re
from typing import Any

import msgspec

_MARK = "\ud800"
_SURROGATE = re.compile("[\ud800-\udfff]")
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")  # or an escaped "\" before "u…": no harm
_ERRORS = "mymove-viewer-mark"


def _mark_invalid(error: UnicodeError) -> tuple[str, int]:
    # One mark for each run of bytes that ``errors="replace"`` would make one U+FFFD.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return _MARK, error.end


codecs.register_error(_ERRORS, _mark_invalid)


def decode(raw: bytes) -> tuple[Any, list[int] | None]:
    """The decoded body, numbers as ``msgspec.Raw`` (their text as sent), its records mended;
    and for each record how many of its fields were mended (None: none was). Raises
    ``ValueError`` or ``RecursionError`` for a body that is not JSON. Only for a body ``parse``
    cannot slice: one ``json.loads`` over a large body holds the GIL for seconds."""
    text = raw.decode(json.detect_encoding(raw), _ERRORS)
    data = _loads(text)
    records = data.get("leads") if isinstance(data, dict) else None
    if not _suspect(text) or not isinstance(records, list):
        return data, None
    data["leads"], counts = _mended_records(records)
    return data, counts


def decode_slice(piece: bytes) -> tuple[list[Any], list[int]]:
    """The records of ``piece`` (``[records…]``, UTF-8), numbers as ``msgspec.Raw``, mended;
    and how many fields of each were mended. Raises ``ValueError`` or ``RecursionError`` for
    what is not a JSON array (e.g. a slice cut inside a string)."""
    text = piece.decode("utf-8", _ERRORS)
    records = _loads(text)
    if not isinstance(records, list):
        raise ValueError("not a JSON array")
    if _suspect(text):
        return _mended_records(records)
    return records, [0] * len(records)


def decode_record(raw: bytes | msgspec.Raw) -> tuple[Any, int]:
    """One record's JSON (UTF-8) as ``decode_slice`` reads it: the value, and how many of its
    fields were mended. Raises ``ValueError`` or ``RecursionError`` for what is not JSON."""
    text = bytes(raw).decode("utf-8", _ERRORS)
    value = _loads(text)
    if isinstance(value, dict) and _suspect(text):
        return mended(value)
    return value, 0


def _mended_records(records: list[Any]) -> tuple[list[Any], list[int]]:
    pairs = [mended(r) if isinstance(r, dict) else (r, 0) for r in records]
    return [r for r, _ in pairs], [n for _, n in pairs]


def _loads(text: str) -> Any:
    return json.loads(text, parse_int=_exact, parse_float=_exact, parse_constant=_exact)


def _exact(text: str) -> msgspec.Raw:
    return msgspec.Raw(text)  # written out as sent, alone or inside an object


def _suspect(text: str) -> bool:
    return _MARK in text or _SURROGATE_ESCAPE.search(text) is not None


def mended(record: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """The record with each lone surrogate (an invalid byte, or an escape such as ``\\ud800``)
    as U+FFFD, which can be written as UTF-8 (CSV) and shown; and how many of its fields held
    one. Two names that become the same keep the later value, as duplicate names do."""
    out: dict[str, Any] = {}
    marked: set[str] = set()
    for name, value in record.items():
        name, bad_name = _mend(name)
        out[name], bad_value = _mend(value)
        if bad_name or bad_value:
            marked.add(name)
        else:
            marked.discard(name)
    return out, len(marked)


def _mend(value: Any) -> tuple[Any, bool]:
    if isinstance(value, str):
        if value.isascii() or _SURROGATE.search(value) is None:
            return value, False
        return _SURROGATE.sub("\ufffd", value), True
    if isinstance(value, dict):
        mended = [(_mend(k), _mend(v)) for k, v in value.items()]
        return {k: v for (k, _), (v, _) in mended}, any(a or b for (_, a), (_, b) in mended)
    if isinstance(value, list):
        items = [_mend(v) for v in value]
        return [v for v, _ in items], any(bad for _, bad in items)
    return value, False
