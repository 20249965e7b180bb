"""Which leads' search texts hold each letter and digit: one byte a lead per character, made
with the texts. No Qt.

A filter of one character (what the box holds after the first key of every word typed) keeps
most rows. Scanning every text for it costs ~4 ms at 100k leads, and putting those rows in the
table's order as much again; with its mask made ahead, only the second part is left. A longer
term with a rare character ("quinn") need only be looked for in the texts holding all of its
characters. 36 masks cost 36 bytes a lead and ~130 ms of a worker at 100k leads, while the
index is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import repeat
from math import prod
from operator import and_, contains

from ..slices import SCAN_SLICE, Pace, chunks

CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
# The texts that may hold a longer term are scanned alone when they are expected to be fewer than
# this share of all: the shares its characters' masks keep, multiplied (as if independent).
SCANNED_ALONE_BELOW = 2 / 3


@dataclass(frozen=True, slots=True)
class CharMasks:
    """``masks[c][i]`` is 1 if text ``i`` holds ``c``, else 0, for each ``c`` of ``CHARS``."""

    masks: dict[str, bytes]
    count: int  # the texts they were made of

    def exact(self, term: str) -> bytes | None:
        """The mask of the texts holding ``term``, if it is one character masked here."""
        return self.masks.get(term) if len(term) == 1 else None

    def among(self, term: str) -> bytes | None:
        """The mask of the texts holding every masked character of ``term`` (the only ones
        that may hold the term), if that leaves few enough to be worth scanning them alone;
        else None. Skipping a third of the texts did not pay ("smith", 80% left: 12.1 ms
        against 11.4 for every text); "garcia" (66%) 11.1 against 12.0, "johnson" (35%) 7.8
        against 10.9, "quinn" (2%) 3.8 against 12.9, at 100k leads."""
        masks = [self.masks[c] for c in set(term) if c in self.masks]
        if not masks or not self.count:
            return None
        n = self.count
        shares = [mask.count(1) / n for mask in masks]
        if prod(shares) >= SCANNED_ALONE_BELOW:
            return None
        held = reduce(and_, (int.from_bytes(mask, "little") for mask in masks))
        return held.to_bytes(n, "little")

    def grown(self, fresh: CharMasks) -> CharMasks:
        """These masks followed by ``fresh``'s (those of texts added after these)."""
        joined = {c: mask + fresh.masks[c] for c, mask in self.masks.items()}
        return CharMasks(joined, self.count + fresh.count)


def whole_chars(chars: CharMasks | None, count: int) -> CharMasks | None:
    """``chars`` if they are of ``count`` texts (all the leads'), else None."""
    return chars if chars is not None and chars.count == count else None


def char_masks(texts: Sequence[str], pace: Pace = None) -> CharMasks:
    """The masks of ``texts``; on a worker, ``pace`` is called after each character's pass over
    a slice (~0.3 ms) and may raise to cancel."""
    parts: dict[str, list[bytes]] = {c: [] for c in CHARS}
    for span in chunks(range(len(texts)), None, SCAN_SLICE):
        part = texts[span.start : span.stop]
        for c, made in parts.items():
            made.append(bytes(map(contains, part, repeat(c))))
            if pace is not None:
                pace()
    return CharMasks({c: b"".join(made) for c, made in parts.items()}, len(texts))
