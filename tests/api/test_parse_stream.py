"""Parsing while the body downloads (``LeadStream``): the same result as ``parse_leads`` for the
same bytes, with the work done as the pieces arrive. ``tests/reliability/test_fuzz.py`` checks
the equivalence on every body it generates, too."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import msgspec
import pytest

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api import parse_stream
from mymove_viewer.api.errors import CancelledError, InvalidResponseError
from mymove_viewer.api.parse import parse_leads
from mymove_viewer.api.parse_stream import LeadStream
from mymove_viewer.sandbox import generate_leads
from tests.api.streaming import parse_streamed

from .test_parse import DOC_LEAD

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def compact(records: list[object], **extra: object) -> bytes:
    return json.dumps({"leads": records, **extra}, separators=(",", ":")).encode()


@pytest.fixture(scope="module")
def sandbox_body() -> bytes:
    # Sandbox leads: the known extra field on every record, created_at in order.
    return msgspec.json.encode({"leads": generate_leads(8000, seed=3, now=NOW)})


def test_a_large_body_is_decoded_while_it_arrives(sandbox_body: bytes) -> None:
    stream = LeadStream()
    piece = 65536
    last = len(sandbox_body) - len(sandbox_body) % piece
    for at in range(0, last, piece):
        stream.feed(sandbox_body[at : at + piece])
    before_the_end = stream.decoded
    stream.feed(sandbox_body[last:])
    result = stream.finish()
    # More than 2 MB arrived before the last piece: at least one ~1 MB slice was built by then.
    assert len(sandbox_body) > 3 * parse_module.CHUNK_BYTES
    assert 0 < before_the_end < 8000
    assert result == parse_leads(sandbox_body)
    assert len(result.leads) == 8000 and result.canonical_created
    assert result.extra_fields == ("old_housing_tenure",)


@pytest.mark.parametrize("pieces", [(1,), (3, 1000), (65536,), (10**9,)])
def test_any_piece_sizes_give_the_same_leads(
    monkeypatch: pytest.MonkeyPatch, sandbox_body: bytes, pieces: tuple[int, ...]
) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 4096)
    body = sandbox_body[: sandbox_body.index(b"},{", 200_000) + 1] + b"]}"
    assert parse_streamed(body, pieces) == parse_leads(body)


def test_a_boundary_inside_a_string_never_yields_wrong_leads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    evil = '"},{"first_name":"mallory'
    records = [dict(DOC_LEAD, new_address_1=evil * 3, first_name=str(i)) for i in range(50)]
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 97)
    result = parse_streamed(compact(records))
    assert [lead.first_name for lead in result.leads] == [str(i) for i in range(50)]
    assert all(lead.new_address_1 == evil * 3 for lead in result.leads)


def test_a_record_longer_than_a_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 256)
    records = [dict(DOC_LEAD, first_name="a"), dict(DOC_LEAD, first_name="b" * 100_000)]
    records += [dict(DOC_LEAD, first_name=str(i)) for i in range(20)]
    result = parse_streamed(compact(records), (1000,))
    assert [len(lead.first_name) for lead in result.leads[:2]] == [1, 100_000]
    assert result == parse_leads(compact(records))


@pytest.mark.parametrize(
    "raw",
    [
        compact([DOC_LEAD, dict(DOC_LEAD, email=None), DOC_LEAD]),  # a null: the general structs
        compact([DOC_LEAD, dict(DOC_LEAD, referral="tv")]),  # an unknown field: robust path
        compact([DOC_LEAD, "not a lead", dict(DOC_LEAD, created_at="soon")]),  # skipped records
        compact([DOC_LEAD, dict(DOC_LEAD, created_at="2017-10-04T15:49:54.5+02:00")]),
        compact([]),
        b'{"leads": null}',
        b" " * 1000 + b'{ "leads" : [' + json.dumps(DOC_LEAD).encode() + b"] }\n",
        compact([DOC_LEAD], meta={"count": 1}),  # keys after the list
    ],
)
def test_unusual_bodies_give_what_parse_leads_gives(
    monkeypatch: pytest.MonkeyPatch, raw: bytes
) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 64)
    expected = parse_leads(raw)
    assert parse_streamed(raw) == expected
    assert parse_streamed(raw, (len(raw),)) == expected


@pytest.mark.parametrize(
    "raw",
    [
        compact([DOC_LEAD] * 30)[:-20],  # cut off in the middle
        compact([DOC_LEAD] * 30)[:-2],  # the closing "]}" missing
        compact([DOC_LEAD] * 30) + b"{}",  # something after the end
        b"<html>502 Bad Gateway</html>",
        b"",
    ],
)
def test_broken_bodies_give_the_same_error(monkeypatch: pytest.MonkeyPatch, raw: bytes) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 64)
    whole, streamed = errors_both_ways(raw)
    assert (streamed.message, streamed.detail) == (whole.message, whole.detail)


def errors_both_ways(raw: bytes) -> tuple[InvalidResponseError, InvalidResponseError]:
    """The errors ``parse_leads`` and ``LeadStream`` raise for ``raw``, sent with HTTP 200."""
    with pytest.raises(InvalidResponseError) as whole:
        parse_leads(raw, status=200)
    stream = LeadStream()
    stream.feed(raw)
    with pytest.raises(InvalidResponseError) as streamed:
        stream.finish(status=200)
    return whole.value, streamed.value


def test_a_long_run_of_spaces_before_the_list_is_still_read() -> None:
    raw = b"{" + b" " * (2 * parse_stream.HEAD_LIMIT) + b'"leads":[' + json.dumps(DOC_LEAD).encode()
    raw += b"]}"
    (lead,) = parse_streamed(raw).leads
    assert lead.first_name == "John"


def test_cancel_stops_between_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 100)
    cancelled = False
    stream = LeadStream(cancel=lambda: cancelled)
    raw = compact([DOC_LEAD] * 40)
    stream.feed(raw[:2000])
    assert stream.decoded > 0
    cancelled = True
    with pytest.raises(CancelledError):
        stream.feed(raw[2000:])


def test_cancel_stops_building_the_leads() -> None:
    # Building 1M leads from the decoded slices takes seconds: a cancel must not wait for it.
    piece = b"[" + json.dumps(DOC_LEAD).encode() + b"]"
    blocks = [parse_module.decode_slice(piece) for _ in range(3)]
    asked = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 1  # after the first block

    with pytest.raises(CancelledError):
        parse_module.from_wire(blocks, cancel)
    assert len(asked) == 2


def test_a_failure_while_building_is_reported_as_parse_leads_reports_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*_: object) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(parse_module, "_typed_leads", broken)
    whole, streamed = errors_both_ways(compact([DOC_LEAD] * 3))
    assert streamed.message == whole.message
    assert "RuntimeError: a bug" in streamed.detail
