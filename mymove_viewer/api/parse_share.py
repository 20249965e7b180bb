"""Repeating values shared as they are decoded, not looked up afterwards. No Qt.

A decoder makes a new string object for every value; the parse then looks each value of the
``REPEATING`` columns up in a dict to share one object per value (a hash and a lookup per value,
~1.1M of them at 100k leads). msgspec decodes a field typed ``Literal[...]`` by looking its bytes
up among the literal's values and returns that value's own object: no string is made and the
value is shared already. At 100k sandbox leads, decoding the 11 columns as literals took the
parse from ~182 to ~132 ms of CPU (the decode itself 95 → 75 ms).

The values are learned from the body itself, so nothing depends on what the sandbox sends: a
column becomes a literal once a slice decoded as plain strings brought it no new value (its
values then rarely grow: states, offers, tenures, move dates; names and ZIP codes only when an
answer's few hundred repeat). A slice holding a value some literal lacks fails its decode and is
decoded again as plain strings, which learns the new values; a column that keeps missing, or
grows past ``MAX_VALUES``, stays plain strings for the rest of the body. The leads are the same
either way: a literal only ever holds values already seen, as the strings they are.
"""

from __future__ import annotations

from itertools import count
from typing import Any, Literal

import msgspec

from .fields import REPEATING
from .parse_learn import in_record_order, struct_type
from .parse_odd import Block

_BODIES = count()

# Larger literals cost more to make again after a miss (~1 ms per 300 values across columns);
# a column with more distinct values than this is not repeating enough to pay.
MAX_VALUES = 1024
# A slice this small says little about whether a column's values stopped growing.
MIN_RECORDS = 32
# Misses a column may make before it goes back to plain strings: a few at first (the last
# values of a small set show up late), then one per 16 slices it decoded.
MISS_ALLOWANCE = 3
MISS_EVERY = 128


class Sharing:
    """Which ``REPEATING`` columns of one body are decoded as literals of the values seen so
    far. ``caches`` are the parse's own (column → value → the one object for it)."""

    __slots__ = (
        "_caches",
        "_decoder",
        "_extras",
        "_literal",
        "_misses",
        "_own",
        "_plain",
        "_shared",
    )

    def __init__(self, caches: dict[int, dict[str, str]]) -> None:
        self._caches = caches
        self._own = f"\x00parse {next(_BODIES)}"
        self._literal: dict[int, int] = {}  # column -> slices decoded with it a literal
        self._misses: dict[int, int] = {}
        self._plain: set[int] = set()  # columns left as plain strings for this body
        self._decoder: msgspec.json.Decoder[Any] | None = None
        self._extras: tuple[str, ...] | None = None
        self._shared: tuple[int, ...] = ()

    @property
    def literal_columns(self) -> tuple[int, ...]:
        return tuple(self._literal)

    def decode(self, piece: bytes, extras: tuple[str, ...]) -> Block | None:
        """``piece``'s records as structs whose literal columns hold shared values; None when
        no column is a literal yet or the slice is not in that shape (a value not seen yet, a
        null, a number, an unknown field: the caller decodes it as plain strings)."""
        if not self._literal:
            return None
        if self._decoder is None or extras != self._extras:
            self._make(extras)
        assert self._decoder is not None
        try:
            structs = self._decoder.decode(piece)
        except (msgspec.ValidationError, msgspec.DecodeError, UnicodeDecodeError):
            return None
        if not in_record_order(structs, extras, piece):
            return None
        for i in self._literal:
            self._literal[i] += 1
        return Block(structs, extras=extras, shared=self._shared)

    def sizes(self) -> list[int]:
        """How many values each column has seen; pass to ``learned`` after a plain slice."""
        caches = self._caches
        return [len(caches[i]) for i in REPEATING]

    def learned(self, sizes: list[int], records: int) -> None:
        """After each slice (its values now in the caches): a literal column that grew missed
        (its slice was decoded as plain strings); a plain one that did not grow becomes a
        literal."""
        changed = False
        plain = self._plain
        for i, before in zip(REPEATING, sizes, strict=True):
            values = len(self._caches[i])
            grew = values > before
            if i in self._literal:
                if not grew:
                    continue
                changed = True
                misses = self._misses[i] = self._misses.get(i, 0) + 1
                if values > MAX_VALUES or misses > MISS_ALLOWANCE + self._literal[i] // MISS_EVERY:
                    del self._literal[i]
                    plain.add(i)
            elif not grew and records >= MIN_RECORDS and values <= MAX_VALUES and i not in plain:
                self._literal[i] = 0
                changed = True
        if changed:
            self._decoder = None  # made again, with the values learned, for the next slice

    def _make(self, extras: tuple[str, ...]) -> None:
        types: dict[int, Any] = {}
        for i in self._literal:
            cache = self._caches[i]
            # ``typing`` keeps recent literals by their values, and an equal one made for an
            # earlier body would hold that body's objects: this body's own value first keeps its
            # literals apart (were a record to hold it, it would decode to an equal string).
            values = (self._own, *(v for v in cache if type(v) is str))
            types[i] = Literal[values]  # type: ignore[valid-type]
        struct = struct_type("_Shared", extras, str, "", types)
        self._decoder = msgspec.json.Decoder(list[struct])
        self._extras = extras
        self._shared = tuple(types)
