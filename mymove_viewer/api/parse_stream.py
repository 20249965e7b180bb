"""Parse a body of leads while it downloads. No Qt.

The client hands over each read (``feed``, up to 1 MiB: ``transport.READ_BYTES``); whole slices
of records are decoded and built as soon as they are in (``parse.SlicedParse``), so the parse
overlaps the download and only the last slice is left when the body ends. Each read is dropped
once its slices are parsed: the body is never joined, and the next read reuses the memory of the
last one. (Reads kept until the parse ended sat in the heap below the leads built meanwhile and
stayed resident once freed: ~50 MB after a refetch at 100k leads, ~530 MB at 1M. Copying them
into memory maps of their own cost ~30 ms of page faults at 100k, and ~10 ms to give back.)

The leads are ``parse_leads``'s for the same bytes. Slices are cut as there (see ``cuts``), from
the usual head ``{"leads":[`` on; each slice that decodes ends where a record ends, so the leads
of the slices parsed are right whatever follows. A slice that is not JSON (a cut inside a
string, or a broken body) is tried again up to the next cut, then twice as long, until it
decodes or the body ends. What
is left at the end (the last records and the end of the answer) is parsed as its own answer
behind the same head: more members after the list (a later list of leads then stands alone, as
in the whole body), or the error the whole body would give (its detail saying where the part
begins). A body whose head is not the usual one is kept whole and
handed to ``parse_leads``; so is one whose slices have not started by its end (a short one).
An earlier version (removed in ``47291e6``) cut a growing ``bytearray`` from the front, copying
the rest at every slice, and built the leads only at the end: 7-10 % slower than the whole body.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack

from ..gcpause import building_many_objects
from .cuts import BOUNDARY, HEAD, array_end
from .errors import CancelledError
from .parse import CHUNK_BYTES, Answer, ParseResult, SlicedParse, parse_leads

# A slice that is not JSON is tried again up to the next cut this many times in a row, then twice
# as long. A value holding ``},{`` in every record of 100k leads: 230-300 ms, against 540-988 ms
# tried at twice the length each time.
RETRIES_AT_NEXT_CUT = 3
HEAD_LIMIT = 256  # longest head (``{ "leads" : [`` with spacing) looked for before giving up
START = 4096 + 256  # the answer's start kept for an error's detail (``parse.excerpt``)


class LeadStream:
    """``feed`` each read of the body in turn, then ``finish`` once (or ``close``)."""

    def __init__(
        self, *, cancel: Callable[[], bool] | None = None, chunk: int = CHUNK_BYTES
    ) -> None:
        self._cancel = cancel
        self._chunk = chunk
        self._span = chunk  # the next slice is at least this long (longer after one failed)
        self._failed = 0  # slices in a row that were not JSON
        self._whole: list[bytes] | None = None  # every read, for a body not cut here
        self._rest: list[bytes] = []  # from the next slice's first record on
        self._rest_size = 0
        self._head = b""  # the head as sent, once read
        self._start = b""  # the answer's first bytes
        self._offset = 0  # where ``_rest`` begins in the body
        self._slices: SlicedParse | None = None
        self._building = ExitStack()

    def feed(self, data: bytes) -> None:
        """Take the next read and parse the slices it completes. Raises ``CancelledError``."""
        if self._whole is not None:
            self._whole.append(data)
            return
        self._rest.append(data)
        self._rest_size += len(data)
        if not self._head and not self._read_head():
            return
        if self._rest_size > self._span:
            self._cut()

    def finish(self, *, status: int | None = None) -> ParseResult:
        """The leads; raises ``InvalidResponseError`` or ``CancelledError`` as ``parse_leads``."""
        try:
            if self._whole is not None or self._slices is None:
                body = b"".join(self._whole or [self._head, *self._rest])
                self.close()
                return parse_leads(body, status=status, cancel=self._cancel)
            return self._last(status)
        finally:
            self.close()

    def close(self) -> None:
        """Drop what is kept of the body (and the leads parsed so far)."""
        self._whole, self._rest, self._slices = None, [], None
        self._building.close()

    def _read_head(self) -> bool:
        first = b"".join(self._rest)
        head = HEAD.match(first)
        if head is None:
            if len(first) >= HEAD_LIMIT:
                self._whole, self._rest = [first], []  # not the usual head: parsed whole
            return False
        self._head, self._start = first[: head.end()], first[:START]
        self._rest, self._rest_size = [first[head.end() :]], len(first) - head.end()
        self._offset = head.end()
        return True

    def _cut(self) -> None:
        rest = self._rest[0] if len(self._rest) == 1 else b"".join(self._rest)
        view, at, size = memoryview(rest), 0, len(rest)
        while at + self._span < size:
            found = BOUNDARY.search(rest, at + self._span)
            if found is None:
                break  # a cut the read ended in the middle of is found with the next one
            if self._parse(b"".join((b"[", view[at : found.start() + 1], b"]"))):
                at = found.end() - 1
                self._span, self._failed = self._chunk, 0
            elif self._failed < RETRIES_AT_NEXT_CUT:  # a cut inside a string, most likely:
                self._span = found.end() - at  # the next cut is where the record ends
                self._failed += 1
            else:  # a broken body: twice as long, not a decode for every cut to the end
                self._span = 2 * (found.start() + 1 - at)
        view.release()
        self._rest = [rest[at:] if at else rest]
        self._rest_size = size - at
        self._offset += at

    def _parse(self, piece: bytes) -> bool:
        if self._slices is None:
            self._building.enter_context(building_many_objects())
            self._slices = SlicedParse(self._cancel)
        try:
            self._slices.add(piece)
        except CancelledError:
            raise
        except Exception:  # not JSON (or a decoder's bug): the end decides (see ``_last``)
            return False
        return True

    def _last(self, status: int | None) -> ParseResult:
        """The leads of the slices with those of the rest of the answer (see the module's doc)."""
        assert self._slices is not None
        rest = b"".join((self._head, *self._rest))
        self._rest = []
        if self._offset == len(self._head):  # no slice decoded: ``rest`` is the whole body
            return parse_leads(rest, status=status, cancel=self._cancel)
        end = array_end(rest)
        if end is not None and self._parse(b"".join((b"[", rest[len(self._head) : end], b"]"))):
            return self._slices.result()  # the usual end, ``]}``
        size = self._offset + len(rest) - len(self._head)
        answer = Answer(status, size, self._start, self._offset)
        tail = parse_leads(rest, status=status, cancel=self._cancel, answer=answer)
        if _lists_of_leads(rest) > 1:
            return tail  # a later list of leads wins, alone, as it does in the whole body
        return _joined(self._slices.result(), tail)


def _lists_of_leads(answer: bytes) -> int:
    """How many ``leads`` members the outer object of ``answer`` has (a decode keeps the last
    one); 1 when that cannot be told. Only for the end of a body that is not the usual one."""
    keys: list[str] = []

    def pairs(items: list[tuple[str, object]]) -> None:
        keys[:] = [key for key, _ in items]  # the outer object's come last

    try:
        json.loads(
            answer.decode("utf-8", "replace"),
            object_pairs_hook=pairs,
            parse_int=len,
            parse_float=len,
            parse_constant=len,
        )
    except (ValueError, RecursionError):
        return 1
    return keys.count("leads")


def _joined(first: ParseResult, then: ParseResult) -> ParseResult:
    reasons = dict(first.skip_reasons)
    for reason, count in then.skip_reasons.items():
        reasons[reason] = reasons.get(reason, 0) + count
    keys = None
    if first.created_keys is not None and then.created_keys is not None:
        keys = first.created_keys + then.created_keys
    return ParseResult(
        first.leads + then.leads,
        tuple(dict.fromkeys(first.extra_fields + then.extra_fields)),
        first.skipped + then.skipped,
        reasons,
        first.canonical_created and then.canonical_created,
        first.replaced + then.replaced,
        keys,
    )
