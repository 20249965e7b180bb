"""Query validation and serialisation: every form, every refusal, before anything is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from mymove_viewer.api.errors import ValidationError
from mymove_viewer.api.query import (
    Query,
    check_base_url,
    clean_api_key,
    clean_client_id,
    leads_path,
    parse_rfc3339,
    rfc3339,
)

EST = timezone(timedelta(hours=-5))


def test_hours_and_days_serialise_as_documented() -> None:
    assert Query.last_hours(1).params() == {"hrs": "1"}
    assert Query.last_days(5).params() == {"days": "5"}


def test_range_is_sent_in_utc_with_z() -> None:
    q = Query.between(
        datetime(2020, 1, 1, 9, 30, tzinfo=EST), datetime(2020, 1, 1, 15, 0, tzinfo=UTC)
    )
    assert q.params() == {"start": "2020-01-01T14:30:00Z", "end": "2020-01-01T15:00:00Z"}


def test_fractional_seconds_are_kept() -> None:
    assert rfc3339(datetime(2020, 1, 1, 0, 0, 0, 250000, tzinfo=UTC)) == "2020-01-01T00:00:00.25Z"


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "3", None.__class__])
def test_bad_counts_are_refused_with_the_reason(value) -> None:
    with pytest.raises(ValidationError, match="hours"):
        Query(hours=value).validated()


def test_huge_counts_are_refused() -> None:
    with pytest.raises(ValidationError, match="at most"):
        Query.last_days(10**9)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({}, "exactly one"),
        ({"hours": 1, "days": 1}, "exactly one"),
        ({"hours": 1, "start": datetime(2020, 1, 1, tzinfo=UTC)}, "exactly one"),
        ({"start": datetime(2020, 1, 1, tzinfo=UTC)}, "both a start and an end"),
        ({"start": datetime(2020, 1, 1), "end": datetime(2020, 1, 2, tzinfo=UTC)}, "time zone"),
        (
            {"start": datetime(2020, 1, 2, tzinfo=UTC), "end": datetime(2020, 1, 1, tzinfo=UTC)},
            "before",
        ),
        (
            {"start": datetime(2020, 1, 1, tzinfo=UTC), "end": datetime(2020, 1, 1, tzinfo=UTC)},
            "before",
        ),
        ({"start": "2020-01-01", "end": datetime(2020, 1, 1, tzinfo=UTC)}, "not a date"),
    ],
)
def test_invalid_combinations_name_the_problem(kwargs, match) -> None:
    with pytest.raises(ValidationError, match=match):
        Query(**kwargs).validated()


def test_rfc3339_input_must_carry_a_zone() -> None:
    assert parse_rfc3339("2020-01-01T14:30:00Z") == datetime(2020, 1, 1, 14, 30, tzinfo=UTC)
    assert parse_rfc3339("2020-01-01t14:30:00+01:00").utcoffset() == timedelta(hours=1)
    for bad in ["2020-01-01T14:30:00", "2020-01-01", "yesterday", "", "2020-13-01T00:00:00Z"]:
        with pytest.raises(ValidationError, match="RFC 3339"):
            parse_rfc3339(bad)


def test_client_id_is_stripped_and_percent_encoded() -> None:
    assert clean_client_id("  abc-123 \n") == "abc-123"
    assert leads_path("a b c?d#e") == "/v2/clients/a%20b%20c%3Fd%23e/leads"
    for bad in ["", "   ", None, "a\x00b", "x" * 201, "a/b", ".."]:
        with pytest.raises(ValidationError):
            clean_client_id(bad)


def test_api_key_must_fit_in_a_header() -> None:
    assert clean_api_key(" k3y \n") == "k3y"
    for bad in ["", None, "a\nb", "clé"]:
        with pytest.raises(ValidationError) as info:
            clean_api_key(bad)
        if bad:
            assert bad not in str(info.value)


@pytest.mark.parametrize(
    "url",
    [
        "https://leads.mymove.com",
        "https://example.com:8443/",
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:9",
    ],
)
def test_allowed_base_urls(url) -> None:
    assert check_base_url(url) == url.rstrip("/")


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("http://leads.mymove.com", "unencrypted"),
        ("http://10.0.0.1", "unencrypted"),
        ("ftp://x", "https://"),
        ("leads.mymove.com", "https://"),
        ("https://", "https://"),
        ("https://h/?a=1", "query"),
        ("https://user:pw@h", "login"),
        ("https://h:99999", "not a valid URL"),
    ],
)
def test_refused_base_urls(url, match) -> None:
    with pytest.raises(ValidationError, match=match):
        check_base_url(url)


def test_a_query_covers_its_window_from_when_it_was_sent() -> None:
    from datetime import UTC, datetime, timedelta

    sent = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert Query.last_hours(6).covers(sent) == (
        (sent - timedelta(hours=6)).timestamp(),
        sent.timestamp(),
    )
    assert Query.last_days(2).covers(sent)[0] == (sent - timedelta(days=2)).timestamp()
    start, end = sent - timedelta(days=9), sent - timedelta(days=8)
    assert Query.between(start, end).covers(sent) == (start.timestamp(), end.timestamp())


def test_seconds_until_start_only_for_a_range_that_has_not_begun() -> None:
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    later = Query.between(now + timedelta(minutes=90), now + timedelta(days=1))
    assert later.seconds_until_start(now) == 5400
    assert later.seconds_until_start(now + timedelta(minutes=90)) is None  # it starts now
    begun = Query.between(now - timedelta(days=1), now + timedelta(days=1))
    assert begun.seconds_until_start(now) is None
    assert Query.last_hours(24).seconds_until_start(now) is None
