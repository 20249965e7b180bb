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
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import compress
from operator import not_

from ..api.fields import FIELDS, KNOWN_EXTRA_FIELDS
from ..api.moments import posix
from .work import status_code

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
# What the user did with a lead (issue 18), not a field the API sends: ``status:contacted``,
# ``exported:no``, ``note:callback``. These names win over the API's own fields of that name,
# which ``api.status:`` reaches (``api.`` reaches any field of the API by its name).
WORK_STATUS, WORK_EXPORTED, WORK_NOTE = "@status", "@exported", "@note"
WORK_NAMES: dict[str, tuple[str, ...]] = {
    "status": (WORK_STATUS,),
    "exported": (WORK_EXPORTED,),
    "note": (WORK_NOTE,),
}
WORK_FIELDS = frozenset((WORK_STATUS, WORK_EXPORTED, WORK_NOTE))
API_PREFIX = "api."
_YES_NO = {"yes": "yes", "y": "yes", "true": "yes", "no": "no", "n": "no", "false": "no"}
_FIELD = re.compile(r"((?:api\.)?[^\W\d][\w-]*):", re.I)
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
def _marks() -> re.Pattern[str]:
    """Combining marks (of the Basic Multilingual Plane, where every script's accents are),
    which folding drops after NFKD: one character class of their ranges (built once, ~10 ms),
    so a regex removes them in one C pass (``str.translate`` with a table looks each character
    up in a dict: ~20x slower on accented text)."""
    marks = [c for c in range(0x10000) if unicodedata.combining(chr(c))]
    ranges, start = [], marks[0]
    for prev, c in zip(marks, [*marks[1:], -1], strict=True):
        if c != prev + 1:
            ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
            start = c
    return re.compile(f"[{''.join(ranges)}]+")


# Joins the non-ASCII texts so that one C call of each step folds them all; a starter with no
# decomposition (NFKD never reorders across it) that casefold keeps.
_JOINER = "\x1e"


def fold(text: str) -> str:
    """``text`` with case and accents gone: ``Müller`` -> ``muller``, ``Straße`` -> ``strasse``."""
    return _bare(text.casefold())


def fold_all(texts: Sequence[str]) -> list[str]:
    """``fold`` of each text, in C-level passes. ASCII texts (most) are lowercased; the others
    are folded joined in one string, which costs a ``str`` method call per text less, and
    casefolding or decomposing non-ASCII text walks it in Python's slow generic paths: at 100k
    leads' search texts ~40 ms instead of ~400 ms."""
    plain = bytes(map(str.isascii, texts))
    if plain.count(0) == 0:
        return list(map(str.lower, texts))
    out, every = list(texts), range(len(texts))
    deque(map(out.__setitem__, compress(every, plain), map(str.lower, compress(texts, plain))), 0)
    odd = list(compress(every, map(not_, plain)))
    others = list(compress(texts, map(not_, plain)))
    parts = _fold_joined(_JOINER.join(others)).split(_JOINER)
    if len(parts) != len(others):  # a text holds the joiner itself: one by one
        parts = list(map(fold, others))
    deque(map(out.__setitem__, odd, parts), maxlen=0)
    return out


def _fold_joined(text: str) -> str:
    """``fold(text)``, made character by character, which it is: its ASCII bytes lowercased in
    one C pass, then each distinct non-ASCII character replaced by its fold (a ``str.replace``
    each, a fast search), instead of casefolding and decomposing every character."""
    raw = text.encode("utf-8", "surrogatepass").lower()
    # The UTF-8 bytes of a non-ASCII character are all >= 0x80: without the ASCII bytes, what
    # is left decodes to the non-ASCII characters alone, a small string to list them from.
    found = set(raw.translate(None, _ASCII_BYTES).decode("utf-8", "surrogatepass"))
    changed = {c: f for c in found if (f := fold(c)) != c}
    made = set("".join(changed.values()))
    # Marks outside the Basic Multilingual Plane are kept, and NFKD may reorder them with the
    # marks around; a character a fold makes that is itself replaced would be folded twice.
    if max(map(ord, found | made)) > 0xFFFF or not made.isdisjoint(changed):
        return fold(text)
    folded = raw.decode("utf-8", "surrogatepass")
    for char, plain in changed.items():
        folded = folded.replace(char, plain)
    return folded


_ASCII_BYTES = bytes(range(128))


def _bare(folded: str) -> str:
    """Casefolded text decomposed, its marks dropped and ``_LETTERS`` replaced."""
    text = _marks().sub("", unicodedata.normalize("NFKD", folded))
    for letter, plain in _LETTERS.items():
        if letter in text:
            text = text.replace(letter, plain)
    return text


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
    api = {**{fold(x): (x,) for x in extra or ()}, **_DOCUMENTED}
    names = {**api, **SHORT_NAMES, **WORK_NAMES}
    for source, negated, name, value in _tokens(text):
        fields = None
        if name is not None and name[:4].casefold() == API_PREFIX:
            name = name[4:]
            fields = api.get(name.casefold())
        elif name is not None:
            fields = names.get(name.casefold())
        if name is not None:
            if fields is None and extra is None:
                fields = (name,)
                unchecked.add(name)
            if fields is None:
                problems.append(f"{source}: no field is named “{name}” (to find the text "
                                f"itself, put it in quotes: \"{source}\")")  # fmt: skip
                continue
        if not value:
            continue  # ``state:`` or ``-`` while typing on: nothing to test yet
        if fields is not None and fields[0] in WORK_FIELDS and fields[0] != WORK_NOTE:
            read = _work_value(fields[0], value)
            if read is None:
                problems.append(f"{source}: {_WORK_EXPECTED[fields[0]]}")
            else:
                terms.append(Term(source, read, fields, negated))
            continue
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


_WORK_EXPECTED = {
    WORK_STATUS: "not a status: write new, contacted, qualified, not-interested or do-not-contact",
    WORK_EXPORTED: "write exported:yes or exported:no",
}


def _work_value(field: str, value: str) -> str | None:
    """What a ``status:`` (the status's number) or ``exported:`` term (yes, no) tests for."""
    if field == WORK_EXPORTED:
        return _YES_NO.get(value.strip().casefold())
    code = status_code(value)
    return None if code is None else str(code)


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
