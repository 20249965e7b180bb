"""``created_at`` forms RFC 3339 allows besides ``YYYY-MM-DDTHH:MM:SSZ`` (lowercase ``t``/``z``,
a space for ``T``), and ``fromisoformat``'s ISO 8601 extras: kept exactly as sent, placed by
their instant when sorting, bucketing and filtering, never sorted as text."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api.lead import instant_keys, parse_timestamp, sorts_as_text
from mymove_viewer.api.parse import parse_leads
from mymove_viewer.table import sort as sort_module
from mymove_viewer.table.display import CREATED, display, search_texts
from mymove_viewer.table.overview import HOUR, instants, volume
from mymove_viewer.table.sort import presort

# Each names a different second of 2026-11-27 17:41 UTC; as text, they sort in another order.
FORMS = {
    "2026-11-27T17:41:03Z": 3,
    "2026-11-27t17:41:01Z": 1,
    "2026-11-27 17:41:05Z": 5,
    "2026-11-27T17:41:00z": 0,
    "2026-11-27t17:41:04z": 4,
    "2026-W48-5T17:41:02Z": 2,  # ISO week date: Friday of week 48 is the 27th
    "2026-11-27T18:41:06+01:00": 6,
}

# Subsets a check on length and "…Z" alone, or on "T" at [10] too, would take for text.
SETS = {
    "all": list(FORMS),
    "length-and-Z": [t for t in FORMS if len(t) == 20 and t.endswith("Z")],
    "week-date": ["2026-11-27T17:41:03Z", "2026-W48-5T17:41:02Z"],
}


def body(stamps: list[str]) -> bytes:
    records = [{"created_at": s, "first_name": f"n{i}"} for i, s in enumerate(stamps)]
    return json.dumps({"leads": records}).encode()


def shuffled(forms: str = "all") -> list[str]:
    stamps = SETS[forms] * 3
    random.Random(7).shuffle(stamps)
    return stamps


def test_every_form_is_the_instant_it_names() -> None:
    for text, second in FORMS.items():
        assert parse_timestamp(text) == datetime(2026, 11, 27, 17, 41, second, tzinfo=UTC), text


@pytest.mark.parametrize("text", [t for t in FORMS if t != "2026-11-27T17:41:03Z"])
def test_only_the_canonical_form_sorts_as_text(text: str) -> None:
    assert sorts_as_text(["2026-11-27T17:41:03Z", "2026-11-28T00:00:00Z"])
    assert sorts_as_text([])
    assert not sorts_as_text(["2026-11-27T17:41:03Z", text])


@pytest.mark.parametrize("forms", SETS)
def test_the_parser_keeps_each_form_as_sent_and_does_not_call_it_canonical(forms: str) -> None:
    stamps = shuffled(forms)
    result = parse_leads(body(stamps))
    assert [lead.created_at for lead in result.leads] == stamps  # to the last character
    assert not result.canonical_created
    assert parse_leads(body(["2026-11-27T17:41:03Z"] * 3)).canonical_created  # the control


def test_one_block_with_another_form_makes_the_whole_body_not_canonical(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stamps = [f"2026-11-27T17:{m:02d}:00Z" for m in range(60)]
    stamps[45] = "2026-11-27 17:45:00Z"
    monkeypatch.setattr(parse_module, "CHUNK_BYTES", 200)  # many blocks, one of them odd
    assert len(parse_module._split(body(stamps)) or []) > 10
    result = parse_leads(body(stamps))
    assert [lead.created_at for lead in result.leads] == stamps
    assert not result.canonical_created


@pytest.mark.parametrize("forms", SETS)
@pytest.mark.parametrize("descending", [False, True])
def test_sorted_by_instant_with_what_the_parser_found(
    monkeypatch: pytest.MonkeyPatch, forms: str, descending: bool
) -> None:
    stamps = shuffled(forms)
    result = parse_leads(body(stamps))
    rows = presort(result.leads, (), "created_at", descending, canonical=result.canonical_created)
    assert rows is not None
    seconds = [FORMS[result.leads[r].created_at] for r in rows.rows]
    assert seconds == sorted(seconds, reverse=descending)
    # With the keys the parser gathered, the leads' values are not read again.
    assert result.created_keys == instant_keys([lead.created_at for lead in result.leads])
    other = presort(result.leads, (), "created_at", descending, created_keys=stamps[:1])
    assert other is not None and other.rows == rows.rows  # keys of other leads: not taken
    monkeypatch.setattr(sort_module, "values_of", _not_read)
    keyed = presort(result.leads, (), "created_at", descending, created_keys=result.created_keys)
    assert keyed is not None and keyed.rows == rows.rows
    monkeypatch.undo()
    # As after a merge, when the parser's finding no longer holds: the keys are checked again.
    rows = presort(result.leads, (), "created_at", descending)
    assert rows is not None
    seconds = [FORMS[result.leads[r].created_at] for r in rows.rows]
    assert seconds == sorted(seconds, reverse=descending)


def _not_read(*_: object, **__: object) -> list[str]:
    raise AssertionError("the leads' created_at values were read")


def test_bucketed_and_filtered_by_the_instant() -> None:
    leads = parse_leads(body(shuffled())).leads
    at = instants(leads)
    assert at == [parse_timestamp(lead.created_at).timestamp() for lead in leads]  # type: ignore[union-attr]
    bars = volume(at, tz=UTC)
    assert bars.unit == HOUR and sum(bars.counts) == len(leads) and max(bars.counts) == len(leads)
    # The filter finds a row by what its cell shows: the same minute for every form.
    (minute,) = {display(CREATED, lead.created_at) for lead in leads}
    assert all(minute.lower() in text for text in search_texts(leads, at=at))


def test_the_canonical_form_of_an_impossible_time_is_skipped_not_sorted_as_text() -> None:
    impossible = ["2026-11-27T17:41:03Z", "2026-02-30T10:00:00Z"]
    assert sorts_as_text(impossible)  # the form alone: all a parsed lead's stamps need
    assert not sorts_as_text(impossible, validate=True)  # raw text is also read as a time
    assert sorts_as_text(impossible[:1], validate=True)
    result = parse_leads(body(impossible))
    assert [lead.created_at for lead in result.leads] == impossible[:1]
    assert result.skip_reasons == {"records with a missing or invalid created_at": 1}
    assert result.canonical_created
