"""The filter's search texts hold each value as the table shows it: ``created_at`` in local time."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer.api.lead import Lead
from mymove_viewer.slices import SLICE
from mymove_viewer.table.display import (
    CREATED,
    DATE,
    GROUP_SEPARATOR,
    SEPARATOR,
    columns_for,
    display,
    search_texts,
)
from mymove_viewer.table.overview import instants

# US zones with clock changes, a half-hour offset with none, a half-hour clock change (Lord
# Howe), and one whose old local mean time has seconds in its offset (Amsterdam, +0:19:32).
ZONES = ["America/New_York", "Asia/Kolkata", "Australia/Lord_Howe", "Europe/Amsterdam", "UTC"]
COLUMNS = columns_for(("old_housing_tenure",))


GROUPED = (("first_name", "last_name", "email"), ("new_address_1", "new_city"),
           ("old_address_1", "old_city"))  # fmt: skip


def reference(lead: Lead) -> str:
    """Every value but ``created_at`` as sent, then ``created_at`` as its cell shows it, all in
    lowercase as the filter's term is (a time shown as sent keeps letters: "T", "Z"). The names
    and email first, then the new street and city, then the old ones, then the rest: groups
    between ``GROUP_SEPARATOR``s."""
    sent = lead.as_dict()
    groups = [SEPARATOR.join(sent[f] for f in fields) for fields in GROUPED]
    rest = [v for f, v in sent.items() if f != "created_at" and all(f not in g for g in GROUPED)]
    rest.append(display(CREATED, lead.created_at))
    return GROUP_SEPARATOR.join([*groups, SEPARATOR.join(rest)]).lower()


def lead_at(created: str, **fields: str) -> Lead:
    return Lead.from_mapping({"created_at": created, **fields})


def every_minute_around(moment: datetime, hours: int) -> list[str]:
    """One stamp a minute (at varying seconds) from ``hours`` before to after ``moment``."""
    start = moment - timedelta(hours=hours)
    return [
        (start + timedelta(minutes=m, seconds=m % 60)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for m in range(2 * hours * 60)
    ]


STAMPS = [
    *every_minute_around(datetime(2026, 3, 8, 7, tzinfo=UTC), 2),  # New York springs forward
    *every_minute_around(datetime(2026, 11, 1, 6, tzinfo=UTC), 2),  # … and falls back
    *every_minute_around(datetime(2026, 4, 4, 15, tzinfo=UTC), 2),  # Lord Howe: half an hour
    *every_minute_around(datetime(1850, 6, 1, 12, tzinfo=UTC), 1),  # Amsterdam: +0:19:32
    "2026-11-27T17:41:05.5+01:00",  # an offset and a fraction: the same minute as 16:41Z
    "2026-11-27T16:41:59.999999Z",
    "2026-11-27t16:41:00z",  # RFC 3339 allows lowercase
    "2026-11-27T16:41:60Z",  # not a time: shown as sent
    "yesterday",
    "",
]


def test_each_created_at_is_found_as_its_cell_shows_it(zone: str) -> None:
    leads = [lead_at(s, first_name=f"n{i}") for i, s in enumerate(STAMPS)]
    leads.append(lead_at("2026-11-27T16:41:00Z", old_housing_tenure="own"))  # an extra field
    texts = search_texts(leads)
    assert texts == [reference(lead) for lead in leads]
    assert search_texts(leads, at=instants(leads)) == texts
    # The UTC text as sent is not in the text: a row is found by what the table shows.
    assert "2026-11-27t16:41:00z" not in texts[-1] or zone == "UTC"


@settings(max_examples=60, deadline=None)
@given(
    seconds=st.lists(st.integers(-2_208_988_800, 4_102_444_800), min_size=1, max_size=40),
    zone=st.sampled_from(ZONES),
)
def test_any_instant_in_any_zone_matches_its_cell(seconds: list[int], zone: str) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", zone)
        time.tzset()
        stamps = [datetime.fromtimestamp(s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") for s in seconds]
        leads = [lead_at(s) for s in stamps]
        assert search_texts(leads) == [reference(lead) for lead in leads]
    time.tzset()


def test_texts_built_in_slices_match_one_by_one(zone: str) -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)  # New York's clock goes back at 06:00Z
    stamps = [
        (start + timedelta(seconds=97 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")
        for i in range(2 * SLICE + 9)
    ]
    leads = [lead_at(s) for s in stamps]
    ticks: list[int] = []
    texts = search_texts(leads, pace=lambda: ticks.append(1), at=instants(leads))
    assert len(ticks) == 5  # the GIL is offered between half slices
    assert texts == [reference(lead) for lead in leads]
    assert search_texts(leads, pace=lambda: ticks.append(1)) == texts
    assert len(ticks) == 5 + 8  # the instants are worked out in slices too


@pytest.mark.parametrize(
    ("sent", "shown"),
    [
        ("2026-12-01T00:00:00Z", "2026-12-01"),
        ("2026-12-01", "2026-12-01"),
        ("soon", "soon"),
        # Other scripts' digits are not a date: shown (and found) as sent, never as "2026-12-01".
        ("\u0662\u0660\u0662\u0666-\u0661\u0662-\u0660\u0661T00:00:00Z", None),
    ],
)
def test_move_date_is_found_as_its_cell_shows_it(sent: str, shown: str | None) -> None:
    cell = display(DATE, sent)
    assert cell == (shown if shown is not None else sent)
    [text] = search_texts([lead_at("2026-11-27T16:41:00Z", move_date=sent)])
    assert cell.lower() in text
