"""Date-time conversions that hold at the edges of the calendar. No Qt.

Python's ``datetime`` covers years 1 to 9999 only, and RFC 3339 lets a lead be created at
``0001-01-01T00:00:00+05:00`` (in UTC, the year 0) or at ``9999-12-31T23:59:59-05:00`` (in UTC, the
year 10000). Converting such a value to UTC, to local time or to a POSIX instant and back raises
``OverflowError``, ``ValueError`` or ``OSError``, depending on the path, and ``strftime("%Y")``
writes the year 999 as ``999``. Every conversion of a date the app did not make itself goes
through here, so none of them crashes and every year shows with four digits.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo

FIRST = datetime.min.replace(tzinfo=UTC)  # 0001-01-01T00:00:00Z
LAST = datetime.max.replace(tzinfo=UTC)  # 9999-12-31T23:59:59.999999Z
FIRST_POSIX = FIRST.timestamp()
LAST_POSIX = LAST.timestamp()
_EPOCH = datetime(1970, 1, 1)
# What each conversion raises when its result would leave the calendar: naive local time goes
# through the C library (mktime, localtime), which has its own failures.
OUT_OF_RANGE = (OverflowError, ValueError, OSError)


def to_utc(moment: datetime) -> datetime | None:
    """``moment`` in UTC, or None when that falls outside years 1-9999."""
    try:
        return moment.astimezone(UTC)
    except OUT_OF_RANGE:
        return None


def utc_clamped(moment: datetime) -> datetime:
    """``moment`` in UTC, or the first or last instant UTC can hold when it lies beyond."""
    utc = to_utc(moment)
    if utc is not None:
        return utc
    return FIRST if moment.year < 5000 else LAST


def in_zone(moment: datetime, tz: tzinfo | None = None) -> datetime | None:
    """An aware ``moment`` in ``tz`` (None: the computer's zone), or None outside the calendar."""
    try:
        return moment.astimezone(tz)
    except OUT_OF_RANGE:
        return None


def wall_clock(at: float, tz: tzinfo | None = None) -> datetime:
    """The naive wall-clock time of POSIX seconds ``at`` in ``tz`` (None: the computer's zone).

    Where the zone cannot say (the C library's local time near the calendar's edges), the UTC
    wall clock stands in; instants before the year 1 or after 9999 become its first or last one.
    """
    try:
        return datetime.fromtimestamp(at, tz).replace(tzinfo=None)
    except OUT_OF_RANGE:
        pass
    if at != at:  # NaN
        raise ValueError("not an instant")
    if at <= FIRST_POSIX:
        return datetime.min
    if at >= LAST_POSIX:
        return datetime.max
    return _EPOCH + timedelta(seconds=at)


def posix(wall: datetime, tz: tzinfo | None = None) -> float:
    """POSIX seconds of the naive wall-clock time ``wall`` in ``tz`` (None: the computer's zone);
    taken as UTC where the zone cannot say (local time within a day of the calendar's edges)."""
    try:
        return (wall.replace(tzinfo=tz) if tz is not None else wall).timestamp()
    except OUT_OF_RANGE:
        return (wall - _EPOCH).total_seconds()


def local_aware(wall: datetime) -> datetime:
    """The naive wall-clock time ``wall`` as an aware datetime in the computer's zone.

    ``wall.astimezone()`` fails within a day of the calendar's edges; there the zone's offset a
    few days inward is used, as a fixed offset (which an aware datetime can carry at any date).
    """
    try:
        return wall.astimezone()
    except OUT_OF_RANGE:
        pass
    inward = wall + timedelta(days=3) if wall.year < 5000 else wall - timedelta(days=3)
    offset = inward.astimezone().utcoffset() or timedelta(0)
    return wall.replace(tzinfo=timezone(offset))


def minute_text(moment: datetime) -> str:
    """``YYYY-MM-DD HH:MM`` with a four-digit year (``strftime`` writes the year 999 as 999)."""
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}"
    )


def rfc3339_utc(utc: datetime) -> str:
    """RFC 3339 of a UTC datetime: a four-digit year, ``Z``, fractions only when there are any."""
    text = f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc:%H:%M:%S}"
    if utc.microsecond:
        text += f".{utc.microsecond:06d}".rstrip("0")
    return text + "Z"
