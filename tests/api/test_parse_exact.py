"""Values msgspec refuses or cannot keep exactly: invalid UTF-8 inside a value, numbers too big
to convert or written in a form a float loses, ``NaN``/``Infinity``. One such value never
refuses the whole answer."""

from __future__ import annotations

import json
import sys

import msgspec
import pytest

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api.errors import InvalidResponseError
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.api.parse import parse_leads

CREATED = "2026-11-27T10:00:00Z"
BIG = "9" * (sys.get_int_max_str_digits() + 1)  # int("9" * 4301) raises ValueError


def record(**values: object) -> dict[str, object]:
    return {"created_at": CREATED, "first_name": "Ann", **values}


def body(*records: object) -> bytes:
    return json.dumps({"leads": list(records)}).encode()


def with_raw(raw: bytes, marker: str, replacement: bytes) -> bytes:
    """``raw`` with the JSON string ``"marker"`` (quotes included) written as ``replacement``."""
    quoted = json.dumps(marker).encode()
    assert raw.count(quoted) == 1
    return raw.replace(quoted, replacement)


def test_invalid_utf8_in_one_value_keeps_every_lead() -> None:
    raw = body(record(), record(first_name="@bad@"), record(first_name="Cy"))
    raw = raw.replace(b"@bad@", b"Jos\xe9 \xff\xfe")
    result = parse_leads(raw)
    assert [lead.first_name for lead in result.leads] == ["Ann", "Jos\ufffd \ufffd\ufffd", "Cy"]
    assert result.replaced == 1 and result.skipped == 0


def test_a_cut_multibyte_character_is_one_replacement_character() -> None:
    # b"\xf0\x9f\x98" is a 4-byte character missing its last byte: one U+FFFD, as a browser shows.
    raw = body(record(first_name="@bad@")).replace(b"@bad@", b"a\xf0\x9f\x98b")
    assert parse_leads(raw).leads[0].first_name == "a\ufffdb"


def test_replaced_counts_values_of_kept_leads_not_bytes_nor_sent_replacement_characters() -> None:
    raw = body(
        record(first_name="@1@", last_name="@2@", email="\ufffd sent as such"),
        record(**{"@3@": "x"}),  # a bad byte in a field's name
        record(created_at="@4@"),  # skipped: not counted
        record(note="Jo\ud800hn"),  # a lone surrogate escape, also replaced
        record(),
    )
    for mark in ("@1@", "@2@", "@3@", "@4@"):
        raw = raw.replace(mark.encode(), b"x\xff\xfey")
    result = parse_leads(raw)
    assert result.replaced == 4
    assert result.skipped == 1
    first, named, surrogate, clean = result.leads
    assert (first.first_name, first.last_name) == ("x\ufffd\ufffdy",) * 2
    assert first.email == "\ufffd sent as such"
    assert named.extra == {"x\ufffd\ufffdy": "x"}
    assert surrogate.get("note") == "Jo\ufffdhn"
    assert clean == Lead.from_mapping(record())


def test_invalid_utf8_outside_a_value_is_not_json() -> None:
    raw = body(record()).replace(b'{"leads"', b'{\xff"leads"')
    with pytest.raises(InvalidResponseError, match="not valid JSON"):
        parse_leads(raw)


class _OldMsgspecDecoder:
    """msgspec 0.18–0.22: invalid UTF-8 raised ``UnicodeDecodeError``, not ``DecodeError``."""

    def __init__(self, decoder: msgspec.json.Decoder) -> None:
        self._decoder = decoder

    def decode(self, data: object) -> object:
        try:
            return self._decoder.decode(data)
        except msgspec.DecodeError as exc:
            if "UTF-8" not in str(exc):
                raise
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte") from None


@pytest.mark.parametrize("old", [False, True], ids=["msgspec-0.23", "msgspec-0.18"])
def test_invalid_utf8_is_found_whatever_the_decoder_raises(
    old: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    if old:
        for name in ("_chunk_decoder", "_strict_decoder", "_envelope_decoder", "_any_decoder"):
            monkeypatch.setattr(parse_module, name, _OldMsgspecDecoder(getattr(parse_module, name)))
    raw = body(record(), record(first_name="@bad@")).replace(b"@bad@", b"\xff")
    result = parse_leads(raw)
    assert [lead.first_name for lead in result.leads] == ["Ann", "\ufffd"]
    assert result.replaced == 1


@pytest.mark.parametrize(
    "token",
    ["1.50", "1e400", "-1E-400", "-0", "0.1000000000000000055511151231257827", BIG, "-" + BIG,
     "NaN", "Infinity", "-Infinity"],
)  # fmt: skip
def test_numbers_are_kept_as_written(token: str) -> None:
    raw = with_raw(body(record(), record(offer_id="@n@")), "@n@", token.encode())
    result = parse_leads(raw)
    assert [lead.offer_id for lead in result.leads] == ["", token]
    assert result.skipped == 0 and result.replaced == 0


def test_numbers_msgspec_reads_still_keep_their_text() -> None:
    # msgspec decodes these (1.5, 100.0, 0), so the body never fails: the text must still be
    # the one sent, inside objects and lists too.
    raw = body(record(offer_id="@a@", email="@b@", old_city="@c@", note="@d@"))
    raw = with_raw(raw, "@a@", b"1.50")
    raw = with_raw(raw, "@b@", b"1E2")
    raw = with_raw(raw, "@c@", b'{"a": [1.50, -0, true, null, "x"]}')
    raw = with_raw(raw, "@d@", b"-0")
    (lead,) = parse_leads(raw).leads
    assert (lead.offer_id, lead.email, lead.get("note")) == ("1.50", "1E2", "-0")
    assert lead.old_city == '{"a":[1.50,-0,true,null,"x"]}'


def test_a_huge_number_and_invalid_utf8_in_one_body_with_everything_else_intact() -> None:
    records = [record(first_name=f"n{i}", new_state="TX") for i in range(200)]
    records[50]["new_postal_code"] = "@big@"
    records[120]["last_name"] = "@bad@"
    raw = with_raw(body(*records), "@big@", BIG.encode()).replace(b"@bad@", b"Ren\xe9e")
    result = parse_leads(raw)
    assert len(result.leads) == 200 and result.replaced == 1
    assert result.leads[50].new_postal_code == BIG
    assert result.leads[120].last_name == "Ren\ufffde"
    assert [lead.first_name for lead in result.leads] == [f"n{i}" for i in range(200)]
    assert all(lead.new_state == "TX" for lead in result.leads)


def test_clean_bodies_count_no_replacements() -> None:
    raw = body(*(record(first_name=f"n{i}") for i in range(10)))
    result = parse_leads(raw)
    assert result.replaced == 0 and result.canonical_created
    assert len(FIELDS) + 1 == len(result.leads[0])


@pytest.mark.parametrize("evil", [False, True], ids=["plain", "cut-inside-strings"])
def test_the_stdlib_decode_goes_a_slice_at_a_time_and_gives_the_same_leads(
    evil: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One json.loads over a large body would hold the GIL for seconds; cut like the fast path.
    text = '"},{"first_name":"x' if evil else "street"
    records = [record(first_name=f"n{i}", new_address_1=text) for i in range(300)]
    records[7]["last_name"] = "@bad@"
    raw = body(*records).replace(b"@bad@", b"Ren\xe9e")
    whole = parse_leads(raw)
    calls: list[int] = []
    loads = parse_module.lenient._loads
    monkeypatch.setattr(parse_module.lenient, "_loads", lambda t: calls.append(len(t)) or loads(t))
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 600)
    assert parse_leads(raw) == whole
    assert whole.replaced == 1 and whole.leads[7].last_name == "Ren\ufffde"
    assert [lead.new_address_1 for lead in whole.leads] == [text] * 300
    if evil:  # a slice cut inside a string does not decode: the whole body is read at once
        assert max(calls) >= len(raw)
    else:
        # Only the record holding the invalid byte is read by the stdlib, once per parse.
        assert calls and max(calls) < 200
