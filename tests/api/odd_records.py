"""Records in every shape the vendor's page does not promise, as the bytes a server would send,
and sandbox bodies with them at chosen positions: for the tests that hold the sliced parse to
the whole-body generic decode."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api.parse import ParseResult
from mymove_viewer.sandbox.leads import generate_json

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
# The lead of the vendor's own example, every field a string.
DOC_LEAD = {
    "offer_id": "10000",
    "created_at": "2017-10-04T15:49:54Z",
    "first_name": "John",
    "last_name": "Smith",
    "email": "js@atestemail.com",
    "move_date": "2017-10-04T00:00:00Z",
    "new_housing_tenure": "own",
    "new_address_1": "123 Main St.",
    "new_address_2": "Apt. 1",
    "new_city": "Charlotte",
    "new_state": "NC",
    "new_postal_code": "28203",
    "new_postal_code_plus4": "0000",
    "old_address_1": "567 Washington St.",
    "old_address_2": "Apt. 2",
    "old_city": "Charlotte",
    "old_state": "NC",
    "old_postal_code": "28203",
    "old_postal_code_plus4": "0000",
}
_HOLE = "@raw@"


def _with(name: str, token: bytes) -> Callable[[dict[str, object]], bytes]:
    """A record with ``name`` set to ``token`` written as is (a number, NaN, invalid UTF-8…)."""

    def make(record: dict[str, object]) -> bytes:
        record[name] = _HOLE
        return msgspec.json.encode(record).replace(b'"' + _HOLE.encode() + b'"', token)

    return make


def _set(name: str, value: object) -> Callable[[dict[str, object]], bytes]:
    def make(record: dict[str, object]) -> bytes:
        record[name] = value
        return msgspec.json.encode(record)

    return make


def _without(name: str) -> Callable[[dict[str, object]], bytes]:
    def make(record: dict[str, object]) -> bytes:
        record.pop(name, None)
        return msgspec.json.encode(record)

    return make


def _created(change: Callable[[str], str]) -> Callable[[dict[str, object]], bytes]:
    def make(record: dict[str, object]) -> bytes:
        record["created_at"] = change(str(record["created_at"]))
        return msgspec.json.encode(record)

    return make


def _duplicate(record: dict[str, object]) -> bytes:
    raw = msgspec.json.encode(record)
    return raw[:-1] + b',"first_name":"Second"}'  # the later value wins, as in any decoder


ODD: dict[str, Callable[[dict[str, object]], bytes]] = {
    "undocumented field": _set("lead_source", "partner-web"),
    "undocumented number": _with("score", b"1.50"),
    "undocumented object": _with("meta", b'{"b": [1, 2.50, null, true], "a": "\\u00e9"}'),
    "null": _set("new_address_2", None),
    "known extra null": _set("old_housing_tenure", None),
    "missing field": _without("email"),
    "number": _with("new_postal_code_plus4", b"1234"),
    "number as written": _with("new_postal_code", b"-0.10e+02"),
    "huge number": _with("old_postal_code", b"9" * 5000),
    "beyond a float": _with("old_postal_code", b"1e400"),
    "NaN": _with("new_city", b"NaN"),
    "bool": _set("new_housing_tenure", True),
    "object": _with("old_city", b'{"name": "Austin", "n": 1.0}'),
    "list": _with("old_address_2", b'["a", 2]'),
    "invalid UTF-8": _with("first_name", b'"Jos\xe9 \xff"'),
    "lone surrogate": _with("last_name", b'"a\\ud800b"'),
    "offset timestamp": _created(lambda t: t[:-1] + "-05:00"),
    "fraction": _created(lambda t: t[:-1] + ".250Z"),
    "lowercase t and z": _created(lambda t: t.replace("T", "t").replace("Z", "z")),
    "space for T": _created(lambda t: t.replace("T", " ")),
    "invalid created_at": _created(lambda t: t[:10]),
    "missing created_at": _without("created_at"),
    "created_at a number": _with("created_at", b"1764237600"),
    "duplicate key": _duplicate,
    "not an object: number": lambda _: b"42",
    "not an object: null": lambda _: b"null",
    "not an object: list": lambda _: b'[{"created_at": "2026-11-27T10:00:00Z"}]',
    "not an object: string": lambda _: b'"lead"',
}


def sandbox_records(count: int, seed: int = 3) -> list[bytes]:
    """The sandbox's compact records (each byte-identical to msgspec's encoding)."""
    return generate_json(count, random.Random(seed), NOW, 30)[1]


def with_odd(records: list[bytes], odd: list[tuple[int, str]]) -> bytes:
    """``{"leads": records}`` with the record at each position made odd in the given way."""
    records = list(records)
    for at, kind in odd:
        records[at] = ODD[kind](msgspec.json.decode(records[at]))
    return b'{"leads":[' + b",".join(records) + b"]}"


def whole_body_decode(body: bytes) -> ParseResult:
    """What ``parse_leads`` gave for any body with an odd record before it kept such bodies
    sliced: the generic decode of the whole body with the per-record checks."""
    return _whole_body(body, None)


_whole_body = parse_module._robust  # taken before any test replaces it
