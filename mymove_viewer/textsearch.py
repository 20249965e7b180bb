"""Finding the rows whose search text contains a term, fast. No Qt.

The texts (``leadtable.search_texts``) are scanned with C-level ``map``s; what costs beyond that
bare scan is putting the matches in the table's order, which is what the shortcuts here avoid.
(Joining the texts into large blocks and jumping between matches with ``find`` was measured too:
no faster at 100k leads, since the substring search itself is the cost, and +180 bytes a lead.)
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Sequence
from itertools import compress, repeat
from operator import contains


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
        matches = map(contains, map(texts.__getitem__, candidates), repeat(term))
        return list(compress(candidates, matches))
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
