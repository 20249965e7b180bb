"""Records outside the usual shape, a record at a time, inside a slice that stays sliced. No Qt.

A slice of the body that the typed decoders refuse (an undocumented field, a number or an object
where a string belongs, a record that is not an object, invalid UTF-8, ``NaN``) is not a reason
to decode the whole body generically in one GIL-holding call: ``odd_slice`` cuts it into its
records (``list[msgspec.Raw]``: the bytes of each, without building them), decodes each record
with the typed decoder, and only the records that refuse it go through the stdlib decode
(``parse_lenient``), which keeps every number's text as sent. A slice costs ~2.5x its typed
decode this way (at 2,000 records, ~5 ms against ~2 ms): the other slices keep their fast path.

``object_lead`` turns one generically decoded record into a lead, the same way for these records
and for a body read whole (``parse._robust``), so both paths give the same leads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from . import parse_lenient as lenient
from .fields import FIELD_INDEX, FIELDS, KNOWN_EXTRA_FIELDS
from .lead import Lead, parse_timestamp

NOT_OBJECT = "records that are not objects"
BAD_CREATED = "records with a missing or invalid created_at"

_raw_records = msgspec.json.Decoder(list[msgspec.Raw])


@dataclass(slots=True)
class Block:
    """One slice's records, decoded: ``structs`` for the records in the usual shape (typed,
    strings only; ``nullable``: some values may be None; ``extras``: the extra fields they
    hold), ``odd`` for the rest as (position in the slice, the record decoded generically with
    numbers as ``msgspec.Raw``, how many of its fields were mended). Positions count every
    record, so the leads keep the body's order."""

    structs: list[Any]
    nullable: bool = False
    odd: list[tuple[int, Any, int]] = field(default_factory=list)
    extras: tuple[str, ...] = KNOWN_EXTRA_FIELDS  # the extra fields the structs hold, in order
    shared: tuple[int, ...] = ()  # columns whose values are shared objects already (parse_share)

    def __len__(self) -> int:
        return len(self.structs) + len(self.odd)


_TRUNCATED = "Input data was truncated"  # msgspec's error for input ending inside a value


def odd_slice(piece: bytes, record_decoder: msgspec.json.Decoder[Any]) -> Block:
    """``piece`` (``[records…]``) a record at a time. Raises ``ValueError`` or
    ``RecursionError`` when it is not JSON (e.g. a cut inside a string, see ``parse``)."""
    try:
        raws = _raw_records.decode(piece)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        if str(error) == _TRUNCATED:
            # It ends inside a value (a cut inside a string): no decoder reads it, and the
            # stdlib's would take ~2 ms a slice to say so.
            raise ValueError("the slice ends inside a value") from None
        # NaN or Infinity, a lone surrogate escape, a number msgspec cannot skip: every record
        # of this slice through the stdlib decode (it raises for what is not JSON).
        records, mended = lenient.decode_slice(piece)
        return Block([], True, list(zip(range(len(records)), records, mended, strict=True)))
    decode = record_decoder.decode
    structs: list[Any] = []
    odd: list[tuple[int, Any, int]] = []
    for i, raw in enumerate(raws):
        try:
            structs.append(decode(raw))
        except (msgspec.DecodeError, msgspec.ValidationError, UnicodeDecodeError):
            odd.append((i, *lenient.decode_record(raw)))
    return Block(structs, True, odd)


def object_lead(
    record: Any,
    names_cache: dict[tuple[str, ...], tuple[str, ...]],
    interned: dict[int, dict[str, str]],
    text: Any,
) -> Lead | str:
    """The lead for one generically decoded record, or why it is skipped. ``text`` gives a
    non-string value's text (``exact_text`` or ``parsed_text``). Repeating values share the
    string objects of ``interned`` (column index → values), as on the typed path."""
    if not isinstance(record, dict):
        return NOT_OBJECT
    created = record.get("created_at")
    if not isinstance(created, str) or parse_timestamp(created) is None:
        return BAD_CREATED
    core = [v if type(v) is str else text(v) for v in map(record.get, FIELDS)]
    for i, cache in interned.items():
        if i < len(core):
            core[i] = cache.setdefault(core[i], core[i])
    names = tuple(k for k in record if k not in FIELD_INDEX)
    names = names_cache.setdefault(names, names)
    return tuple.__new__(Lead, (*core, names, *(text(record[k]) for k in names)))


class NumbersNeedTheirText(Exception):
    """A kept value holds a number, decoded by a decoder that does not keep its text."""


def exact_text(value: object) -> str:
    """A field's text. Non-strings are kept as their JSON text so nothing sent is lost; a
    number (a ``msgspec.Raw``) exactly as written."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, msgspec.Raw):
        return bytes(value).decode()
    return msgspec.json.encode(value).decode()


def parsed_text(value: object) -> str:
    """``exact_text`` for a value from msgspec's generic decode, whose numbers lost their text."""
    if value is None or isinstance(value, str | bool):
        return exact_text(value)
    raise NumbersNeedTheirText  # a number, or a list or object that may hold one
