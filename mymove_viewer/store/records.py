"""Leads as the history keeps them: identity keys, statuses, and the row codec. No SQL here.

A lead is stored as one JSON array, the **canonical** form of all its values: the 19 documented
fields, the extra-field names sorted, then their values in that order (``msgspec``: compact,
UTF-8). Its **key** is 16 bytes: 5 bytes of its ``created_at`` second (big-endian, offset so
years 1-9999 are positive), then 11 bytes of BLAKE2b over that JSON. The API has no lead id, so
every value takes part, as in the table's de-duplication; the time prefix makes the keys of new
leads land at the end of the store's one index (appending, not scattering) and makes a time
window a key range. One column instead of 19 halves the cost of writing a row, and the JSON is
made once for both the key and the row.

A value that is not valid Unicode (a lone surrogate from a ``"\\ud800"`` escape) has no UTF-8
form: that lead's JSON is written with ASCII escapes (``json``), which ``msgspec`` refuses to
read back, so a read falls back to ``json`` for it. Everything else runs as C-level ``map``
chains (no Python code per lead): these run on the window's worker with the GIL held.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import IntEnum
from functools import cache, partial
from hashlib import blake2b
from itertools import repeat
from operator import add, itemgetter, methodcaller
from typing import Any

from ..api.fields import CREATED_AT, FIELDS, REPEATING
from ..api.lead import Lead, posix_times
from ..slices import Pace

_N = len(FIELDS)
# Leads per C-level pass: a few ms each, so the GIL changes hands between passes and a window
# whose worker merges or reads stays responsive (the parser works in slices the same way).
SLICE = 2048
PACED_SLICE = 512  # with a ``pace``: each pass ~1 ms, so a waiting GUI thread is served soon
_OFFSET = 1 << 39  # seconds: year 1 is about -6.2e10, year 9999 about 2.5e11
KEY_BYTES = 16
_HASH_BYTES = KEY_BYTES - 5
_new_lead = partial(tuple.__new__, Lead)
_documented = itemgetter(slice(0, _N))
_extra_values = itemgetter(slice(_N + 1, None))
_names_of = itemgetter(_N)
_digest = methodcaller("digest")
_hasher = partial(blake2b, digest_size=_HASH_BYTES)

Window = tuple[float, float] | None
"""A span of ``created_at`` as POSIX seconds, both ends included (``Query.covers``); None:
every stored lead."""


class Status(IntEnum):
    """A lead's work status. Stored as its number; ``NEW`` is stored as NULL (most leads)."""

    NEW = 0
    CONTACTED = 1
    QUALIFIED = 2
    NOT_INTERESTED = 3
    DO_NOT_CONTACT = 4

    @property
    def label(self) -> str:
        return self.name.replace("_", " ").capitalize()

    @classmethod
    def from_label(cls, text: str) -> Status:
        """``"Not interested"``, ``"not-interested"`` or ``"NOT_INTERESTED"``; ValueError else."""
        name = text.strip().upper().replace("-", "_").replace(" ", "_")
        try:
            return cls[name]
        except KeyError:
            labels = ", ".join(s.label for s in cls)
            raise ValueError(f"Unknown status {text!r}; it is one of {labels}.") from None


@dataclass(frozen=True)
class LeadState:
    """What the history knows about a lead beyond its values."""

    status: Status = Status.NEW
    note: str = ""
    first_exported_at: datetime | None = None


@dataclass(frozen=True)
class MergeReport:
    """``new`` leads were added, ``seen`` were already stored (``new + seen == len(leads)``);
    ``keys[i]`` is the key of ``leads[i]`` as merged."""

    new: int
    seen: int
    keys: list[bytes] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class StoredLeads:
    """Stored leads in ``created_at`` order, with parallel lists of their keys and states."""

    leads: list[Lead]
    keys: list[bytes]
    statuses: list[Status]
    notes: list[str]
    exported: list[float | None]  # POSIX seconds of the first export, or None

    def __len__(self) -> int:
        return len(self.leads)


def when(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


# --- keys --------------------------------------------------------------------------------------


def key_prefix(seconds: float) -> bytes:
    """The 5 bytes all keys of leads created in this second start with."""
    whole = min(max(math.floor(seconds) + _OFFSET, 0), (1 << 40) - 1)
    return whole.to_bytes(5, "big")


def instants(leads: Sequence[Lead]) -> list[float]:
    """``created_at`` of each lead as POSIX seconds; ``-_OFFSET`` (the first key) when it is
    not a timestamp (parsing never lets such a lead through; hand-made ones may)."""
    return posix_times(list(map(itemgetter(CREATED_AT), leads)), float(-_OFFSET))


def lead_keys(leads: Sequence[Lead], pace: Pace = None) -> list[bytes]:
    """The history key of each lead (see the module's docstring); ``pace`` as ``prepare``."""
    return prepare(leads, pace).keys


@dataclass
class Prepared:
    """Leads made ready for a merge, before the write lock is taken."""

    keys: list[bytes]
    times: list[float]
    blobs: list[bytes]


def prepare(leads: Sequence[Lead], pace: Pace = None) -> Prepared:
    """``pace`` (see ``slices``) is called after each C-level pass over ``PACED_SLICE`` leads:
    on a worker next to a window, each pass holds the GIL a few ms, and without the hand-over
    the GUI thread waits for the interpreter's switch interval on top of the pass, every time
    it wakes (an Alt+2 on 100k selected leads: 53-84 ms stalls while this hashed them)."""
    out = Prepared([], [], [])
    step = SLICE if pace is None else PACED_SLICE
    for start in range(0, len(leads), step):
        part = leads[start : start + step]
        times = instants(part)
        _then(pace)
        blobs = _canonical_json(part)
        _then(pace)
        prefixes = map(int.to_bytes, map(add, map(math.floor, times), repeat(_OFFSET)), repeat(5))
        out.keys += map(add, prefixes, map(_digest, map(_hasher, blobs)))
        out.times += times
        out.blobs += blobs
        _then(pace)
    return out


def _then(pace: Pace) -> None:
    if pace is not None:
        pace()


def _canonical_json(leads: Sequence[Lead]) -> list[bytes]:
    canonical: Sequence[Lead] = leads
    if not all(list(n) == sorted(n) for n in set(map(_names_of, leads))):
        canonical = [_sorted_extras(lead) for lead in leads]
    try:
        return list(map(_codec()[0], canonical))
    except UnicodeEncodeError:  # a lone surrogate somewhere: find which leads, one by one
        return [_odd_json(lead) for lead in canonical]


def _odd_json(lead: Lead) -> bytes:
    try:
        return _codec()[0](lead)
    except UnicodeEncodeError:
        # Never the same bytes as a valid lead's JSON: it decodes to a value that has a lone
        # surrogate, which no valid lead holds.
        whole = [*lead[:_N], list(lead[_N]), *lead[_N + 1 :]]
        return json.dumps(whole, separators=(",", ":")).encode("ascii")


def _sorted_extras(lead: Lead) -> Lead:
    names = lead[_N]
    if list(names) == sorted(names):
        return lead
    pairs = sorted(zip(names, lead[_N + 1 :], strict=True))
    return Lead.build(lead[:_N], tuple(p[0] for p in pairs), [p[1] for p in pairs])


# --- rows --------------------------------------------------------------------------------------

INSERT_COLUMNS = ("source", "key", "created", "lead")
READ_COLUMNS = ("key", "status", "note", "exported", "lead")  # what ``stored_leads`` reads


def insert_rows(prep: Prepared, source: int) -> Iterator[tuple[Any, ...]]:
    """One parameter tuple per lead, in ``INSERT_COLUMNS`` order, made as ``executemany``
    asks for them (it lets go of the GIL between rows)."""
    return zip(repeat(source), prep.keys, prep.times, prep.blobs)


# Leads made a few hundred at a time, while their decoded strings are still in the CPU's cache
# when their values are shared.
_READ_SLICE = 256


def leads_from_json(blobs: list[bytes]) -> list[Lead]:
    """Leads from their stored JSON, made as parsing makes them: leads with the same
    extra-field names share one names tuple, and each repeated value of the ``REPEATING``
    columns is one string object (without, 100k leads read back took 1,225 B a lead against a
    fetch's 606 B: ~0.6 GB more for 1M stored leads)."""
    shared: dict[tuple[str, ...], tuple[str, ...]] = {}
    values: list[dict[str, str]] = [{} for _ in REPEATING]
    out: list[Lead] = []
    _, decode, error = _codec()
    for start in range(0, len(blobs), _READ_SLICE):
        part = blobs[start : start + _READ_SLICE]
        try:
            arrays = list(map(decode, part))
        except error:  # an odd lead (see the module's docstring): one by one
            arrays = [_decode_odd(blob) for blob in part]
        if not arrays:
            continue
        found = list(map(tuple, map(_names_of, arrays)))
        plain = set(map(len, arrays)) == {_N + 1}  # no extra values (most leads): one transpose
        cols: list[Any] = list(zip(*(arrays if plain else map(_documented, arrays)), strict=True))
        for i, known in zip(REPEATING, values, strict=True):
            cols[i] = map(known.setdefault, cols[i], cols[i])
        if plain:
            cols[_N] = map(shared.setdefault, found, found)
            out += map(_new_lead, zip(*cols, strict=True))
            continue
        names = zip(map(shared.setdefault, found, found))  # 1-tuples
        heads = map(add, zip(*cols, strict=True), names)
        out += map(_new_lead, map(add, heads, map(_extra_values, arrays)))
    return out


def _decode_odd(blob: bytes) -> tuple[Any, ...]:
    try:
        return _codec()[1](blob)
    except _codec()[2]:
        return tuple(json.loads(blob))


@cache
def _codec() -> tuple[Callable[[Any], bytes], Callable[[bytes], tuple[Any, ...]], type[Exception]]:
    """msgspec's JSON encoder, a decoder to tuples (nested arrays, the names, come as lists) and
    its error: loaded on first use, as the window imports this module before its first paint
    (which must not wait for msgspec: ``test_cold_start``)."""
    import msgspec

    return msgspec.json.encode, msgspec.json.Decoder(tuple).decode, msgspec.DecodeError


_STATUS_OF = {None: Status.NEW, **{int(s): s for s in Status}}
_key_of, _status_code, _note_of, _exported_of, _lead_json = (itemgetter(i) for i in range(5))


def stored_leads(rows: list[tuple[Any, ...]]) -> StoredLeads:
    """``StoredLeads`` from ``rows`` selected as ``READ_COLUMNS``."""
    leads = leads_from_json(list(map(_lead_json, rows)))
    notes = [note or "" for note in map(_note_of, rows)]
    statuses = list(map(_STATUS_OF.__getitem__, map(_status_code, rows)))
    keys = list(map(_key_of, rows))
    return StoredLeads(leads, keys, statuses, notes, list(map(_exported_of, rows)))
