"""Shared by the tests of dates at the edges of the calendar: RFC 3339 times across years 1-9999
with every offset RFC 3339 allows, the zones to run them in, and an oracle for what UTC can hold."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import strategies as st

# A zone with clock changes west of Greenwich, a half-hour one east, the furthest east (+14),
# one whose old local mean time has seconds in its offset, and UTC.
ZONES = ["America/New_York", "Asia/Kolkata", "Pacific/Kiritimati", "Europe/Amsterdam", "UTC"]
EDGE_STAMPS = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0001-01-01T00:00:00+05:00",  # the year 0 in UTC
    "9999-12-31T23:00:00-05:00",  # the year 10000 in UTC
    "0001-01-01T00:00:00-23:59",
    "9999-12-31T23:59:59.999999+23:59",
    "0999-06-01T12:00:00Z",  # a three-digit year once went out as "999-…"
    "1899-12-31T23:59:59Z",  # before anything Excel can show
    "1900-01-01T12:00:00Z",  # Excel's day 0 (xlsxwriter writes it as a bare time)
]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
FIRST_US = -62_135_596_800 * 10**6  # 0001-01-01T00:00:00Z
END_US = 253_402_300_800 * 10**6  # 10000-01-01T00:00:00Z: the first instant UTC cannot hold


@contextmanager
def local_zone(zone: str) -> Iterator[None]:
    """The process's local zone is ``zone`` inside (Python reads TZ on tzset)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", zone)
        time.tzset()
        try:
            yield
        finally:
            patch.undo()
            time.tzset()


offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(lambda m: timezone(timedelta(minutes=m)))
moments = st.builds(
    lambda wall, tz: wall.replace(tzinfo=tz),
    st.datetimes(min_value=datetime.min, max_value=datetime.max),
    offsets | st.just(UTC),
)


def rfc3339_text(moment: datetime) -> str:
    """``moment`` written as RFC 3339 with its own offset (``Z`` for UTC), four-digit year."""
    offset = moment.utcoffset()
    assert offset is not None
    wall = f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}"
    if moment.microsecond:
        wall += f".{moment.microsecond:06d}"
    if not offset:
        return wall + "Z"
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    return f"{wall}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


stamps = moments.map(rfc3339_text) | st.sampled_from(EDGE_STAMPS)


def utc_can_hold(moment: datetime) -> bool:
    """Whether ``moment`` falls within years 1-9999 in UTC, by exact arithmetic alone (a float
    timestamp rounds 9999-12-31T23:59:59.999999Z up to the year 10000)."""
    return FIRST_US <= micros(moment) < END_US


def micros(moment: datetime) -> int:
    """Microseconds since 1970 of an aware ``moment``, exactly, at any date."""
    return (moment - _EPOCH) // _US
