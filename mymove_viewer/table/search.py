"""Finding the rows whose search text contains a term, fast. No Qt.

The texts (``display.search_texts``) are scanned with C-level ``map``s; what costs beyond that
bare scan is putting the matches in the table's order, which is what the shortcuts here avoid.
(Joining the texts into large blocks and jumping between matches with ``find`` was measured too:
no faster at 100k leads, since the substring search itself is the cost, and +180 bytes a lead.)
"""

from __future__ import annotations

import threading
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import compress, repeat
from operator import add, and_, contains, itemgetter, methodcaller, not_
from typing import TYPE_CHECKING, TypeVar

from ..api.fields import CREATED_AT, FIELD_INDEX, FIELDS, MOVE_DATE
from ..api.lead import Lead, calendar_date, sorts_as_text
from ..slices import SCAN_SLICE, SLICE, Pace, chunks, in_slices, yield_gil
from .display import SEPARATOR, ShownTimes, search_texts
from .filter_query import (
    CREATED,
    MOVE,
    WORK_EXPORTED,
    WORK_FIELDS,
    WORK_STATUS,
    FilterQuery,
    Term,
    fold_all,
    parse_filter,
)
from .overview import instants

if TYPE_CHECKING:
    from .work import LeadWork

# A filter over at most this many candidates, with the texts built, costs a few ms: it runs on
# the GUI thread at once (a worker's round trip would cost as much). Others go to a worker.
SYNC_CANDIDATES = 20_000
_CREATED, _MINUTE = itemgetter(CREATED_AT), itemgetter(slice(16))
_SECOND = itemgetter(slice(17, 19))
_V = TypeVar("_V")
_SECONDS = frozenset(f"{s:02d}" for s in range(60))
TEXT_SLICE = SLICE  # leads whose texts are made in one go (~1-3 ms of GIL)


def filter_rows(
    candidates: Sequence[int],
    texts: Sequence[str],
    term: str,
    *,
    positions: Sequence[int] | None = None,
    in_memory_order: bool = False,
) -> list[int]:
    """The candidates whose search text contains ``term`` (already lowercased), in order.

    ``compress``/``map`` keep the whole scan in C. When most rows are candidates, the texts are
    scanned in memory order into a mask first: candidates come in sort order, and visiting 100k
    strings in that scattered order is ~3x slower. Then the matches are picked in candidate
    order, which is itself a scattered walk over 100k row numbers unless there is a shortcut:
    ``in_memory_order`` (the candidates are ``0..n-1``), or ``positions`` (candidates are every
    row, and ``positions[row]`` is where the row sits among them): a rare term's few matches
    are then sorted by position instead.
    """
    if len(candidates) * 4 < len(texts):
        matches = map(contains, picked(texts, candidates), repeat(term))
        return list(compress(candidates, matches))
    mask = bytes(map(contains, texts, repeat(term)))
    if in_memory_order:
        return list(compress(candidates, mask))
    if positions is not None and mask.count(1) * 16 < len(texts):
        return sorted(compress(range(len(texts)), mask), key=positions.__getitem__)
    return list(compress(candidates, picked(mask, candidates)))


def picked(values: Sequence[_V], rows: Sequence[int]) -> Sequence[_V]:
    """``values[row]`` for each of ``rows``, in one C call: ``itemgetter(*rows)`` is ~3x faster
    than ``map(values.__getitem__, rows)``, which calls a method wrapper per row."""
    if len(rows) > 1:
        return itemgetter(*rows)(values)
    return [values[row] for row in rows]


def positions_of(order: Sequence[int]) -> array:
    """``positions[row]`` = where ``row`` sits in ``order`` (a permutation of ``0..n-1``)."""
    positions = array("I", bytes(4 * len(order)))
    deque(map(positions.__setitem__, order, range(len(order))), maxlen=0)
    return positions


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
        built = [self._texts, self._at, *self._fields.values()]
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
                    texts += _once_each(list(map(_DAY, map(_MOVE_DAY, part))), known, _iso_days)
                elif len(getters) == 1:
                    texts += _once_each(list(map(getters[0], part)), known, fold_all)
                else:
                    joined = zip(*(map(g, part) for g in getters), strict=True)
                    texts += _once_each(list(map(" ".join, joined)), known, fold_all)
            return texts

    def ready_for(self, query: FilterQuery) -> bool:
        """Whatever ``query``'s field terms scan is built already."""
        n = len(self.leads)
        return all(len(self._fields.get(t.fields, ())) == n for t in query.terms if _own(t))

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


def _once_each(
    values: list[str], known: dict[str, str], make: Callable[[list[str]], list[str]]
) -> list[str]:
    """``make`` of each value, made once per distinct value (kept in ``known``)."""
    new = list(set(values).difference(known))
    known.update(zip(new, make(new), strict=True))
    return list(map(known.__getitem__, values))


def _iso_days(starts: list[str]) -> list[str]:
    """The date each text's first ten characters are (as a move date's cell shows it), or ""."""
    return [d.isoformat() if (d := calendar_date(start)) else "" for start in starts]


def _own(term: Term) -> bool:
    """The term scans its fields' own texts (not the row's text, the instants, or the work)."""
    return term.fields is not None and term.fields != (CREATED,) and not _on_work(term)


def _on_work(term: Term) -> bool:
    """The term tests what the user did with the lead (``status:``, ``exported:``, ``note:``)."""
    return term.fields is not None and term.fields[0] in WORK_FIELDS


def uses_work(text: str) -> bool:
    """Filtering to ``text`` reads the leads' work: a change to it may change the rows."""
    return any(map(_on_work, parse_filter(text).terms))


def _on_instants(query: FilterQuery) -> bool:
    return any(t.fields == (CREATED,) for t in query.terms)


def needs_instants(plan: FilterPlan, query: FilterQuery) -> bool:
    """Filtering by ``plan`` (read as ``query``) compares ``created_at`` instants."""
    return plan.period is not None or _on_instants(query)


def own_fields(query: FilterQuery) -> list[tuple[str, ...]]:
    """The fields whose own texts ``query``'s terms scan (``field_texts``)."""
    return [t.fields for t in query.terms if t.fields is not None and _own(t)]


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


@dataclass(frozen=True, slots=True)
class FilterPlan:
    """What filtering the table to ``term`` takes, made by the model for ``run_filter`` (here or
    on a worker). The model's lists are shared, never changed: ``leads`` and ``order`` tell the
    model whether the result still fits what it shows."""

    term: str
    leads: list[Lead]
    order: list[int]  # every lead, in the table's order
    candidates: list[int]  # ``order``, or a part of it (the rows a shorter term kept)
    texts: list[str] | None  # None: built from ``source`` first
    source: TextSource
    in_memory_order: bool  # ``order`` is 0..n-1 (unsorted)
    positions: array | None  # of ``order``, if known
    period: tuple[float, float] | None
    instants: list[float] | None
    work: LeadWork | None = None  # what work terms read (the table's own, changing)

    @property
    def cheap(self) -> bool:
        """Quick enough for the GUI thread: few candidates and nothing to build."""
        # Unchecked names count as fields not built yet: listing the extra fields is a pass
        # over every lead, for the worker.
        query = parse_filter(self.term)
        return (
            self.texts is not None
            and (self.period is None or self.instants is not None)
            and (not _on_instants(query) or self.instants is not None)
            and self.source.ready_for(query)
            and (len(self.candidates) <= SYNC_CANDIDATES or (not self.term and not self.period))
        )


@dataclass(frozen=True, slots=True)
class FilterResult:
    rows: list[int]
    texts: list[str] | None  # what was built or used, for the model to keep
    instants: list[float] | None
    positions: array | None


def run_filter(plan: FilterPlan, pace: Pace = None) -> FilterResult:
    """The candidates matching the plan's term (read by ``parse_filter``) and period, in order.
    With ``pace`` (a worker), in slices with ``pace`` called between them (it may raise to
    cancel); without, in one pass."""
    texts, at, positions = plan.texts, plan.instants, plan.positions
    rows = plan.candidates
    query = plan.source.query(plan.term) if plan.term else FilterQuery()
    needs_at = needs_instants(plan, query) and at is None
    if texts is None and any(t.fields is None for t in query.terms):
        texts = plan.source.texts(pace)
    if needs_at:
        at = plan.source.instants(pace)
    lead = _lead_term(query)
    if lead is not None:  # the first term: today's single scan, with all its shortcuts
        scanned = texts if lead.fields is None else plan.source.field_texts(lead.fields, pace)
        assert scanned is not None
        if rows is not plan.order:
            rows = in_slices(_matching(scanned, lead.value), rows, pace, SCAN_SLICE)
        elif pace is None:  # here at once: few leads, where working the positions out is cheap
            if positions is None and not plan.in_memory_order:
                positions = positions_of(rows)
            rows = filter_rows(
                rows, scanned, lead.value, positions=positions, in_memory_order=plan.in_memory_order
            )
        else:
            rows, positions = _scan_all(replace(plan, term=lead.value), scanned, positions, pace)
    for term in query.terms:  # the others narrow what the first one kept
        if term is not lead and _on_work(term):
            rows = in_slices(_work_picker(term, plan.leads, plan.work), rows, pace, SCAN_SLICE)
        elif term is not lead:
            rows = in_slices(_picker(term, texts, at, plan.source, pace), rows, pace, SCAN_SLICE)
    if plan.period is not None:
        assert at is not None
        start, end = plan.period
        at_ = at

        def inside(part: Sequence[int]) -> list[int]:
            moments = picked(at_, part)
            return list(
                compress(part, map(and_, map(start.__le__, moments), map(end.__gt__, moments)))
            )

        rows = in_slices(inside, rows, pace, SCAN_SLICE)
    return FilterResult(rows, texts, at, positions)


def rows_matching(
    leads: list[Lead],
    text: str,
    *,
    texts: list[str] | None = None,
    at: list[float] | None = None,
    extra_fields: Iterable[str] | None = None,
    work: LeadWork | None = None,
) -> list[int]:
    """The indexes of ``leads`` that filter ``text`` keeps, in one pass: for a few leads (those
    a merge adds) or a command line. ``texts``/``at``: their search texts and instants, if made;
    ``extra_fields``: the table's, if it shows more than these leads carry; ``work``: what
    ``status:`` and ``exported:`` terms read (none: every lead is New, never exported)."""
    order = list(range(len(leads)))
    source = TextSource(leads, extra_fields)
    plan = FilterPlan(text, leads, order, order, texts, source, True, None, None, at, work)
    return run_filter(plan).rows


def _lead_term(query: FilterQuery) -> Term | None:
    """The term to scan every row for: one that keeps rows holding a text (not a negation or a
    date), a plain word before a field's (its texts are built already), the longest."""
    found = [t for t in query.terms if not t.negated and t.span is None and not _on_work(t)]
    return max(found, key=lambda t: (t.fields is None, len(t.value)), default=None)


def _picker(
    term: Term, texts: list[str] | None, at: list[float] | None, source: TextSource, pace: Pace
) -> Callable[[Sequence[int]], list[int]]:
    """What keeps the rows of a part that ``term`` lets through."""
    scanned: Sequence[object]
    if term.fields is None:
        assert texts is not None
        scanned = texts
    elif term.fields == (CREATED,):
        assert at is not None
        scanned = at
    else:
        scanned = source.field_texts(term.fields, pace)
    value, negated, span = term.value, term.negated, term.span

    def pick(part: Sequence[int]) -> list[int]:
        got = picked(scanned, part)
        if span is None:
            keep = map(contains, got, repeat(value))
        else:
            low, high = span
            keep = map(and_, map(low.__le__, got), map(high.__gt__, got))  # type: ignore[arg-type]
        return list(compress(part, map(not_, keep) if negated else keep))

    return pick


def _work_picker(
    term: Term, leads: Sequence[Lead], work: LeadWork | None
) -> Callable[[Sequence[int]], list[int]]:
    """What keeps the rows of a part that a work term lets through: the table's work read as it
    is now (the filter runs again when it changes), a C-level pass a part."""
    field, value, negated = term.fields[0], term.value, term.negated  # type: ignore[index]
    test: Callable[[Sequence[Lead]], Iterable[object]]
    if field == WORK_STATUS:
        status, code = (work.status if work else {}), int(value)
        test = lambda got: map(code.__eq__, map(status.get, got, repeat(0)))  # noqa: E731
    elif field == WORK_EXPORTED:
        exported = work.exported if work else {}
        test = lambda got: map(exported.__contains__, got)  # noqa: E731
        negated = negated != (value == "no")
    else:  # a note: its folded text holds the value
        notes, known = (work.notes if work else {}), {"": ""}

        def test(got: Sequence[Lead]) -> Iterable[object]:
            folded = _once_each(list(map(notes.get, got, repeat(""))), known, fold_all)
            return map(contains, folded, repeat(value))

    def pick(part: Sequence[int]) -> list[int]:
        got = picked(leads, part)
        keep = test(got)  # type: ignore[arg-type]
        return list(compress(part, map(not_, keep) if negated else keep))

    return pick


def _matching(texts: Sequence[str], term: str) -> Callable[[Sequence[int]], list[int]]:
    def pick(part: Sequence[int]) -> list[int]:
        return list(compress(part, map(contains, picked(texts, part), repeat(term))))

    return pick


def _scan_all(
    plan: FilterPlan, texts: list[str], positions: array | None, pace: Callable[[], object]
) -> tuple[list[int], array | None]:
    """``filter_rows`` over every row, a slice at a time (same shortcuts)."""
    order, term, n = plan.order, plan.term, len(texts)
    mask = bytearray()
    for part in chunks(texts, pace, SCAN_SLICE):
        mask += bytes(map(contains, part, repeat(term)))
    if plan.in_memory_order:
        pick = lambda part, at: list(compress(part, mask[at : at + len(part)]))  # noqa: E731
    elif mask.count(1) * 16 < n:  # a rare term: its few matches sorted by their positions
        if positions is None:  # about what picking every row costs, and kept for next time
            positions = array("I", bytes(4 * n))
            for span in chunks(range(n), pace, SCAN_SLICE):
                deque(map(positions.__setitem__, order[span.start : span.stop], span), maxlen=0)
        return sorted(compress(range(n), mask), key=positions.__getitem__), positions
    else:
        pick = lambda part, _at: list(compress(part, picked(mask, part)))  # noqa: E731
    rows: list[int] = []
    for span in chunks(range(n), pace, SCAN_SLICE):
        rows += pick(order[span.start : span.stop], span.start)
    return rows, positions
