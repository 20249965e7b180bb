"""Which window of leads to ask for: last N hours, last N days, or an explicit start and end."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit

from .errors import ValidationError
from .moments import rfc3339_utc, to_utc

# The API takes int parameters; a bound keeps a typo (hrs=2400000) from asking for decades.
MAX_HOURS = 24 * 366 * 5
MAX_DAYS = 366 * 5


class Environment(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"
    DEMO = "demo"

    @property
    def label(self) -> str:
        return self.value.capitalize()


BASE_URLS: dict[Environment, str] = {
    Environment.PRODUCTION: "https://leads.mymove.com",
    Environment.STAGING: "https://staging-leads.mymove.com",
}


def rfc3339(moment: datetime) -> str:
    """UTC with a ``Z`` and a four-digit year, fractions only when there are any. Raises
    ``ValidationError`` when the moment lies outside years 1-9999 in UTC."""
    utc = to_utc(moment)
    if utc is None:
        raise _beyond_calendar("The time", moment)
    return rfc3339_utc(utc)


def _beyond_calendar(what: str, moment: datetime) -> ValidationError:
    return ValidationError(
        f"{what} {moment.isoformat()} is outside the years 1 to 9999 in UTC, which the API "
        "cannot take. Choose a time between 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z."
    )


@dataclass(frozen=True)
class Query:
    """Exactly one of ``hours``, ``days`` or ``start``+``end``. Build with the class methods."""

    hours: int | None = None
    days: int | None = None
    start: datetime | None = None
    end: datetime | None = None

    def covers(self, sent_at: datetime) -> tuple[float, float]:
        """The instants this query covers when sent at ``sent_at``, as POSIX seconds."""
        if self.start is not None and self.end is not None:
            return self.start.timestamp(), self.end.timestamp()
        span = timedelta(hours=self.hours or 0, days=self.days or 0)
        return (sent_at - span).timestamp(), sent_at.timestamp()

    def seconds_until_start(self, now: datetime) -> float | None:
        """How long until a date range's start comes, or None when it has begun (or the window
        is "the last N hours/days"): a range that starts later has no lead yet to fetch."""
        if self.start is None or self.start <= now:
            return None
        return (self.start - now).total_seconds()

    @classmethod
    def last_hours(cls, hours: int) -> Query:
        return cls(hours=hours).validated()

    @classmethod
    def last_days(cls, days: int) -> Query:
        return cls(days=days).validated()

    @classmethod
    def between(cls, start: datetime, end: datetime) -> Query:
        return cls(start=start, end=end).validated()

    def validated(self) -> Query:
        forms = sum(x is not None for x in (self.hours, self.days)) + (
            self.start is not None or self.end is not None
        )
        if forms != 1:
            raise ValidationError(
                "Choose exactly one time window: last N hours, last N days, or a start and end."
            )
        if self.hours is not None:
            _check_count(self.hours, "hours", MAX_HOURS)
        elif self.days is not None:
            _check_count(self.days, "days", MAX_DAYS)
        else:
            if self.start is None or self.end is None:
                raise ValidationError("A date range needs both a start and an end.")
            for name, moment in (("start", self.start), ("end", self.end)):
                if not isinstance(moment, datetime):
                    raise ValidationError(f"The {name} of the range is not a date and time.")
                if moment.tzinfo is None or moment.utcoffset() is None:
                    raise ValidationError(f"The {name} of the range has no time zone.")
                if to_utc(moment) is None:
                    raise _beyond_calendar(f"The {name} of the range", moment)
            if self.start >= self.end:
                raise ValidationError("The start of the range must be before its end.")
        return self

    def params(self) -> dict[str, str]:
        self.validated()
        if self.hours is not None:
            return {"hrs": str(self.hours)}
        if self.days is not None:
            return {"days": str(self.days)}
        assert self.start is not None and self.end is not None
        return {"start": rfc3339(self.start), "end": rfc3339(self.end)}


def _check_count(value: object, name: str, maximum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"The number of {name} must be a whole number.")
    if value < 1:
        raise ValidationError(f"The number of {name} must be at least 1.")
    if value > maximum:
        raise ValidationError(f"The number of {name} must be at most {maximum:,}.")


def parse_rfc3339(text: str, name: str = "time") -> datetime:
    """A user- or CLI-supplied RFC 3339 time; a naive or malformed value is refused."""
    from .lead import parse_timestamp

    moment = parse_timestamp(text.strip())
    if moment is None:
        raise ValidationError(
            f"The {name} {text!r} is not an RFC 3339 time such as 2026-01-31T14:30:00Z."
        )
    return moment


def clean_client_id(client_id: str | None) -> str:
    text = (client_id or "").strip()
    if not text:
        raise ValidationError("Enter the client ID that MYMOVE sent you.")
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValidationError("The client ID contains control characters; paste it again.")
    if len(text) > 200:
        raise ValidationError("The client ID is too long; check that you pasted the right value.")
    _check_one_segment(text)
    return text


def _check_one_segment(client_id: str) -> None:
    """Refuse an ID that a URL normaliser, a proxy or the server could read as something other
    than one path segment: ``.``/``..`` (and ``%2e``-style spellings, decoded as often as a chain
    of servers might) would turn the request into ``/v2/clients/leads`` or ``/v2/leads``, and a
    slash decoded on the way would split the segment."""
    decoded, previous = client_id, None
    while decoded != previous:  # each pass removes one layer of %-encoding
        previous, decoded = decoded, unquote(decoded)
    if decoded.strip() in (".", ".."):
        raise ValidationError(
            f"“{client_id}” cannot be a client ID: it would change the address the leads are "
            "asked from. Enter the client ID that MYMOVE sent you."
        )
    if "/" in decoded or "\\" in decoded:
        raise ValidationError(
            "A client ID cannot contain “/” or “\\” (nor %2F or %5C). Enter the client ID "
            "that MYMOVE sent you."
        )


def leads_path(client_id: str) -> str:
    return f"/v2/clients/{quote(clean_client_id(client_id), safe='')}/leads"


def clean_api_key(key: str | None) -> str:
    text = (key or "").strip()
    if not text:
        raise ValidationError("No API key is set for this environment. Use “Set API key…”.")
    if any(ord(c) < 32 or ord(c) == 127 for c in text) or not text.isascii():
        raise ValidationError(
            "The API key contains characters an HTTP header cannot carry; paste it again."
        )
    return text


def check_base_url(url: str) -> str:
    """https anywhere; plain http only to a loopback address, where the key cannot be sniffed."""
    text = url.strip().rstrip("/")
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError as exc:
        raise ValidationError(f"The server address {url!r} is not a valid URL.") from exc
    if parts.scheme not in ("http", "https") or not host:
        raise ValidationError(
            f"The server address {url!r} must start with https:// and name a host."
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ValidationError(
            f"The server address {url!r} must not carry a query, fragment or login."
        )
    if parts.scheme == "http" and not _is_loopback(host):
        raise ValidationError(
            "Plain http is only allowed to this computer (localhost); the API key would "
            "travel unencrypted. Use an https:// address."
        )
    return text


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
