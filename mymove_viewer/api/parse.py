"""Turn a response body into ``Lead`` records without ever failing on one bad record.

Three paths, all giving the same result for the same body:

* chunked fast path: the usual ``{"leads":[{...},{...}]}`` body is split between records and each
  slice of a few thousand records is decoded by msgspec into typed structs. A single decode call
  holds the GIL for its whole length; slices keep each hold to a few milliseconds so the GUI
  thread never stalls behind a large fetch.
* whole fast path: the same typed decode in one call, when the body cannot be split.
* robust path: a generic decode and per-record checks, for bodies with unknown fields, wrong types
  or records that are not objects. Only this path can skip records. What msgspec refuses or
  cannot keep exactly (invalid UTF-8 in a value, lone surrogate escapes, ``NaN``, numbers too big
  to convert, any number's text as written) goes through the stdlib decoder instead (see
  ``parse_lenient``): one such value costs the body its fast path, never its leads.

A slice boundary is only ever chosen at ``}`` ``,`` ``{``; if that text sits inside a string, the
slice before it leaves the string unterminated, its decode fails, and the body falls back to the
robust path, so a wrong split can never yield wrong leads.
"""

from __future__ import annotations

import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from itertools import repeat
from operator import add
from typing import Any

import msgspec

from ..gcpause import building_many_objects
from . import parse_lenient as lenient
from .errors import CancelledError, InvalidResponseError, redact
from .fields import CREATED_AT, FIELDS, KNOWN_EXTRA_FIELDS
from .lead import Lead, parse_timestamp, sorts_as_text

_N = len(FIELDS)
CHUNK_BYTES = 1 << 20  # ~2,000 leads: a 3 ms decode, short enough not to be felt in the GUI

_Wire = msgspec.defstruct(
    "_Wire",
    [(f, str | None, None) for f in FIELDS]
    + [(f, str | None | msgspec.UnsetType, msgspec.UNSET) for f in KNOWN_EXTRA_FIELDS],
    forbid_unknown_fields=True,
    gc=False,
)
# The same fields without null: most bodies have none, and a block decoded with this type needs
# no per-value null check. A block with a null is decoded again with ``_Wire``.
_Strict = msgspec.defstruct(
    "_Strict",
    [(f, str, "") for f in FIELDS]
    + [(f, str | msgspec.UnsetType, msgspec.UNSET) for f in KNOWN_EXTRA_FIELDS],
    forbid_unknown_fields=True,
    gc=False,
)
_Envelope = msgspec.defstruct("_Envelope", [("leads", list[_Wire] | None)], gc=False)
_chunk_decoder = msgspec.json.Decoder(list[_Wire])
_strict_decoder = msgspec.json.Decoder(list[_Strict])
_envelope_decoder = msgspec.json.Decoder(_Envelope)
_any_decoder = msgspec.json.Decoder()
_astuple = msgspec.structs.astuple
UNSET = msgspec.UNSET
_new_lead = partial(tuple.__new__, Lead)
# Columns whose values repeat across many leads (see _fast_block). Interning all 15 repeating
# columns measured 490 B/lead but cost 45% more parse time than none (1,228 B). The first 9 gave
# 756 B for 18% more. Names and ZIP codes then cost ~5% more CPU (A/B, 12 runs at 100k) for
# 525 B, and sorting by them got twice as fast: a sort reads every lead's value, and one shared
# string object per value stays in cache where 100k separate ones each cost a miss.
_INTERNED = tuple(
    FIELDS.index(f)
    for f in (
        "offer_id",
        "first_name",
        "last_name",
        "move_date",
        "new_housing_tenure",
        "new_city",
        "new_state",
        "new_postal_code",
        "new_postal_code_plus4",
        "old_city",
        "old_state",
        "old_postal_code",
        "old_postal_code_plus4",
    )
)

HEAD = re.compile(rb'\s*\{\s*"leads"\s*:\s*\[')
BOUNDARY = re.compile(rb"\}\s*,\s*\{")
WS = b" \t\r\n"


@dataclass(slots=True)
class ParseResult:
    leads: list[Lead]
    extra_fields: tuple[str, ...] = ()
    skipped: int = 0
    skip_reasons: dict[str, int] = field(default_factory=dict)
    # Every created_at is canonical ``YYYY-MM-DDTHH:MM:SSZ``: the raw text sorts by instant.
    canonical_created: bool = False
    # Values (of kept leads) in which invalid UTF-8 or a lone surrogate became U+FFFD.
    replaced: int = 0

    def skip_summary(self) -> str:
        return "; ".join(f"{n:,} {reason}" for reason, n in self.skip_reasons.items())


def excerpt(body: bytes | bytearray | memoryview, limit: int = 160) -> str:
    """The start of ``body`` for a log or an error's detail, the API key redacted before the cut
    (``redact`` reads past it, so a key crossing it goes whole instead of leaving its start)."""
    text = bytes(body[: limit + 4096]).decode("utf-8", "replace")
    text = "".join(c if c.isprintable() else " " for c in text)
    return redact(text, limit=limit).strip() + ("…" if len(text) > limit else "")


def parse_leads(
    body: bytes | bytearray | memoryview,
    *,
    status: int | None = None,
    cancel: Callable[[], bool] | None = None,
) -> ParseResult:
    """Parse a full response body. Raises only ``InvalidResponseError`` (or ``CancelledError``)."""
    try:
        chunks = _split(body)
        if chunks is not None:
            try:
                return from_wire(_decode_chunks(body, chunks, cancel), cancel)
            except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
                pass
        try:
            envelope = _envelope_decoder.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
            return _robust(body, status)
        return from_wire([envelope.leads or []])
    except (CancelledError, InvalidResponseError):
        raise
    except Exception as exc:  # a decoder bug or a pathological body must not escape untyped
        raise _invalid("The server's answer could not be read.", body, status, exc) from None


def _split(body: bytes | bytearray | memoryview) -> list[tuple[int, int]] | None:
    """(start, end) byte ranges of the array's content, split between records; None if odd."""
    head = HEAD.match(body)
    if head is None:
        return None
    stop = array_end(body)
    if stop is None or stop < head.end():
        return None
    start = head.end()
    ranges = []
    while start < stop:
        cut = start + CHUNK_BYTES
        if cut >= stop:
            ranges.append((start, stop))
            break
        m = BOUNDARY.search(body, cut, stop)
        if m is None:
            ranges.append((start, stop))
            break
        ranges.append((start, m.start() + 1))
        start = m.end() - 1
    return ranges


def array_end(body: bytes | bytearray | memoryview) -> int | None:
    """Index of the ``]`` closing the records when ``body`` ends ``]}`` (spacing allowed)."""
    end = len(body)
    while end and body[end - 1] in WS:
        end -= 1
    if not end or body[end - 1] != 0x7D:  # "}"
        return None
    end -= 1
    while end and body[end - 1] in WS:
        end -= 1
    if not end or body[end - 1] != 0x5D:  # "]"
        return None
    return end - 1


def decode_slice(piece: bytes) -> list[Any]:
    """Structs for ``[records…]``: the strict type when no value is null (most bodies)."""
    try:
        return _strict_decoder.decode(piece)
    except msgspec.ValidationError:
        return _chunk_decoder.decode(piece)  # nulls: the general structs


def _decode_chunks(
    body: bytes | bytearray | memoryview,
    ranges: list[tuple[int, int]],
    cancel: Callable[[], bool] | None,
) -> list[list[Any]]:
    view = memoryview(body)
    blocks: list[list[Any]] = []
    for start, stop in ranges:
        if cancel is not None and cancel():
            raise CancelledError("The fetch was cancelled.")
        blocks.append(decode_slice(b"".join((b"[", view[start:stop], b"]"))))
        # Let a waiting GUI thread take the GIL between slices.
        time.sleep(0)
    return blocks


def from_wire(blocks: list[list[Any]], cancel: Callable[[], bool] | None = None) -> ParseResult:
    """Leads from blocks of decoded structs. Blocks in the usual shape are converted column-wise
    in C (``map``/``zip``), the rest record by record; both give the same leads. ``cancel`` is
    asked between blocks (building 1M leads takes seconds)."""
    leads: list[Lead] = []
    skipped = 0
    extras_seen: dict[str, None] = {}
    names_cache: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
    interned: dict[int, dict[str, str]] = {i: {} for i in _INTERNED}
    all_fast = True
    # Each block is dropped once converted: freeing 100k decoded structs in one go at the end
    # would hold the GIL for ~100 ms.
    blocks.reverse()
    with building_many_objects():
        while blocks:
            if cancel is not None and cancel():
                raise CancelledError("The fetch was cancelled.")
            structs = blocks.pop()
            fast = _fast_block(structs, interned)
            all_fast = all_fast and fast is not None
            if fast is not None:
                leads += fast
                if KNOWN_EXTRA_FIELDS and any(len(lead) > _N + 1 for lead in fast):
                    extras_seen.setdefault(KNOWN_EXTRA_FIELDS[0], None)
                continue
            block, bad = _slow_block(structs, names_cache, extras_seen)
            leads += block
            skipped += bad
    reasons = {"records with a missing or invalid created_at": skipped} if skipped else {}
    return ParseResult(leads, tuple(extras_seen), skipped, reasons, all_fast)


def _fast_block(structs: list[Any], interned: dict[int, dict[str, str]]) -> list[Lead] | None:
    """Leads for a block in the usual shape: strict structs (no nulls), every ``created_at`` in
    the canonical ``YYYY-MM-DDTHH:MM:SSZ`` form, and the known extra field on every record or on
    none. None when the block needs the record-by-record path."""
    if not structs:
        return []
    if type(structs[0]) is not _Strict:
        return None
    cols: list[Any] = list(zip(*map(_astuple, structs), strict=True))
    if not _canonical_timestamps(cols[CREATED_AT]):
        return None
    # Values that repeat (states, cities, ZIPs, offers, dates) share one string object: a
    # decoder makes a new string for every value, and ~50 bytes each add up over 1M leads.
    for i in _INTERNED:
        cache = interned[i]
        cols[i] = map(cache.setdefault, cols[i], cols[i])
    extra = cols[_N:]
    if not extra or all(col.count(UNSET) == len(col) for col in extra):
        # The usual shapes: zip builds each lead's whole tuple, with no extra field…
        return list(map(_new_lead, zip(*cols[:_N], repeat(()))))
    if len(extra) == 1 and UNSET not in extra[0]:
        # … or with the known one on every record (KNOWN_EXTRA_FIELDS is that one name).
        cache = interned.setdefault(_N, {})  # few values (a tenure): one string object each
        tenure = map(cache.setdefault, extra[0], extra[0])
        return list(map(_new_lead, zip(*cols[:_N], repeat(KNOWN_EXTRA_FIELDS), tenure)))
    core = zip(*cols[:_N], strict=True)
    if len(extra) == 1:
        # One tail tuple per distinct value (few: it is a tenure), shared by every lead with it.
        shared = {v: (KNOWN_EXTRA_FIELDS, v) for v in set(extra[0])}
        shared[UNSET] = ((),)
        tails = map(shared.__getitem__, extra[0])
    else:
        return None
    return list(map(_new_lead, map(add, core, tails)))


def _canonical_timestamps(values: tuple[str, ...]) -> bool:
    """True when every value is a valid ``YYYY-MM-DDTHH:MM:SSZ`` (what ``parse_timestamp``
    accepts in its most common form), checked with C-level iteration only."""
    if not sorts_as_text(values):
        return False
    try:
        deque(map(datetime.fromisoformat, values), maxlen=0)
    except ValueError:
        return False
    return True


def _slow_block(
    structs: Iterable[Any],
    names_cache: dict[tuple[str, ...], tuple[str, ...]],
    extras_seen: dict[str, None],
) -> tuple[list[Lead], int]:
    leads: list[Lead] = []
    append = leads.append
    skipped = 0
    new = tuple.__new__
    for s in structs:
        t = _astuple(s)
        core = t[:_N]
        if None in core:
            core = tuple("" if v is None else v for v in core)
        created = core[CREATED_AT]
        if parse_timestamp(created) is None:
            skipped += 1
            continue
        if len(t) == _N:
            append(new(Lead, (*core, ())))
            continue
        names, values = [], []
        for name, v in zip(KNOWN_EXTRA_FIELDS, t[_N:], strict=True):
            if v is not msgspec.UNSET:
                names.append(name)
                values.append("" if v is None else v)
        key = tuple(names)
        key = names_cache.setdefault(key, key)
        for name in key:
            extras_seen.setdefault(name, None)
        append(new(Lead, (*core, key, *values)))
    return leads, skipped


def _robust(body: bytes | bytearray | memoryview, status: int | None) -> ParseResult:
    if len(body) < 4096 and not bytes(body).strip():
        raise _invalid("The server sent an empty answer.", body, status)
    try:
        data = _any_decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass  # NaN, a number too big for it, invalid UTF-8, a lone surrogate, or not JSON
    else:
        try:
            return _from_objects(_records(data, body, status), exact=False)
        except _NumbersNeedTheirText:
            pass  # its numbers are parsed: their text as sent is lost
    try:
        data, mended = lenient.decode(bytes(body), _split(body))
    except (ValueError, RecursionError) as exc:
        raise _invalid("The server's answer is not valid JSON.", body, status, exc) from None
    return _from_objects(_records(data, body, status), exact=True, mended=mended)


def _records(data: Any, body: bytes | bytearray | memoryview, status: int | None) -> list[Any]:
    if not isinstance(data, dict) or "leads" not in data:
        raise _invalid("The server's answer has no list of leads.", body, status)
    records = data["leads"]
    if records is None:
        return []  # Go encodes an empty slice as null; a quiet window is not an error
    if not isinstance(records, list):
        raise _invalid("The server's answer has no list of leads.", body, status)
    return records


class _NumbersNeedTheirText(Exception):
    """A kept value holds a number, decoded by a decoder that does not keep its text."""


def _from_objects(
    records: list[Any], *, exact: bool, mended: list[int] | None = None
) -> ParseResult:
    """``exact``: numbers are ``msgspec.Raw`` (the lenient decode); else numbers raise
    ``_NumbersNeedTheirText``. ``mended``: per record, its fields made U+FFFD (counted for the
    leads kept)."""
    leads: list[Lead] = []
    reasons: dict[str, int] = {}
    extras_seen: dict[str, None] = {}
    names_cache: dict[tuple[str, ...], tuple[str, ...]] = {(): ()}
    field_set = frozenset(FIELDS)
    replaced = 0
    text = _text if exact else _parsed_text
    for i, record in enumerate(records):
        if not isinstance(record, dict):
            reason = "records that are not objects"
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        created = record.get("created_at")
        if not isinstance(created, str) or parse_timestamp(created) is None:
            reason = "records with a missing or invalid created_at"
            reasons[reason] = reasons.get(reason, 0) + 1
            continue
        core = [v if type(v) is str else text(v) for v in map(record.get, FIELDS)]
        names = tuple(k for k in record if k not in field_set)
        names = names_cache.setdefault(names, names)
        for name in names:
            extras_seen.setdefault(name, None)
        leads.append(tuple.__new__(Lead, (*core, names, *(text(record[k]) for k in names))))
        if mended is not None:
            replaced += mended[i]
    return ParseResult(leads, tuple(extras_seen), sum(reasons.values()), reasons, replaced=replaced)


def _text(value: object) -> str:
    """A field's text. Non-strings are kept as their JSON text so nothing sent is lost; a
    number (a ``msgspec.Raw``) exactly as written."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, msgspec.Raw):
        return bytes(value).decode()
    return msgspec.json.encode(value).decode()


def _parsed_text(value: object) -> str:
    """``_text`` for a value from msgspec's generic decode, whose numbers lost their text."""
    if value is None or isinstance(value, str | bool):
        return _text(value)
    raise _NumbersNeedTheirText  # a number, or a list or object that may hold one


def _invalid(
    message: str,
    body: bytes | bytearray | memoryview,
    status: int | None,
    exc: BaseException | None = None,
) -> InvalidResponseError:
    parts = [f"HTTP {status}" if status is not None else "", f"{len(body):,} bytes"]
    if exc is not None:
        parts.append(f"{type(exc).__name__}: {exc}")
    parts.append(f"starts: {excerpt(body)!r}")
    return InvalidResponseError(
        message + " Try again later; if it keeps happening, contact MYMOVE support.",
        detail="; ".join(p for p in parts if p),
        status=status,
    )
