"""A record the vendor's page does not promise, anywhere in a large body, costs its own slice a
record-at-a-time read and nothing more: the rest stays on the typed, sliced path, and the result
is what the whole-body generic decode gives (issue 15)."""

from __future__ import annotations

import random

import msgspec
import pytest

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api import parse_learn, parse_odd
from mymove_viewer.api.fields import FIELD_INDEX
from mymove_viewer.api.parse import ParseResult, parse_leads
from mymove_viewer.sandbox.leads import ODD_FIELD, generate_json, make_odd
from tests.api.odd_records import NOW, ODD, sandbox_records, whole_body_decode, with_odd

RECORDS = sandbox_records(120)
CHUNK = 3000  # ~6 records a slice: 20 slices, so positions fall on every side of a boundary


def boundaries(body: bytes) -> list[int]:
    """Positions of the first and last record of each slice ``parse`` cuts ``body`` into."""
    edges, at = [], 0
    for start, stop in parse_module._split(body) or []:
        count = len(msgspec.json.decode(b"[" + body[start:stop] + b"]", type=list[msgspec.Raw]))
        edges += [at, at + count - 1]
        at += count
    return edges


def sliced(body: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[ParseResult, list[int]]:
    """``parse_leads``' result without the whole-body decode, and the length of each text the
    stdlib decoded."""
    reference = whole_body_decode(body)

    def no_whole_body(*_: object) -> ParseResult:
        raise AssertionError("the whole body was decoded generically")

    loads = parse_module.lenient._loads
    read: list[int] = []
    monkeypatch.setattr(parse_module, "_robust", no_whole_body)
    monkeypatch.setattr(parse_module.lenient, "_loads", lambda t: read.append(len(t)) or loads(t))
    result = parse_leads(body)
    of_parse_leads = list(read)
    assert result == reference
    return result, of_parse_leads


@pytest.mark.parametrize("kind", list(ODD))
def test_an_odd_record_first_last_and_on_slice_edges_stays_sliced(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", CHUNK)
    edges = boundaries(with_odd(RECORDS, []))
    assert len(edges) >= 30  # the body really is cut into many slices
    odd = [(at, kind) for at in sorted({0, edges[5], edges[6], 61, len(RECORDS) - 1})]
    raw = with_odd(RECORDS, odd)
    result, read = sliced(raw, monkeypatch)
    assert result.skipped + len(result.leads) == len(RECORDS)
    assert result.skipped in (0, len(odd))
    # The stdlib reads only the odd records (NaN: its slice, a few records), never the body.
    assert all(n < 4 * CHUNK for n in read)
    assert len(read) <= len(odd)


def test_every_kind_at_once_in_one_slice_and_across_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", CHUNK)
    kinds = list(ODD)
    together = [(i, kind) for i, kind in enumerate(kinds)]  # several per slice, in a row
    raw = with_odd(RECORDS, together)
    result, _ = sliced(raw, monkeypatch)
    # In order of first appearance: the odd records 0-2 come before any tenure.
    assert result.extra_fields == ("lead_source", "score", "meta", "old_housing_tenure")
    assert result.skip_reasons == {
        "records with a missing or invalid created_at": 3,
        "records that are not objects": 4,
    }
    assert result.replaced == 2 and not result.canonical_created
    spread = [(len(RECORDS) - 1 - 4 * i, kind) for i, kind in enumerate(kinds)]
    assert sliced(with_odd(RECORDS, spread), monkeypatch)[0].skipped == 7


def test_values_of_odd_records_are_kept_exactly_as_sent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", CHUNK)
    names = ["number as written", "huge number", "object", "undocumented object", "bool"]
    raw = with_odd(RECORDS, [(10 + i, kind) for i, kind in enumerate(names)])
    leads = sliced(raw, monkeypatch)[0].leads
    assert leads[10].new_postal_code == "-0.10e+02"
    assert leads[11].old_postal_code == "9" * 5000
    assert leads[12].old_city == '{"name":"Austin","n":1.0}'
    assert leads[13].get("meta") == '{"b":[1,2.50,null,true],"a":"é"}'
    assert leads[14].new_housing_tenure == "true"
    assert leads[9].get("meta") == "" and leads[13].extra_names[-1] == "meta"


def test_the_sandbox_odd_body_keeps_the_typed_path_and_shares_repeated_values(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Values decoded a record at a time share one string object with the typed leads, as the
    # typed path does for repeated values: the odd body costs no more memory per lead.
    stamps, records = generate_json(3000, random.Random(3), NOW, 30)
    where = make_odd(stamps, records)
    raw = b'{"leads":[' + b",".join(records) + b"]}"
    per_record: list[int] = []
    odd_slice = parse_odd.odd_slice
    monkeypatch.setattr(parse_module, "odd_slice", lambda *a: per_record.append(1) or odd_slice(*a))
    result, _ = sliced(raw, monkeypatch)
    assert len(result.leads) == 3000
    assert len(per_record) == 2  # the slices with the undocumented field and the number
    assert result.extra_fields[-1] == ODD_FIELD and not result.canonical_created
    state = FIELD_INDEX["new_state"]
    for at in where:
        value = result.leads[at][state]
        odd = result.leads[at]
        twin = next(
            lead[state] for lead in result.leads if lead[state] == value and lead is not odd
        )
        assert value is twin


@pytest.mark.parametrize(
    ("before", "after"),
    [(b'"count":120,', b""), (b"", b',"next":{"cursor":"abc","n":1.50}'), (b'"leads":7,', b"")],
    ids=["a member before", "a member after", "a duplicate name before"],
)
def test_an_envelope_with_more_members_is_sliced_too(
    before: bytes, after: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    # APIs grow fields in the envelope as well: only the list of leads counts, as before.
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", CHUNK)
    usual = with_odd(RECORDS, [(3, "undocumented field"), (70, "number")])
    raw = b"{" + before + usual[1:-1] + after + b"}"
    slices: list[int] = []
    decode_slice = parse_module.decode_slice
    monkeypatch.setattr(
        parse_module, "decode_slice", lambda *a: slices.append(1) or decode_slice(*a)
    )
    result, _ = sliced(raw, monkeypatch)
    assert result == parse_leads(usual) and len(result.leads) == len(RECORDS)
    assert len(slices) >= 20  # the list of leads was found and sliced


def grown(records: list[bytes], fields: list[tuple[str, bytes]], *, first: bool = False) -> bytes:
    """``{"leads": records}`` with ``fields`` (name, JSON value) added to every record, at its
    end or (``first``) at its start."""
    added = b"".join(b'"' + name.encode() + b'":' + value + b"," for name, value in fields)
    if first:
        out = [b"{" + added + r[1:] for r in records]
    else:
        out = [r[:-1] + b"," + added[:-1] + b"}" for r in records]
    return b'{"leads":[' + b",".join(out) + b"]}"


def test_a_field_the_api_added_to_every_record_keeps_every_slice_typed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", CHUNK)
    per_record: list[int] = []
    odd_slice = parse_odd.odd_slice
    monkeypatch.setattr(parse_module, "odd_slice", lambda *a: per_record.append(1) or odd_slice(*a))
    raw = grown(RECORDS, [("lead_source", b'"web"'), ("lead_id", b'"a1"'), ("note", b"null")])
    result, read = sliced(raw, monkeypatch)
    assert per_record == [] and read == []
    assert result.extra_fields == ("lead_source", "lead_id", "note", "old_housing_tenure")
    assert {lead.get("lead_id") for lead in result.leads} == {"a1"}
    assert [lead.extra_names[-3:] for lead in result.leads[:2]] == [
        ("lead_source", "lead_id", "note")
    ] * 2


@pytest.mark.parametrize(
    "fields",
    [
        [("lead_source", b'"web"')],
        [("lead\\u005fsource", b'"web"')],  # written with an escape: the bytes do not tell
        [("lead source", b'"web"'), ('l\\"q', b'"x"')],  # a quote: no struct can hold it
        [(f"f{i}", b'"v"') for i in range(12)],  # more than are learned
        [("lead_source", b"7")],  # not a string
    ],
    ids=["plain", "escaped name", "quote in a name", "twelve fields", "a number"],
)
@pytest.mark.parametrize("first", [False, True], ids=["at the end", "at the start"])
def test_added_fields_give_what_the_whole_body_decode_gives(
    fields: list[tuple[str, bytes]], first: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # At the start, an added field comes before the tenure in each record: a lead's extra
    # names follow its record, whatever order the typed structs learned them in.
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", CHUNK)
    records = list(RECORDS)
    records[50] = ODD["undocumented field"](msgspec.json.decode(records[50]))
    result, _ = sliced(grown(records, fields, first=first), monkeypatch)
    assert len(result.leads) == len(RECORDS)
    tenure = next(lead for lead in result.leads if lead.get("old_housing_tenure"))
    assert (tenure.extra_names[0] == "old_housing_tenure") is not first


def test_past_the_decoders_a_process_may_make_new_fields_go_one_record_at_a_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Each set of undocumented fields has its decoders, kept for the process: a struct type is a
    # reference cycle, and one dropped after a parse's freeze (``gcpause``) is never freed.
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", CHUNK)
    monkeypatch.setattr(parse_learn, "MAX_EXTRAS_DECODERS", 2)
    per_record: list[int] = []
    odd_slice = parse_odd.odd_slice
    monkeypatch.setattr(parse_module, "odd_slice", lambda *a: per_record.append(1) or odd_slice(*a))
    for name in ("first_field", "second_field", "third_field"):
        result, _ = sliced(grown(RECORDS, [(name, b'"v"')]), monkeypatch)
        assert {lead.get(name) for lead in result.leads} == {"v"}
    assert len(parse_learn._decoders) == 2
    assert per_record  # the third field's slices: a record at a time, the same leads


def test_a_slice_ending_inside_a_value_is_refused_without_the_stdlib_decode(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A cut inside a string: no decoder reads it, and the stdlib's took ~2 ms a slice to say so.
    def stdlib(_piece: bytes) -> None:
        raise AssertionError("decoded by the stdlib")

    monkeypatch.setattr(parse_odd.lenient, "decode_slice", stdlib)
    with pytest.raises(ValueError):
        parse_odd.odd_slice(b'[{"a":"b"},{"c":"d}', parse_module._record_decoder)
    monkeypatch.undo()
    with pytest.raises(ValueError):  # what the stdlib decode says too
        parse_odd.odd_slice(b'[{"a":"b"},{"c":"d}', parse_module._record_decoder)
