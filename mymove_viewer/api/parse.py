"""Turn a response body into ``Lead`` records without ever failing on one bad record.

Two paths, giving the same result for the same body:

* sliced path: the usual ``{"leads":[{...},{...}]}`` body is split between records and each
  slice of ~130 records is decoded by msgspec into typed structs and turned into leads at once,
  while its strings are still in the CPU's cache (see ``CHUNK_BYTES``). A single decode call
  holds the GIL for its whole length; slices keep each hold short and the GIL is handed over
  every ``PACE_S`` so the GUI thread never stalls behind a large fetch. A slice whose records
  are not all in the usual shape (an undocumented field, a null, a number, an offset timestamp,
  a record that is not an object, invalid UTF-8, ``NaN``) stays sliced: its usual records stay
  typed, and only the others are read a record at a time (``parse_odd``, ``parse_lenient``), so
  one odd record costs its slice a fraction of a millisecond, never the body its fast path.
  Undocumented fields with string values are learned as typed extra columns (``parse_learn``),
  so a field an API adds to every record costs little. Records may be skipped here and are
  counted.
* whole path: for a body that cannot be split (no list of leads, or a slice that is not JSON),
  the typed decode in one call, else a generic decode and the same per-record checks; what
  msgspec refuses or cannot keep exactly (invalid UTF-8 in a value, lone surrogate escapes,
  ``NaN``, numbers too big to convert, any number's text as written) goes through the stdlib
  decoder (see ``parse_lenient``).

A slice boundary is only ever chosen at ``}`` ``,`` ``{``; if that text sits inside a string, the
slice before it leaves the string unterminated, its decode fails, and the body falls back to the
whole path, so a wrong split can never yield wrong leads.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from itertools import repeat
from operator import add, itemgetter
from typing import Any

import msgspec

from ..gcpause import building_many_objects
from ..slices import yield_gil
from . import parse_lenient as lenient
from .cuts import BOUNDARY, HEAD, array_end
from .errors import CancelledError, InvalidResponseError, redact
from .fields import CREATED_AT, FIELDS, KNOWN_EXTRA_FIELDS, REPEATING
from .lead import Lead, instant_keys, parse_timestamp, sorts_as_text
from .parse_learn import Learning, decoders, in_record_order, struct_types
from .parse_odd import (
    BAD_CREATED,
    Block,
    NumbersNeedTheirText,
    exact_text,
    object_lead,
    odd_slice,
    parsed_text,
)
from .parse_share import Sharing

_N = len(FIELDS)
# ~130 leads. Decoded and built one after the other, a slice's ~2,600 strings are still in the
# CPU's cache when they are interned (a hash each) and put into leads; and a slice's structs,
# freed right after, leave room the next slice reuses. 1 MiB slices decoded first and built
# afterwards cost ~20% more CPU at 100k leads (building them right after decoding, ~40% more:
# the allocator hands whole arenas back and forth).
CHUNK_BYTES = 1 << 16
PACE_S = 0.002  # the GIL is offered to a waiting GUI thread this often

# Every field a string (most bodies): a block decoded with ``_Strict`` needs no per-value null
# check. A block with a null is decoded again with ``_Wire``.
_Strict, _Wire = struct_types(KNOWN_EXTRA_FIELDS)
_Envelope = msgspec.defstruct("_Envelope", [("leads", list[_Wire] | None)], gc=False)
_chunk_decoder = msgspec.json.Decoder(list[_Wire])
_leads_array_decoder = msgspec.json.Decoder(
    msgspec.defstruct("_LeadsArray", [("leads", msgspec.Raw, msgspec.Raw(b""))], gc=False)
)
_strict_decoder = msgspec.json.Decoder(list[_Strict])
_record_decoder = msgspec.json.Decoder(_Wire)
_envelope_decoder = msgspec.json.Decoder(_Envelope)
_any_decoder = msgspec.json.Decoder()
_astuple = msgspec.structs.astuple
UNSET = msgspec.UNSET
_new_lead = partial(tuple.__new__, Lead)


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
    # Each lead's ``created_at`` as a key that sorts as text by instant (``lead.instant_keys``),
    # gathered slice by slice while the leads are in the CPU's cache: the table's first sort
    # reads them instead of 100k leads' values (~10-20 ms). None from the generic decode.
    created_keys: list[str] | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Answer:
    """What an error's detail tells of an answer: its status, size and start. ``offset``: the
    body parsed is the answer's end from there on (``parse_stream`` keeps no more of it)."""

    status: int | None
    size: int
    start: bytes | bytearray | memoryview
    offset: int = 0


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
    answer: Answer | None = None,
) -> ParseResult:
    """Parse a full response body. Raises only ``InvalidResponseError`` (or ``CancelledError``).
    ``answer``: the answer ``body`` is the end of, for an error's detail (see ``parse_stream``)."""
    about = answer or Answer(status, len(body), body)
    try:
        sliceable: bytes | bytearray | memoryview | None = body
        chunks = _split(body)
        if chunks is None:
            sliceable = _usual_envelope(body)
            chunks = None if sliceable is None else _split(sliceable)
        if sliceable is not None and chunks is not None:
            try:
                return _sliced(sliceable, chunks, cancel)
            except (ValueError, RecursionError):
                pass  # a slice that is not JSON: a cut inside a string, or a broken body
        try:
            envelope = _envelope_decoder.decode(body)
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
            return _robust(body, about)
        return from_wire([Block(envelope.leads or [], nullable=True)])
    except (CancelledError, InvalidResponseError):
        raise
    except Exception as exc:  # a decoder bug or a pathological body must not escape untyped
        raise _invalid("The server's answer could not be read.", about, exc) from None


def _usual_envelope(body: bytes | bytearray | memoryview) -> bytes | None:
    """``{"leads":[…]}`` for a body whose list of leads is not its first or only member (an
    API adds a count or a cursor), so its records are sliced too; None if it has no such list.
    Only the list counts, as on the whole path. Skipping the rest is a C scan (~1 GB/s)."""
    try:
        leads = _leads_array_decoder.decode(body).leads
    except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
        return None
    view = memoryview(leads)
    if view[:1] != b"[":
        return None
    return b"".join((b'{"leads":', view, b"}"))


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


def decode_slice(piece: bytes, learning: Learning | None = None) -> Block:
    """The records of ``piece`` (``[records…]``): typed structs for those in the usual shape
    (strict ones when no value is null, as in most bodies; undocumented fields learned on the
    way, see ``parse_learn``), the rest a record at a time (see ``parse_odd``). Raises
    ``ValueError`` or ``RecursionError`` when ``piece`` is not JSON."""
    learning = learning if learning is not None else Learning()
    while True:
        extras = learning.extras
        usual = extras == KNOWN_EXTRA_FIELDS
        pair = (_strict_decoder, _chunk_decoder) if usual else decoders(extras)
        if pair is None:
            break  # never for extras ``learn`` took: their decoders are kept
        strict, nullable = pair
        try:
            block = Block(strict.decode(piece), extras=extras)
        except msgspec.ValidationError as error:
            if learning.learn(error):
                continue
            try:
                block = Block(nullable.decode(piece), nullable=True, extras=extras)
            except msgspec.ValidationError as again:
                if learning.learn(again):
                    continue
                break
        except (msgspec.DecodeError, UnicodeDecodeError):
            break  # invalid UTF-8, NaN, a lone surrogate escape; or not JSON: the records tell
        if in_record_order(block.structs, extras, piece):
            return block
        break
    return odd_slice(piece, _record_decoder)


def _sliced(
    body: bytes | bytearray | memoryview,
    ranges: list[tuple[int, int]],
    cancel: Callable[[], bool] | None,
) -> ParseResult:
    """Leads from each slice of ``body`` in turn, decoded then built (see ``CHUNK_BYTES``)."""
    view = memoryview(body)
    slices = SlicedParse(cancel)
    with building_many_objects():
        for start, stop in ranges:
            slices.add(b"".join((b"[", view[start:stop], b"]")))
    return slices.result()


class SlicedParse:
    """The leads of slices ``[records…]`` handed over in body order, each decoded and built at
    once (see ``CHUNK_BYTES``): from a whole body (``parse_leads``) or as it downloads
    (``parse_stream``). The caller holds ``building_many_objects`` meanwhile."""

    def __init__(self, cancel: Callable[[], bool] | None = None) -> None:
        self._cancel = cancel
        self._learning = Learning()
        self._tally = _Tally()
        self._sharing = Sharing(self._tally.interned)
        self._leads: list[Lead] = []
        self._offered = time.perf_counter()

    def add(self, piece: bytes) -> None:
        """Raises ``ValueError`` or ``RecursionError`` when ``piece`` is not JSON (a cut inside
        a string, or a broken body), ``CancelledError`` when ``cancel`` says so."""
        if self._cancel is not None and self._cancel():
            raise CancelledError("The fetch was cancelled.")
        sharing, learning = self._sharing, self._learning
        sizes = sharing.sizes()
        block = sharing.decode(piece, learning.extras) or decode_slice(piece, learning)
        self._leads += _block_leads(block, self._tally)
        sharing.learned(sizes, len(block.structs))
        if time.perf_counter() - self._offered >= PACE_S:
            yield_gil()  # a waiting GUI thread takes the GIL now
            self._offered = time.perf_counter()

    def result(self) -> ParseResult:
        return _result(self._leads, self._tally)


@dataclass(slots=True)
class _Tally:
    """What ``from_wire`` gathers besides the leads, across blocks."""

    extras: dict[str, None] = field(default_factory=dict)  # in order of first appearance
    reasons: dict[str, int] = field(default_factory=dict)
    canonical: bool = True
    replaced: int = 0
    names: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=lambda: {(): ()})
    created_keys: list[str] = field(default_factory=list)
    interned: dict[int, dict[str, str]] = field(default_factory=lambda: {i: {} for i in REPEATING})


def from_wire(blocks: list[Block], cancel: Callable[[], bool] | None = None) -> ParseResult:
    """Leads from decoded blocks. The typed structs are converted column-wise in C
    (``map``/``zip``); only a block's odd records and skipped ones cost per-record Python.
    ``cancel`` is asked between blocks (building 1M leads takes seconds)."""
    leads: list[Lead] = []
    tally = _Tally()
    # Each block is dropped once converted: freeing 100k decoded structs in one go at the end
    # would hold the GIL for ~100 ms.
    blocks.reverse()
    with building_many_objects():
        while blocks:
            if cancel is not None and cancel():
                raise CancelledError("The fetch was cancelled.")
            leads += _block_leads(blocks.pop(), tally)
    return _result(leads, tally)


def _result(leads: list[Lead], tally: _Tally) -> ParseResult:
    reasons = tally.reasons
    return ParseResult(
        leads,
        tuple(tally.extras),
        sum(reasons.values()),
        reasons,
        tally.canonical,
        tally.replaced,
        tally.created_keys,
    )


def _block_leads(block: Block, tally: _Tally) -> list[Lead]:
    items, skips, extras, created, in_form = _typed_leads(block, tally)
    if not block.odd and not skips:
        tally.extras.update(dict.fromkeys(extras))
        tally.created_keys += created if in_form else instant_keys(created)
        return items
    # Odd records take their places among the typed ones (positions ascending, so each insert
    # lands where the body had it), then one pass in body order keeps the first appearance of
    # each extra field and skip reason as the whole-body path counts them.
    for at, record, mended in block.odd:
        lead = object_lead(record, tally.names, tally.interned, exact_text)
        if type(lead) is not str:
            tally.replaced += mended
            tally.canonical = tally.canonical and sorts_as_text((lead[CREATED_AT],))
        items.insert(at, lead)
    kept: list[Lead] = []
    reasons = tally.reasons
    for item in items:
        if type(item) is str:
            reasons[item] = reasons.get(item, 0) + 1
            continue
        kept.append(item)
        for name in item[_N]:
            tally.extras.setdefault(name, None)
    tally.created_keys += instant_keys(list(map(itemgetter(CREATED_AT), kept)))
    return kept


def _typed_leads(
    block: Block, tally: _Tally
) -> tuple[list[Any], bool, tuple[str, ...], Sequence[str], bool]:
    """Leads for a block's typed structs, a skip reason in place of each record without a
    valid ``created_at``; whether there is any such; the extra fields its records hold, in
    order of first appearance; the ``created_at`` column, and whether it is all in the
    canonical form. Column-wise in C for the usual shape:
    every ``created_at`` canonical (``YYYY-MM-DDTHH:MM:SSZ``), no null, the known extra field
    on every record or on none; each departure costs only a pass over its own column."""
    structs = block.structs
    if not structs:
        return [], False, (), (), True
    cols: list[Any] = list(zip(*map(_astuple, structs), strict=True))
    if block.nullable:
        for i, col in enumerate(cols):
            if None in col:
                cols[i] = ["" if v is None else v for v in col]
    created = cols[CREATED_AT]
    skips: list[int] = []
    in_form = sorts_as_text(created, validate=True)
    if not in_form:
        # Only the values not in the canonical form are parsed: an offset, a fraction, a "t".
        odd_stamps = [i for i, v in enumerate(created) if not sorts_as_text((v,), validate=True)]
        skips = [i for i in odd_stamps if parse_timestamp(created[i]) is None]
        tally.canonical = tally.canonical and len(skips) == len(odd_stamps)
    # Values that repeat (states, cities, ZIPs, offers, dates) share one string object: a
    # decoder makes a new string for every value, and ~50 bytes each add up over 1M leads.
    interned = tally.interned
    for i in REPEATING:  # one string object per value (see ``fields.REPEATING``)
        if i in block.shared:
            continue
        cache = interned[i]
        cols[i] = map(cache.setdefault, cols[i], cols[i])
    leads, extras = _build(cols, interned, block.extras)
    for i in skips:
        leads[i] = BAD_CREATED
    return leads, bool(skips), extras, created, in_form


def _build(
    cols: list[Any], interned: dict[int, dict[str, str]], names: tuple[str, ...]
) -> tuple[list[Any], tuple[str, ...]]:
    # Only the extra fields some record of this block holds (a field learned from another
    # block, on a few records of the body, must not cost every block the per-record loop).
    held = [i for i, col in enumerate(cols[_N:]) if col.count(UNSET) != len(col)]
    extra = [cols[_N + i] for i in held]
    names = tuple(names[i] for i in held)
    if not extra:
        # The usual shapes: zip builds each lead's whole tuple, with no extra field…
        return list(map(_new_lead, zip(*cols[:_N], repeat(())))), ()
    if len(extra) == 1 and UNSET not in extra[0]:
        # … or with the known one on every record (``names`` is that one name).
        cache = interned.setdefault(_N, {})  # few values (a tenure): one string object each
        tenure = map(cache.setdefault, extra[0], extra[0])
        return list(map(_new_lead, zip(*cols[:_N], repeat(names), tenure))), names
    core = zip(*cols[:_N], strict=True)
    if len(extra) == 1:
        # One tail tuple per distinct value (few: a tenure), shared by every lead with it.
        one = {v: (names, v) for v in set(extra[0])}
        one[UNSET] = ((),)
        return list(map(_new_lead, map(add, core, map(one.__getitem__, extra[0])))), names
    # One tail per distinct set of extra values, shared likewise (a loop: rarely needed).
    shared: dict[tuple[Any, ...], tuple[Any, ...]] = {}
    seen: dict[tuple[str, ...], tuple[str, ...]] = {}  # one names tuple per set of names
    tails = []
    for values in zip(*extra, strict=True):
        tail = shared.get(values)
        if tail is None:
            pairs = [(n, v) for n, v in zip(names, values, strict=True) if v is not UNSET]
            these = tuple(n for n, _ in pairs)
            tail = shared[values] = (seen.setdefault(these, these), *(v for _, v in pairs))
        tails.append(tail)
    leads = list(map(_new_lead, map(add, core, tails)))
    return leads, tuple(dict.fromkeys(n for these in seen for n in these))


def _robust(body: bytes | bytearray | memoryview, about: Answer) -> ParseResult:
    if len(body) < 4096 and not bytes(body).strip():
        raise _invalid("The server sent an empty answer.", about)
    try:
        data = _any_decoder.decode(body)
    except (msgspec.DecodeError, UnicodeDecodeError):
        pass  # NaN, a number too big for it, invalid UTF-8, a lone surrogate, or not JSON
    else:
        try:
            return _from_objects(_records(data, about), exact=False)
        except NumbersNeedTheirText:
            pass  # its numbers are parsed: their text as sent is lost
    try:
        data, mended = lenient.decode(bytes(body))
    except (ValueError, RecursionError) as exc:
        raise _invalid("The server's answer is not valid JSON.", about, exc) from None
    return _from_objects(_records(data, about), exact=True, mended=mended)


def _records(data: Any, about: Answer) -> list[Any]:
    if not isinstance(data, dict) or "leads" not in data:
        raise _invalid("The server's answer has no list of leads.", about)
    records = data["leads"]
    if records is None:
        return []  # Go encodes an empty slice as null; a quiet window is not an error
    if not isinstance(records, list):
        raise _invalid("The server's answer has no list of leads.", about)
    return records


def _from_objects(
    records: list[Any], *, exact: bool, mended: list[int] | None = None
) -> ParseResult:
    """``exact``: numbers are ``msgspec.Raw`` (the lenient decode); else numbers raise
    ``NumbersNeedTheirText``. ``mended``: per record, its fields made U+FFFD (counted for the
    leads kept)."""
    tally = _Tally()
    text = exact_text if exact else parsed_text
    leads: list[Lead] = []
    with building_many_objects():
        for i, record in enumerate(records):
            lead = object_lead(record, tally.names, tally.interned, text)
            if type(lead) is str:
                tally.reasons[lead] = tally.reasons.get(lead, 0) + 1
                continue
            leads.append(lead)
            if mended is not None:
                tally.replaced += mended[i]
            for name in lead[_N]:
                tally.extras.setdefault(name, None)
    reasons = tally.reasons
    canonical = sorts_as_text(list(map(itemgetter(CREATED_AT), leads)))
    return ParseResult(
        leads, tuple(tally.extras), sum(reasons.values()), reasons, canonical, tally.replaced
    )


def _invalid(message: str, about: Answer, exc: BaseException | None = None) -> InvalidResponseError:
    parts = [f"HTTP {about.status}" if about.status is not None else "", f"{about.size:,} bytes"]
    if exc is not None:
        where = (
            f" (in its part from byte {about.offset:,}, behind its head)" if about.offset else ""
        )
        parts.append(f"{type(exc).__name__}: {exc}{where}")
    parts.append(f"starts: {excerpt(about.start)!r}")
    return InvalidResponseError(
        message + " Try again later; if it keeps happening, contact MYMOVE support.",
        detail="; ".join(p for p in parts if p),
        status=about.status,
    )
