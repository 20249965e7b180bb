"""Repeating values decoded as literals (``api.parse_share``): the leads never change, only how
their values come to be shared."""

from __future__ import annotations

import gc
import json
import random
from typing import ClassVar

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api import parse_share
from mymove_viewer.api.fields import FIELD_INDEX, FIELDS, REPEATING
from mymove_viewer.api.parse import parse_leads

from .odd_records import DOC_LEAD, ODD, sandbox_records, whole_body_decode, with_odd

STATE = FIELD_INDEX["new_state"]
CITY = FIELD_INDEX["new_city"]
RECORD = DOC_LEAD


class _Watched(parse_share.Sharing):
    """The parse's ``Sharing``, remembered with the slices it decoded."""

    made: ClassVar[list[_Watched]] = []

    def __init__(self, caches: dict[int, dict[str, str]]) -> None:
        super().__init__(caches)
        self.decoded = 0
        _Watched.made.append(self)

    def decode(self, piece: bytes, extras: tuple[str, ...]) -> parse_share.Block | None:
        block = super().decode(piece, extras)
        self.decoded += block is not None
        return block


@pytest.fixture
def watched(monkeypatch: pytest.MonkeyPatch) -> list[_Watched]:
    _Watched.made = []
    monkeypatch.setattr(parse_module, "Sharing", _Watched)
    return _Watched.made


def _body(records: list[dict[str, str]]) -> bytes:
    return json.dumps({"leads": records}, separators=(",", ":")).encode()


def _assert_as_whole(raw: bytes) -> list[tuple[str, ...]]:
    sliced, whole = parse_leads(raw), whole_body_decode(raw)
    assert sliced.leads == whole.leads
    assert (sliced.extra_fields, sliced.skipped) == (whole.extra_fields, whole.skipped)
    return sliced.leads


def test_the_sandbox_body_is_decoded_as_literals_and_gives_the_same_leads(
    watched: list[_Watched],
) -> None:
    raw = b'{"leads":[' + b",".join(sandbox_records(6000)) + b"]}"
    leads = _assert_as_whole(raw)
    (sharing,) = watched
    assert sharing.decoded > len(parse_module._split(raw) or []) // 2
    assert {FIELD_INDEX[f] for f in ("offer_id", "new_state", "last_name")} <= set(
        sharing.literal_columns
    )
    for column in REPEATING:  # one object per value, whichever way its slice was decoded
        assert len({id(lead[column]) for lead in leads}) == len({lead[column] for lead in leads})


def test_a_value_first_seen_after_its_column_became_a_literal_is_kept_exactly(
    watched: list[_Watched],
) -> None:
    records = [dict(RECORD, first_name=f"n{i}") for i in range(3000)]
    records[2000]["new_state"] = "Nevada é"
    records[2500]["new_state"] = "Nevada é"
    records[2700]["old_state"] = ""
    raw = _body(records)
    # The same value written with an escape must be the same value (a literal matches text).
    raw = raw.replace(b'"Nevada \xc3\xa9"', b'"Nevada \\u00e9"', 1)
    leads = _assert_as_whole(raw)
    assert leads[2000][STATE] == "Nevada é" and leads[2000][STATE] is leads[2500][STATE]
    assert leads[2700].old_state == ""
    (sharing,) = watched
    assert sharing.decoded and STATE in sharing.literal_columns


def test_a_column_whose_values_keep_coming_stays_plain_strings(watched: list[_Watched]) -> None:
    records = [dict(RECORD, new_city=f"City {i}", first_name=f"n{i % 7}") for i in range(3000)]
    leads = _assert_as_whole(_body(records))
    (sharing,) = watched
    assert CITY not in sharing.literal_columns
    assert STATE in sharing.literal_columns and FIELD_INDEX["first_name"] in sharing.literal_columns
    assert leads[0][STATE] is leads[-1][STATE]


def test_a_literal_that_keeps_missing_goes_back_to_plain_strings(
    watched: list[_Watched],
) -> None:
    # The same state for long enough to become a literal, then a new one every 150 records: each
    # slice's miss would cost a new decoder.
    records = [dict(RECORD, first_name=f"n{i}") for i in range(6000)]
    for i in range(1500, 6000):
        records[i]["new_state"] = f"S{i // 150}"
    _assert_as_whole(_body(records))
    (sharing,) = watched
    assert STATE not in sharing.literal_columns
    assert FIELD_INDEX["old_state"] in sharing.literal_columns


def test_the_same_body_twice_still_shares_within_each_parse() -> None:
    # ``typing`` keeps literals by their values: the second parse gets the first one's, whose
    # objects its plain slices must share too.
    raw = b'{"leads":[' + b",".join(sandbox_records(3000)) + b"]}"
    parse_leads(raw)
    leads = parse_leads(raw).leads
    for column in REPEATING:
        assert len({id(lead[column]) for lead in leads}) == len({lead[column] for lead in leads})


_POOL = [
    "",
    "NC",
    "San José",
    "O'Brien",
    'say "hi"',
    "tab\there",
    "é\u2028x",
    "😀",
    "a\\b",
    "10000",
]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    count=st.integers(40, 300),
    chunk=st.integers(300, 4000),
    seed=st.integers(0, 2**32 - 1),
    odd=st.lists(st.tuples(st.floats(0, 1), st.sampled_from(sorted(ODD))), max_size=4),
    drift=st.floats(0, 0.2),
)
def test_any_body_gives_what_the_whole_body_decode_gives(
    count: int, chunk: int, seed: int, odd: list[tuple[float, str]], drift: float
) -> None:
    # Small slices and a low bar for a literal: columns become literals, miss (values that
    # drift in as the body goes on), go back to plain strings, beside records of every odd kind.
    rng = random.Random(seed)
    records = []
    for i in range(count):
        record = dict(RECORD, created_at=f"2026-11-{1 + i * 28 // count:02d}T10:00:00Z")
        for field in FIELDS:
            if field != "created_at" and rng.random() < 0.7:
                record[field] = rng.choice(_POOL)
            if rng.random() < drift:
                record[field] = f"{field} {i}"  # a value no earlier record had
        records.append(msgspec.json.encode(record))
    at_most_one = {int(at * (count - 1)): kind for at, kind in odd}  # each record odd once
    raw = with_odd(records, list(at_most_one.items()))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parse_module, "CHUNK_BYTES", chunk)
        patch.setattr(parse_share, "MIN_RECORDS", 2)
        assert parse_leads(raw) == whole_body_decode(raw)


def _sandbox_body(count: int, seed: int = 3) -> bytes:
    return b'{"leads":[' + b",".join(sandbox_records(count, seed)) + b"]}"


def test_a_value_is_one_object_across_bodies() -> None:
    first, second = parse_leads(_sandbox_body(3000, 1)), parse_leads(_sandbox_body(3000, 2))
    assert STATE in parse_share._Made.values
    states = {lead[STATE]: lead[STATE] for lead in first.leads}
    assert all(lead[STATE] is states.get(lead[STATE], lead[STATE]) for lead in second.leads)


def test_parses_of_like_bodies_make_no_decoder_and_leave_no_type_behind() -> None:
    # A decoder's struct type is a reference cycle; a parse freezes what is alive when it ends
    # (``gcpause``), so a type dropped later would never be freed: ~200 KB a parse leaked when
    # each parse made its own.
    raw = _sandbox_body(6000)
    was_enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()
    gc.collect()
    try:
        for _ in range(3):  # what the first bodies teach (move dates drift: left plain)
            parse_leads(raw)
        made = dict(parse_share._Made.decoders)
        assert made  # the body did make literals
        for _ in range(5):
            parse_leads(raw)
        assert parse_share._Made.decoders == made
        gc.unfreeze()
        gc.set_debug(gc.DEBUG_SAVEALL)
        gc.collect()
    finally:
        gc.set_debug(0)
        if was_enabled:
            gc.enable()
    types = [o for o in gc.garbage if isinstance(o, type(msgspec.Struct))]
    gc.garbage.clear()
    assert not types


def test_a_column_that_drifts_within_bodies_is_not_tried_in_later_ones(
    watched: list[_Watched],
) -> None:
    def body(day: int) -> bytes:  # a new state every 150 records, a steady old state
        return _body(
            [dict(RECORD, new_state=f"S{day} {i // 150}", first_name=f"n{i}") for i in range(3000)]
        )

    for day in range(parse_share.DRIFTED_BODIES + 1):
        _assert_as_whole(body(day))
    first, *_, last = watched
    assert STATE not in first.literal_columns and STATE not in last.literal_columns
    assert parse_share._Made.drifted[STATE] >= parse_share.DRIFTED_BODIES
    assert FIELD_INDEX["old_state"] in last.literal_columns


def test_once_the_decoders_are_made_later_bodies_use_the_last_one(
    monkeypatch: pytest.MonkeyPatch, watched: list[_Watched]
) -> None:
    _assert_as_whole(_sandbox_body(3000, 0))
    made = len(parse_share._Made.decoders)
    monkeypatch.setattr(parse_share, "MAX_DECODERS", made)
    for seed in range(1, 4):  # values the decoders lack (new ZIP codes, move dates) come in each
        _assert_as_whole(_sandbox_body(3000, seed))
    assert len(parse_share._Made.decoders) == made
    assert watched[-1].decoded  # its slices still decoded as literals, where they can be


def test_a_value_no_literal_can_hold_stays_a_plain_string() -> None:
    # The parse replaces lone surrogates, so none reaches a literal from a body; one met another
    # way must not make the decoder's making fail the fetch.
    values = list(RECORD.values())
    caches = {i: {values[i]: values[i]} for i in REPEATING}
    caches[STATE]["\ud800"] = "\ud800"
    sharing = parse_share.Sharing(caches)
    sharing.learned(sharing.sizes(), parse_share.MIN_RECORDS)  # none grew: all literals
    block = sharing.decode(json.dumps([RECORD] * 3).encode(), ("old_housing_tenure",))
    assert block is not None and block.structs[2].new_state == "NC"
    assert STATE in block.shared and "\ud800" not in parse_share._Made.values[STATE]


def test_two_columns_with_the_same_values_each_keep_one_object_per_value(
    watched: list[_Watched],
) -> None:
    # Local moves: every lead's old state is its new state, so both columns learn the same values
    # in the same order; ``typing`` then gives the second column the first one's literal (equal
    # values), whose objects are not the ones its plain slices share.
    old_state = FIELD_INDEX["old_state"]
    states = ["NC", "SC", "VA"]
    records = [
        dict(RECORD, first_name=f"n{i}", new_state=states[i % 3], old_state=states[i % 3])
        for i in range(3000)
    ]
    records[2000]["first_name"] = None  # a null: its slice is decoded as plain strings
    leads = _assert_as_whole(_body(records))
    (sharing,) = watched
    assert {STATE, old_state} <= set(sharing.literal_columns) and sharing.decoded
    objects = {c: len({id(lead[c]) for lead in leads}) for c in (STATE, old_state)}
    assert objects == {STATE: 3, old_state: 3}


def test_a_body_with_nulls_keeps_its_literals(watched: list[_Watched]) -> None:
    # An API that sends null for an empty second address line: a null in most slices must not
    # send every slice back to plain strings (the literals then take nulls, as plain ones do).
    records = [dict(RECORD, first_name=f"n{i % 50}") for i in range(3000)]
    for i in range(0, 3000, 100):
        records[i]["new_address_2"] = None  # type: ignore[assignment]
    leads = _assert_as_whole(_body(records))
    (sharing,) = watched
    slices = len(parse_module._split(_body(records)) or [])
    assert sharing.decoded > slices // 2 and sharing.takes_nulls
    assert leads[100].new_address_2 == "" and leads[101].new_address_2 == "Apt. 1"


def test_a_few_nulls_are_decoded_by_literals_that_take_them_only_in_their_slices(
    watched: list[_Watched],
) -> None:
    records = [dict(RECORD, first_name=f"n{i % 50}") for i in range(3000)]
    records[1500]["new_address_2"] = None  # type: ignore[assignment]
    records[2500]["old_city"] = None  # type: ignore[assignment]
    leads = _assert_as_whole(_body(records))
    (sharing,) = watched
    slices = len(parse_module._split(_body(records)) or [])
    assert sharing.decoded >= slices - 3 and not sharing.takes_nulls
    assert leads[2500].old_city == "" and leads[2499].old_city == "Charlotte"


def test_a_body_whose_every_record_holds_a_number_stops_trying_literals(
    watched: list[_Watched],
) -> None:
    # The first records settle the literals; from then on each holds a number for its ZIP+4.
    records = [msgspec.json.encode(dict(RECORD, first_name=f"n{i % 50}")) for i in range(3000)]
    records[1000:] = [r.replace(b'"0000"', b"1234", 1) for r in records[1000:]]
    _assert_as_whole(b'{"leads":[' + b",".join(records) + b"]}")
    (sharing,) = watched
    assert sharing.decoded and not sharing.literal_columns  # gave up after a few slices


def test_the_decoders_hold_no_more_values_than_the_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_share, "MAX_KEPT_VALUES", 300)
    for seed in range(3):
        _assert_as_whole(_sandbox_body(3000, seed))
    made = parse_share._Made
    assert made.decoders and made.kept <= 300


def test_a_null_once_no_decoder_may_be_made_keeps_the_literals(
    monkeypatch: pytest.MonkeyPatch, watched: list[_Watched]
) -> None:
    records = [dict(RECORD, first_name=f"n{i % 50}") for i in range(3000)]
    _assert_as_whole(_body(records))  # the usual decoders made
    monkeypatch.setattr(parse_share, "MAX_DECODERS", len(parse_share._Made.decoders))
    records[1500]["new_address_2"] = None  # type: ignore[assignment]
    _assert_as_whole(_body(records))
    later = watched[-1]
    assert later.literal_columns and not later.takes_nulls  # the null's slice: plain strings
