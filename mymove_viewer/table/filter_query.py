"""The filter box's language, read into terms a scan can test. No Qt.

``maria garcia`` finds rows holding both words anywhere; ``"maria garcia"`` the phrase;
``state:tx`` one column (an API field name, an extra field's name, or a short name below);
``-term`` turns any term around; ``created:`` and ``move:`` take a day, a month, a year (or for
``created`` an hour or a minute), a range ``a..b`` and open ends ``>=a``, ``<=a``, ``>a``, ``<a``.
Case and accents never matter: the texts searched and the terms are both ``fold``-ed.

A term that cannot be read is left out and named in ``FilterQuery.problems``: the rest filters.
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache, partial
from itertools import compress
from operator import not_

from ..api.fields import FIELDS, KNOWN_EXTRA_FIELDS
from ..api.moments import posix

CREATED, MOVE = "created_at", "move_date"
# Short names for what a salesperson looks for: the move's destination, and the person.
SHORT_NAMES: dict[str, tuple[str, ...]] = {
    "state": ("new_state",),
    "city": ("new_city",),
    "zip": ("new_postal_code",),
    "tenure": ("new_housing_tenure",),
    "address": ("new_address_1", "new_address_2"),
    "name": ("first_name", "last_name"),
    "email": ("email",),
    "offer": ("offer_id",),
    "created": (CREATED,),
    "move": (MOVE,),
}
_DOCUMENTED = {name: (name,) for name in (*FIELDS, *KNOWN_EXTRA_FIELDS)}
_FIELD = re.compile(r"([^\W\d][\w-]*):")
_VALUE = re.compile(r"\S*")
_WHEN = re.compile(r"(\d{4})(?:-(\d\d?)(?:-(\d\d?)(?:[t ](\d\d?)(?::(\d\d))?)?)?)?", re.I)
_OPEN = re.compile(r"(>=|<=|>|<)(.*)", re.S)
# Letters NFKD leaves whole, though a reader sees a base letter with a mark.
_LETTERS = {"ø": "o", "ł": "l", "đ": "d", "ħ": "h", "ı": "i", "æ": "ae", "œ": "oe", "þ": "th"}
_NOTHING = float("inf"), float("inf")  # an empty span: ``>9999`` (nothing comes after)
_EXAMPLES = {
    CREATED: "2026-11-30, 2026-11-30T14, 2026-11-30..2026-12-02 or >=2026-11-30",
    MOVE: "2027-03-01, 2027-03-01..2027-03-31 or >=2027-03-01",
}


@lru_cache(maxsize=1)
def _marks() -> dict[int, str | None]:
    """What ``str.translate`` drops or replaces after NFKD: combining marks (of the Basic
    Multilingual Plane, where every script's accents are; built once, ~10 ms) and ``_LETTERS``."""
    marks = (c for c in range(0x10000) if unicodedata.combining(chr(c)))
    table: dict[int, str | None] = dict.fromkeys(marks)
    table.update((ord(k), v) for k, v in _LETTERS.items())
    return table


def fold(text: str) -> str:
    """``text`` with case and accents gone: ``Müller`` -> ``muller``, ``Straße`` -> ``strasse``."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return unicodedata.normalize("NFKD", folded).translate(_marks())


def fold_all(texts: list[str]) -> list[str]:
    """``fold`` of each text, in C-level passes: only the few non-ASCII texts are decomposed."""
    out = list(map(str.casefold, texts))
    odd = list(compress(range(len(out)), map(not_, map(str.isascii, out))))
    if odd:
        nfkd = map(partial(unicodedata.normalize, "NFKD"), [out[i] for i in odd])
        table = _marks()
        for i, text in zip(odd, map(lambda t: t.translate(table), nfkd), strict=True):
            out[i] = text
    return out


@dataclass(frozen=True, slots=True)
class Term:
    """One condition. ``fields`` None: any column's text (as shown) holds ``value``; else the
    named fields' texts (joined by a space) do. ``span``: a date term instead, [low, high) in
    POSIX seconds for ``created_at`` (local days) or in ISO dates for ``move_date``."""

    source: str  # as typed, for messages
    value: str = ""
    fields: tuple[str, ...] | None = None
    negated: bool = False
    span: tuple[float, float] | tuple[str, str] | None = None

    def implies(self, other: Term) -> bool:
        """Every row this term keeps, ``other`` keeps too (typing on narrows the rows)."""
        if self.span is not None or self.negated or other.span is not None or other.negated:
            return (self.span, self.negated, self.fields, self.value) == (
                other.span, other.negated, other.fields, other.value)  # fmt: skip
        return self.fields == other.fields and other.value in self.value


@dataclass(frozen=True, slots=True)
class FilterQuery:
    terms: tuple[Term, ...] = ()
    problems: tuple[str, ...] = ()
    unchecked: frozenset[str] = frozenset()  # field names taken on trust (no list to check)

    @property
    def uses(self) -> frozenset[str]:
        """The fields whose own values some term needs."""
        return frozenset(f for t in self.terms for f in t.fields or ())


def parse_filter(text: str, extra_fields: Iterable[str] | None = None) -> FilterQuery:
    """The terms of ``text``. ``extra_fields``: the names of the leads' undocumented fields;
    None takes any ``name:`` as one (unknown to the leads, it matches no value)."""
    extra = None if extra_fields is None else frozenset(extra_fields)
    return _parse(text, extra, time.tzname)  # a local day's instants change with the zone


@lru_cache(maxsize=64)
def _parse(text: str, extra: frozenset[str] | None, _zone: object) -> FilterQuery:
    terms: list[Term] = []
    problems: list[str] = []
    unchecked: set[str] = set()
    names = {**{fold(x): (x,) for x in extra or ()}, **_DOCUMENTED, **SHORT_NAMES}
    for source, negated, name, value in _tokens(text):
        fields = None
        if name is not None:
            fields = names.get(name.casefold())
            if fields is None and extra is None:
                fields = (name,)
                unchecked.add(name)
            if fields is None:
                problems.append(f"{source}: no field is named “{name}” (to find the text "
                                f"itself, put it in quotes: \"{source}\")")  # fmt: skip
                continue
        if not value:
            continue  # ``state:`` or ``-`` while typing on: nothing to test yet
        if fields in ((CREATED,), (MOVE,)):
            assert fields is not None
            span = _span(value, fields[0])
            if isinstance(span, str):
                problems.append(f"{source}: {span}")
            else:
                terms.append(Term(source, value, fields, negated, span))
            continue
        folded = fold(value)
        if folded:
            terms.append(Term(source, folded, fields, negated))
    return FilterQuery(tuple(terms), tuple(problems), frozenset(unchecked))


def _tokens(text: str) -> Iterable[tuple[str, bool, str | None, str]]:
    """(as typed, negated, field name or None, value) per term. A quote left open runs to the
    end (the user is still typing it)."""
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        negated = text[i] == "-" and i + 1 < n and not text[i + 1].isspace()
        i += negated
        name = None
        if (m := _FIELD.match(text, i)) is not None:
            name, i = m[1], m.end()
        if i < n and text[i] == '"':
            end = text.find('"', i + 1)
            end = n if end < 0 else end
            value, i = text[i + 1 : end], end + 1
        else:
            m = _VALUE.match(text, i)
            assert m is not None  # ``\S*`` matches anywhere
            value, i = m[0], m.end()
        yield text[start:i].strip(), negated, name, value


def _span(value: str, field: str) -> tuple[float, float] | tuple[str, str] | str:
    """[low, high) of a date term, or a message saying why it cannot be read."""
    with_time = field == CREATED
    wrong = f"not a date: write {_EXAMPLES[field]}"
    low: datetime | None
    high: datetime | None
    if (m := _OPEN.fullmatch(value)) is not None:
        period = _period(m[2].strip(), with_time)
        if period is None:
            return wrong
        op, (start, end) = m[1], period
        if op in (">=", ">"):
            low, high = (start if op == ">=" else end), None
            if low is None:
                return _NOTHING if with_time else ("~", "~")
        else:
            low, high = None, (end if op == "<=" else start)
    elif ".." in value:
        first, _, last = value.partition("..")
        a = _period(first.strip(), with_time) if first.strip() else (None, None)
        b = _period(last.strip(), with_time) if last.strip() else (None, None)
        if a is None or b is None or a == b == (None, None):
            return wrong
        low, high = a[0], b[1]
        if low is not None and high is not None and high <= low:
            return "the range ends before it starts"
    else:
        period = _period(value, with_time)
        if period is None:
            return wrong
        low, high = period
    if with_time:  # local time, as the Created column shows
        # The calendar's first day also holds what lies before it in local time (shown as sent).
        inf, low = float("inf"), None if low == datetime.min else low
        return (-inf if low is None else posix(low), inf if high is None else posix(high))
    # ISO dates compare as text; "" (a move date that is not a date) is below every bound.
    return ("0000" if low is None else _iso(low), "~" if high is None else _iso(high))


def _iso(moment: datetime) -> str:
    return moment.date().isoformat()


def _period(text: str, with_time: bool) -> tuple[datetime, datetime | None] | None:
    """The local [start, end) a year, month, day, hour or minute names; end None: past the
    calendar's last day."""
    m = _WHEN.fullmatch(text)
    if m is None or (m[4] is not None and not with_time):
        return None
    year, month, day, hour, minute = (int(g) if g else None for g in m.groups())
    assert year is not None
    try:
        start = datetime(year, month or 1, day or 1, hour or 0, minute or 0)
    except ValueError:
        return None
    try:
        if month is None:
            return start, datetime(year + 1, 1, 1)
        if day is None:
            return start, datetime(year + month // 12, month % 12 + 1, 1)
        step = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1)}
        unit = "minute" if minute is not None else "hour" if hour is not None else "day"
        return start, start + step.get(unit, timedelta(days=1))
    except (OverflowError, ValueError):
        return start, None


def narrows(old: str, new: str) -> bool:
    """Every row ``new`` keeps, ``old`` kept: the rows ``old`` left are all ``new`` must scan."""
    before, after = parse_filter(old).terms, parse_filter(new).terms
    return all(any(t.implies(o) for t in after) for o in before)


def without_dates(text: str) -> str:
    """``text`` less its ``created:`` terms (the chart shows every period the rest lets
    through), each kept term as typed."""
    return " ".join(source for source, _n, name, _v in _tokens(text) if not _is_created(name))


def created_terms(text: str) -> list[str]:
    return [source for source, _n, name, _v in _tokens(text) if _is_created(name)]


def _is_created(name: str | None) -> bool:
    return name is not None and SHORT_NAMES.get(name.casefold(), (name.casefold(),)) == (CREATED,)
