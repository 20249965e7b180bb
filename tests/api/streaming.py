"""Feed a body to ``LeadStream`` the way a network would: in pieces of varying size."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import cycle

from mymove_viewer.api.parse import ParseResult
from mymove_viewer.api.parse_stream import LeadStream

PIECES = (1, 7, 64, 1000, 65536)  # single bytes up to a socket read


def parse_streamed(body: bytes, pieces: Sequence[int] = PIECES) -> ParseResult:
    stream = LeadStream()
    at = 0
    for size in cycle(pieces):
        if at >= len(body):
            break
        stream.feed(body[at : at + size])
        at += size
    return stream.finish()
