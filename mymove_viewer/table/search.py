"""Finding the rows whose search text contains a term, fast. No Qt.

The texts (``display.search_texts``) are scanned with C-level ``map``s; what costs beyond that
bare scan is putting the matches in the table's order, which is what the shortcuts here avoid.
(Joining the texts into large blocks and jumping between matches with ``find`` was measured too:
no faster at 100k leads, since the substring search itself is the cost, and +180 bytes a lead.
``re.finditer`` over such blocks of 8,192 texts was faster for rare terms, "smith" 10.3 ms and
"sm" 10.5 ms against 11.7 and 19.6 for a list comprehension over the texts, but 3-25x slower
for common ones ("s", "ma"), and the blocks took 21 ms to make: not done.)
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import and_, contains, itemgetter, not_
from typing import TYPE_CHECKING, TypeVar

from ..api.fields import CREATED_AT
from ..api.lead import Lead
from ..slices import SCAN_SLICE, Pace, in_slices
from .char_masks import CharMasks
from .filter_query import (
    CREATED,
    WORK_EXPORTED,
    WORK_STATUS,
    FilterQuery,
    Term,
    fold_all,
    parse_filter,
)
from .full_scan import scan_every_row
from .text_source import TextSource, on_work, once_each, own_term, picked

if TYPE_CHECKING:
    from .work import LeadWork

# A filter over at most this many candidates, with the texts built, costs a few ms: it runs on
# the GUI thread at once (a worker's round trip would cost as much). Others go to a worker.
SYNC_CANDIDATES = 20_000
_CREATED, _MINUTE = itemgetter(CREATED_AT), itemgetter(slice(16))
_SECOND = itemgetter(slice(17, 19))
_V = TypeVar("_V")
_SECONDS = frozenset(f"{s:02d}" for s in range(60))


def uses_work(text: str) -> bool:
    """Filtering to ``text`` reads the leads' work: a change to it may change the rows."""
    return any(map(on_work, parse_filter(text).terms))


def _on_instants(query: FilterQuery) -> bool:
    return any(t.fields == (CREATED,) for t in query.terms)


def needs_instants(plan: FilterPlan, query: FilterQuery) -> bool:
    """Filtering by ``plan`` (read as ``query``) compares ``created_at`` instants."""
    return plan.period is not None or _on_instants(query)


def own_fields(query: FilterQuery) -> list[tuple[str, ...]]:
    """The fields whose own texts ``query``'s terms scan (``field_texts``)."""
    return [t.fields for t in query.terms if t.fields is not None and own_term(t)]


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
    run: int | None = None  # ``order_run(order)`` if known
    # ``order`` is the stable order of every lead by these dense ranks, descending or not (as a
    # sort made it): a rare term's few matches are put in it by their ranks, with no positions.
    ranks: tuple[array, bool] | None = None
    chars: CharMasks | None = None  # of ``texts``, if made

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
    run: int | None = None  # ``order_run(plan.order)``, if a scan found it out


def run_filter(plan: FilterPlan, pace: Pace = None) -> FilterResult:
    """The candidates matching the plan's term (read by ``parse_filter``) and period, in order.
    With ``pace`` (a worker), in slices with ``pace`` called between them (it may raise to
    cancel); without, in one pass."""
    texts, at, positions, run = plan.texts, plan.instants, plan.positions, plan.run
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
        # A one-character term's mask, made with the texts; or the texts that may hold it.
        chars = plan.chars if lead.fields is None and scanned is plan.texts else None
        known = chars.exact(lead.value) if chars is not None else None
        if rows is not plan.order:
            rows = in_slices(_matching(scanned, lead.value), rows, pace, SCAN_SLICE)
        else:
            among = chars.among(lead.value) if chars is not None and known is None else None
            rows, positions, run = scan_every_row(
                scanned, lead.value, plan.order, pace, run=1 if plan.in_memory_order else run,
                positions=positions, ranks=plan.ranks, mask=known, among=among
            )  # fmt: skip
    for term in query.terms:  # the others narrow what the first one kept
        if term is not lead and on_work(term):
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
    return FilterResult(rows, texts, at, positions, run)


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
    found = [t for t in query.terms if not t.negated and t.span is None and not on_work(t)]
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
            folded = once_each(list(map(notes.get, got, repeat(""))), known, fold_all)
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
