"""Lead parsing: documented fields, nulls, extras, bad records, and bodies that are not leads."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api.errors import InvalidResponseError
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.api.parse import parse_leads

from .odd_records import DOC_LEAD


def body(*records: object, **extra: object) -> bytes:
    return json.dumps({"leads": list(records), **extra}).encode()


def test_documented_example_keeps_every_field_in_order() -> None:
    result = parse_leads(body(DOC_LEAD))
    (lead,) = result.leads
    assert lead.as_dict() == DOC_LEAD
    assert list(lead.as_dict()) == list(FIELDS)
    assert lead.created == datetime(2017, 10, 4, 15, 49, 54, tzinfo=UTC)
    assert lead.move_day == date(2017, 10, 4)
    assert result.skipped == 0 and result.extra_fields == ()


def test_null_and_missing_fields_become_empty_strings() -> None:
    record = dict(DOC_LEAD, email=None, new_address_2=None)
    del record["old_address_2"]
    (lead,) = parse_leads(body(record)).leads
    assert (lead.email, lead.new_address_2, lead.old_address_2) == ("", "", "")


def test_extra_fields_are_kept_in_order_of_first_appearance() -> None:
    a = dict(DOC_LEAD, old_housing_tenure="rent")
    b = dict(DOC_LEAD, zeta="z", old_housing_tenure=None)
    result = parse_leads(body(a, b, DOC_LEAD))
    assert result.extra_fields == ("old_housing_tenure", "zeta")
    assert result.leads[0].get("old_housing_tenure") == "rent"
    assert result.leads[1].extra == {"zeta": "z", "old_housing_tenure": ""}
    assert result.leads[2].extra == {}


def test_known_extra_alone_takes_the_fast_path_and_is_kept() -> None:
    result = parse_leads(body(dict(DOC_LEAD, old_housing_tenure="own"), DOC_LEAD))
    assert result.extra_fields == ("old_housing_tenure",)
    assert result.leads[0].get("old_housing_tenure") == "own"
    assert "old_housing_tenure" not in result.leads[1].extra


def test_known_extra_on_every_record_builds_the_same_leads_with_shared_values() -> None:
    records = [dict(DOC_LEAD, old_housing_tenure=t, first_name=f"n{i}") for i, t in
               enumerate(["own", "rent", "", "own", "rent"])]  # fmt: skip
    result = parse_leads(body(*records))
    assert result.extra_fields == ("old_housing_tenure",)
    assert result.leads == [Lead.from_mapping(r) for r in records]
    assert result.leads[0][-1] is result.leads[3][-1]  # one string object per distinct value
    no_extra = parse_leads(body(DOC_LEAD, dict(DOC_LEAD, first_name="x")))
    assert no_extra.leads == [
        Lead.from_mapping(DOC_LEAD),
        Lead.from_mapping(dict(DOC_LEAD, first_name="x")),
    ]


def test_timestamps_with_fractions_offsets_and_lowercase_are_accepted() -> None:
    stamps = [
        "2017-10-04T15:49:54.123456789Z",
        "2017-10-04T17:49:54+02:00",
        "2017-10-04t15:49:54z",
        "2017-10-04T15:49:54.5-05:00",
    ]
    result = parse_leads(body(*(dict(DOC_LEAD, created_at=s) for s in stamps)))
    assert [lead.created_at for lead in result.leads] == stamps  # raw text kept as sent
    assert result.leads[1].created == datetime(2017, 10, 4, 15, 49, 54, tzinfo=UTC)
    assert result.leads[3].created.utcoffset() == timedelta(hours=-5)


def test_move_date_never_shifts_with_a_zone() -> None:
    lead = parse_leads(body(dict(DOC_LEAD, move_date="2026-12-01T00:00:00Z"))).leads[0]
    assert lead.move_day == date(2026, 12, 1)
    lead = parse_leads(body(dict(DOC_LEAD, move_date="2026-12-01T00:00:00-08:00"))).leads[0]
    assert lead.move_day == date(2026, 12, 1)


def test_bad_records_are_skipped_and_counted_the_rest_survive() -> None:
    records = [
        DOC_LEAD,
        "not an object",
        None,
        [1, 2],
        dict(DOC_LEAD, created_at="yesterday"),
        dict(DOC_LEAD, created_at=None),
        {k: v for k, v in DOC_LEAD.items() if k != "created_at"},
        dict(DOC_LEAD, created_at="2017-10-04T15:49:54"),  # no zone: not RFC 3339
        dict(DOC_LEAD, first_name="Second"),
    ]
    result = parse_leads(body(*records))
    assert [lead.first_name for lead in result.leads] == ["John", "Second"]
    assert result.skipped == 7
    assert result.skip_reasons == {
        "records that are not objects": 3,
        "records with a missing or invalid created_at": 4,
    }


def test_wrong_types_are_kept_as_their_json_text() -> None:
    record = dict(DOC_LEAD, offer_id=10000, new_postal_code=2134, email=False, old_city={"a": [1]})
    (lead,) = parse_leads(body(record)).leads
    assert (lead.offer_id, lead.new_postal_code, lead.email) == ("10000", "2134", "false")
    assert json.loads(lead.old_city) == {"a": [1]}


def test_lone_surrogates_do_not_fail_the_fetch() -> None:
    raw = body(DOC_LEAD).replace(b'"John"', b'"Jo\\ud800hn"')
    (lead,) = parse_leads(raw).leads
    assert lead.first_name == "Jo\ufffdhn"


def test_empty_and_null_lead_lists_are_zero_leads() -> None:
    assert parse_leads(b'{"leads": []}').leads == []
    # Go encodes an empty slice as null: a quiet window, not an error.
    assert parse_leads(b'{"leads": null}').leads == []
    assert parse_leads(b'  {\n "leads" : [ ] }\n').leads == []


@pytest.mark.parametrize(
    ("raw", "match"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"null", "no list of leads"),
        (b"[]", "no list of leads"),
        (b'{"leads": {}}', "no list of leads"),
        (b'{"leads": "x"}', "no list of leads"),
        (b'{"data": []}', "no list of leads"),
        (b"<html><body>Bad gateway</body></html>", "not valid JSON"),
        (b'{"leads": []}\xff', "not valid JSON"),  # invalid UTF-8 outside any value
        (b'{"leads": [', "not valid JSON"),
        (b'{"leads": [{"offer_id": "1"}', "not valid JSON"),
    ],
)
def test_bodies_that_are_not_leads_raise_invalid_response(raw: bytes, match: str) -> None:
    with pytest.raises(InvalidResponseError, match=match) as info:
        parse_leads(raw, status=200)
    assert "HTTP 200" in info.value.detail


def test_duplicate_keys_take_the_last_value_on_every_path() -> None:
    raw = (
        b'{"leads": [{"created_at": "2017-10-04T15:49:54Z", "first_name": "a", "first_name": "b"}]}'
    )
    assert parse_leads(raw).leads[0].first_name == "b"
    mixed = raw.replace(b'"first_name": "a"', b'"first_name": "a", "zz": 1')
    assert parse_leads(mixed).leads[0].first_name == "b"


def test_chunked_decode_equals_whole_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [dict(DOC_LEAD, first_name=f"n{i}", last_name='x},{"y') for i in range(300)]
    raw = json.dumps({"leads": records}, separators=(",", ":")).encode()
    whole = parse_leads(raw)
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 300)
    chunks = parse_module._split(raw)
    assert chunks is not None and len(chunks) > 50
    chunked = parse_leads(raw)
    assert chunked.leads == whole.leads
    assert [lead.first_name for lead in chunked.leads] == [f"n{i}" for i in range(300)]


def test_a_split_inside_a_string_falls_back_safely(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every record's text holds "},{" so some cuts land inside strings; the result must not change.
    evil = '"},{"first_name":"mallory'
    records = [dict(DOC_LEAD, new_address_1=evil * 3, first_name=str(i)) for i in range(50)]
    raw = json.dumps({"leads": records}, separators=(",", ":")).encode()
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 97)
    result = parse_leads(raw)
    assert [lead.first_name for lead in result.leads] == [str(i) for i in range(50)]
    assert all(lead.new_address_1 == evil * 3 for lead in result.leads)


def test_cancel_between_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from mymove_viewer.api.errors import CancelledError

    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 100)
    raw = body(*([DOC_LEAD] * 20))
    with pytest.raises(CancelledError):
        parse_leads(raw, cancel=lambda: True)


def test_other_top_level_keys_are_ignored() -> None:
    result = parse_leads(body(DOC_LEAD, meta={"count": 1}))
    assert len(result.leads) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)
lead_like = st.fixed_dictionaries(
    {"created_at": st.sampled_from(["2017-10-04T15:49:54Z", "bad", None, 5])},
    optional={f: json_values for f in FIELDS[2:8]} | {"extra": json_values},
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(json_values, st.fixed_dictionaries({"leads": st.lists(lead_like | json_values)})))
def test_no_json_value_raises_anything_but_invalid_response(value: object) -> None:
    raw = json.dumps(value).encode()
    try:
        result = parse_leads(raw)
    except InvalidResponseError:
        return
    assert result.skipped + len(result.leads) == len(value["leads"] or [])  # type: ignore[index]


@settings(max_examples=300)
@given(st.binary(max_size=200))
def test_no_bytes_raise_anything_but_invalid_response(raw: bytes) -> None:
    with contextlib.suppress(InvalidResponseError):
        parse_leads(raw)


@settings(max_examples=100)
@given(st.lists(st.dictionaries(st.sampled_from(FIELDS), st.text(), max_size=6), max_size=8))
def test_every_valid_lead_in_a_mixed_body_survives(records: list[dict[str, str]]) -> None:
    valid = [dict(r, created_at="2017-10-04T15:49:54Z") for r in records]
    mixed = []
    for r in valid:
        mixed += [r, 42]
    result = parse_leads(body(*mixed))
    assert len(result.leads) == len(valid)
    assert result.skipped == len(valid)
    for lead, record in zip(result.leads, valid, strict=True):
        for k, v in record.items():
            assert lead.get(k) == _without_surrogates(v)


def _without_surrogates(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def test_repeated_values_share_one_string() -> None:
    # Memory and sort speed: a value repeated across leads is one object, not one per lead.
    records = [dict(DOC_LEAD, first_name=f"n{i}") for i in range(3)]
    a, _, c = parse_leads(body(*records)).leads
    for field in ("last_name", "new_postal_code", "old_postal_code", "new_city", "offer_id"):
        assert a.get(field) is c.get(field), field
    assert a.first_name == "n0" and c.first_name == "n2"


def test_cancel_stops_building_the_leads() -> None:
    # Building 1M leads from the decoded slices takes seconds: a cancel must not wait for it.
    from mymove_viewer.api.errors import CancelledError

    piece = b"[" + json.dumps(DOC_LEAD).encode() + b"]"
    blocks = [parse_module.decode_slice(piece) for _ in range(3)]
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 1  # after the first block

    with pytest.raises(CancelledError):
        parse_module.from_wire(blocks, cancel)
    assert len(asked) == 2


def test_a_failure_while_building_is_an_unreadable_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(parse_module, "_typed_leads", broken)
    with pytest.raises(InvalidResponseError, match="could not be read") as error:
        parse_leads(body(DOC_LEAD, DOC_LEAD), status=200)
    assert "RuntimeError: a bug" in error.value.detail
