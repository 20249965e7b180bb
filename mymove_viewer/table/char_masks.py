"""Which leads' search texts hold each letter and digit, and in which group of fields: made with
the texts, one bit a lead per character and group. No Qt.

A filter of one character (what the box holds after the first key of every word typed) keeps
most rows. Scanning every text for it costs ~4 ms at 100k leads, and putting those rows in the
table's order as much again; with its mask made ahead, only the second part is left.

A longer term need only be looked for in the texts where one group of fields holds all of its
characters: a term lies within one field (``display.SEPARATOR``), so within one group. Per group
this is far rarer than in the whole text, where each of the letters of "smith" is in 86-100% of
the texts and all five in 80%: in one group, 24%, and reading those texts alone took 8.0 against
11.4 ms for all of them at 100k leads ("johnson": 35% -> 11%, 5.8 against 10.4 ms). Four groups
(``display.GROUP_SEPARATOR``) of 36 characters cost 18 bytes a lead and ~0.4 s of a worker at
100k leads, while the index is built.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import repeat
from operator import and_, contains, itemgetter, or_

from ..slices import SCAN_SLICE, Pace, chunks
from .display import GROUP_SEPARATOR, GROUPS, SEPARATOR

CHARS = "abcdefghijklmnopqrstuvwxyz0123456789"
# The texts that may hold a longer term are scanned alone when they are fewer than this share of
# all. Read alone, a third of the texts cost ~2/3 of reading them all (their memory is not read
# in one stream): "miller" (58% left) 11.0 against 11.2 ms, "smith" (24%) 8.0 against 11.4.
SCANNED_ALONE_BELOW = 2 / 3
_TO_DIGITS = bytes.maketrans(b"\x00\x01", b"01")
_FROM_DIGITS = bytes.maketrans(b"01", b"\x00\x01")


@dataclass(frozen=True, slots=True)
class CharMasks:
    """Bit ``i`` of ``masks[c][g]`` is set if group ``g`` of text ``i`` holds ``c``, for each
    ``c`` of ``CHARS``. Packed in ints: one C operation ANDs or ORs 100k leads' bits."""

    masks: dict[str, tuple[int, ...]]
    count: int  # the texts they were made of

    def exact(self, term: str) -> bytes | None:
        """One byte a text, 1 where it holds ``term``, if that is one character masked here."""
        groups = self.masks.get(term) if len(term) == 1 else None
        return None if groups is None else _unpacked(reduce(or_, groups), self.count)

    def among(self, term: str) -> bytes | None:
        """One byte a text, 1 where one of its groups holds every masked character of ``term``
        (the only texts that may hold it), if that leaves few enough to be worth reading them
        alone; else None. A term crossing a separator could span groups: None."""
        if SEPARATOR in term or GROUP_SEPARATOR in term or not self.count:
            return None
        held = [self.masks[c] for c in set(term) if c in self.masks]
        if not held:
            return None
        left = reduce(or_, (reduce(and_, group) for group in zip(*held, strict=True)))
        if left.bit_count() >= SCANNED_ALONE_BELOW * self.count:
            return None
        return _unpacked(left, self.count)

    def grown(self, fresh: CharMasks) -> CharMasks:
        """These masks followed by ``fresh``'s (those of texts added after these)."""
        shift = self.count
        joined = {
            c: tuple(
                mine | theirs << shift for mine, theirs in zip(groups, fresh.masks[c], strict=True)
            )
            for c, groups in self.masks.items()
        }
        return CharMasks(joined, self.count + fresh.count)


def whole_chars(chars: CharMasks | None, count: int) -> CharMasks | None:
    """``chars`` if they are of ``count`` texts (all the leads'), else None."""
    return chars if chars is not None and chars.count == count else None


def char_masks(texts: Sequence[str], pace: Pace = None) -> CharMasks:
    """The masks of ``texts``; on a worker, ``pace`` is called after each character's pass over
    a slice of a group (~0.2 ms) and may raise to cancel."""
    parts: dict[str, list[list[bytes]]] = {c: [[] for _ in range(GROUPS)] for c in CHARS}
    for span in chunks(range(len(texts)), None, SCAN_SLICE):
        for g, group in enumerate(_groups(texts[span.start : span.stop], pace)):
            for c, made in parts.items():
                made[g].append(bytes(map(contains, group, repeat(c))))
                if pace is not None:
                    pace()
    n, masks = len(texts), {}
    for c, made in parts.items():  # ~3 ms a character at 1M leads: the GIL offered between
        masks[c] = tuple(_packed(b"".join(m), n) for m in made)
        if pace is not None:
            pace()
    return CharMasks(masks, n)


def _groups(texts: list[str], pace: Pace) -> list[list[str]]:
    """Each text's ``GROUPS`` groups, as lists of texts. A value holding a separator only moves
    the cut: a term lies between two separators, so in one piece either way."""
    pieces: list[list[str]] = []
    for part in chunks(texts, pace, SCAN_SLICE // 4):  # ~3 ms of GIL for a whole slice
        pieces += map(str.split, part, repeat(GROUP_SEPARATOR), repeat(GROUPS - 1))
    if pieces and min(map(len, pieces)) < GROUPS:  # not a search text's shape: empty groups
        pieces = [p + [""] * (GROUPS - len(p)) for p in pieces]
    return [list(map(itemgetter(g), pieces)) for g in range(GROUPS)]


def _packed(mask: bytes, n: int) -> int:
    """One byte a text (0 or 1) to one bit: text ``i`` at bit ``i`` (linear: a base-2 parse)."""
    return int(mask.translate(_TO_DIGITS)[::-1], 2) if n else 0


def _unpacked(bits: int, n: int) -> bytes:
    """Bit ``i`` to byte ``i``, of ``n``."""
    return bin(bits)[:1:-1].ljust(n, "0")[:n].encode("ascii").translate(_FROM_DIGITS)
