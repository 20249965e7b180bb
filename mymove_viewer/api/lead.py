"""The immutable lead record.

A ``Lead`` is a tuple: the 19 documented fields as strings (null or missing become ``""``), then
a tuple naming the extra fields this record carried, then their values. The names tuple is shared
between records with the same extras, so an extra field costs one pointer per lead. Being a plain
tuple of strings keeps a lead small, hashable (its own identity key) and cheap to sort and export.
"""

from __future__ import annotations

import math
import re
from collections import deque
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from operator import attrgetter, itemgetter

from ..slices import chunks
from .fields import CREATED_AT, FIELD_INDEX, FIELDS, MOVE_DATE

_N = len(FIELDS)
# ASCII digits only: ``\d`` also takes other scripts' digits, and a cell would then show
# characters the API never sent.
_DATE_PREFIX = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
# Where ``YYYY-MM-DDTHH:MM:SSZ`` has its separators. ``parse_timestamp`` also takes forms of the
# same length that do not sort as text: "t" or a space for "T" (RFC 3339 allows both), and
# what ``fromisoformat`` reads beyond RFC 3339 (an ISO week date such as ``2026-W48-5T…``).
_CANONICAL_SEPARATORS = tuple(zip((4, 7, 10, 13, 16, 19), "--T::Z", strict=True))
_JOIN_FROM = 16  # fewer stamps are checked one by one: joining costs more than it saves


def sorts_as_text(stamps: Sequence[str], *, validate: bool = False) -> bool:
    """True when every one of ``stamps`` is a ``created_at`` in the canonical form
    ``YYYY-MM-DDTHH:MM:SSZ``, so their text sorts by instant and its first 16 characters are
    the minute in UTC. The one place that decides it; C-level passes only. True for none.

    The form alone is checked for values ``parse_timestamp`` accepted already (a lead's);
    ``validate`` also reads each as a time, for raw text such as ``2026-13-45T99:00:00Z``."""
    if not stamps:
        return True
    if set(map(len, stamps)) != {20}:
        return False
    count = len(stamps)
    if count < _JOIN_FROM:
        if not all(s[4:20:3] == "--T::Z" for s in stamps):
            return False
    else:
        # Every 20th character of the stamps joined, from each separator's place: a few C calls
        # (slicing each stamp for its separators made a string per stamp, ~1.6x the time).
        joined = "".join(stamps)
        for at, separator in _CANONICAL_SEPARATORS:
            if joined[at::20] != separator * count:
                return False
    if validate:
        try:
            deque(map(datetime.fromisoformat, stamps), maxlen=0)  # a C loop that keeps nothing
        except ValueError:
            return False
    return True


def parse_timestamp(text: str) -> datetime | None:
    """An aware datetime for an RFC 3339 timestamp, or None when it is not one."""
    if len(text) < 20 or text[10] not in "Tt ":
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        try:  # RFC 3339 allows lowercase "t" and "z"; fromisoformat does not
            value = datetime.fromisoformat(text.upper())
        except ValueError:
            return None
    return value if value.tzinfo is not None else None


_TIME_SEPARATORS = frozenset("Tt ")
_AT_10 = itemgetter(10)
_TZINFO = attrgetter("tzinfo")


def posix_times(texts: Sequence[str], missing: float = math.nan) -> list[float]:
    """``parse_timestamp(text).timestamp()`` of each of ``texts``, ``missing`` where that is
    None. In C for each slice (``slices.SLICE`` values) whose every value ``fromisoformat`` reads
    as an aware time (any offset or fraction too): one ``-05:00`` among 100k canonical stamps
    costs its slice, not the column, a Python call per value (~0.4 s at 100k)."""
    out: list[float] = []
    for part in chunks(texts):
        times = _times_in_c(part)
        if times is None:
            times = [_posix_time(text, missing) for text in part]
        out += times
    return out


def _times_in_c(texts: Sequence[str]) -> list[float] | None:
    # The checks ``parse_timestamp`` makes before ``fromisoformat``, then its result's zone.
    if min(map(len, texts)) < 20 or not set(map(_AT_10, texts)) <= _TIME_SEPARATORS:
        return None
    try:
        moments = list(map(datetime.fromisoformat, texts))
    except ValueError:
        return None
    if None in map(_TZINFO, moments):
        return None
    return list(map(datetime.timestamp, moments))


def _posix_time(text: str, missing: float) -> float:
    moment = parse_timestamp(text)
    return missing if moment is None else moment.timestamp()


def instant_keys(texts: Sequence[str]) -> list[str]:
    """A key for each ``created_at`` text that sorts, as text, by the instant it names: the
    canonical form ``YYYY-MM-DDTHH:MM:SSZ`` is its own key, any other form ``parse_timestamp``
    reads becomes its UTC second in that form, then its fraction (a longer key sorts after
    the whole second), and what it does not read sorts as the epoch. A slice (``slices.SLICE``
    values) in the canonical form costs one C check; in another slice only the values not in
    it cost a Python call: one ``-05:00`` stamp among 100k canonical ones once made every value
    a parsed instant (~50 ms at 100k leads, in the fetch's first sort)."""
    out: list[str] = []
    for part in chunks(texts):
        if sorts_as_text(part):
            out += part
            continue
        # The few values in another form are found by halving the slice into pieces of
        # ``_FEW``: one ``-05:00`` stamp cost its slice of 4,096 a Python call per value (~8 ms).
        for piece in chunks(part, size=_FEW):
            out += piece if sorts_as_text(piece) else map(_instant_key, piece)
    return out


_FEW = 64

_EPOCH_KEY = "1970-01-01T00:00:00Z"
_FIRST = datetime(1, 1, 2, tzinfo=UTC).timestamp()
_LAST = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC).timestamp()


def _instant_key(text: str) -> str:
    if sorts_as_text((text,)):  # the canonical form: its own key
        return text
    moment = parse_timestamp(text)
    if moment is None:
        return _EPOCH_KEY
    try:
        utc = moment.astimezone(UTC)
    except OverflowError:  # before year 1 or after 9999 in UTC: outside every other key
        seconds = moment.timestamp()
        if seconds < _FIRST:
            return f"0000-{seconds - _FIRST + 1e12:017.6f}"
        return f"9999-12-31T23:59:59Z~{seconds - _LAST:017.6f}"
    key = (
        f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}"
        f"T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"
    )
    return f"{key}.{utc.microsecond:06d}".rstrip("0") if utc.microsecond else key


def calendar_date(text: str) -> date | None:
    """The calendar date written at the start of ``text`` (never shifted by any time zone)."""
    m = _DATE_PREFIX.match(text)
    if m is None:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3]))
    except ValueError:
        return None


class Lead(tuple):
    """One lead: ``FIELDS`` values, then the extra-field names tuple, then the extra values."""

    __slots__ = ()

    @classmethod
    def build(
        cls,
        values: Sequence[str],
        extra_names: tuple[str, ...] = (),
        extra_values: Sequence[str] = (),
    ) -> Lead:
        if len(values) != _N or len(extra_names) != len(extra_values):
            raise ValueError("a lead needs every documented field and one value per extra name")
        return tuple.__new__(cls, (*values, extra_names, *extra_values))

    @classmethod
    def from_mapping(cls, data: dict[str, str]) -> Lead:
        """A lead from field name -> text (tests and the sandbox); unknown names become extras."""
        extras = tuple(k for k in data if k not in FIELD_INDEX)
        return cls.build(
            [data.get(f) or "" for f in FIELDS], extras, [data[k] or "" for k in extras]
        )

    @property
    def extra_names(self) -> tuple[str, ...]:
        return self[_N]

    @property
    def extra(self) -> dict[str, str]:
        return dict(zip(self[_N], self[_N + 1 :], strict=True))

    def get(self, field: str) -> str:
        """The text of a documented or extra field; ``""`` when this lead lacks it."""
        i = FIELD_INDEX.get(field)
        if i is not None:
            return self[i]
        names = self[_N]
        if field in names:
            return self[_N + 1 + names.index(field)]
        return ""

    def values(self, columns: Iterable[str]) -> list[str]:
        return [self.get(c) for c in columns]

    def as_dict(self) -> dict[str, str]:
        out = dict(zip(FIELDS, self[:_N], strict=True))
        out.update(self.extra)
        return out

    @property
    def created_at(self) -> str:
        return self[CREATED_AT]

    @property
    def created(self) -> datetime | None:
        """``created_at`` as an aware datetime (parsing already rejected leads without one)."""
        return parse_timestamp(self[CREATED_AT])

    @property
    def move_day(self) -> date | None:
        """The move date as a calendar date, taken as written: midnight UTC must not shift."""
        return calendar_date(self[MOVE_DATE])

    @property
    def key(self) -> tuple[str, ...]:
        """Identity for de-duplication: the API has no lead id, so every value takes part."""
        return tuple(self)

    def __repr__(self) -> str:
        return f"Lead({self.as_dict()!r})"


def _field_property(index: int) -> property:
    return property(lambda self: self[index], doc=f"The ``{FIELDS[index]}`` field as sent.")


for _i, _name in enumerate(FIELDS):
    if not hasattr(Lead, _name):
        setattr(Lead, _name, _field_property(_i))
