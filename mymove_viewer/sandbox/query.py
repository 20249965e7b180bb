"""Query and time parsing for the sandbox: RFC 3339 times and the hrs/days/start+end window.

Kept apart from the server and the lead store so the rules for what a query means (and the 400
messages for a bad one) read on their own; it depends on nothing else in the package.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_US = timedelta(microseconds=1)
_RFC3339 = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})"
    r"(?:\.([0-9]+))?(?:([Zz])|([+-])([0-9]{2}):([0-9]{2}))"
)


def parse_rfc3339(text: str) -> int | None:
    """Microseconds since the epoch for an RFC 3339 time, or None when ``text`` is not one."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        return None
    year, month, day, hour, minute, second, frac, zulu, sign, off_h, off_m = m.groups()
    try:
        if zulu:
            tz = UTC
        else:
            if int(off_h) > 23 or int(off_m) > 59:
                return None
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            tz = timezone(-offset if sign == "-" else offset)
        moment = datetime(
            int(year), int(month), int(day), int(hour), int(minute), int(second),
            int((frac or "0")[:6].ljust(6, "0")), tzinfo=tz,
        )  # fmt: skip
    except ValueError:
        return None
    return (moment - _EPOCH) // _US


def _epoch_us(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _US


class _QueryError(ValueError):
    pass


def _positive_int(name: str, value: str) -> int:
    if not value.isascii() or not value.isdigit() or int(value) < 1:
        raise _QueryError(f"{name} must be a positive whole number, got {value!r}")
    return int(value)


def _time_param(name: str, value: str) -> int:
    moment = parse_rfc3339(value)
    if moment is None:
        hint = " (a '+' in the offset must be sent as %2B)" if " " in value else ""
        raise _QueryError(
            f"{name} must be an RFC 3339 time like 2020-01-01T14:30:00Z, got {value!r}{hint}"
        )
    return moment


def _window(pairs: list[tuple[str, str]], now_us: int) -> tuple[int, int, bool]:
    """(low, high, high_inclusive) in epoch microseconds for a query, or raise _QueryError."""
    params: dict[str, str] = {}
    for name, value in pairs:
        if name not in ("hrs", "days", "start", "end"):
            raise _QueryError(f"unknown query parameter {name!r}; use hrs, days, or start and end")
        if name in params:
            raise _QueryError(f"query parameter {name!r} was given more than once")
        params[name] = value
    given = sorted(params)
    if not given:
        raise _QueryError("missing query: pass hrs, days, or both start and end")
    if given in (["hrs"], ["days"]):
        name = given[0]
        amount = _positive_int(name, params[name])
        return now_us - amount * (3_600_000_000 if name == "hrs" else 86_400_000_000), now_us, True
    if given == ["end", "start"]:
        start = _time_param("start", params["start"])
        end = _time_param("end", params["end"])
        if start >= end:
            raise _QueryError("start must be before end")
        return start, end, False
    if given in (["start"], ["end"]):
        raise _QueryError("start and end must be passed together")
    raise _QueryError(
        f"{' and '.join(given)} cannot be combined; pass only one of hrs, days, or start and end"
    )
