"""A watch poll's merge swapped into the lead table (planned on a worker by
``merge.plan_merge``): ``LeadTable``'s part that takes it. No Qt."""

from __future__ import annotations

from collections.abc import Iterable

from ..api.lead import Lead
from .char_masks import CharMasks, whole_chars
from .merge import MergePlan, MergeState, plan_merge

# Polls merged while the index's masks are being made, whose own masks are kept to grow them
# with: beyond this many, the masks may never come (their job stopped by a fetch that failed).
OWED_MERGES = 64


def _grown(values: list | None, fresh: list, count: int) -> list | None:
    """``values`` of ``count`` leads grown by the fresh leads' (None if they are not that)."""
    return None if values is None or len(values) != count else [*values, *fresh]


class MergingTable:
    """The merging methods of ``LeadTable`` (its only subclass), which holds the state and
    the helpers used here (``_made_of_leads``, ``_hand_over``, ``_signature``, ``_counted``)."""

    _texts: list[str] | None  # (``LeadTable``'s)
    _chars: CharMasks | None
    _owed: tuple[list[str], list[CharMasks]] | None

    def merge_state(self) -> MergeState:
        """What a merge starts from, for ``plan_merge`` on a worker (references: O(1))."""
        return MergeState(self.leads, self._lead_set, self.columns, self._order, self.rows,
                          self._sort, dict(self._ranks), self._texts, self._instants,
                          self._canonical_created, self._filter, self._period,
                          self.work, self._chars)  # fmt: skip

    def merge_leads(self, leads: Iterable[Lead]) -> int:
        """Merge here and now (see ``apply_merge``); returns how many leads were new."""
        added = self.apply_merge(plan_merge(self.merge_state(), leads))
        assert added is not None  # planned on this very state
        return added

    def apply_merge(self, plan: MergePlan) -> int | None:
        """Swap in a merge planned from ``merge_state``: the new leads are inserted where the
        sort and filters put them, so selection, current row, sort and filter stay. Returns how
        many leads were new, or None (nothing done) if the leads, sort or filters changed since
        the plan's state: plan again."""
        if not plan.state.fits(self.merge_state()):
            return None
        # Each list, set or array replaced below is dropped by the reaper: here, the old leads,
        # texts, instants and lead set of 1M leads and the ranks extended (~50 arrays) held the
        # GUI thread ~60-90 ms (decrefs of every item, frees), on a loaded machine ~0.2 s.
        before = self._made_of_leads()
        self._lead_set = plan.lead_set
        if not plan.fresh:
            self._hand_over(before)
            return 0
        self._row_of = None  # the rows grow in place below
        listener = self._listener
        if plan.columns is not None:
            listener.inserting_columns(len(self.columns), len(plan.columns) - 1)
            self.columns = plan.columns
            listener.inserted_columns()
        state, ranked = plan.state, self._ranks
        self.leads = plan.leads  # a new list: the signature of the sort notices the change
        sort = self.columns[self._sort[0]].field if self._sort is not None else None
        # Dropped from the cache since the plan started: stays dropped.
        self._ranks = {f: r for f, r in plan.ranks.items() if f in ranked or f == sort}
        self._canonical_created = plan.canonical
        # The order grows below (new leads' ties are placed by the merge, not by a sort).
        self._positions, self._run, self._order_ranks = None, None, None
        texts, at = self._texts, self._instants  # the index may have come meanwhile
        n = len(state.leads)
        self._texts = plan.texts if texts is state.texts else _grown(texts, plan.fresh_texts, n)
        chars = self._chars  # as the texts: grown with them, or gone
        if texts is state.texts and chars is state.chars:
            self._chars = plan.chars
        else:
            whole = whole_chars(chars, n) if self._texts is not None else None
            self._chars = whole.grown(plan.fresh_chars) if whole is not None else None
        if self._chars is None and self._owed is not None and self._texts is not None:
            # The indexer is making the masks of the texts as they were: grown when they come
            # (unless so many polls came first that they may never: a job stopped by a fetch
            # that then failed).
            base, owed = self._owed
            self._owed = (base, [*owed, plan.fresh_chars]) if len(owed) < OWED_MERGES else None
        self._instants = (
            plan.instants if at is state.instants else _grown(at, plan.fresh_instants, n)
        )
        if plan.order is not None:  # filtered: the full order grows silently
            self._order = plan.order
        rows = self.rows
        for at_row, block in plan.runs:
            listener.inserting_rows(at_row, at_row + len(block) - 1)
            rows[at_row:at_row] = block  # in place: when rows is the order, the order grows too
            listener.inserted_rows()
        if self._sort is not None:
            self._sorted_as = self._signature(*self._sort)
        self._hand_over(before)
        self._counted()
        return len(plan.fresh)

    def set_chars(self, texts: list[str], chars: CharMasks) -> bool:
        """Take the character masks a worker made of ``texts``: the table's texts, or those
        that watch merges have grown since (the masks are grown as they were). False (nothing
        kept) if the table has other texts."""
        if chars.count != len(texts):
            return False
        if texts is not self._texts:
            if self._owed is None or texts is not self._owed[0]:
                return False
            for fresh in self._owed[1]:
                chars = chars.grown(fresh)
        if self._texts is None or chars.count != len(self._texts):
            return False
        self._chars, self._owed = chars, None
        return True
