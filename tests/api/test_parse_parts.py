"""A body parsed from the parts it was read in (``parse_slices.part_slices``) gives what the
joined body gives: the same leads, or the same error, wherever the parts are cut."""

from __future__ import annotations

from itertools import pairwise

import httpx
import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api import parse_slices
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.errors import ApiError
from mymove_viewer.api.lead import instant_keys
from mymove_viewer.api.parse import ParseResult, parse_leads, parse_parts
from mymove_viewer.api.query import Query, leads_path
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from tests.api.conftest import FAST, NOW
from tests.api.odd_records import ODD, _set, sandbox_records, with_odd

RECORDS = sandbox_records(40)
# Values holding the text a slice is cut at, and JSON's other delimiters, inside strings.
TRICKY = ["},{", '"},{"', '} , {"x":', "]}", '{"leads":[', "\\", "\u00e9\u20ac"]
kinds = st.sampled_from(sorted(ODD)) | st.sampled_from(TRICKY).map(lambda v: f"tricky:{v}")
spacing = st.sampled_from([b"", b" ", b"\n  ", b"\r\n\t"])


@st.composite
def bodies(draw: st.DrawFn) -> bytes:
    """Sandbox records, some odd or holding delimiters in a value, spaced as a server may
    space them; sometimes damaged (cut short, a byte changed)."""
    records = list(RECORDS[: draw(st.integers(0, len(RECORDS)))])
    for _ in range(draw(st.integers(0, 6))):
        if not records:
            break
        at = draw(st.integers(0, len(records) - 1))
        kind = draw(kinds)
        make = _set("new_address_2", kind[7:]) if kind.startswith("tricky:") else ODD[kind]
        records[at] = make(msgspec.json.decode(RECORDS[at]))
    gap = draw(spacing)
    body = draw(spacing) + b'{"leads":' + gap + b"[" + gap
    body += (gap + b"," + gap).join(records) + gap + b"]" + gap + b"}" + draw(spacing)
    damage = draw(st.sampled_from(["none", "none", "cut", "flip"]))
    if damage != "none" and body:
        at = draw(st.integers(0, len(body) - 1))
        body = body[:at] if damage == "cut" else body[:at] + b"}" + body[at + 1 :]
    return body


def parts_of(body: bytes, cuts: list[int]) -> list[bytes]:
    edges = [0, *sorted({c % (len(body) + 1) for c in cuts}), len(body)]
    return [body[a:b] for a, b in pairwise(edges)]


def outcome(parse: object, *args: object) -> ParseResult | tuple[str, str, str]:
    try:
        return parse(*args)  # type: ignore[operator]
    except ApiError as error:
        return (type(error).__name__, str(error), error.detail)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=300)
@given(
    body=bodies(),
    cuts=st.lists(st.integers(0, 1 << 20), max_size=12),
    chunk=st.sampled_from([1, 90, 400, 3000]),
    least=st.sampled_from([1, 50, 700, 5000]),
)
def test_parts_give_what_the_joined_body_gives(
    monkeypatch: pytest.MonkeyPatch, body: bytes, cuts: list[int], chunk: int, least: int
) -> None:
    parts = parts_of(body, cuts)
    assert b"".join(parts) == body
    with monkeypatch.context() as patch:
        patch.setattr(parse_module, "CHUNK_BYTES", chunk)
        patch.setattr(parse_slices, "MIN_RUN", least)
        joined = outcome(parse_leads, body)
        from_parts = outcome(parse_parts, parts)
    assert from_parts == joined
    for result in (joined, from_parts):
        if isinstance(result, ParseResult) and result.created_keys is not None:
            stamps = [lead.created_at for lead in result.leads]
            assert result.created_keys == instant_keys(stamps)


@given(sizes=st.lists(st.integers(0, 300), max_size=30), least=st.integers(1, 400))
def test_runs_hold_the_parts_in_order_each_long_enough(sizes: list[int], least: int) -> None:
    parts = [bytes([i % 251]) * n for i, n in enumerate(sizes)]
    runs = parse_slices.coalesced(parts, least)
    assert b"".join(runs) == b"".join(parts)
    assert all(len(run) >= least for run in runs[:-1] if len(runs) > 1)
    assert len(runs) < 2 or len(runs[-1]) >= least


@given(sizes=st.lists(st.integers(50, 300), max_size=30))
def test_parts_long_enough_are_not_copied(sizes: list[int]) -> None:
    parts = [bytes([i % 251]) * n for i, n in enumerate(sizes)]
    runs = parse_slices.coalesced(parts, 50)
    assert len(runs) == len(parts) and all(map(bytes.__eq__, runs, parts))
    assert all(run is part for run, part in zip(runs, parts, strict=True) if len(part) > 1)


def test_a_usual_body_is_parsed_from_its_parts_without_joining_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = sandbox_records(3000)
    body = with_odd(records, [(5, "undocumented field"), (1500, "null"), (2900, "number")])
    joined = parse_leads(body)
    parts = parts_of(body, list(range(7, len(body), 40_000)))  # a slice across every seam
    monkeypatch.setattr(parse_slices, "MIN_RUN", 1000)  # the 7 bytes first go with the next
    monkeypatch.setattr(parse_module, "parse_leads", _no_joined_body)
    assert parse_parts(parts) == joined
    assert len(joined.leads) == 3000


def _no_joined_body(*_: object, **__: object) -> ParseResult:
    raise AssertionError("the parts were joined and parsed as one body")


def test_the_client_parses_the_parts_it_read(monkeypatch: pytest.MonkeyPatch) -> None:
    query = Query.last_days(30)
    with Sandbox(leads=6000, seed=5, now=NOW) as box:
        raw = httpx.get(
            box.base_url + leads_path(DEMO_CLIENT_ID),
            params=query.params(),
            headers={"Authorization": DEMO_API_KEY},
        ).content
        expected = parse_leads(raw)
        monkeypatch.setattr(parse_module, "parse_leads", _no_joined_body)
        with LeadsClient(box.base_url, DEMO_API_KEY, settings=FAST) as client:
            result = client.fetch(DEMO_CLIENT_ID, query)
    assert result.leads == expected.leads and len(result.leads) == 6000
    assert result.bytes_received == len(raw) > 2 * parse_slices.MIN_RUN
