"""Finding the rows whose search text contains a term, fast. No Qt.

Two indexes of the same lowercase texts (``leadtable.search_texts``): the texts themselves, one
string per row, scanned with a C-level ``map`` (the way for a common term that most rows
contain), and the texts joined into blocks of a few thousand rows each, where ``str.find``
jumps from one match to the next (the way for a rare term: at 100k leads ~4x faster than
testing every row, because the search runs over contiguous memory and only matches cost
Python steps).
"""

from __future__ import annotations

import time
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat
from operator import add, contains

from .leadtable import SEPARATOR

BLOCK_ROWS = 4096  # rows per joined block: joining one holds the GIL well under a millisecond
ROW_END = "\x1e"  # between rows in a block; like SEPARATOR it cannot be typed into the filter
RARE_SHARE = 8  # the block search gives up past 1/8 of the rows matching: a scan is faster then


@dataclass(frozen=True, slots=True)
class TextBlock:
    first: int  # row number of the block's first row
    text: str  # the rows' texts joined by ROW_END
    starts: array  # where each row starts in ``text``, then one past the end


def text_blocks(texts: Sequence[str], first: int = 0, size: int = BLOCK_ROWS) -> list[TextBlock]:
    """Blocks of ``size`` rows for ``texts`` whose first row is row ``first``; yields the GIL
    between blocks."""
    blocks = []
    for start in range(0, len(texts), size):
        part = texts[start : start + size]
        starts = array("I", accumulate(map(add, map(len, part), repeat(1)), initial=0))
        blocks.append(TextBlock(first + start, ROW_END.join(part), starts))
        time.sleep(0)
    return blocks


def find_rows(blocks: Sequence[TextBlock], term: str, limit: int) -> list[int] | None:
    """Rows (in row order) whose text contains ``term``; None once more than ``limit`` match."""
    if not term or ROW_END in term or SEPARATOR in term:
        return None
    rows: list[int] = []
    for block in blocks:
        find, starts, first = block.text.find, block.starts, block.first
        at = find(term)
        while at >= 0:
            row = bisect_right(starts, at) - 1
            rows.append(first + row)
            if len(rows) > limit:
                return None
            at = find(term, starts[row + 1])
    return rows


def filter_rows(
    candidates: Sequence[int],
    texts: Sequence[str],
    term: str,
    *,
    positions: Sequence[int] | None = None,
    in_memory_order: bool = False,
    blocks: Sequence[TextBlock] | None = None,
) -> list[int]:
    """The candidates whose search text contains ``term`` (already lowercased), in order.

    ``compress``/``map`` keep the whole scan in C. When most rows are candidates, the texts are
    scanned in memory order into a mask first: candidates come in sort order, and visiting 100k
    strings in that scattered order is ~3x slower. Then the matches are picked in candidate
    order, which is itself a scattered walk over 100k row numbers unless there is a shortcut:
    ``in_memory_order`` (the candidates are ``0..n-1``), or ``positions`` (candidates are every
    row, and ``positions[row]`` is where the row sits among them): a rare term's few matches
    are then sorted by position instead. ``blocks`` (of the same texts) find a rare term's rows
    without testing every text.
    """
    n = len(texts)
    if len(candidates) * 4 < n:
        matches = map(contains, map(texts.__getitem__, candidates), repeat(term))
        return list(compress(candidates, matches))
    # One letter is usually common: not worth a block search that gives up.
    found = find_rows(blocks, term, n // RARE_SHARE) if blocks and len(term) > 1 else None
    if found is not None:
        if in_memory_order:
            return found
        if positions is not None:
            return sorted(found, key=positions.__getitem__)
        mask = bytearray(n)
        deque(map(mask.__setitem__, found, repeat(1)), maxlen=0)
        return list(compress(candidates, map(mask.__getitem__, candidates)))
    mask = bytes(map(contains, texts, repeat(term)))
    if in_memory_order:
        return list(compress(candidates, mask))
    if positions is not None and mask.count(1) * 16 < len(texts):
        return sorted(compress(range(len(texts)), mask), key=positions.__getitem__)
    return list(compress(candidates, map(mask.__getitem__, candidates)))


def positions_of(order: Sequence[int]) -> array:
    """``positions[row]`` = where ``row`` sits in ``order`` (a permutation of ``0..n-1``)."""
    positions = array("I", bytes(4 * len(order)))
    deque(map(positions.__setitem__, order, range(len(order))), maxlen=0)
    return positions
