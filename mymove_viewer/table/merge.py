"""Merging a watch poll's leads into the table's content, planned off the GUI thread. No Qt.

``plan_merge`` does every per-lead step on a worker: dropping leads already present, the new
leads' search texts and instants, where they go in the sort order and in the filtered rows, and
every cached column ranking extended to them (so the next sort of any ranked column stays a
copy). The model then only swaps the results in (``LeadTableModel.apply_merge``).

Rows are lead indexes ordered by a key list; equal keys keep index order in both directions
(as ``sort.sorted_order`` leaves them), and merged leads get the highest indexes, so a new
lead goes after every old lead with an equal key.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import deque
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from dataclasses import dataclass
from functools import cmp_to_key
from itertools import accumulate
from operator import add

from ..api.fields import FIELDS
from ..api.lead import Lead
from ..slices import Pace, chunks, paced
from .char_masks import CharMasks, char_masks
from .display import CREATED, STATUS, Column, columns_for, key_function, search_texts
from .overview import instants
from .search import rows_matching
from .sort import Ranking, column_values, each_array, rank_column
from .work import LeadWork

_N = len(FIELDS)
Runs = list[tuple[int, list[int]]]


def insert_position(
    rows: Sequence[int], lead: int, keys: Sequence[object] | None, descending: bool
) -> int:
    """Where ``lead`` belongs in ``rows`` (binary search; O(log n) Python steps)."""
    if keys is None:  # unsorted: rows are in index order
        lo, hi = 0, len(rows)
        while lo < hi:
            mid = (lo + hi) // 2
            if rows[mid] < lead:
                lo = mid + 1
            else:
                hi = mid
        return lo
    key = keys[lead]
    lo, hi = 0, len(rows)
    while lo < hi:
        mid = (lo + hi) // 2
        other = rows[mid]
        k = keys[other]
        if k == key:
            before = other < lead
        elif descending:
            before = k > key  # type: ignore[operator]
        else:
            before = k < key  # type: ignore[operator]
        if before:
            lo = mid + 1
        else:
            hi = mid
    return lo


def in_row_order(leads: list[int], keys: Sequence[object] | None, descending: bool) -> list[int]:
    """``leads`` in the order the rows use."""
    if keys is None:
        return sorted(leads)

    def compare(a: int, b: int) -> int:
        ka, kb = keys[a], keys[b]
        if ka == kb:
            return (a > b) - (a < b)
        less = ka < kb  # type: ignore[operator]
        return (1 if less else -1) if descending else (-1 if less else 1)

    return sorted(leads, key=cmp_to_key(compare))


def insertion_runs(
    rows: Sequence[int], fresh: list[int], keys: Sequence[object] | None, descending: bool
) -> list[tuple[int, list[int]]]:
    """(row, leads) blocks to insert, in ascending row order, where ``row`` is the position in
    the list as it stands once the earlier blocks are in. ``fresh`` must be in row order."""
    runs: list[tuple[int, list[int]]] = []
    last = -1
    for inserted, lead in enumerate(fresh):
        pos = insert_position(rows, lead, keys, descending)
        if pos == last:
            runs[-1][1].append(lead)
        else:
            runs.append((pos + inserted, [lead]))
            last = pos
    return runs


def merged(rows: MutableSequence[int], runs: Runs) -> MutableSequence[int]:
    """A new list (or array, for an array): ``rows`` with the runs inserted (O(n + k), copied
    in slices by C)."""
    out = array(rows.typecode) if isinstance(rows, array) else []
    taken = 0  # how many of rows are copied
    for at, block in runs:
        copy_to = at - (len(out) - taken)  # index in rows where this block goes
        out.extend(rows[taken:copy_to])
        taken = copy_to
        out.extend(block)
    out.extend(rows[taken:])
    return out


@dataclass(frozen=True, slots=True)
class MergeState:
    """The model's content and view as a merge starts from them, by reference (taken in O(1) on
    the GUI thread). The model replaces these lists rather than changing them, except a merge
    growing ``rows`` in place; a plan for an older state is refused (see ``fits``)."""

    leads: list[Lead]
    lead_set: set[Lead] | None  # the leads as a set, if made already
    columns: list[Column]
    order: list[int]  # every lead in the sort order
    rows: list[int]  # the rows shown: ``order`` narrowed by the filters (or ``order`` itself)
    sort: tuple[int, bool] | None  # column, descending
    ranks: dict[str, Ranking]  # a copy of the model's cache
    texts: list[str] | None
    instants: list[float] | None
    canonical: bool  # every created_at is known to be in the canonical form
    term: str  # the text filter
    period: tuple[float, float] | None
    work: LeadWork | None = None  # what ``status:`` and ``exported:`` terms read
    chars: CharMasks | None = None  # of ``texts``, if made

    def fits(self, now: MergeState) -> bool:
        """A plan for this state applies to ``now``: same leads, order, rows, sort and filters,
        and no column ranked since (its ranking would be dropped instead of extended)."""
        same = (self.leads, self.order, self.rows, self.columns)
        return (
            all(map(_is, same, (now.leads, now.order, now.rows, now.columns)))
            and (self.sort, self.term, self.period) == (now.sort, now.term, now.period)
            and now.ranks.keys() <= self.ranks.keys()
        )


def _is(a: object, b: object) -> bool:
    return a is b


@dataclass(frozen=True, slots=True)
class MergePlan:
    """What the model swaps in for a merge of ``state`` with ``fresh``."""

    state: MergeState
    fresh: list[Lead]  # the leads not present before, in the order they came
    lead_set: set[Lead]  # every lead, the fresh ones included
    leads: list[Lead]  # ``state.leads`` then ``fresh``
    columns: list[Column] | None  # the columns with the extra fields only fresh leads carry
    order: list[int] | None  # the grown full order, when ``rows`` is a filtered part of it
    runs: Runs  # inserted into ``state.rows`` (see ``insertion_runs``)
    ranks: dict[str, Ranking]  # every ranking extended to the fresh leads
    canonical: bool
    texts: list[str] | None  # ``state.texts`` grown, if there were any
    instants: list[float] | None
    fresh_texts: list[str]
    fresh_instants: list[float]
    chars: CharMasks | None  # ``state.chars`` grown
    fresh_chars: CharMasks


def plan_merge(state: MergeState, incoming: Iterable[Lead], pace: Pace = None) -> MergePlan:
    """The merge of ``incoming`` into ``state`` (a lead is its own identity key: all of its
    values). On a worker, pass ``pace`` (called between slices; it may raise to cancel); the
    whole list of leads is only ever walked by C in slices."""
    present = state.lead_set
    if present is None:
        present = set()
        for part in chunks(state.leads, pace):
            present.update(part)
    else:
        present = present.copy()  # the model's own set stays as it is until this is applied
    fresh = []
    for lead in incoming:
        if lead not in present:
            present.add(lead)
            fresh.append(lead)
    first = len(state.leads)
    leads = [*state.leads, *fresh] if fresh else state.leads
    at = instants(fresh)
    texts = search_texts(fresh, at=at)
    fresh_chars = char_masks(texts)
    columns = _columns_with_extras(state.columns, fresh)
    canonical = state.canonical and key_function(CREATED, [x.created_at for x in fresh]) is str
    every = columns or state.columns
    by_field = {c.field: c for c in every}
    ranks = {}
    for field, ranking in paced(state.ranks.items(), pace if fresh else None):
        if field in by_field and by_field[field].kind == STATUS:
            continue  # statuses change as the user works: ranked anew below when sorted by it
        if field in by_field and len(ranking.ranks) == first and fresh:
            ranks[field] = extend_ranking(ranking, leads, first, by_field[field], pace)
        elif not fresh:
            ranks[field] = ranking
    keys, descending = None, False
    if state.sort is not None and fresh:
        column, descending = every[state.sort[0]], state.sort[1]
        if column.field not in ranks:  # no ranking kept: the sort's own is made here
            ranking = rank_column(leads, column, canonical=canonical, pace=pace)
            ranks[column.field] = Ranking(ranking.ranks)
        keys = ranks[column.field].ranks
    added = in_row_order(list(range(first, len(leads))), keys, descending)
    order = None  # unfiltered, the rows are the order: growing them grows it
    if state.rows is not state.order and fresh:
        order = merged(state.order, insertion_runs(state.order, added, keys, descending))
    shown = _passing(added, leads, first, texts, at, state)
    return MergePlan(
        state,
        fresh,
        present,
        leads,
        columns,
        order,  # type: ignore[arg-type]
        insertion_runs(state.rows, shown, keys, descending),
        ranks,
        canonical,
        [*state.texts, *texts] if state.texts is not None and fresh else state.texts,
        [*state.instants, *at] if state.instants is not None and fresh else state.instants,
        texts,
        at,
        state.chars.grown(fresh_chars) if state.chars is not None and fresh else state.chars,
        fresh_chars,
    )


def _columns_with_extras(columns: list[Column], fresh: list[Lead]) -> list[Column] | None:
    """The columns grown by the extra fields only fresh leads carry (nothing the API sends may
    be hidden from the table or left out of an export), or None if there are none."""
    known = {c.field for c in columns}
    added: dict[str, None] = {}
    for names in {lead[_N] for lead in fresh}:
        added.update((name, None) for name in names if name not in known)
    if not added:
        return None
    status = next((c for c in columns if c.kind == STATUS), None)
    return columns_for([c.field for c in columns[_N:]] + list(added), status)


def _passing(
    added: list[int],
    leads: list[Lead],
    first: int,
    texts: list[str],
    at: list[float],
    state: MergeState,
) -> list[int]:
    """Those of ``added`` (lead indexes from ``first``, with their texts and instants) that the
    text filter and the period let through."""
    local = [i - first for i in added]
    period = state.period
    if state.term:
        extra = [c.field for c in state.columns[len(FIELDS) :] if c.kind != STATUS]
        kept = set(
            rows_matching(
                leads[first:], state.term, texts=texts, at=at, extra_fields=extra, work=state.work
            )
        )
        local = [i for i in local if i in kept]
    if period is not None:
        start, end = period
        local = [i for i in local if start <= at[i] < end]
    return [i + first for i in local]


def comparable_key(column: Column) -> Callable[[str], object]:
    """A sort key of one value that orders like whatever key a ranking was made with: for
    ``created_at`` the parsed instant, which orders canonical text as its text does."""
    return key_function(column.kind, ("not canonical",))


def extend_ranking(
    ranking: Ranking, leads: list[Lead], first: int, column: Column, pace: Pace = None
) -> Ranking:
    """``ranking`` of ``leads[:first]`` extended to every lead: what ``rank_column`` of all of
    them would give, found with binary searches among the old distinct keys (one lead each)
    and C passes over the old ranks, not by sorting everything again. Either order it holds is
    grown too, with each new lead after the old ones with an equal key."""
    old = ranking.ranks
    if not first:
        ranked = rank_column(leads, column, pace=pace)
        return Ranking(ranked.ranks)
    key = comparable_key(column)
    field = column.field
    new_keys = list(map(key, column_values(leads[first:], field)))
    place: dict[object, tuple[int, bool]] = {}  # key -> (old rank it equals, or gap before)
    up = ranking.ascending
    if up is not None:  # binary searches along the kept order: no pass over the ranks
        count = old[up[-1]] + 1  # ranks are dense: 0 .. count - 1

        def key_at(position: int) -> object:
            return key(leads[up[position]].get(field))

        for k in set(new_keys):
            p = bisect_left(range(first), k, key=key_at)  # type: ignore[arg-type]
            place[k] = (old[up[p]], key_at(p) == k) if p < first else (count, False)
    else:
        count = max(old) + 1
        one_of = [0] * count  # a lead of each rank
        for span in chunks(range(first), pace):
            deque(map(one_of.__setitem__, old[span.start : span.stop], span), maxlen=0)

        def key_of(rank: int) -> object:
            return key(leads[one_of[rank]].get(field))

        for k in set(new_keys):
            r = bisect_left(range(count), k, key=key_of)  # type: ignore[arg-type]
            place[k] = (r, r < count and key_of(r) == k)
    unseen = sorted(k for k, (_r, equal) in place.items() if not equal)  # type: ignore[type-var]
    below = {k: place[k][0] + j for j, k in enumerate(unseen)}
    if unseen and place[unseen[0]][0] < count:  # not only above every old key (newer leads)
        gaps = [0] * (count + 1)
        for k in unseen:
            gaps[place[k][0]] += 1
        # Each old rank moves up by the number of unseen keys below it.
        remap = list(map(add, range(count), accumulate(gaps[:count])))
        ranks = each_array(lambda part: array("I", map(remap.__getitem__, part)), old, pace)
    else:
        ranks, remap = array("I", old), range(count)
    ranks.extend(below[k] if k in below else remap[place[k][0]] for k in new_keys)
    orders = []
    added = list(range(first, len(leads)))
    for descending, rows in ((False, ranking.ascending), (True, ranking.descending)):
        if rows is not None:
            ordered = in_row_order(added, ranks, descending)
            orders.append(merged(rows, insertion_runs(rows, ordered, ranks, descending)))
        else:
            orders.append(None)
    return Ranking(ranks, *orders)
