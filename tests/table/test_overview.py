"""The overview's numbers: instants, hour/day buckets, labels, states and tenure."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from mymove_viewer.api.lead import Lead
from mymove_viewer.sandbox import Sandbox
from mymove_viewer.table.overview import (
    DAY,
    HOUR,
    Volume,
    breakdown,
    bucket_counts,
    bucket_edges,
    extended,
    instants,
    volume,
)

NOW = datetime(2026, 11, 27, 17, 41, tzinfo=UTC)


def sandbox_leads(n: int = 3000, seed: int = 7) -> list[Lead]:
    return [Lead.from_mapping(d) for d in Sandbox(leads=n, seed=seed, now=NOW).leads]


def test_instants_match_parsed_timestamps_and_nan_for_junk() -> None:
    leads = [
        Lead.from_mapping({"created_at": "2026-11-27T09:41:05Z"}),
        Lead.from_mapping({"created_at": "2026-11-27T10:41:05.123+01:00"}),
        Lead.from_mapping({"created_at": "yesterday"}),
    ]
    got = instants(leads)
    want = datetime(2026, 11, 27, 9, 41, 5, tzinfo=UTC).timestamp()
    assert got[0] == want and abs(got[1] - (want + 0.123)) < 1e-6
    assert math.isnan(got[2])
    assert instants(leads[:1]) == [want]  # the all-"Z" fast path


def test_hourly_buckets_for_a_known_sandbox_day() -> None:
    leads = sandbox_leads()
    start = NOW - timedelta(hours=24)
    day = [lead for lead in leads if start <= lead.created <= NOW]
    assert len(day) > 50
    data = volume(instants(day), (start.timestamp(), NOW.timestamp()), UTC)
    assert data.unit == HOUR
    assert len(data) == 25  # 17:00 yesterday … 17:00 today, whole UTC hours
    assert data.edges[0] == datetime(2026, 11, 26, 17, tzinfo=UTC).timestamp()
    by_hour = Counter(lead.created_at[:13] for lead in day)  # "2026-11-27T09"
    for i, count in enumerate(data.counts):
        hour = datetime.fromtimestamp(data.edges[i], UTC).strftime("%Y-%m-%dT%H")
        assert count == by_hour.get(hour, 0), hour
    assert sum(data.counts) == len(day)
    busiest = max(range(len(data)), key=data.counts.__getitem__)
    n = data.counts[busiest]
    label = data.label(busiest, UTC)
    assert label.endswith(f" · {n} leads") and "–" in label and label.startswith("Nov 2")


def test_daily_buckets_over_a_week_in_local_days() -> None:
    leads = sandbox_leads()
    ts = instants(leads)
    week = ((NOW - timedelta(days=7)).timestamp(), NOW.timestamp())
    zone = ZoneInfo("America/New_York")
    data = volume([t for t in ts if week[0] <= t <= week[1]], week, zone)
    assert data.unit == DAY
    want = Counter(
        lead.created.astimezone(zone).date()
        for lead in leads
        if week[0] <= lead.created.timestamp() <= week[1]
    )
    days = [datetime.fromtimestamp(e, zone).date() for e in data.edges[:-1]]
    got = dict(zip(days, data.counts, strict=True))
    assert {d: c for d, c in got.items() if c} == dict(want)
    assert data.label(0, zone) == f"Nov 20 · {data.counts[0]:,} leads"


def test_day_edges_follow_daylight_saving() -> None:
    zone = ZoneInfo("America/New_York")
    start = datetime(2026, 10, 31, 12, tzinfo=zone).timestamp()
    edges = bucket_edges(start, start + 3 * 86400, DAY, zone)
    lengths = [b - a for a, b in pairwise(edges)]
    assert 25 * 3600 in lengths  # Nov 1 2026 has 25 hours in New York


def test_bucket_counts_leave_out_values_outside_and_nan() -> None:
    edges = [0.0, 10.0, 20.0]
    assert bucket_counts([-1.0, 0.0, 9.9, 10.0, 19.9, 20.0, math.nan], edges) == [2, 2]


def test_breakdown_states_and_tenure() -> None:
    rows = [("TX", "own"), ("TX", "rent"), ("CA", "OWN"), ("NY", ""), ("TX", "own")]
    leads = [Lead.from_mapping({"new_state": s, "new_housing_tenure": t}) for s, t in rows]
    info = breakdown(leads, top=2)
    assert info.states == (("TX", 3), ("CA", 1)) and info.other_states == 1
    assert (info.own, info.rent, info.other_tenure) == (3, 1, 1)
    assert info.states_text() == "TX 3 · CA 1 · others 1"
    assert info.tenure_text() == "Own 3 (60%) · Rent 1 (20%) · not given 1"
    assert breakdown([]).tenure_text() == ""


def test_extended_adds_new_values_and_grows_the_axis_at_the_end() -> None:
    start = datetime(2026, 11, 27, 9, 30, tzinfo=UTC).timestamp()
    old = [start + 60, start + 3600 * 2]
    base = volume(old, (start, start + 3 * 3600), UTC)
    new = [start + 3600 * 4.2, start + 90]
    grown = extended(base, new, (start, start + 5 * 3600), UTC)
    assert grown == volume(old + new, (start, start + 5 * 3600), UTC)
    assert grown is not None and grown.edges[: len(base.edges)] == base.edges
    assert extended(base, [start - 7200], None, UTC) is None  # before the first bucket
    assert extended(base, [], (start, start + 3 * 86400), UTC) is None  # hours become days


def test_a_bars_label_names_its_year_when_the_bars_are_not_this_years() -> None:
    """A tooltip and the keyboard's hint say "Dec 3 2025" under a 2025 window, as the axis
    does; bars all in today's year (or no year given) keep "Dec 3"."""
    day = 86_400.0
    start = datetime(2025, 12, 3, tzinfo=UTC).timestamp()
    past = Volume(DAY, tuple(start + i * day for i in range(4)), (1, 2, 3))
    assert past.label(0, UTC) == "Dec 3 · 1 lead"
    assert past.label(0, UTC, this_year=2025) == "Dec 3 · 1 lead"
    assert past.label(2, UTC, this_year=2026) == "Dec 5 2025 · 3 leads"
    across = Volume(DAY, tuple(start + i * day for i in range(0, 61, 20)), (4, 5, 6))
    assert across.label(2, UTC, this_year=2026) == "Jan 12 2026 · 6 leads"  # two bars in 2025
    hours = Volume(HOUR, (start, start + 3600), (7,))
    assert hours.label(0, UTC, this_year=2026) == "Dec 3 2025 00:00–01:00 · 7 leads"
