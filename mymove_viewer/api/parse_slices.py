"""Where a body is cut into slices of whole records: the joined body, or the parts it was read
in. No Qt.

A 50 MB body (100k leads) arrives in ~50 parts of up to 1 MiB (``transport.READ_BYTES``). Joined
into one body first, every byte was copied once more, into 50 MB of fresh memory: the body's
size again at the peak, and ~15 ms of a 100k fetch in page faults and copying. The sliced parse
copies each slice out anyway (``[`` + records + ``]``), so it can take them from the parts
(``part_slices``): only a slice that straddles two parts is put together from both.

A boundary is only ever chosen at ``}`` ``,`` ``{``, and a slice starts where a record starts
(right after the head, or at the ``{`` after a slice that decoded). So a cut at that text inside
a string leaves the slice's string unterminated: its decode fails, and the caller parses the
body another way (``parse``). The slices of the parts need not fall where ``split`` cuts the
joined body: any run of whole records gives the same leads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

HEAD = re.compile(rb'\s*\{\s*"leads"\s*:\s*\[')
BOUNDARY = re.compile(rb"\}\s*,\s*\{")
WS = b" \t\r\n"
# Parts are put together into runs at least this long before slicing: a slow network, or TLS,
# hands over a few KiB a read, and a run must hold a body's head, its end, and most slices.
MIN_RUN = 1 << 18


def split(body: bytes | bytearray | memoryview, chunk: int) -> list[tuple[int, int]] | None:
    """(start, end) byte ranges of the array's content, split between records about every
    ``chunk`` bytes; None if odd."""
    head = HEAD.match(body)
    if head is None:
        return None
    stop = array_end(body)
    if stop is None or stop < head.end():
        return None
    start = head.end()
    ranges = []
    while start < stop:
        cut = start + chunk
        if cut >= stop:
            ranges.append((start, stop))
            break
        m = BOUNDARY.search(body, cut, stop)
        if m is None:
            ranges.append((start, stop))
            break
        ranges.append((start, m.start() + 1))
        start = m.end() - 1
    return ranges


def array_end(body: bytes | bytearray | memoryview) -> int | None:
    """Index of the ``]`` closing the records when ``body`` ends ``]}`` (spacing allowed)."""
    end = len(body)
    while end and body[end - 1] in WS:
        end -= 1
    if not end or body[end - 1] != 0x7D:  # "}"
        return None
    end -= 1
    while end and body[end - 1] in WS:
        end -= 1
    if not end or body[end - 1] != 0x5D:  # "]"
        return None
    return end - 1


def part_slices(parts: Sequence[bytes], chunk: int) -> Iterator[bytes] | None:
    """Slices ``[records…]`` of about ``chunk`` bytes of the body ``b"".join(parts)``, in order;
    None when that body is short (joining it costs little), or its head or end is not the usual
    ``{"leads":[`` … ``]}`` within its first or last run of parts (see ``coalesced``)."""
    runs = coalesced(parts, MIN_RUN)
    if len(runs) < 2:
        return None
    head = HEAD.match(runs[0])
    stop = array_end(runs[-1])
    if head is None or stop is None:
        return None
    return _slices(runs, head.end(), stop, chunk)


def coalesced(parts: Sequence[bytes], least: int) -> list[bytes]:
    """``parts`` in runs of at least ``least`` bytes: a part that long stays itself (uncopied),
    shorter ones are joined; a short run at the end goes with the run before it."""
    runs: list[bytes] = []
    run: list[bytes] = []
    size = 0
    for part in parts:
        run.append(part)
        size += len(part)
        if size >= least:
            runs.append(run[0] if len(run) == 1 else b"".join(run))
            run, size = [], 0
    if run:
        if runs:
            run.insert(0, runs.pop())
        runs.append(b"".join(run))
    return runs


def _slices(runs: list[bytes], start: int, stop: int, chunk: int) -> Iterator[bytes]:
    """The slices of ``runs``, whose records start at ``start`` in the first and end before
    ``stop`` in the last."""
    carried: list[memoryview] = []  # the start of a slice, from the runs before
    last = len(runs) - 1
    for k, run in enumerate(runs):
        view = memoryview(run)
        end = stop if k == last else len(run)
        at = start if k == 0 else 0
        if carried:
            # The slice ends at this run's first boundary. One across the seam is not seen, and
            # the slice takes the record after it too: as good.
            found = BOUNDARY.search(run, 0, end)
            if found is None:  # a record longer than a run
                carried.append(view[:end])
                if k == last:
                    yield b"".join((b"[", *carried, b"]"))
                continue
            yield b"".join((b"[", *carried, view[: found.start() + 1], b"]"))
            carried = []
            at = found.end() - 1
        while True:
            cut = at + chunk
            found = BOUNDARY.search(run, cut, end) if cut < end else None
            if found is None:
                if k == last:
                    yield b"".join((b"[", view[at:end], b"]"))
                elif at < end:
                    carried.append(view[at:])
                break
            yield b"".join((b"[", view[at : found.start() + 1], b"]"))
            at = found.end() - 1
