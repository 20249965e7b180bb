"""The sliced parse at its own slice size: each slice decoded and built in turn, the GIL offered
between slices, a cancel heard within a slice; and the large reads under it (issue 15)."""

from __future__ import annotations

import httpcore
import pytest

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api import transport
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.errors import CancelledError
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.parse import ParseResult, parse_leads
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from tests.api.conftest import FAST, NOW
from tests.api.odd_records import sandbox_records, whole_body_decode, with_odd

RECORDS = sandbox_records(3000)  # ~1.5 MB: many slices at the parser's own size
MIDDLE = 1500


def no_whole_body(*_: object) -> ParseResult:
    raise AssertionError("the whole body was decoded generically")


def test_the_body_is_cut_into_many_slices() -> None:
    # What the tests below rely on: the default size cuts this body many times.
    assert len(parse_module._split(with_odd(RECORDS, [])) or []) >= 10


def test_an_odd_record_mid_body_gives_the_clean_leads_plus_its_column(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clean_body = with_odd(RECORDS, [])
    odd_body = with_odd(RECORDS, [(MIDDLE, "undocumented field")])
    clean = parse_leads(clean_body)
    monkeypatch.setattr(parse_module, "_robust", no_whole_body)  # it stays sliced
    odd = parse_leads(odd_body)
    assert len(odd.leads) == len(clean.leads) == len(RECORDS)
    assert odd.leads[:MIDDLE] == clean.leads[:MIDDLE]
    assert odd.leads[MIDDLE + 1 :] == clean.leads[MIDDLE + 1 :]
    lead, was = odd.leads[MIDDLE], clean.leads[MIDDLE]
    assert lead[: len(FIELDS)] == was[: len(FIELDS)]
    assert lead.get("lead_source") == "partner-web" and was.get("lead_source") == ""
    assert set(odd.extra_fields) == {*clean.extra_fields, "lead_source"}
    assert (odd.skipped, odd.canonical_created) == (clean.skipped, clean.canonical_created)
    monkeypatch.undo()
    assert odd == whole_body_decode(odd_body)  # what the whole-body decode gives


def test_the_parse_offers_the_gil_between_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    # A waiting GUI thread must get the GIL while a large body is parsed on a worker.
    body = with_odd(RECORDS, [(7, "null"), (MIDDLE, "number")])
    offered: list[int] = []
    monkeypatch.setattr(parse_module, "PACE_S", 0.0)  # every slice: the count is exact
    monkeypatch.setattr(parse_module, "yield_gil", lambda: offered.append(1))
    result = parse_leads(body)
    assert len(offered) == len(parse_module._split(body) or [])
    monkeypatch.undo()
    assert result == parse_leads(body)


def test_a_cancel_is_heard_within_a_slice(monkeypatch: pytest.MonkeyPatch) -> None:
    body = with_odd(RECORDS, [])
    decoded: list[int] = []  # slices decoded and built, as plain strings or literals
    block_leads = parse_module._block_leads
    monkeypatch.setattr(
        parse_module, "_block_leads", lambda *a: decoded.append(1) or block_leads(*a)
    )
    with pytest.raises(CancelledError):
        parse_leads(body, cancel=lambda: len(decoded) >= 3)
    assert len(decoded) == 3  # not the body's other slices


def test_reads_take_what_the_socket_holds_in_large_pieces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    asked: list[int] = []
    read = httpcore._backends.sync.SyncStream.read

    def recording(self: object, max_bytes: int, timeout: float | None = None) -> bytes:
        asked.append(max_bytes)
        return read(self, max_bytes, timeout)  # type: ignore[arg-type]

    monkeypatch.setattr(httpcore._backends.sync.SyncStream, "read", recording)
    with (
        Sandbox(leads=6000, seed=5, now=NOW) as box,
        LeadsClient(box.base_url, DEMO_API_KEY, environment="Staging", settings=FAST) as client,
    ):
        result = client.fetch(DEMO_CLIENT_ID, Query.last_days(30))
    assert len(result.leads) == 6000 and result.bytes_received > 2 * transport.READ_BYTES
    assert asked and min(asked) == transport.READ_BYTES
