"""The search texts of the leads, made once and kept: ``TextSource``. No Qt.

One folded text per lead (``display.search_texts``) for plain words, and each field's own texts
for ``field:value`` terms, made in slices on a worker, in the order the table shows the leads
(so a filter typed early finds its top rows first)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import add, itemgetter, methodcaller
from typing import TypeVar

from ..api.fields import CREATED_AT, FIELD_INDEX, FIELDS, MOVE_DATE
from ..api.lead import Lead, calendar_date, sorts_as_text
from ..slices import SLICE, Pace, chunks, yield_gil
from .display import SEPARATOR, ShownTimes, search_texts
from .filter_query import CREATED, MOVE, WORK_FIELDS, FilterQuery, Term, fold_all, parse_filter
from .overview import instants

_CREATED, _MINUTE = itemgetter(CREATED_AT), itemgetter(slice(16))
_SECOND = itemgetter(slice(17, 19))
_V = TypeVar("_V")
_SECONDS = frozenset(f"{s:02d}" for s in range(60))
TEXT_SLICE = SLICE  # leads whose texts are made in one go (~1-3 ms of GIL)


def picked(values: Sequence[_V], rows: Sequence[int]) -> Sequence[_V]:
    """``values[row]`` for each of ``rows``, in one C call: ``itemgetter(*rows)`` is ~3x faster
    than ``map(values.__getitem__, rows)``, which calls a method wrapper per row."""
    if len(rows) > 1:
        return itemgetter(*rows)(values)
    return [values[row] for row in rows]


def own_term(term: Term) -> bool:
    """The term scans its fields' own texts (not the row's text, the instants, or the work)."""
    return term.fields is not None and term.fields != (CREATED,) and not on_work(term)


def on_work(term: Term) -> bool:
    """The term tests what the user did with the lead (``status:``, ``exported:``, ``note:``)."""
    return term.fields is not None and term.fields[0] in WORK_FIELDS


class TextSource:
    """The search texts and ``created_at`` instants of one list of leads, each built once, in
    slices, by whichever thread asks first (the indexer, or a filter typed before the index).

    Work done is kept when a build is cancelled (``pace`` raising), so the next caller resumes
    it; callers meanwhile take turns a slice at a time and get the same lists. The texts come
    first and need no instants (see ``_Minutes``): a filter typed early waits only for them.
    They are made in the table's order when given one (``order``): a filter typed before they
    are all made scans those made already and shows their rows, the top of its result, while
    the others are made (``search_stream``).
    """

    def __init__(
        self,
        leads: list[Lead],
        extra_fields: Iterable[str] | None = None,
        order: list[int] | None = None,
    ) -> None:
        """``extra_fields``: the names ``field:value`` may use beyond the documented ones; by
        default those these leads carry. ``order``: the table's order of ``leads``."""
        self.leads = leads
        # One lock each: the indexer goes on to the instants while an early filter takes the texts.
        self._texts_lock, self._at_lock = threading.Lock(), threading.Lock()
        self._at: list[float] = []
        self._texts: list[str] = []
        self._order_of = order  # the table's list (a merge may grow it in place)
        self._order: list[int] | None = None  # a copy of it, made with the first slice
        self.built = 0  # how many leads, in that order, have their text made
        self._shown = ShownTimes(SEPARATOR)
        self._minutes = _Minutes()
        # What ``field:value`` terms scan, built on first use: folded texts per field (or
        # fields, joined), the move dates as ISO text, and the names of the extra fields.
        self._fields_lock = threading.Lock()
        self._fields: dict[tuple[str, ...], list[str]] = {}
        self._extra = None if extra_fields is None else frozenset(extra_fields)

    def builds_in(self, order: list[int]) -> bool:
        """The texts are made in ``order`` (the table's, when this source was made for it)."""
        return order is self._order_of and len(order) == len(self.leads)

    def texts(self, pace: Pace = None) -> list[str]:
        return self.build(len(self.leads), pace)

    def build(self, upto: int, pace: Pace = None) -> list[str]:
        """Make the texts of the first ``upto`` leads in the build order, a slice at a time with
        ``pace`` called after each (outside the lock: another caller may go on meanwhile).
        Returns the texts by lead index, only those made being meaningful until all are."""
        while True:
            with self._texts_lock:
                if self.built >= min(upto, len(self.leads)):
                    return self._texts
                self._build_slice()
            (pace or yield_gil)()

    def _build_slice(self) -> None:
        leads, n, start = self.leads, len(self.leads), self.built
        stop = min(start + TEXT_SLICE, n)
        if start == 0 and self._order_of is not None and len(self._order_of) == n:
            self._order = list(self._order_of)  # one C call: a merge cannot get in the middle
        # Made in lead order within the slice: a scan goes through the texts in lead order, and
        # texts allocated in the reverse (newest first) scanned ~1.5-2x slower (memory order).
        rows = None if self._order is None else sorted(self._order[start:stop])
        part = leads[start:stop] if rows is None else picked(leads, rows)
        values = list(map(_CREATED, part))
        times = self._shown.of_canonical(values)
        if times is not None:  # no instants needed (the indexer makes them later)
            made = search_texts(part, times=times)
        else:
            at = self._minutes.of(values)
            if at is None:  # not all canonical: parsed one by one
                if len(self._at) != n:
                    at = instants(part)
                else:
                    at = self._at[start:stop] if rows is None else picked(self._at, rows)
            made = search_texts(part, at=at, shown=self._shown)
        if rows is None:
            self._texts += made
        else:
            if not self._texts:
                self._texts = [""] * n
            deque(map(self._texts.__setitem__, rows, made), maxlen=0)
        self.built = stop

    def built_besides(self, kept: list[object]) -> list[list]:
        """What it built (for ``reaper.release``), except lists already in ``kept``."""
        built = [self._texts, self._at, self._order, *self._fields.values()]
        return [x for x in built if not any(x is k for k in kept)]

    def instants(self, pace: Pace = None) -> list[float]:
        leads, n = self.leads, len(self.leads)
        with self._at_lock:
            at = self._at
            for span in chunks(range(len(at), n), pace or yield_gil):  # on from a cancel
                at += instants(leads[span.start : span.stop])
            return at

    def field_texts(self, fields: tuple[str, ...], pace: Pace = None) -> list[str]:
        """Per lead, the folded text of ``fields`` (joined by a space); for ``move_date`` the
        ISO date it starts with ("" if none), which date terms compare as text."""
        leads, n = self.leads, len(self.leads)
        getters = [_getter(f) for f in fields]
        # Each distinct value is folded once, and its folded text shared by every lead with it
        # (a state column then holds ~50 strings, not 100k).
        known: dict[str, str] = {}
        with self._fields_lock:
            texts = self._fields.setdefault(fields, [])
            for span in chunks(range(len(texts), n), pace or yield_gil):  # on from a cancel
                part = leads[span.start : span.stop]
                if fields == (MOVE,):
                    texts += once_each(list(map(_DAY, map(_MOVE_DAY, part))), known, _iso_days)
                elif len(getters) == 1:
                    texts += once_each(list(map(getters[0], part)), known, fold_all)
                else:
                    joined = zip(*(map(g, part) for g in getters), strict=True)
                    texts += once_each(list(map(" ".join, joined)), known, fold_all)
            return texts

    def ready_for(self, query: FilterQuery) -> bool:
        """Whatever ``query``'s field terms scan is built already."""
        n = len(self.leads)
        return all(len(self._fields.get(t.fields, ())) == n for t in query.terms if own_term(t))

    def query(self, text: str) -> FilterQuery:
        """``text`` read with these leads' extra fields (listed only if a term names one)."""
        query = parse_filter(text)
        return parse_filter(text, self.extra_fields()) if query.unchecked else query

    def extra_fields(self) -> frozenset[str]:
        """The names of the leads' undocumented fields."""
        if self._extra is None:
            names: set[str] = set()
            names.update(*set(map(_EXTRA_NAMES, self.leads)))
            self._extra = frozenset(names)
        return self._extra


_MOVE_DAY, _EXTRA_NAMES = itemgetter(MOVE_DATE), itemgetter(len(FIELDS))
_DAY = itemgetter(slice(10))


def _getter(field: str) -> Callable[[Lead], str]:
    i = FIELD_INDEX.get(field)
    return itemgetter(i) if i is not None else methodcaller("get", field)


def once_each(
    values: list[str], known: dict[str, str], make: Callable[[list[str]], list[str]]
) -> list[str]:
    """``make`` of each value, made once per distinct value (kept in ``known``)."""
    new = list(set(values).difference(known))
    known.update(zip(new, make(new), strict=True))
    return list(map(known.__getitem__, values))


def _iso_days(starts: list[str]) -> list[str]:
    """The date each text's first ten characters are (as a move date's cell shows it), or ""."""
    return [d.isoformat() if (d := calendar_date(start)) else "" for start in starts]


class _Minutes:
    """The instants, to the minute, of canonical ``created_at`` values (``…:SSZ``, in UTC) by
    their first 16 characters: ~5x cheaper than parsing each, and all a shown time needs. Each
    hour is parsed once, its minutes added by arithmetic (parsing each of ~43k minutes in 100k
    leads cost ~100 ms)."""

    def __init__(self) -> None:
        self._of: dict[str, float] = {}
        self._hours: dict[str, float] = {}

    def of(self, values: list[str]) -> list[float] | None:
        """None unless every value is canonical."""
        if not sorts_as_text(values) or not set(map(_SECOND, values)) <= _SECONDS:
            return None
        minutes = list(map(_MINUTE, values))
        known, hours = self._of, self._hours
        new = list(set(minutes).difference(known))
        for hour in set(map(_HOUR, new)).difference(hours):
            try:
                hours[hour] = datetime.fromisoformat(hour + ":00:00+00:00").timestamp()
            except ValueError:
                return None
        at = map(
            add, map(hours.__getitem__, map(_HOUR, new)), map(_MM.__getitem__, map(_MM_TEXT, new))
        )
        try:  # what it added before failing is right: only valid minutes get in
            known.update(zip(new, at, strict=True))
        except KeyError:  # a minute past 59: not a time
            return None
        return list(map(known.__getitem__, minutes))


_HOUR, _MM_TEXT = itemgetter(slice(13)), itemgetter(slice(14, 16))
_MM = {f"{m:02d}": 60.0 * m for m in range(60)}
