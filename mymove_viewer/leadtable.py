"""What the lead table shows, and the precomputed keys it sorts and filters by. No Qt.

Sorting and filtering run over plain Python lists built here, not through a Qt proxy that calls
back into Python per comparison: at 100k leads that is the difference between ~70 ms and ~9 s.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from itertools import compress, repeat
from operator import add, itemgetter

from .api.fields import FIELDS, header_for
from .api.lead import Lead, calendar_date, parse_timestamp

TEXT, CREATED, DATE = "text", "created", "date"
_KINDS = {"created_at": CREATED, "move_date": DATE}
SEPARATOR = "\x1f"  # cannot be typed into the filter box, so a match never spans two fields


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str
    kind: str = TEXT


def columns_for(extra_fields: Sequence[str] = ()) -> list[Column]:
    """The documented fields in the vendor's order, then any extra fields in order of appearance."""
    names = list(FIELDS) + [f for f in extra_fields if f not in FIELDS]
    return [Column(name, header_for(name), _KINDS.get(name, TEXT)) for name in names]


def display(kind: str, raw: str, tz: tzinfo | None = None) -> str:
    """What a cell shows. Unparsable dates are shown as sent rather than hidden."""
    if kind == CREATED:
        moment = parse_timestamp(raw)
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M") if moment else raw
    if kind == DATE:
        day = calendar_date(raw)
        return day.isoformat() if day else raw
    return raw


def search_texts(leads: Sequence[Lead]) -> list[str]:
    """One lowercase string per lead holding every value, for substring filtering.

    Built with ``map`` over C callables (no Python frame per lead): ~3× faster at 1M leads.
    A lead without extras ends with a lone separator, which no typed term can match.
    """
    n = len(FIELDS)
    head, tail = itemgetter(slice(None, n)), itemgetter(slice(n + 1, None))
    joined = map(SEPARATOR.join, map(add, map(head, leads), map(tail, leads)))
    return list(map(str.lower, joined))


def sort_keys(leads: Sequence[Lead], column: Column) -> list:
    """One comparable key per lead for ``column``."""
    field = column.field
    if field in FIELDS:
        i = FIELDS.index(field)
        values = [lead[i] for lead in leads]
    else:
        values = [lead.get(field) for lead in leads]
    if column.kind == CREATED:
        return _instant_keys(values)
    if column.kind == DATE:
        return [_date_key(v) for v in values]
    return [v.casefold() for v in values]


def _instant_keys(values: list[str]) -> list:
    # RFC 3339 strings in UTC with the same precision sort as text; anything else is parsed.
    if set(map(len, values)) <= {20} and all(map(str.endswith, values, repeat("Z"))):
        return values
    epoch = datetime.fromtimestamp(0).astimezone()
    return [(parse_timestamp(v) or epoch).timestamp() for v in values]


def _date_key(value: str) -> str:
    day = calendar_date(value)
    return day.isoformat() if day else ""


def filter_rows(candidates: Sequence[int], texts: Sequence[str], term: str) -> list[int]:
    """The candidates whose search text contains ``term`` (already lowercased), in order.

    ``compress``/``map`` keep the whole scan in C: ~2× faster than a comprehension.
    """
    matches = map(str.__contains__, map(texts.__getitem__, candidates), repeat(term))
    return list(compress(candidates, matches))
