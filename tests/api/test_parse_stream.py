"""The parse while the body downloads (``LeadStream``): ``parse_leads``'s result or error for
the same bytes however they arrive, slices parsed before the body's end, its memory given back
(issue 15). The fuzz tests (``tests/reliability/test_fuzz.py``) hold it to ``parse_leads`` on
every body they make."""

from __future__ import annotations

import json
import random
import re
import sys
import tracemalloc
from collections.abc import Iterator
from dataclasses import replace

import httpx
import pytest

from mymove_viewer.api import transport
from mymove_viewer.api.client import FetchResult, LeadsClient
from mymove_viewer.api.errors import CancelledError, InvalidResponseError, NetworkError
from mymove_viewer.api.parse import ParseResult, SlicedParse, parse_leads
from mymove_viewer.api.parse_stream import LeadStream
from mymove_viewer.api.query import Query, leads_path
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Fault, Sandbox
from tests.api.conftest import FAST, NOW
from tests.api.odd_records import sandbox_records, with_odd

RECORDS = sandbox_records(3000)  # ~1.5 MB: many slices at the parser's own size
BODY = with_odd(RECORDS, [(7, "null"), (1500, "undocumented field"), (2999, "number")])


def reads(body: bytes, seed: int, most: int) -> Iterator[bytes]:
    rnd = random.Random(seed)
    at = 0
    while at < len(body):
        size = rnd.randint(1, most)
        yield body[at : at + size]
        at += size


def streamed(body: bytes, seed: int = 0, most: int = 1 << 20, **sizes: int) -> ParseResult:
    stream = LeadStream(**sizes)
    for data in reads(body, seed, most):
        stream.feed(data)
    return stream.finish()


def same(a: ParseResult, b: ParseResult) -> bool:
    return a == b and a.created_keys == b.created_keys


@pytest.mark.parametrize(("most", "chunk"), [(1 << 20, 1 << 16), (70_000, 1 << 16), (3000, 1000)])
def test_any_reads_give_the_leads_of_the_whole_body(most: int, chunk: int) -> None:
    # Reads of any size, slices small enough to cut everywhere: slices across reads, cuts
    # missed at the end of a read.
    whole = parse_leads(BODY)
    for seed in range(3):
        assert same(streamed(BODY, seed, most, chunk=chunk), whole)
    assert len(whole.leads) == len(RECORDS)


def test_the_slices_are_parsed_while_the_body_arrives(monkeypatch: pytest.MonkeyPatch) -> None:
    added: list[int] = []
    add = SlicedParse.add

    def counted(self: SlicedParse, piece: bytes) -> None:
        added.append(len(piece))
        add(self, piece)

    monkeypatch.setattr(SlicedParse, "add", counted)
    stream = LeadStream()
    pieces = list(reads(BODY, 1, 100_000))
    for data in pieces[:-1]:
        stream.feed(data)
    before_the_end = len(added)
    stream.feed(pieces[-1])
    result = stream.finish()
    parsed = len(added)
    assert same(result, parse_leads(BODY))
    # All but the slices of the last read (up to ~100 KB) were parsed before it came.
    assert before_the_end >= parsed - 3
    assert parsed >= 15


@pytest.mark.parametrize(
    "body",
    [
        # ``},{`` inside a string where a slice is cut: that slice is not JSON, the body is
        # parsed whole.
        with_odd(RECORDS, []).replace(b'"Smith"', b'"Sm},{ith"'),
        # The list of leads is not the only member: after it, or before it.
        with_odd(RECORDS, [])[:-1] + b',"next":"b2"}',
        b'{"count":3000,' + with_odd(RECORDS, [])[1:],
        # Spacing around the head and the end.
        b' \n{ "leads" : [' + with_odd(RECORDS, [])[10:-2] + b"] \n} \n",
        # A second list of leads after the first: the whole body keeps one of them.
        with_odd(RECORDS, [])[:-1] + b',"leads":[' + RECORDS[5] + b"]}",
    ],
    ids=["cut-in-a-string", "member-after", "member-before", "spacing", "two-lists"],
)
def test_bodies_the_stream_cannot_cut_give_the_whole_body_parse(body: bytes) -> None:
    whole = parse_leads(body)
    assert len(whole.leads) in (1, len(RECORDS))
    assert same(streamed(body, 2, 50_000, chunk=4096), whole)


@pytest.mark.parametrize("most", [20_000, 1 << 20])
def test_a_later_list_of_leads_stands_alone_whatever_is_left_unparsed(most: int) -> None:
    # The later list wins in the whole body, also when it is the very text of the first list's
    # records still unparsed at the end (one of these ``second``).
    records = RECORDS[:300]
    for second in range(300):
        later = b',"leads":[' + b",".join(records[second:]) + b"]}"
        body = with_odd(records, [])[:-1] + later
        whole = parse_leads(body)
        assert len(whole.leads) == len(records) - second
        assert same(streamed(body, 8, most, chunk=4096), whole), second


@pytest.mark.parametrize(
    ("after", "kept"),
    [
        (b',"meta":{"leads":1},"score":NaN}', len(RECORDS)),  # nested, and what msgspec refuses
        (b',"score":NaN,"note":"leads"}', len(RECORDS)),
        (b',"lead\\u0073":[]}', 0),  # "leads" escaped: a later list, empty
        (b',"lead\\u0073":[],"score":NaN}', 0),
    ],
)
def test_members_after_the_list_give_the_whole_body_parse(after: bytes, kept: int) -> None:
    records = [r.replace(b'"own"', b'"leads"') for r in RECORDS]  # "leads" as a value too
    body = with_odd(records, [])[:-1] + after
    whole = parse_leads(body)
    assert len(whole.leads) == kept
    assert same(streamed(body, 11, 70_000, chunk=4096), whole)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b'{"leads":[',
        with_odd(RECORDS, [])[:-300_000],  # cut off mid-body
        with_odd(RECORDS, [])[:-2] + b"]",
        with_odd(RECORDS, []).replace(b'"}', b'"', 1),
        b'{"leads": null}',
        b'{"leads": []}',
    ],
    ids=["empty", "blank", "head-only", "cut-off", "no-end", "broken-record", "null", "none"],
)
def test_broken_and_short_bodies_give_the_whole_body_parse_or_its_error(body: bytes) -> None:
    try:
        expected: ParseResult | InvalidResponseError = parse_leads(body, status=200)
    except InvalidResponseError as error:
        expected = error
    stream = LeadStream(chunk=4096)
    for data in reads(body, 3, 60_000):
        stream.feed(data)
    if isinstance(expected, ParseResult):
        assert same(stream.finish(status=200), expected)
        return
    with pytest.raises(InvalidResponseError) as raised:
        stream.finish(status=200)
    # The same error; its detail's position may be counted in the last part of the body (this
    # keeps no more of it), which it then says.
    assert str(raised.value) == str(expected)
    got, want = raised.value.detail.split("; "), expected.detail.split("; ")
    assert (got[:2], got[-1]) == (want[:2], want[-1])  # status, size, the answer's start
    assert got[2].split(":")[0] == want[2].split(":")[0]  # the decoder's error
    assert len(got) == len(want)


def test_a_cancel_is_heard_while_the_body_arrives() -> None:
    asked: list[int] = []

    def cancel() -> bool:
        asked.append(1)
        return len(asked) > 3

    stream = LeadStream(cancel=cancel)
    with pytest.raises(CancelledError):
        for data in reads(BODY, 4, 200_000):
            stream.feed(data)
    stream.close()
    assert len(asked) == 4


def test_a_read_is_let_go_once_its_slices_are_parsed() -> None:
    # Reads kept to the end stayed resident after the parse (the heap below the leads).
    pieces = list(reads(BODY, 5, 100_000))
    stream = LeadStream()
    alone = sys.getrefcount(pieces[0])
    for k, data in enumerate(pieces):
        stream.feed(data)
        held = {i for i in range(k + 1) if sys.getrefcount(pieces[i]) > alone}
        assert held <= {k - 1, k}  # at most the last two reads (a slice not yet complete)
    assert same(stream.finish(), parse_leads(BODY))


def test_the_stream_holds_a_few_slices_of_the_body_at_most() -> None:
    # Every record skipped (no created_at), so the leads take no memory: what the parse holds
    # at its peak is the body it keeps, which must not grow with the body.
    records = RECORDS * 3
    body = re.sub(rb'"created_at":"[^"]*"', b'"created_at":"nope"', with_odd(records, []))
    assert parse_leads(body).skipped == len(records)
    stream = LeadStream()
    pieces = list(reads(body, 7, 100_000))
    tracemalloc.start()
    try:
        for data in pieces:
            stream.feed(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert stream.finish().skipped == len(records)
    # A 4.4 MB body: a slice, a read or two, the decoded structs, the values learned.
    assert peak < len(body) / 4


def test_the_parse_s_leads_are_those_of_each_record_in_order() -> None:
    # Not only equal to parse_leads: right (the first and last records, the odd ones).
    result = streamed(BODY, 6, 40_000, chunk=2048)
    first, last = json.loads(RECORDS[0]), json.loads(RECORDS[-2])
    assert result.leads[0].email == first["email"]
    assert result.leads[-2].email == last["email"]
    assert result.leads[1500].get("lead_source") == "partner-web"


# -- in the client, over loopback ---------------------------------------------------------------


@pytest.fixture(scope="module")
def big_box() -> Iterator[Sandbox]:
    with Sandbox(leads=6000, seed=5, now=NOW) as box:  # ~3 MB: read in several parts
        yield box


def fetch(box: Sandbox, tries: int = FAST.max_tries) -> FetchResult:
    settings = replace(FAST, max_tries=tries)
    with LeadsClient(box.base_url, DEMO_API_KEY, environment="Staging", settings=settings) as c:
        return c.fetch(DEMO_CLIENT_ID, Query.last_days(30))


def test_a_fetch_gives_the_leads_of_its_body_parsed_whole(big_box: Sandbox) -> None:
    raw = httpx.get(
        big_box.base_url + leads_path(DEMO_CLIENT_ID),
        params=Query.last_days(30).params(),
        headers={"Authorization": DEMO_API_KEY},
    ).content
    whole = parse_leads(raw)
    result = fetch(big_box)
    assert len(raw) > 2 * transport.READ_BYTES and len(whole.leads) == 6000
    assert result.leads == whole.leads and result.extra_fields == whole.extra_fields


@pytest.mark.parametrize(
    ("fault", "error", "match"),
    [
        (Fault("truncate"), InvalidResponseError, "cut off"),
        (Fault("reset_mid_body"), NetworkError, "lost"),
    ],
)
def test_a_body_cut_off_while_its_slices_are_parsed_is_a_clear_error(
    big_box: Sandbox, fault: Fault, error: type[Exception], match: str
) -> None:
    added: list[int] = []
    add = SlicedParse.add

    def counted(self: SlicedParse, piece: bytes) -> None:
        added.append(1)
        add(self, piece)

    big_box.inject(fault)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SlicedParse, "add", counted)
        with pytest.raises(error, match=match):
            fetch(big_box, tries=1)
    assert added  # the parse had started
    assert len(fetch(big_box).leads) == 6000  # and the next fetch is whole


def test_a_cut_inside_a_string_in_every_record_costs_about_one_more_decode() -> None:
    # A value holding "},{" in every record: half the cuts fall inside a string. The slice is
    # tried again up to the next cut (where that record ends), not at twice the length.
    body = with_odd(RECORDS, []).replace(b'"new_address_2":"', b'"new_address_2":"A},{B')
    decoded: list[int] = []
    add = SlicedParse.add

    def counted(self: SlicedParse, piece: bytes) -> None:
        decoded.append(len(piece))
        add(self, piece)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(SlicedParse, "add", counted)
        result = streamed(body, 12, 100_000)
    assert same(result, parse_leads(body))
    assert sum(decoded) < 2.2 * len(body)
