"""Repeating values shared as they are decoded, not looked up afterwards. No Qt.

A decoder makes a new string object for every value; the parse then looks each value of the
``REPEATING`` columns up in a dict to share one object per value (a hash and a lookup per value,
~1.1M of them at 100k leads). msgspec decodes a field typed ``Literal[...]`` by looking its bytes
up among the literal's values and returns that value's own object: no string is made and the
value is shared already. At 100k sandbox leads the parse took 194 → 144 ms of CPU for a first
body, 183 → 136 ms for later ones like it (the slices' decode itself ~71 ms either way).

The values are learned from the bodies themselves, so nothing depends on what the sandbox sends:
a column becomes a literal once a slice decoded as plain strings brought it no new value (its
values then rarely grow: states, offers, tenures; names and ZIP codes only when an answer's few
hundred repeat). A slice holding a value some literal lacks fails its decode and is decoded again
as plain strings, which learns the new values; a column that keeps missing (move dates, which
move on day by day), or grows past ``MAX_VALUES``, stays plain strings for the rest of the body.
The leads are the same either way: a literal only ever holds values already seen, as the
strings they are. What is learned is kept for the next body (see ``_Made``).
"""

from __future__ import annotations

import re
import threading
from typing import Any, ClassVar, Literal

import msgspec

from .fields import FIELD_INDEX, REPEATING
from .parse_learn import in_record_order, struct_type
from .parse_odd import Block

# Larger literals cost more to make again after a miss (~1 ms per 300 values across columns);
# a column with more distinct values than this is not repeating enough to pay.
MAX_VALUES = 1024
# A slice this small says little about whether a column's values stopped growing.
MIN_RECORDS = 32
# Misses a column may make before it goes back to plain strings: a few at first (the last
# values of a small set show up late), then one per 128 slices it decoded (a miss makes a new
# decoder, ~0.4 ms: about what a column's literal saves over 100 slices).
MISS_ALLOWANCE = 3
MISS_EVERY = 128
# A column that went back to plain strings in this many bodies is not tried again.
DRIFTED_BODIES = 2
# Decoders made in a process's life (each kept: see ``_Made``), and the literal values they
# may hold all told: a decoder of the sandbox's ~1,000 values measured ~66 KB, one of 11
# columns of 1,024 values ~650 KB; so at most ~4 MB.
MAX_DECODERS = 64
MAX_KEPT_VALUES = 1 << 16
# Slices in a row a body's literals may refuse for another reason than a miss.
REFUSALS = 4
# Slices with a null after which a body's literals take nulls in every slice.
NULL_SLICES = 3


class _Made:
    """Process-wide, for every parse (on whichever thread): the values each column has been a
    literal of, in the order learned, and the decoders made for them. Kept for the process's
    life on purpose: a decoder's struct type is a reference cycle, and a parse freezes what it
    leaves alive (``gcpause``), so a decoder dropped afterwards would never be freed (~200 KB a
    parse of 20k leads, measured, when each parse made its own; a decoder is ~66 KB). Values
    only grow, so bodies like earlier ones make no decoder; once ``MAX_DECODERS`` are made, a
    body uses the last one made for its columns, whose literals lack only values learned since
    (a slice holding one is decoded as plain strings)."""

    lock: ClassVar[threading.Lock] = threading.Lock()
    values: ClassVar[dict[int, dict[str, str]]] = {}  # column -> value -> its one object
    drifted: ClassVar[dict[int, int]] = {}  # column -> bodies in which it went back to plain
    # (extras, (column, how many of its values)…) -> decoder; (extras, columns) -> latest key
    decoders: ClassVar[dict[tuple[Any, ...], msgspec.json.Decoder[Any]]] = {}
    latest: ClassVar[dict[tuple[Any, ...], tuple[Any, ...]]] = {}
    kept: ClassVar[int] = 0  # literal values the decoders made hold, all told
    # First in every literal, with the column's index: ``typing`` keeps literals by their
    # values, and one with equal values but other objects (another column's, or made before the
    # values were reset, in tests) would be returned. A record holding it decodes to an equal
    # string.
    own: ClassVar[str] = "\x00mymove-viewer literal"


# msgspec's error for a value its literal lacks, naming the field (FIELDS are never renamed),
# and for a null where a string belongs.
_MISSED = re.compile(r"Invalid enum value .* - at `\$\[\d+\]\.(\w+)`", re.DOTALL)
_NULL = re.compile(r"Expected `str`, got `null` - at `\$\[\d+\]\.[^`]*`", re.DOTALL)


class Sharing:
    """Which ``REPEATING`` columns of one body are decoded as literals of the values seen so
    far. ``caches`` are the parse's own (column → value → the one object for it); they start
    with the values earlier bodies made literals of, so a value is one object across bodies."""

    __slots__ = (
        "_caches",
        "_decoder",
        "_extras",
        "_literal",
        "_misses",
        "_nullable",
        "_nulls",
        "_plain",
        "_refusals",
        "_shared",
    )

    def __init__(self, caches: dict[int, dict[str, str]]) -> None:
        self._caches = caches
        self._literal: dict[int, int] = {}  # column -> slices decoded with it a literal
        self._misses: dict[int, int] = {}
        with _Made.lock:
            for i, known in _Made.values.items():
                caches[i].update(known)
            # A column whose values drift (dates that move on day by day) went back to plain
            # strings in earlier bodies: each of its misses would cost a decode and a decoder.
            self._plain = {i for i, n in _Made.drifted.items() if n >= DRIFTED_BODIES}
        self._decoder: msgspec.json.Decoder[Any] | None = None
        self._extras: tuple[str, ...] | None = None
        self._shared: tuple[int, ...] = ()
        self._nullable = False  # the literals take nulls (this body sends many)
        self._nulls = 0  # slices with a null the literals decoded
        self._refusals = 0  # slices in a row refused for another reason than a miss

    @property
    def literal_columns(self) -> tuple[int, ...]:
        return tuple(self._literal)

    @property
    def takes_nulls(self) -> bool:
        """Every slice is decoded by literals that take nulls (see ``_with_nulls``)."""
        return self._nullable

    def decode(self, piece: bytes, extras: tuple[str, ...]) -> Block | None:
        """``piece``'s records as structs whose literal columns hold shared values; None when
        no column is a literal or the slice is not in that shape (a value its literal lacks, a
        null, a number, an unknown field: the caller decodes it as plain strings)."""
        if self._literal and (self._decoder is None or extras != self._extras):
            self._make(extras)
        if self._decoder is None:
            return None
        nullable = self._nullable
        try:
            structs = self._decoder.decode(piece)
        except msgspec.ValidationError as error:
            text = str(error)
            if self._missed(text):
                return None
            if nullable or not _NULL.fullmatch(text):
                return self._refused()
            found = self._with_nulls(piece, extras)
            if found is None:
                return None
            structs, nullable = found, True
        except (msgspec.DecodeError, UnicodeDecodeError):
            return self._refused()
        if not in_record_order(structs, extras, piece):
            return None
        self._refusals = 0
        for i in self._literal:
            self._literal[i] += 1
        return Block(structs, nullable=nullable, extras=extras, shared=self._shared)

    def _with_nulls(self, piece: bytes, extras: tuple[str, ...]) -> list[Any] | None:
        """A slice holding a null, decoded by literals that also take nulls. After
        ``NULL_SLICES`` such slices (an API that sends null for, say, every empty second
        address line) those decode every slice: a slice decoded twice each time cost more than
        literals saved. Before, the usual decoders come back: with the others from the first
        null on, the odd body's parse took 161 ms against 141 (100k leads, 2 nulls)."""
        self._nulls += 1
        self._nullable, passing = True, self._nulls < NULL_SLICES
        self._make(extras, keep=passing)
        decoder = self._decoder
        if passing:
            self._nullable, self._decoder = False, None
        if decoder is None:
            return None
        try:
            return decoder.decode(piece)  # type: ignore[no-any-return]
        except msgspec.ValidationError as error:
            self._missed(str(error))
        except (msgspec.DecodeError, UnicodeDecodeError):
            pass
        return None

    def _refused(self) -> None:
        """A slice its literals could not decode for another reason than a miss (a number, an
        object, an unknown field): after ``REFUSALS`` such slices in a row, this body stops
        trying (an API that sends a number in some field of every record)."""
        self._refusals += 1
        if self._refusals >= REFUSALS:
            self._plain.update(self._literal)
            self._literal.clear()
            self._decoder = None

    def sizes(self) -> list[int]:
        """How many values each column has seen; pass to ``learned`` after the slice."""
        caches = self._caches
        return [len(caches[i]) for i in REPEATING]

    def learned(self, sizes: list[int], records: int) -> None:
        """After each slice (its values now in the caches): a literal column that grew needs
        its new values (its slice was decoded as plain strings); a plain one that did not grow
        becomes a literal."""
        changed = False
        plain = self._plain
        for i, before in zip(REPEATING, sizes, strict=True):
            values = len(self._caches[i])
            grew = values > before
            if i in self._literal:
                changed = changed or grew
            elif not grew and records >= MIN_RECORDS and values <= MAX_VALUES and i not in plain:
                self._literal[i] = 0
                changed = True
        if changed:
            self._decoder = None  # made again, with the values learned, for the next slice

    def _missed(self, error: str) -> bool:
        """Whether ``error`` is a literal's miss (a value it lacks), counted for its column."""
        found = _MISSED.fullmatch(error)
        i = FIELD_INDEX.get(found[1], -1) if found else -1
        if i not in self._literal:
            return False  # not a literal's miss: a null, a number, an unknown field
        misses = self._misses[i] = self._misses.get(i, 0) + 1
        if misses > MISS_ALLOWANCE + self._literal[i] // MISS_EVERY:
            with _Made.lock:
                self._drop(i)
            self._decoder = None
        return True

    def _drop(self, i: int) -> None:
        """Column ``i`` is plain strings for the rest of this body (lock held)."""
        del self._literal[i]
        self._plain.add(i)
        _Made.drifted[i] = _Made.drifted.get(i, 0) + 1

    def _make(self, extras: tuple[str, ...], *, keep: bool = False) -> None:
        """The decoder for the literal columns' values so far: one made before for the same
        values, else a new one, else (``MAX_DECODERS`` made) the last one for these columns.
        With none, the literals end for this body, unless ``keep`` (one slice's try)."""
        with _Made.lock:
            for i in [i for i in self._literal if not self._learn(i)]:
                self._drop(i)
            columns = tuple(sorted(self._literal))
            kind = (self._nullable, extras)
            key = (*kind, *((i, len(_Made.values[i])) for i in columns))
            decoder = _Made.decoders.get(key) if columns else None
            if decoder is None and columns:
                size = sum(len(_Made.values[i]) for i in columns)
                if len(_Made.decoders) < MAX_DECODERS and _Made.kept + size <= MAX_KEPT_VALUES:
                    # Each column's literal starts with its own sentinel: ``typing`` would give a
                    # column whose values equal another's (old and new state, local moves) that
                    # column's literal, holding that column's objects, not its own.
                    types = {i: Literal[(f"{_Made.own} {i}", *_Made.values[i])] for i in columns}  # type: ignore[misc]
                    if self._nullable:
                        types = {i: kind | None for i, kind in types.items()}
                        struct = struct_type("_Shared", extras, str | None, None, types)
                    else:
                        struct = struct_type("_Shared", extras, str, "", types)
                    decoder = _Made.decoders[key] = msgspec.json.Decoder(list[struct])
                    _Made.latest[(*kind, columns)] = key
                    _Made.kept += size
                else:
                    decoder = _Made.decoders.get(_Made.latest.get((*kind, columns), ()))
        if decoder is None and not keep:  # none may be made for these columns: plain strings
            self._plain.update(self._literal)
            self._literal.clear()
        self._decoder, self._extras, self._shared = decoder, extras, columns

    def _learn(self, i: int) -> bool:
        """This body's values of column ``i`` added to those kept (lock held); False if they
        would be more than ``MAX_VALUES``."""
        known = _Made.values.setdefault(i, {})
        new = [v for v in self._caches[i] if v not in known and type(v) is str and _utf8(v)]
        if len(known) + len(new) > MAX_VALUES:
            return False
        known.update(zip(new, new, strict=True))
        return True


def _utf8(value: str) -> bool:
    """A literal's values must encode as UTF-8 (msgspec matches bytes): a lone surrogate cannot,
    and the parse replaces any it meets, so this only guards the decoder's making."""
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True
