"""Which leads' search texts hold each letter and digit: one byte a lead per character, made
with the texts. No Qt.

A filter of one character (what the box holds after the first key of every word typed) keeps
most rows. Scanning every text for it costs ~4 ms at 100k leads, and putting those rows in the
table's order as much again; with its mask made ahead, only the second part is left. 36 masks
cost 36 bytes a lead and ~130 ms of a worker at 100k leads, while the index is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import contains

from ..slices import SCAN_SLICE, Pace, chunks

CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"


@dataclass(frozen=True, slots=True)
class CharMasks:
    """``masks[c][i]`` is 1 if text ``i`` holds ``c``, else 0, for each ``c`` of ``CHARS``."""

    masks: dict[str, bytes]
    count: int  # the texts they were made of

    def exact(self, term: str) -> bytes | None:
        """The mask of the texts holding ``term``, if it is one character masked here."""
        return self.masks.get(term) if len(term) == 1 else None

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
