"""What the lead table shows, and the precomputed keys it sorts and filters by. No Qt.

Sorting and filtering run over plain Python lists built here, not through a Qt proxy that calls
back into Python per comparison: at 100k leads that is the difference between ~70 ms and ~9 s.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from dataclasses import field as _field
from datetime import UTC, datetime, timedelta, tzinfo
from itertools import compress, repeat
from operator import add, floordiv, itemgetter, le, ne, not_

from ..api.fields import CREATED_AT, FIELD_INDEX, FIELDS, header_for
from ..api.lead import Lead, calendar_date, parse_timestamp, sorts_as_text
from ..api.moments import OUT_OF_RANGE, in_zone, minute_text
from ..slices import SLICE, Pace, in_slices, yield_gil
from .filter_query import WORK_STATUS, fold_all
from .overview import instants

TEXT, CREATED, DATE = "text", "created", "date"
_KINDS = {"created_at": CREATED, "move_date": DATE}
SEPARATOR = "\x1f"  # cannot be typed into the filter box, so a match never spans two fields
# Between the groups of fields in a search text, also untypeable: the names and email, the new
# street and city, the old ones, then the rest. ``char_masks`` tells which groups hold each
# character: a term's characters all in one group are much rarer than all in the text.
GROUP_SEPARATOR = "\x1d"
_GROUP_FIELDS = (
    ("first_name", "last_name", "email"),
    ("new_address_1", "new_city"),
    ("old_address_1", "old_city"),
)
_GROUPS = tuple(itemgetter(*map(FIELD_INDEX.__getitem__, g)) for g in _GROUP_FIELDS)
GROUPS = len(_GROUP_FIELDS) + 1  # the rest last
_REST = itemgetter(
    *(i for i, f in enumerate(FIELDS) if i != CREATED_AT and all(f not in g for g in _GROUP_FIELDS))
)
_MM = [f"{m:02d}" for m in range(60)]
_MM_SET = frozenset(_MM)
_HOUR_OF, _MINUTE_OF, _SECOND_OF = (
    itemgetter(slice(a, b)) for a, b in ((0, 13), (14, 16), (17, 19))
)
# Up to 2**33 s from 1970 (years ~1698 to ~2242), half a float's step is under a microsecond.
_EXACT_UP_TO = 2.0**33


# The work status column (issue 18): not a field the API sends, so its name is one no JSON
# field is likely to have (an API field named ``status`` is an extra column of its own).
STATUS = "status"
STATUS_HEADER = "Status"
NOTE_HEADER = "Note"  # the user's note in the lead details: an API field so headed is told apart


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str
    kind: str = TEXT
    # Where a column's values come from when not from the leads' fields (the work status: one
    # value per lead, for sorting); compared by the column's name alone.
    values: Callable[[Sequence[Lead]], list] | None = _field(default=None, compare=False)


def columns_for(extra_fields: Sequence[str] = (), status: Column | None = None) -> list[Column]:
    """The documented fields in the vendor's order, then ``status`` (the table's work status
    column) if given, then any extra fields in order of appearance. An extra field whose header
    would read as the work column's or the user's note is told apart ("Status (API)", "Note
    (API)")."""
    names = list(FIELDS) + [f for f in extra_fields if f not in FIELDS and f != WORK_STATUS]
    columns = [Column(name, header_for(name), _KINDS.get(name, TEXT)) for name in names]
    if status is None:
        return columns
    extras = [
        replace(c, header=f"{c.header} (API)") if c.header in (status.header, NOTE_HEADER) else c
        for c in columns[len(FIELDS) :]
    ]
    return [*columns[: len(FIELDS)], status, *extras]


def status_column(values: Callable[[Sequence[Lead]], list]) -> Column:
    """The work status column, its values (status numbers) from ``values``."""
    return Column(WORK_STATUS, STATUS_HEADER, STATUS, values)


def display(kind: str, raw: str, tz: tzinfo | None = None) -> str:
    """What a cell shows. Unparsable dates are shown as sent rather than hidden, and so are
    times whose local time falls outside years 1-9999."""
    if kind == CREATED:
        moment = parse_timestamp(raw)
        local = in_zone(moment, tz) if moment else None
        return minute_text(local) if local else raw
    if kind == DATE:
        day = calendar_date(raw)
        return day.isoformat() if day else raw
    return raw


def search_texts(
    leads: Sequence[Lead],
    pace: Pace = None,
    at: Sequence[float] | None = None,
    shown: ShownTimes | None = None,
    times: Sequence[str] | None = None,
) -> list[str]:
    """One folded string per lead (``filter_query.fold``: no case, no accents) holding every
    value, for substring filtering: each as the table shows it, so what a user reads in a cell
    finds its row. ``created_at`` is shown in
    local time (the UTC text as sent is in the tooltip and exports); ``move_date`` shows the
    date its text starts with, so the text as sent holds it. A separator stands between any two
    values, and ``GROUP_SEPARATOR`` between their groups (``_GROUP_FIELDS``, then the rest, extra
    fields and ``created_at`` last). ``at``: the leads' ``instants``, if
    already known; ``shown``: a ``ShownTimes(SEPARATOR)`` kept across slices of one list;
    ``times``: what that gives for these leads, if known already (``at`` is then unused).

    Built with ``map`` over C callables (no Python frame per lead), in slices: one C call over
    100k leads would hold the GIL for ~100 ms, and this runs on the worker thread.
    """
    tail, created = itemgetter(slice(len(FIELDS) + 1, None)), itemgetter(CREATED_AT)
    if at is None and times is None:
        at = in_slices(instants, leads, pace or yield_gil)
    shown = shown or ShownTimes(SEPARATOR)
    join = SEPARATOR.join

    def build(span: range) -> list[str]:
        part = leads[span.start : span.stop]
        groups = [map(join, map(group, part)) for group in _GROUPS]
        rest = map(join, map(add, map(_REST, part), map(tail, part)))
        raw = fold_all(list(map(GROUP_SEPARATOR.join, zip(*groups, rest, strict=True))))
        if times is not None:
            return list(map(add, raw, times[span.start : span.stop]))
        assert at is not None
        return list(map(add, raw, shown.of(at[span.start : span.stop], list(map(created, part)))))

    # Slices of the indexes, so each slice of leads meets the same slice of instants.
    # Half slices: each lead's five joins held the GIL ~6-8 ms a slice of ``SLICE``.
    return in_slices(build, range(len(leads)), pace or yield_gil, SLICE // 2)


class ShownTimes:
    """What cells show for many ``created_at`` values, after ``prefix``, worked out once per
    minute: formatting 100k timestamps one by one costs ~300 ms, but they share ~43k minutes
    in ~720 hours, and a minute's texts come from its hour's by string arithmetic."""

    def __init__(self, prefix: str = "") -> None:
        self._prefix = prefix
        self._minutes: dict[float, str] = {}  # POSIX minute (seconds // 60) -> prefix + shown
        self._hours: set[float] = set()
        self._one: dict[str, str] = {}
        self._by_hour: dict[str, str] = {}  # canonical hour ("YYYY-MM-DDTHH") -> prefix + shown

    def of(self, at: Sequence[float], values: Sequence[str]) -> list[str]:
        """For ``values`` and their ``instants`` (NaN where not a timestamp)."""
        keys = list(map(floordiv, at, repeat(60)))
        if any(map(le, repeat(_EXACT_UP_TO), map(abs, at))):
            # Far from 1970, a float cannot hold every microsecond: 9999-12-31T23:59:59.999999
            # rounds up to the next minute. Those times are shown from their text instead.
            keys = [k if abs(a) < _EXACT_UP_TO else math.nan for k, a in zip(keys, at, strict=True)]
        minutes = self._minutes
        for hour in {k // 60 for k in set(keys).difference(minutes)}.difference(self._hours):
            self._hours.add(hour)
            shown = _hour_shown(hour)
            minutes.update(zip(shown, map(self._prefix.__add__, shown.values()), strict=True))
        out = list(map(minutes.get, keys))
        if None in out:  # not a timestamp (NaN), far from 1970, or an offset with seconds
            return [
                s if s is not None else self._shown(v) for s, v in zip(out, values, strict=True)
            ]
        return out  # type: ignore[return-value]

    def of_canonical(self, values: Sequence[str]) -> list[str] | None:
        """``of`` for canonical ``created_at`` values (``sorts_as_text``), by their hour: the
        hour's shown text plus the value's minute (~4x cheaper than by instants). None if any
        is not canonical, or an hour's minutes do not all show that way (a zone offset of part
        of an hour, a clock change within it, far from 1970): then ``of`` shows them."""
        if not sorts_as_text(values) or not set(map(_SECOND_OF, values)) <= _MM_SET:
            return None
        minutes = list(map(_MINUTE_OF, values))
        if not set(minutes) <= _MM_SET:
            return None
        hours = list(map(_HOUR_OF, values))
        known = self._by_hour
        for hour in set(hours).difference(known):
            try:
                start = datetime.fromisoformat(hour + ":00:00+00:00").timestamp()
            except ValueError:
                return None
            if abs(start) >= _EXACT_UP_TO - 3600:
                return None
            shown = _hour_shown(start // 3600)
            texts = [shown.get(start // 60 + m) for m in range(60)]
            head = texts[0][:-2] if texts[0] is not None else ""
            if texts != [head + mm for mm in _MM]:
                return None
            known[hour] = self._prefix + head
        return list(map(add, map(known.__getitem__, hours), minutes))

    def _shown(self, value: str) -> str:
        shown = self._one.get(value)
        if shown is None:
            # Lowercase like the rest of the text: a time beyond the calendar shows as sent.
            shown = self._one[value] = self._prefix + display(CREATED, value).lower()
        return shown


def _hour_shown(hour: float) -> dict[float, str]:
    """What each minute of a POSIX hour shows, made from the hour's local start by string
    arithmetic (strftime costs ~3 us a call); only the minutes that show the same for all their
    seconds, so none for a zone offset with seconds (local mean time, before ~1900)."""
    try:  # near the calendar's edges: left to ``display``, value by value
        start = datetime.fromtimestamp(hour * 3600, UTC)
        local, last = start.astimezone(), (start + timedelta(seconds=3599)).astimezone()
        after = local + timedelta(hours=1)
    except OUT_OF_RANGE:
        return {}
    keys = [hour * 60 + m for m in range(60)]
    offset = local.utcoffset()
    if offset is None or offset != last.utcoffset() or local.second:
        # A clock change within the hour: minute by minute.
        return {key: text for key in keys if (text := _minute_shown(key)) is not None}
    here, after = minute_text(local)[:-2], minute_text(after)[:-2]
    skip = local.minute
    return dict(
        zip(keys, [here + mm for mm in _MM[skip:]] + [after + mm for mm in _MM[:skip]], strict=True)
    )


def _minute_shown(minute: float) -> str | None:
    try:
        start = datetime.fromtimestamp(minute * 60, UTC)
        local, last = start.astimezone(), (start + timedelta(seconds=59)).astimezone()
    except OUT_OF_RANGE:
        return None
    if local.utcoffset() != last.utcoffset() or local.second:
        return None
    return minute_text(local)


def key_function(kind: str, values: Sequence[str]) -> Callable[[str], object]:
    """The sort key of one value of a column of ``kind`` holding ``values``."""
    if kind == CREATED:
        # ``YYYY-MM-DDTHH:MM:SSZ`` sorts as text; anything else is parsed.
        if all(in_slices(lambda part: [sorts_as_text(part)], values, yield_gil)):
            return str  # the value itself
        epoch = datetime.fromtimestamp(0).astimezone()
        return lambda v: (parse_timestamp(v) or epoch).timestamp()
    if kind == DATE:
        return _date_key
    if kind == STATUS:
        return int  # status numbers: New first
    return text_key


# The combining diacritical marks blocks: what NFKD splits off Latin, Greek and Cyrillic letters
# ("é" -> "e" + U+0301). Marks of other scripts (Indic vowel signs) are letters' parts, kept.
_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
# Below every character: "ab" + _TIE + ... sorts before "abc" + _TIE + ... (only a value holding
# a NUL itself could sort a place off, still in one fixed order).
_TIE = "\x00"


def fold_texts(values: Sequence[str]) -> list[str]:
    """Each value with case and accents folded away ("Élodie" -> "elodie", "Straße" ->
    "strasse", "ﬁ" -> "fi"): Unicode's compatibility caseless form with the marks dropped.
    ASCII values (most) take one C ``casefold`` pass; only the others are decomposed, each step
    a ``map`` over C callables, so a column costs no Python frame per value."""
    folded = list(map(str.casefold, values))
    if "".join(values).isascii():  # one C pass, and the common case
        return folded
    others = list(compress(range(len(values)), map(not_, map(str.isascii, values))))
    decomposed = map(unicodedata.normalize, repeat("NFKD"), map(values.__getitem__, others))
    # casefold can compose again ("ᾈ" -> "ἀι"): decomposed once more, as Unicode's
    # compatibility caseless match does (NFKD(casefold(NFKD(s)))).
    again = map(unicodedata.normalize, repeat("NFKD"), map(str.casefold, decomposed))
    bare = map(_MARKS.sub, repeat(""), again)
    deque(map(folded.__setitem__, others, bare), maxlen=0)
    return folded


def text_keys(values: Sequence[str]) -> list[str]:
    """Sort keys of text values as a person reads them: case and accents ignored ("Élodie"
    beside "Elodie", not after "Zoe"), then, among values that fold alike, one fixed order
    whatever order they came in: a value that is its own folded form first ("elodie"), then the
    others by the value itself ("Elodie", "Élodie"). One string per value (not a tuple: strings
    compare ~3x faster in a sort); only the values folding changed carry the tie-break
    ("elodie" + _TIE + "Élodie"), so a column of lowercase emails costs one pass more."""
    keys = fold_texts(values)
    changed = list(compress(range(len(values)), map(ne, keys, values)))
    if changed:
        folded = map(keys.__getitem__, changed)
        tied = list(map(_TIE.join, zip(folded, map(values.__getitem__, changed), strict=True)))
        deque(map(keys.__setitem__, changed, tied), maxlen=0)
    return keys


def text_key(value: str) -> str:
    """``text_keys`` of one value (to place a few new leads among ranked ones)."""
    return text_keys((value,))[0]


def _date_key(value: str) -> str:
    day = calendar_date(value)
    return day.isoformat() if day else ""
