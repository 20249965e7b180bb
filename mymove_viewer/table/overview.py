"""Numbers behind the lead-volume overview: created instants, per-hour/per-day buckets, and
counts by destination state and tenure. Pure functions, no Qt.

Everything here runs once per change of the shown leads (fetch, merge, filter), never per paint,
and stays in C-level ``map``/``Counter`` loops so 100k leads cost milliseconds.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import repeat
from operator import itemgetter
from typing import TypeVar

from ..api.fields import FIELD_INDEX
from ..api.lead import Lead, parse_timestamp
from ..api.moments import posix, wall_clock
from ..slices import SCAN_SLICE, Pace, chunks

_T = TypeVar("_T")
HOUR, DAY, MONTH, YEAR = "hour", "day", "month", "year"
HOURLY_UP_TO = 2 * 86_400.0  # windows up to two days get a bar per hour, longer ones per day
# ... up to five years (the longest "last N days"), a bar per day; up to a century, a bar per
# month; beyond, per year. So one lead at 0001-01-01 and one today make ~2,000 bars, not the
# ~740,000 days between them (which froze the window while their edges were worked out).
DAILY_UP_TO = 5 * 366 * 86_400.0
MONTHLY_UP_TO = 100 * 366 * 86_400.0
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CREATED = itemgetter(FIELD_INDEX["created_at"])
_STATE = itemgetter(FIELD_INDEX["new_state"])
_TENURE = itemgetter(FIELD_INDEX["new_housing_tenure"])


def instants(leads: Iterable[Lead]) -> list[float]:
    """``created_at`` of each lead as POSIX seconds; NaN where it is not a timestamp."""
    texts = list(map(_CREATED, leads))
    if all(map(str.endswith, texts, repeat("Z"))):
        try:  # the common case, kept in C: ~2x faster than a Python loop
            return list(map(datetime.timestamp, map(datetime.fromisoformat, texts)))
        except ValueError:
            pass
    out = []
    for text in texts:
        moment = parse_timestamp(text)
        out.append(moment.timestamp() if moment is not None else math.nan)
    return out


def finite_span(values: Iterable[float]) -> tuple[float, float] | None:
    """(earliest, latest) of the values that are real instants; None when there are none."""
    real = [v for v in values if v == v]  # NaN is the only value unequal to itself
    return (min(real), max(real)) if real else None


def unit_for(start: float, end: float) -> str:
    span = end - start
    if span <= HOURLY_UP_TO:
        return HOUR
    if span <= DAILY_UP_TO:
        return DAY
    return MONTH if span <= MONTHLY_UP_TO else YEAR


def bucket_edges(start: float, end: float, unit: str, tz: tzinfo | None = None) -> list[float]:
    """Boundaries of local clock hours, calendar days, months or years covering [start, end],
    both included: ``edges[0] <= start`` and ``end < edges[-1]``.

    ``tz`` None means the computer's zone. Days are stepped on the calendar, so a day with a
    daylight-saving change is 23 or 25 hours long, as on the user's wall clock. At the edges of
    the calendar (years 1 and 9999), where local time cannot be worked out, UTC stands in.
    """
    if end < start:
        start, end = end, start
    first = wall_clock(start, tz)
    if unit == HOUR:
        origin = posix(first.replace(minute=0, second=0, microsecond=0), tz)
        origin -= 3600.0 * max(0, math.ceil((origin - start) / 3600))
        count = max(1, math.floor((end - origin) / 3600) + 1)
        return [origin + 3600.0 * i for i in range(count + 1)]
    if unit == DAY:
        day: date | None = first.date()
    elif unit == MONTH:
        day = date(first.year, first.month, 1)
    else:
        day = date(first.year, 1, 1)
    edges = [min(start, posix(datetime.combine(day, time()), tz))]
    while edges[-1] <= end:
        day = _next(day, unit) if day is not None else None
        # Past 9999-12-31 there is no next period: the last edge just closes the range.
        edge = posix(datetime.combine(day, time()), tz) if day is not None else end + 1.0
        edges.append(max(edge, edges[-1] + 1.0))
    return edges


def _next(day: date, unit: str) -> date | None:
    try:
        if unit == DAY:
            return day + timedelta(days=1)
        if unit == MONTH:
            return date(day.year + day.month // 12, day.month % 12 + 1, 1)
        return date(day.year + 1, 1, 1)
    except (OverflowError, ValueError):
        return None


def bucket_counts(values: Iterable[float], edges: Sequence[float], pace: Pace = None) -> list[int]:
    """How many values fall in each [edges[i], edges[i+1]); values outside (or NaN) are left out.
    With ``pace`` (a worker thread), counted a slice at a time with ``pace()`` in between."""
    if pace is None:
        found = Counter(map(bisect_right, repeat(edges), values))
    else:
        found = Counter()
        values = values if isinstance(values, list) else list(values)
        for part in chunks(values, pace):
            found.update(map(bisect_right, repeat(edges), part))
    return [found.get(i, 0) for i in range(1, len(edges))]


@dataclass(frozen=True)
class Volume:
    """Lead counts per bucket: ``counts[i]`` leads were created in [edges[i], edges[i+1])."""

    unit: str
    edges: tuple[float, ...]
    counts: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.counts)

    def period(self, i: int) -> tuple[float, float]:
        return self.edges[i], self.edges[i + 1]

    def label(self, i: int, tz: tzinfo | None = None, this_year: int | None = None) -> str:
        """Bar ``i``'s period and count (a tooltip, the keyboard's hint). A day or an hour names
        its year when the bars span more than a year, or are not all in ``this_year`` (today's,
        if given): "Dec 3" under a 2025 window read as this December."""
        start = wall_clock(self.edges[i], tz)
        n = self.counts[i]
        month = _MONTHS[start.month - 1]
        if self.unit == YEAR:
            day = f"{start.year:04d}"
        elif self.unit == MONTH:
            day = f"{month} {start.year:04d}"
        else:
            day = f"{month} {start.day}"
            if self.edges[-1] - self.edges[0] > 366 * 86_400.0 or (
                this_year is not None
                and not wall_clock(self.edges[0], tz).year
                == wall_clock(self.edges[-2], tz).year
                == this_year
            ):
                day += f" {start.year:04d}"
        if self.unit == HOUR:
            end = wall_clock(self.edges[i + 1], tz)
            day = f"{day} {start:%H:%M}–{end:%H:%M}"
        return f"{day} · {n:,} lead{'s' * (n != 1)}"


EMPTY_VOLUME = Volume(HOUR, (), ())


def created_term(data: Volume, i: int, tz: tzinfo | None = None) -> str:
    """Bar ``i``'s period as the filter language writes it: its hour, day, month or year."""
    start = wall_clock(data.edges[i], tz)
    text = f"{start.year:04d}-{start.month:02d}-{start.day:02d}T{start.hour:02d}"
    return text[: {YEAR: 4, MONTH: 7, DAY: 10}.get(data.unit, len(text))]


def volume(
    values: Iterable[float],
    window: tuple[float, float] | None = None,
    tz: tzinfo | None = None,
    pace: Pace = None,
) -> Volume:
    """Bucket ``values`` over ``window`` widened to every value; per hour up to two days."""
    values = values if isinstance(values, list) else list(values)
    span = finite_span(values)
    if window is not None:
        span = window if span is None else (min(span[0], window[0]), max(span[1], window[1]))
    if span is None:
        return EMPTY_VOLUME
    unit = unit_for(*span)
    edges = bucket_edges(span[0], span[1], unit, tz)
    return Volume(unit, tuple(edges), tuple(bucket_counts(values, edges, pace)))


def extended(
    data: Volume, values: list[float], window: tuple[float, float] | None, tz: tzinfo | None = None
) -> Volume | None:
    """``data`` plus ``values`` (new leads), its axis stretched to ``window``: O(new leads).

    None when the axis would change other than by growing at the end (another unit, another
    first bucket): then everything must be counted again with ``volume``.
    """
    if not data.edges:
        return None
    first, last = data.edges[0], data.edges[-1] - 1.0
    lo, hi = window if window is not None else (first, last)
    span = finite_span(values)
    if span is not None:
        if span[0] < first:
            return None
        hi = max(hi, span[1])
    if unit_for(lo, hi) != data.unit:  # the unit is judged on the window, as in ``volume``
        return None
    edges = bucket_edges(first, max(hi, last), data.unit, tz)
    if tuple(edges[: len(data.edges)]) != data.edges:
        return None
    counts = [*data.counts, *[0] * (len(edges) - len(data.edges))]
    for i, n in enumerate(bucket_counts(values, edges)):
        counts[i] += n
    return Volume(data.unit, tuple(edges), tuple(counts))


@dataclass(frozen=True)
class Breakdown:
    """Destination states (most common first) and the own/rent split of some leads."""

    total: int
    states: tuple[tuple[str, int], ...]
    other_states: int
    own: int
    rent: int
    other_tenure: int

    def states_text(self) -> str:
        return " · ".join(text for text, _state in self.state_parts())

    def state_parts(self) -> list[tuple[str, str | None]]:
        """(what shows, the state it counts or None) per part of ``states_text``."""
        parts: list[tuple[str, str | None]] = [
            (f"{state or '(none)'} {n:,}", state or None) for state, n in self.states
        ]
        if self.other_states:
            parts.append((f"others {self.other_states:,}", None))
        return parts

    def tenure_text(self) -> str:
        return " · ".join(text for text, _tenure in self.tenure_parts())

    def tenure_parts(self) -> list[tuple[str, str | None]]:
        """(what shows, the tenure it counts or None) per part of ``tenure_text``."""
        if not self.total:
            return []
        pct = 100 / self.total
        own, rent = self.own, self.rent
        parts: list[tuple[str, str | None]] = [
            (f"Own {own:,} ({own * pct:.0f}%)", "own"),
            (f"Rent {rent:,} ({rent * pct:.0f}%)", "rent"),
        ]
        if self.other_tenure:
            parts.append((f"not given {self.other_tenure:,}", None))
        return parts


def tally(leads: Iterable[Lead]) -> tuple[Counter[str], Counter[str]]:
    """Counters of destination state and tenure, to keep and add new leads to."""
    leads = leads if isinstance(leads, list) else list(leads)
    return Counter(map(_STATE, leads)), Counter(map(str.lower, map(_TENURE, leads)))


def tally_in_slices(
    leads: Sequence[Lead], size: int = SCAN_SLICE, pace: Pace = None
) -> tuple[Counter[str], Counter[str]]:
    """``tally`` a slice at a time, for a worker thread: other threads get the GIL in between
    (``pace`` is called between slices)."""
    states: Counter[str] = Counter()
    tenure: Counter[str] = Counter()
    for part in chunks(leads, pace, size):
        more_states, more_tenure = tally(part)
        states.update(more_states)
        tenure.update(more_tenure)
    return states, tenure


def breakdown(leads: Sequence[Lead], top: int = 5) -> Breakdown:
    return breakdown_of(*tally(leads), top=top)


def breakdown_of(states: Counter[str], tenure: Counter[str], top: int = 5) -> Breakdown:
    total = sum(states.values())
    most = states.most_common(top)
    own, rent = tenure.get("own", 0), tenure.get("rent", 0)
    return Breakdown(
        total=total,
        states=tuple(most),
        other_states=total - sum(n for _s, n in most),
        own=own,
        rent=rent,
        other_tenure=total - own - rent,
    )


def recount(
    leads: Sequence[Lead],
    at: Sequence[float] | None,
    text_rows: Sequence[int] | None,
    shown_rows: Sequence[int] | None,
    window: tuple[float, float] | None,
    tz: tzinfo | None = None,
    pace: Pace = None,
) -> tuple[Volume | None, tuple[Counter[str], Counter[str]] | None]:
    """The bars of the leads at ``text_rows`` (with their instants ``at``, in lead order) and
    the tally of those at ``shown_rows``, each only if its rows are given; for a worker thread,
    in slices with ``pace`` called between them."""
    bars = counts = None
    if text_rows is not None and at is not None:
        picked_at = at if len(text_rows) == len(leads) else _pick(at, text_rows, pace)
        bars = volume(picked_at, window, tz, pace)
    if shown_rows is not None:
        picked = leads if len(shown_rows) == len(leads) else _pick(leads, shown_rows, pace)
        counts = tally_in_slices(picked, pace=pace)
    return bars, counts


def _pick(values: Sequence[_T], rows: Sequence[int], pace: Pace) -> list[_T]:
    out: list[_T] = []
    for part in chunks(rows, pace):
        out += itemgetter(*part)(values) if len(part) > 1 else [values[r] for r in part]
    return out
