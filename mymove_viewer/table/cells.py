"""What a view asks of a table cell, and how long a value a cell shows. No Qt."""

from __future__ import annotations

from collections.abc import Sequence

DISPLAY, TOOLTIP, RAW, LEAD = range(4)  # what ``cell`` answers
Span = tuple[int, int]  # first and last view row, both included
# Qt lays out a cell's whole text on every paint: one 10 MB field froze the window for ~10 s per
# repaint (and 3 s more to size the columns); 40 rows of two 10,000-character cells still took
# 1.2 s, 34 ms at this limit (as short values). No cell is wide enough to show more; copy, export
# and RAW keep every character.
DISPLAY_LIMIT = 300
TIP_LIMIT = 500  # a tooltip of a cut cell shows this much, and says how long the value is


def long_tip(value: str) -> str:
    """A tooltip for a value too long for its cell (a 20 MB tooltip would freeze the window)."""
    return f"{value[:TIP_LIMIT]}…\n({len(value):,} characters: the lead's details show more)"


def pick(items: Sequence[int], spans: Sequence[Span]) -> list[int]:
    """The items at the spans' positions, in order, as a new list (a snapshot: a merge may grow
    ``items`` in place while a worker reads the copy). List slices only: no Python per row."""
    out: list[int] = []
    for top, bottom in spans:
        out += items[top : bottom + 1]
    return out
