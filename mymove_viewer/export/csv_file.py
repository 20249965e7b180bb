"""Export leads to CSV (RFC 4180, UTF-8), safely: atomic, cancellable, formula-guarded.

Flavours: *plain* is UTF-8 without a byte-order mark; *excel* adds the BOM so Excel detects UTF-8
instead of guessing the ANSI code page. Both end records with CRLF, as RFC 4180 says (every CSV
reader accepts it). Line breaks inside a cell are written as the API sent them, inside quotes.

Values are written exactly as the API sent them, with two exceptions:

* the formula guard (on by default, OWASP "CSV injection", CWE-1236): a cell starting with a
  character that makes Excel or LibreOffice read it as a formula gets a leading ``'``;
* a lone surrogate (JSON may carry ``"\\ud800"``; UTF-8 cannot encode it) becomes U+FFFD,
  the Unicode replacement character, rather than failing the whole export.

Files are written through ``output_file.atomic_output``: a temporary file beside the target
(created 0600, user-only: leads are personal data) renamed over it only when complete, so a
failed or cancelled export leaves the previous file untouched; pipes and devices are written
straight into. The row helpers here are shared with the XLSX exporter (``xlsx``).

The records themselves are made by ``csv_encode`` (fast, byte for byte what ``csv.writer``
writes), in chunks of ``POLL_ROWS`` rows, so no single C call holds the GIL for more than a few
milliseconds.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice, repeat
from operator import add, call, itemgetter
from pathlib import Path
from typing import BinaryIO, TextIO

from ..api.fields import FIELD_INDEX, FIELDS
from ..api.lead import Lead
from .csv_encode import (
    ENCODING_ERRORS,
    ListSink,
    encode_chunk,
    guard_row,
)
from .output_file import ExportCancelled, atomic_output, describe_os_error

__all__ = [
    "iter_chunks",
    "lead_columns",
    "row_getter",
    "rows_getter",
    "write_csv",
    "write_csv_stream",
]

# How often (in rows) cancellation is polled and progress reported: often enough for a responsive
# Cancel button (about 1 ms of work at CSV speed), rare enough to cost nothing measurable.
POLL_ROWS = 1000

UTF8_BOM = b"\xef\xbb\xbf"
_FIELD_COUNT = len(FIELDS)
_names_of = itemgetter(_FIELD_COUNT)
_PAD = ("",)  # appended to a lead so that one index holds "" for the columns it lacks


def lead_columns(
    leads: Iterable[Lead] | None = None, extra_fields: Sequence[str] = ()
) -> list[str]:
    """The documented fields in the vendor's order, then ``extra_fields``, then any other extra
    field that one of ``leads`` carries, in the order first seen."""
    extras: dict[str, None] = dict.fromkeys(extra_fields)
    if leads is not None:
        # Leads with the same extras share one names tuple, so there are few distinct ones.
        for names in dict.fromkeys(lead[_FIELD_COUNT] for lead in leads):
            extras.update(dict.fromkeys(names))
    return [*FIELDS, *(name for name in extras if name not in FIELD_INDEX)]


def row_getter(columns: Sequence[str]) -> Callable[[Lead], Sequence[str]]:
    """A function giving ``lead.values(columns)`` several times faster (it dominated export time).

    Positions are resolved once per distinct set of extra-field names instead of per cell.
    """
    if not columns:
        raise ValueError("no columns to export")
    if all(c in FIELD_INDEX for c in columns):
        return _getter([FIELD_INDEX[c] for c in columns], pad=False)

    by_names: dict[tuple[str, ...], Callable[[Lead], Sequence[str]]] = {}

    def get(lead: Lead) -> Sequence[str]:
        names = lead[_FIELD_COUNT]
        g = by_names.get(names)
        if g is None:
            g = by_names[names] = _getter_for(columns, names)
        return g(lead)

    return get


def rows_getter(columns: Sequence[str]) -> Callable[[list[Lead]], list[Sequence[str]]]:
    """A function giving ``[lead.values(columns) for lead in chunk]`` as tuples, built by C loops
    (``map`` over ``itemgetter``) with no Python code run per lead."""
    if not columns:
        raise ValueError("no columns to export")
    if all(c in FIELD_INDEX for c in columns):
        get = _getter([FIELD_INDEX[c] for c in columns], pad=False)
        return lambda chunk: list(map(get, chunk))

    # Getters for leads with ``_PAD`` appended: its "" sits at the "missing" index of _positions.
    by_names: dict[tuple[str, ...], Callable[[Lead], Sequence[str]]] = {}

    def rows(chunk: list[Lead]) -> list[Sequence[str]]:
        if not chunk:
            return []
        names = list(map(_names_of, chunk))
        for new in set(names).difference(by_names):
            by_names[new] = _getter(_positions(columns, new), pad=False)
        padded = map(add, chunk, repeat(_PAD))
        if names.count(names[0]) == len(names):
            return list(map(by_names[names[0]], padded))
        return list(map(call, map(by_names.__getitem__, names), padded))

    return rows


def _positions(columns: Sequence[str], names: tuple[str, ...]) -> list[int]:
    """Index of each column's value in a lead with extra-field ``names``; an absent column gets
    the index just past the lead's end."""
    missing = _FIELD_COUNT + 1 + len(names)
    positions: list[int] = []
    for c in columns:
        i = FIELD_INDEX.get(c)
        if i is None:
            i = _FIELD_COUNT + 1 + names.index(c) if c in names else missing
        positions.append(i)
    return positions


def _getter_for(columns: Sequence[str], names: tuple[str, ...]) -> Callable[[Lead], Sequence[str]]:
    positions = _positions(columns, names)
    return _getter(positions, pad=_FIELD_COUNT + 1 + len(names) in positions)


def _getter(positions: list[int], *, pad: bool) -> Callable[[Lead], Sequence[str]]:
    if len(positions) == 1:  # itemgetter with one index returns the item, not a tuple
        (p,) = positions
        if pad:
            return lambda lead: ("",)
        return lambda lead: (lead[p],)
    g = itemgetter(*positions)
    if pad:
        return lambda lead: g((*lead, ""))
    return g


def iter_chunks(
    leads: Iterable[Lead],
    columns: Sequence[str],
    *,
    formula_guard: bool,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[int], None] | None = None,
    every: int | None = None,
) -> Iterator[list[Sequence[str]]]:
    """Rows of cell text in chunks of ``every`` (default ``POLL_ROWS``), polling ``cancel`` before
    each chunk and reporting the running row count to ``progress`` after the consumer took it."""
    for chunk in _lead_chunks(leads, columns, cancel, progress, every):
        yield list(map(guard_row, chunk)) if formula_guard else chunk


def _lead_chunks(
    leads: Iterable[Lead],
    columns: Sequence[str],
    cancel: Callable[[], bool] | None,
    progress: Callable[[int], None] | None,
    every: int | None = None,
) -> Iterator[list[Sequence[str]]]:
    """Unguarded rows in chunks, with the polling and reporting ``iter_chunks`` describes."""
    rows_of = rows_getter(columns)
    it = iter(leads)
    size = every or POLL_ROWS
    done = 0
    while True:
        if cancel is not None and cancel():
            raise ExportCancelled("Export cancelled.")
        chunk = rows_of(list(islice(it, size)))
        if not chunk:
            return
        yield chunk
        done += len(chunk)
        if progress is not None:
            progress(done)


def write_csv(
    target: Path | str,
    columns: Sequence[str],
    leads: Iterable[Lead],
    *,
    excel: bool = False,
    formula_guard: bool = True,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write a header of ``columns`` and one row per lead to ``target``; return the rows written.

    ``cancel`` is polled every ``POLL_ROWS`` rows (raising ``ExportCancelled``); ``progress``
    gets the number of rows written so far. Raises ``ExportError`` on any file-system failure;
    either way the previous file at ``target`` stays as it was.
    """
    columns = list(columns)
    path = Path(target)
    with atomic_output(path, cancel) as raw:
        if excel:
            raw.write(UTF8_BOM)
        return _write_rows(raw.write, columns, leads, formula_guard, cancel, progress)


def write_csv_stream(
    stream: TextIO | BinaryIO,
    columns: Sequence[str],
    leads: Iterable[Lead],
    *,
    excel: bool = False,
    formula_guard: bool = True,
) -> int:
    """Write the CSV to an open stream (stdout for the CLI); the stream stays open.

    A binary stream, or a text stream with a binary ``buffer`` (``sys.stdout``), gets UTF-8 bytes
    whatever the locale says. A pure text stream (``io.StringIO``) gets text, with lone surrogates
    replaced likewise. OS errors (a closed pipe, a full disk) become ``ExportError``.
    """
    columns = list(columns)
    binary = _binary_of(stream)
    write: Callable[[bytes], object]
    if binary is not None:
        if binary is not stream:
            stream.flush()  # keep anything already written to the text layer in order
        write = binary.write
    else:
        text_write = stream.write  # type: ignore[union-attr]

        def write(data: bytes) -> object:
            return text_write(data.decode("utf-8"))  # type: ignore[arg-type]

    try:
        if excel:
            write(UTF8_BOM)
        rows = _write_rows(write, columns, leads, formula_guard, None, None)
        (binary or stream).flush()
    except OSError as exc:
        name = getattr(stream, "name", None)
        raise describe_os_error(Path(name) if isinstance(name, str) else None, exc) from exc
    return rows


def _binary_of(stream: TextIO | BinaryIO) -> BinaryIO | None:
    if isinstance(stream, io.TextIOBase):
        buffer = getattr(stream, "buffer", None)
        return buffer if buffer is not None else None
    return stream  # type: ignore[return-value]


def _write_rows(
    write: Callable[[bytes], object],
    columns: list[str],
    leads: Iterable[Lead],
    formula_guard: bool,
    cancel: Callable[[], bool] | None,
    progress: Callable[[int], None] | None,
) -> int:
    """Write the header and the rows as UTF-8 bytes, one ``write`` per chunk of rows."""
    parts: list[str] = []
    # The writer "writes" each record to ``parts``; only rows that need quoting go through it.
    writer = csv.writer(ListSink(parts), lineterminator="\r\n")
    # Header cells are field names from the API; guard them too, a hostile extra name is possible.
    writer.writerow(guard_row(columns) if formula_guard else columns)
    write(parts.pop().encode("utf-8", ENCODING_ERRORS))
    width = len(columns)
    rows = 0
    for chunk in _lead_chunks(leads, columns, cancel, progress):
        write(encode_chunk(chunk, width, formula_guard, writer, parts))
        rows += len(chunk)
    return rows
