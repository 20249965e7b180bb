"""A body gathered into one buffer of its declared length is the concatenation of its reads,
whatever the length said; the client parses the buffer it filled."""

from __future__ import annotations

import mmap

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mymove_viewer.api import body_buffer
from mymove_viewer.api.body_buffer import BodyBuffer
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.parse import parse_leads
from mymove_viewer.api.query import Query, leads_path
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from tests.api.conftest import FAST, NOW

reads = st.lists(st.binary(max_size=40), max_size=12)


@given(chunks=reads, off=st.integers(-50, 50), declared=st.booleans())
def test_the_body_is_the_reads_in_order(chunks: list[bytes], off: int, declared: bool) -> None:
    whole = b"".join(chunks)
    length = max(len(whole) + off, 0) if declared else None  # a length that may be wrong
    gathered = BodyBuffer(length)
    for chunk in chunks:
        gathered.add(chunk)
    assert bytes(gathered.body()) == whole


def test_reads_that_fill_the_declared_length_are_not_joined() -> None:
    gathered = BodyBuffer(10)
    for chunk in (b"abc", b"defg", b"hij"):
        gathered.add(chunk)
    body = gathered.body()
    assert isinstance(body, memoryview) and body.tobytes() == b"abcdefghij"
    if body_buffer._POPULATE is not None:
        assert isinstance(body.obj, mmap.mmap)  # pages made at once, given back as a whole


def test_the_client_parses_the_buffer_it_filled(monkeypatch: pytest.MonkeyPatch) -> None:
    made: list[int] = []
    allocate = body_buffer._allocate
    monkeypatch.setattr(body_buffer, "_allocate", lambda n: made.append(n) or allocate(n))
    query = Query.last_days(30)
    with Sandbox(leads=6000, seed=5, now=NOW) as box:
        raw = httpx.get(
            box.base_url + leads_path(DEMO_CLIENT_ID),
            params=query.params(),
            headers={"Authorization": DEMO_API_KEY},
        ).content
        with LeadsClient(box.base_url, DEMO_API_KEY, settings=FAST) as client:
            result = client.fetch(DEMO_CLIENT_ID, query)
    assert made == [len(raw)]  # one buffer, of the declared length
    assert result.leads == parse_leads(raw).leads and len(result.leads) == 6000
