"""Typed decoders that learn the undocumented fields a body carries. No Qt.

An API that grows a field sends it on every record: read a record at a time, every slice would
cost ~3x its typed decode. Instead the typed decoder that refuses a field names it (msgspec's
error for an unknown field), and the next decoder holds it as one more extra column: a string,
a null or absent, like ``KNOWN_EXTRA_FIELDS``. What a learned field holds otherwise (a number,
an object) still sends its slice through ``parse_odd``.

A lead's extra names follow its record's key order (``parse_odd.object_lead``). A struct holds
them in the order learned, so a slice in which some record holds two or more of them is checked
against its bytes (``in_record_order``) and read a record at a time when the order differs or
cannot be told (a name written with escapes or spacing).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import reduce
from itertools import combinations, repeat
from operator import add, attrgetter, is_not, lt, mod
from typing import Any

import msgspec

from .fields import FIELD_INDEX, FIELDS, KNOWN_EXTRA_FIELDS

MAX_LEARNED = 8  # beyond that many undocumented fields, their records go one at a time
MAX_EXTRAS_DECODERS = 64  # sets of extra fields with decoders, in a process's life
_lock = threading.Lock()
_UNKNOWN = re.compile(r"Object contains unknown field `(.*)` - at `\$\[\d+\]`", re.DOTALL)
_FAR = 1 << 62  # an absent name's position (-1) taken modulo this sorts after any other
_raw_records = msgspec.json.Decoder(list[msgspec.Raw])
_decoders: dict[tuple[str, ...], tuple[msgspec.json.Decoder[Any], msgspec.json.Decoder[Any]]] = {}


@dataclass(slots=True)
class Learning:
    """The extra fields the typed structs hold, for one body: ``KNOWN_EXTRA_FIELDS``, then the
    undocumented fields met so far, in that order."""

    extras: tuple[str, ...] = KNOWN_EXTRA_FIELDS

    def learn(self, error: msgspec.ValidationError) -> bool:
        """Hold the unknown field ``error`` names from now on; False if it names none (or one
        that cannot be held)."""
        found = _UNKNOWN.fullmatch(str(error))
        if found is None or len(self.extras) >= len(KNOWN_EXTRA_FIELDS) + MAX_LEARNED:
            return False
        name = found[1]
        if name in FIELD_INDEX or name in self.extras:
            return False
        try:
            if decoders((*self.extras, name)) is None:
                return False  # no more decoders may be made: its records go one at a time
        except (ValueError, TypeError):  # msgspec refuses names with '"', '\' or controls
            return False
        self.extras = (*self.extras, name)
        return True


def struct_types(extras: tuple[str, ...]) -> tuple[type[msgspec.Struct], type[msgspec.Struct]]:
    """Struct types holding ``FIELDS`` then ``extras`` (absent: ``UNSET``), refusing any other
    field: one with strings only, one that also takes nulls."""
    return (struct_type("_Strict", extras, str, ""), struct_type("_Wire", extras, str | None, None))


def struct_type(
    name: str,
    extras: tuple[str, ...],
    value: Any,
    default: Any,
    types: dict[int, Any] | None = None,
) -> type[msgspec.Struct]:
    """A struct type holding ``FIELDS`` (of type ``value``, or ``types[i]`` for field ``i``)
    then ``extras`` (``value`` or absent: ``UNSET``), refusing any other field."""
    attrs = [f"e{i}" for i in range(len(extras))]  # any name, even one no identifier spells
    types = types or {}
    return msgspec.defstruct(
        name,
        [(f, types.get(i, value), default) for i, f in enumerate(FIELDS)]
        + [(a, value | msgspec.UnsetType, msgspec.UNSET) for a in attrs],
        rename=dict(zip(attrs, extras, strict=True)),
        forbid_unknown_fields=True,
        gc=False,
    )


def decoders(
    extras: tuple[str, ...],
) -> tuple[msgspec.json.Decoder[Any], msgspec.json.Decoder[Any]] | None:
    """``list[…]`` decoders of the ``struct_types`` for ``extras``: without nulls, and with;
    None once ``MAX_EXTRAS_DECODERS`` pairs are made. Each pair is kept for the process (a field
    an API added comes again): its struct types are reference cycles, and a parse freezes what
    it leaves alive (``gcpause``), so a pair dropped afterwards would never be freed."""
    with _lock:
        known = _decoders.get(extras)
        if known is not None or len(_decoders) >= MAX_EXTRAS_DECODERS:
            return known
        strict, nullable = struct_types(extras)
        pair = (msgspec.json.Decoder(list[strict]), msgspec.json.Decoder(list[nullable]))
        _decoders[extras] = pair
        return pair


def in_record_order(structs: list[Any], extras: tuple[str, ...], piece: bytes) -> bool:
    """True when each record of ``piece`` holding two or more of ``extras`` holds them in that
    order, each written once as ``"name":``. C-level passes only."""
    if len(extras) < 2 or not structs:
        return True
    attrs = type(structs[0]).__struct_fields__[len(FIELDS) :]
    columns = [list(map(attrgetter(a), structs)) for a in attrs]
    if sum(col.count(msgspec.UNSET) != len(col) for col in columns) < 2:
        # One extra at most held in this slice (a field learned from a few records elsewhere):
        # no record holds two, and the per-record counts below cost ~10 us a slice.
        return True
    present = [list(map(is_not, col, repeat(msgspec.UNSET))) for col in columns]
    if max(reduce(lambda a, b: list(map(add, a, b)), present)) < 2:
        return True
    raws = list(map(bytes, _raw_records.decode(piece)))
    positions = []
    for name, here in zip(extras, present, strict=True):
        pattern = msgspec.json.encode(name) + b":"
        if list(map(bytes.count, raws, repeat(pattern))) != here:  # 1 == True
            return False
        positions.append(list(map(bytes.find, raws, repeat(pattern))))
    return all(
        all(map(lt, before, map(mod, after, repeat(_FAR))))
        for before, after in combinations(positions, 2)
    )
