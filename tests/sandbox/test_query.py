"""The sandbox's query rules (query.py): RFC 3339, the windows, 400 for bad queries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest

from mymove_viewer.sandbox import Sandbox, parse_rfc3339
from tests.sandbox.helpers import AUTH, NOW, iso, lead, names

# -- contract --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "named"),
    [
        ("", "missing"),
        ("hrs=0", "hrs"),
        ("hrs=-1", "hrs"),
        ("hrs=abc", "hrs"),
        ("days=1.5", "days"),
        ("days=", "days"),
        ("hrs=%D9%A3", "hrs"),  # an Arabic-Indic three is a digit to Python, not to the API
        ("hrs=1&days=1", "combined"),
        ("hrs=1&start=2026-05-01T00:00:00Z&end=2026-05-02T00:00:00Z", "combined"),
        ("start=2026-05-01T00:00:00Z", "together"),
        ("end=2026-05-01T00:00:00Z", "together"),
        ("start=yesterday&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-05-01T00:00:00Z&end=2026-05-02", "end"),
        ("start=2026-05-01 00:00:00Z&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-05-01T00:00:00&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-02-30T00:00:00Z&end=2026-05-02T00:00:00Z", "start"),
        ("start=2026-05-01T00:00:00+02:00&end=2026-05-02T00:00:00Z", "%2B"),
        ("start=2026-05-02T00:00:00Z&end=2026-05-02T00:00:00Z", "before"),
        ("start=2026-05-03T00:00:00Z&end=2026-05-02T00:00:00Z", "before"),
        ("hrs=1&hrs=2", "more than once"),
        ("hours=1", "hours"),
    ],
)
def test_bad_queries_are_400_naming_the_problem(
    sandbox: Sandbox, client: httpx.Client, query: str, named: str
) -> None:
    r = client.get(f"{sandbox.leads_url}?{query}", headers=AUTH)
    assert r.status_code == 400
    assert r.headers["content-type"] == "application/json"
    assert named in r.json()["error"]
    if named != "more than once":  # a dict cannot hold a repeated parameter
        with pytest.raises(ValueError, match=re.escape(named)):
            sandbox.served_leads(dict(httpx.QueryParams(query)))


def test_rfc3339_parsing() -> None:
    base = parse_rfc3339("2020-01-01T14:30:00Z")
    assert base == int(datetime(2020, 1, 1, 14, 30, tzinfo=UTC).timestamp()) * 1_000_000
    assert parse_rfc3339("2020-01-01t14:30:00z") == base
    assert parse_rfc3339("2020-01-01T15:30:00+01:00") == base
    assert parse_rfc3339("2020-01-01T14:30:00.5Z") == base + 500_000
    assert parse_rfc3339("2020-01-01T14:30:00.123456789Z") == base + 123_456
    for bad in ("2020-01-01", "2020-01-01T14:30Z", "2020-13-01T00:00:00Z", "2020-01-01T14:30:00"):
        assert parse_rfc3339(bad) is None


# -- filtering ---------------------------------------------------------------------------------


@pytest.fixture
def edges() -> Iterator[Sandbox]:
    hour = timedelta(hours=1)
    records = [
        lead(iso(NOW - 2 * hour), "two-hours"),
        lead(iso(NOW - hour - timedelta(seconds=1)), "just-outside"),
        lead(iso(NOW - hour), "hour-edge"),
        lead(iso(NOW - timedelta(minutes=5)), "recent"),
        lead(iso(NOW), "now"),
        lead(iso(NOW + timedelta(seconds=1)), "future"),
        lead("2026-06-01T11:30:00.250+00:00", "fraction"),
    ]
    with Sandbox(leads=records[::-1], now=NOW) as sb:
        yield sb
    assert sb.errors == []


def test_hrs_and_days_include_both_ends(edges: Sandbox, client: httpx.Client) -> None:
    r = client.get(edges.leads_url, params={"hrs": 1}, headers=AUTH)
    assert names(r) == ["hour-edge", "fraction", "recent", "now"]
    r = client.get(edges.leads_url, params={"hrs": 2}, headers=AUTH)
    assert names(r)[:2] == ["two-hours", "just-outside"]
    assert "future" not in names(r)
    r = client.get(edges.leads_url, params={"days": 1}, headers=AUTH)
    assert len(names(r)) == 6


def test_start_is_inclusive_and_end_exclusive(edges: Sandbox, client: httpx.Client) -> None:
    params = {"start": iso(NOW - timedelta(hours=1)), "end": iso(NOW)}
    assert names(client.get(edges.leads_url, params=params, headers=AUTH)) == [
        "hour-edge",
        "fraction",
        "recent",
    ]
    offset = {"start": "2026-06-01T12:30:00+01:00", "end": "2026-06-01T13:00:00.000001+01:00"}
    got = names(client.get(edges.leads_url, params=offset, headers=AUTH))
    assert got == ["fraction", "recent", "now"]


def test_windows_match_a_manual_filter(sandbox: Sandbox, client: httpx.Client) -> None:
    everything = sandbox.leads
    created = [datetime.fromisoformat(r["created_at"]) for r in everything]
    cases = [
        ({"hrs": "5"}, lambda t: NOW - timedelta(hours=5) <= t <= NOW),
        ({"days": "7"}, lambda t: NOW - timedelta(days=7) <= t <= NOW),
        (
            {"start": "2026-05-10T00:00:00Z", "end": "2026-05-20T06:00:00Z"},
            lambda t: datetime(2026, 5, 10, tzinfo=UTC) <= t < datetime(2026, 5, 20, 6, tzinfo=UTC),
        ),
    ]
    for query, keep in cases:
        expected = [r for r, t in zip(everything, created, strict=True) if keep(t)]
        assert 0 < len(expected) < len(everything)
        assert client.get(sandbox.leads_url, params=query, headers=AUTH).json()["leads"] == expected
        assert sandbox.served_leads(query) == expected


def test_query_helper_quotes(sandbox: Sandbox, client: httpx.Client) -> None:
    # A client that forgets to escape "+" sends a space; the 400 says how to fix it.
    start = quote("2026-05-01T00:00:00+02:00", safe=":")
    r = client.get(f"{sandbox.leads_url}?start={start}&end=2026-05-02T00:00:00Z", headers=AUTH)
    assert r.status_code == 200
