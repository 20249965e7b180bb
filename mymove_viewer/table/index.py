"""What the table and the overview need beyond the leads themselves, built off the GUI thread
after the leads are shown. No Qt.

At 100k leads the filter's search texts, the ``created_at`` instants and the overview's counts
cost ~250 ms together: more than a third of a fetch. Built before the table was shown, they made
the user wait for work the first screen does not need; built after, the table appears first and
the filter and chart are ready a moment later (the model builds what it needs itself if asked
sooner).
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import partial

from .. import reaper
from ..api.errors import CancelledError
from ..api.lead import Lead
from ..slices import Pace, in_slices, shed, yield_gil
from .char_masks import CharMasks, char_masks
from .display import CREATED, STATUS, Column, search_texts
from .overview import Volume, instants, tally_in_slices, volume
from .sort import (
    Ranking,
    each_array,
    order_in_place,
    rank_column,
    reversed_stably,
)
from .sort_plan import counting_order
from .text_source import TextSource


@dataclass(frozen=True, slots=True)
class LeadIndex:
    leads: list[Lead]  # the very list indexed: a result for other leads is ignored
    texts: list[str]
    instants: list[float]
    tally: tuple[Counter[str], Counter[str]]
    volume: Volume | None  # bars of all the leads over the chart window, local time


def build_index(
    leads: list[Lead],
    chart_window: tuple[float, float] | None,
    cancelled: Callable[[], bool] = lambda: False,
    pace: Pace = None,
    source: TextSource | None = None,
) -> LeadIndex:
    """Every piece in slices (see ``in_slices``), calling ``pace`` between them: this runs while
    the user already works with the table, and must not hold the GIL long enough to be felt.
    ``source``: the model's builder of these leads' texts, which a filter typed before the index
    is in may have started (or finished) already: the texts are built once."""

    def check() -> None:
        if cancelled():
            raise CancelledError("Indexing was cancelled.")

    def paced() -> None:
        (pace or yield_gil)()
        check()

    with reaper.holding():  # freeing old leads meanwhile would slow this down
        if source is not None and source.leads is leads:
            texts, at = source.texts(paced), source.instants(paced)
        else:
            at = in_slices(instants, leads, pace or yield_gil)
            check()
            texts = search_texts(leads, pace, at)
        check()
        counts = tally_in_slices(leads, pace=pace)
        check()
        bars = volume(at, chart_window, pace=pace) if chart_window is not None else None
    return LeadIndex(leads, texts, at, counts, bars)


@dataclass(frozen=True, slots=True)
class TextMasks:
    """The character masks of an index's texts, made after it (~0.45 s at 100k leads, ~5 s at
    1M: the chart and counts do not wait for them)."""

    texts: list[str]  # the very list: masks of other texts are not taken
    chars: CharMasks


def text_masks(texts: list[str], pace: Pace = None) -> TextMasks:
    return TextMasks(texts, char_masks(texts, pace))


# The columns a user most likely sorts by first are ranked first; the others follow in the
# table's order. Ranking a column of repeated values on demand still cost about one ``sorted()``
# of its keys, and the paint as much again: ~4x the first sort's floor at 100k leads.
RANK_FIRST = (
    "last_name",
    "first_name",
    "new_city",
    "new_state",
    "new_postal_code",
    "email",
    "move_date",
)


# Fewer leads rank on demand in a few ms: not worth 12 bytes a lead per column.
RANK_AHEAD_FROM = 1_000


@dataclass(frozen=True, slots=True)
class RankedColumn:
    leads: list[Lead]  # the very list ranked: a result for other leads is ignored
    field: str
    ranking: Ranking


def worth_ranking_ahead(leads: Sequence[Lead], columns: Sequence[Column]) -> list[Column]:
    """Every column a user can sort, the likeliest first (none for a few hundred leads), and
    ``created_at`` last: the fetch ordered it one way already, and its keys usually come in
    order, so it costs no compare; checking that they do cost a click ~7 ms at 100k leads.
    Statuses change as the user works."""
    first = {field: i for i, field in enumerate(RANK_FIRST)}
    if len(leads) < RANK_AHEAD_FROM:
        return []
    wanted = [c for c in columns if c.kind != STATUS]
    last = len(first) + 1
    return sorted(wanted, key=lambda c: last if c.kind == CREATED else first.get(c.field, last - 1))


def rank_ahead(
    leads: list[Lead], columns: Sequence[Column], pace: Pace = None
) -> Iterator[RankedColumn]:
    """The ranks and both row orders of each column worth ranking ahead, one column at a time,
    so the first sort by any column costs about what a second one does. ``pace`` is called
    between slices (it may raise to cancel)."""
    for column in worth_ranking_ahead(leads, columns):
        if pace is not None:
            pace()  # also before each column: a small one is ranked in one slice
        ranking = rank_column(leads, column, pace=pace)
        ranks = ranking.ranks
        # Both orders too, as arrays (4 bytes a lead each): a sort then only copies one out
        # (~3 ms at 100k leads) instead of ordering 100k ranks (~50 ms).
        up = ranking.ascending
        if up is None:  # repeated values: ranked over the distinct ones, no order on the way
            # Counted in slices: one sorted() of 100k ranks held the GIL 20-45 ms here.
            up = order_in_place(ranks, False, pace)
            if up is None:
                up = counting_order(ranks, False, pace)[0]
        down = ranking.descending  # made on the way when the keys came in order
        del ranking
        if down is None:
            down = reversed_stably(up, ranks, pace)
        kept = [each_array(partial(array, "I"), rows, pace) for rows in (up, down)]
        # Freed at once, 1M row numbers in sort order would hold the GIL for ~0.1 s each; in
        # slices here, nothing is left to free once the last column is in (the reaper's
        # backlog competed with the user's first clicks after ranking).
        shed(up, down, pace=pace or yield_gil)
        yield RankedColumn(leads, column.field, Ranking(ranks, *kept))
