"""CSV records for chunks of rows, byte for byte what ``csv.writer`` writes, but fast; and the
formula-injection guard. No Qt.

``csv.writer`` inspects every character and dominated the export. A row with no cell that needs
quoting (no comma, quote, CR or LF) is written by it exactly as ``",".join(row)``, so a chunk of
rows is joined with ``str.join`` and checked in one pass for anything that would make the two
differ or that needs the guard; only the rows that do go through ``csv.writer``, and only the
columns with a dangerous cell through ``guard_cell``.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

# Characters that make a spreadsheet treat a cell as a formula (or, for tab/CR/NUL, that OWASP
# lists because some importers strip them and then see the next character). The full-width forms
# are a cheap precaution: East Asian spreadsheet setups may turn them into the ASCII operators.
BAD_PREFIXES: frozenset[str] = frozenset("=+-@\t\r\0＝＋－＠")

_FFFD_UTF8 = "\ufffd".encode()
_first_char = itemgetter(slice(None, 1))


def _replace_surrogates(exc: UnicodeError) -> tuple[bytes, int]:
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    # Bytes, not "\ufffd": the UTF-8 encoder accepts only ASCII text back from a handler.
    return _FFFD_UTF8 * (exc.end - exc.start), exc.end


# UTF-8 can fail to encode only lone surrogates, so this handler is exactly the policy above; being
# an error handler it costs nothing for the (normal) strings that encode cleanly.
ENCODING_ERRORS = "mymove_viewer.replace_surrogates"
codecs.register_error(ENCODING_ERRORS, _replace_surrogates)


def guard_cell(value: str) -> str:
    """``value`` with a leading ``'`` when a spreadsheet would run it as a formula."""
    return "'" + value if value[:1] in BAD_PREFIXES else value


def needs_guard(row: Sequence[str]) -> bool:
    """Whether any cell of ``row`` is one a spreadsheet would run as a formula (one C pass)."""
    return not BAD_PREFIXES.isdisjoint(map(_first_char, row))


def guard_row(row: Sequence[str]) -> Sequence[str]:
    """The row itself when no cell needs the guard (the common case), else a guarded copy."""
    if not needs_guard(row):
        return row
    return ["'" + c if c[:1] in BAD_PREFIXES else c for c in row]


class ListSink:
    """A "file" for ``csv.writer`` whose ``write`` is ``list.append`` (no Python call per row)."""

    __slots__ = ("write",)

    def __init__(self, parts: list[str]) -> None:
        self.write = parts.append


# Byte classes for spotting a cell that starts with a BAD_PREFIXES character in a chunk joined
# without quoting: a separator byte ("," or "\n") followed by the first UTF-8 byte of one of those
# characters. A full-width one starts with 0xEF like every character from U+F000 up, so 0xEF is a
# false alarm at worst, and a false alarm only sends the chunk through the exact, slower path.
# "\r" is left out: in such a chunk it only ever ends a record, and a cell starting with it (or
# with "," or "\n") is quoted, so it takes the exact path anyway.
_SEP, _BAD = 2, 1
_classes = bytearray(256)
for _char in BAD_PREFIXES - set('\r\n,"'):
    _classes[_char.encode()[0]] = _BAD
for _byte in b",\n":
    _classes[_byte] = _SEP
_BYTE_CLASSES = bytes(_classes)
_SEP_THEN_BAD = bytes([_SEP, _BAD])
del _classes


def encode_chunk(
    rows: list[Sequence[str]],
    width: int,
    formula_guard: bool,
    writer: Any,  # a csv.writer writing to ``parts``
    parts: list[str],
) -> bytes:
    """The UTF-8 CSV records of ``rows``, byte for byte what ``csv.writer`` writes for them
    (after ``guard_row`` when ``formula_guard``)."""
    try:
        lines = list(map(",".join, rows))
    except TypeError:  # a cell that is not text (only from hand-built leads): the writer's way
        writer.writerows(map(guard_row, rows) if formula_guard else rows)
        return take(parts)
    data = _plain(lines, width)
    if data is None:
        return _with_quoting(rows, lines, width, formula_guard, writer, parts)
    if not formula_guard or not _may_need_guard(data):
        return data
    guarded = _guard_columns(rows)
    if guarded is rows:  # a false alarm
        return data
    lines = list(map(",".join, guarded))
    data = _plain(lines, width)  # the guard's leading "'" never makes a cell need quoting, but:
    return data if data is not None else _with_quoting(guarded, lines, width, False, writer, parts)


def _plain(lines: list[str], width: int) -> bytes | None:
    """The records of the joined rows ``lines`` encoded, or None when csv.writer would quote a
    cell in them (any cell holding a comma, quote, CR or LF; or one empty cell alone)."""
    if width == 1 and "" in lines:
        return None
    text = "\r\n".join(lines)
    # Joined, the commas, CRs and LFs are exactly the separators when no cell holds one.
    n = len(lines)
    if (
        '"' in text
        or text.count(",") != n * (width - 1)
        or text.count("\n") != n - 1
        or text.count("\r") != n - 1
    ):
        return None
    return text.encode("utf-8", ENCODING_ERRORS) + b"\r\n"


def _may_need_guard(data: bytes) -> bool:
    """False when no cell of ``data`` (records with no quoted cell) needs the guard; True may
    be a false alarm."""
    classes = data.translate(_BYTE_CLASSES)
    return classes.startswith(_SEP_THEN_BAD[1:]) or _SEP_THEN_BAD in classes


def _guard_columns(rows: list[Sequence[str]]) -> list[Sequence[str]]:
    """``rows`` after ``guard_row``, working column by column so that only the columns with a
    dangerous cell run Python code per cell; ``rows`` itself when no cell needs the guard."""
    columns: list[Sequence[str]] = list(zip(*rows, strict=True))
    changed = False
    for j, column in enumerate(columns):
        if not BAD_PREFIXES.isdisjoint(map(_first_char, column)):
            columns[j] = list(map(guard_cell, column))
            changed = True
    return list(zip(*columns, strict=True)) if changed else rows


def _with_quoting(
    rows: list[Sequence[str]],
    lines: list[str],
    width: int,
    formula_guard: bool,
    writer: Any,
    parts: list[str],
) -> bytes:
    """The records of ``rows`` (joined as ``lines``) when some need quoting: those rows go through
    ``csv.writer``, the others stay joined."""
    commas = width - 1
    quoted = [
        i
        for i, line in enumerate(lines)
        if not line or line.count(",") != commas or '"' in line or "\r" in line or "\n" in line
    ]
    if 2 * len(quoted) > len(lines):  # mostly quoted: one writer call for the chunk is faster
        writer.writerows(map(guard_row, rows) if formula_guard else rows)
        return take(parts)
    if formula_guard:
        # The other rows are plain, so the quick check holds for them once the quoted are blank.
        for i in quoted:
            lines[i] = ""
        if _may_need_guard("\r\n".join(lines).encode("utf-8", ENCODING_ERRORS)):
            lines = list(map(",".join, _guard_columns(rows)))
    for i in quoted:
        row = rows[i]
        writer.writerow(guard_row(row) if formula_guard else row)
        lines[i] = parts.pop()[:-2]  # the record without its "\r\n"
    lines.append("")
    return "\r\n".join(lines).encode("utf-8", ENCODING_ERRORS)


def take(parts: list[str]) -> bytes:
    data = "".join(parts).encode("utf-8", ENCODING_ERRORS)
    parts.clear()
    return data
