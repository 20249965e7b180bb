"""Export leads as an Excel workbook (.xlsx) with XlsxWriter, streaming rows to disk.

Every field is written as text with ``write_string`` (so ZIP codes and offer IDs keep their
leading zeros and nothing turns into a formula, URL or number) except two: ``created_at`` becomes
a real date-time in the local (or given) time zone, and ``move_date`` a real date taken from the
calendar date the API wrote, never shifted by a time zone. A value that does not parse stays text.

The formula guard works the workbook's way: a cell a spreadsheet would run as a formula keeps its
exact text and gets Excel's quote-prefix format (what typing ``'=1+1`` into a cell makes), which
Excel shows without any ``'`` and never evaluates, not even when the cell is edited. The CSV
export's leading ``'`` would be shown as part of the value. The atomic temp-file-and-rename,
cancel and progress behave as in ``csv_file``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import datetime, tzinfo
from pathlib import Path
from typing import BinaryIO

import xlsxwriter
from xlsxwriter.exceptions import FileCreateError, FileSizeError

from ..api.lead import Lead, calendar_date, parse_timestamp
from ..api.moments import in_zone
from ..atomic_file import fresh_name
from .csv_encode import BAD_PREFIXES, needs_guard
from .csv_file import iter_chunks
from .output_file import (
    ExportCancelled,
    ExportError,
    atomic_output,
    describe_os_error,
    output_location,
)

__all__ = ["MAX_ROWS", "excel_text", "write_xlsx"]

MAX_ROWS = 1_048_576 - 1  # Excel's row limit, less the header row
# XlsxWriter takes ~15 µs a cell, so poll cancel more often than the CSV writer does (~0.1 s).
POLL_ROWS = 250
DATE_TIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
_WIDTH_SAMPLE_ROWS = 200
_MIN_WIDTH, _MAX_WIDTH = 6, 50
_EXCEL_MIN_YEAR = 1900  # Excel cannot show earlier dates; those stay text
_EXCEL_FIRST_TIME = datetime(_EXCEL_MIN_YEAR, 1, 2)  # the first a created_at cell can hold

# XlsxWriter escapes control characters the Excel way (_xHHHH_) itself, but a lone surrogate
# would make its UTF-8 scratch file fail: same policy as the CSV export, U+FFFD.
_SURROGATE = re.compile(r"[\ud800-\udfff]")


def excel_text(value: str) -> str:
    """``value`` with any lone surrogate replaced by U+FFFD."""
    if value.isascii() or _SURROGATE.search(value) is None:
        return value
    return _SURROGATE.sub("\ufffd", value)


def write_xlsx(
    target: Path | str,
    columns: Sequence[str],
    leads: Iterable[Lead],
    *,
    formula_guard: bool = True,
    cancel: Callable[[], bool] | None = None,
    progress: Callable[[int], None] | None = None,
    tz: tzinfo | None = None,
) -> int:
    """Write one worksheet, "Leads", with a header of ``columns`` and a row per lead.

    ``tz`` is the zone ``created_at`` is shown in; ``None`` means the computer's local zone.
    Returns the rows written. Raises ``ExportError`` (or ``ExportCancelled``) with the previous
    file at ``target`` left untouched; more than ``MAX_ROWS`` leads is an ``ExportError`` too.
    """
    columns = list(columns)
    path = Path(target)
    real, direct = output_location(path)
    with atomic_output(path, cancel) as raw:
        # XlsxWriter's constant-memory scratch files go beside the target rather than to /tmp,
        # which may be a small RAM disk, and so that "drive full" names the right drive. A pipe's
        # folder (/dev/fd) holds no files: then the usual temporary folder it is.
        with _scratch_folder(None if direct else real.parent) as scratch:
            workbook = xlsxwriter.Workbook(
                # Wrapped even without a cancel: after a failed write (disk full, a closed pipe)
                # the abandoned zip writer's end record must go nowhere, not into a traceback.
                _CancellableFile(raw, cancel or _never),
                {
                    "constant_memory": True,
                    "tmpdir": scratch,
                    "strings_to_numbers": False,
                    "strings_to_formulas": False,
                    "strings_to_urls": False,
                },
            )
            saved = False
            try:
                rows = _fill(path, workbook, columns, leads, formula_guard, cancel, progress, tz)
                workbook.close()
                saved = True
            except FileCreateError as exc:
                cause = exc.args[0] if exc.args else None
                if isinstance(cause, OSError):
                    raise describe_os_error(path, cause) from exc
                raise ExportError(f"Could not save “{path}”: {exc}", path) from exc
            except FileSizeError as exc:
                raise ExportError(
                    f"Could not save “{path}”: the workbook would be too large for one file. "
                    "Export fewer leads, or export as CSV.",
                    path,
                ) from exc
            finally:
                if not saved:
                    _discard(workbook)
    return rows


@contextmanager
def _scratch_folder(parent: Path | None) -> Iterator[str]:
    """A private folder for XlsxWriter's scratch files, removed afterwards whatever happens: it
    is named before it exists, so Ctrl+C or SIGTERM at any moment leaves nothing behind."""
    where = parent or Path(tempfile.gettempdir())
    folder = fresh_name(where, "", ".xlsx-scratch")
    try:
        while True:
            try:
                folder.mkdir(mode=0o700)
                break
            except FileExistsError:
                folder = fresh_name(where, "", ".xlsx-scratch")  # not ours: left alone
        yield str(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _fill(
    path: Path,
    workbook: xlsxwriter.Workbook,
    columns: list[str],
    leads: Iterable[Lead],
    formula_guard: bool,
    cancel: Callable[[], bool] | None,
    progress: Callable[[int], None] | None,
    tz: tzinfo | None,
) -> int:
    sheet = workbook.add_worksheet("Leads")
    bold = workbook.add_format({"bold": True})
    quoted = workbook.add_format({"quote_prefix": True})
    quoted_bold = workbook.add_format({"bold": True, "quote_prefix": True})
    date_time = workbook.add_format({"num_format": DATE_TIME_FORMAT})
    day = workbook.add_format({"num_format": DATE_FORMAT})
    created_cols = {i for i, c in enumerate(columns) if c == "created_at"}
    move_cols = {i for i, c in enumerate(columns) if c == "move_date"}
    write_string, write_datetime = sheet.write_string, sheet.write_datetime

    for col, name in enumerate(columns):
        risky = formula_guard and name[:1] in BAD_PREFIXES
        write_string(0, col, excel_text(name), quoted_bold if risky else bold)
    sheet.freeze_panes(1, 0)
    # ZIP codes are text on purpose: no green "number stored as text" triangle in every cell.
    sheet.ignore_errors({"number_stored_as_text": "A1:XFD1048576"})

    row = 0
    for chunk in iter_chunks(
        leads,
        columns,
        formula_guard=False,  # the quote-prefix format guards these cells, below
        cancel=cancel,
        progress=progress,
        every=POLL_ROWS,
    ):
        if row == 0:
            _set_widths(sheet, columns, chunk[:_WIDTH_SAMPLE_ROWS], created_cols, move_cols)
        if row + len(chunk) > MAX_ROWS:
            raise ExportError(
                f"An Excel worksheet holds at most {MAX_ROWS:,} leads. "
                "Export fewer leads (select or filter them first), or export as CSV.",
                path,
            )
        for cells in chunk:
            row += 1
            risky = formula_guard and needs_guard(cells)  # one check a row: mostly False
            for col, text in enumerate(cells):
                if risky and text[:1] in BAD_PREFIXES:  # before the dates: it stays text
                    write_string(row, col, excel_text(text), quoted)
                    continue
                if col in created_cols:
                    stamp = _local_datetime(text, tz)
                    if stamp is not None:
                        write_datetime(row, col, stamp, date_time)
                        continue
                elif col in move_cols:
                    moved = calendar_date(text)
                    if moved is not None and moved.year >= _EXCEL_MIN_YEAR:
                        write_datetime(row, col, moved, day)
                        continue
                write_string(row, col, excel_text(text))
    if row == 0:
        _set_widths(sheet, columns, [], created_cols, move_cols)
    sheet.autofilter(0, 0, row, len(columns) - 1)
    return row


def _local_datetime(text: str, tz: tzinfo | None) -> datetime | None:
    stamp = parse_timestamp(text)
    if stamp is None:
        return None
    local = in_zone(stamp, tz)  # None past the calendar's edges: then written as sent
    if local is None:
        return None
    local = local.replace(tzinfo=None)  # Excel has no time zones
    # xlsxwriter writes any time on 1900-01-01 as a bare time of day (day 0 in Excel).
    return local if local >= _EXCEL_FIRST_TIME else None


def _set_widths(
    sheet: xlsxwriter.worksheet.Worksheet,
    header: Sequence[str],
    sample: Sequence[Sequence[str]],
    created_cols: set[int],
    move_cols: set[int],
) -> None:
    """Widths from the header and a sample of rows: measuring every row would cost a full pass."""
    for col, name in enumerate(header):
        if col in created_cols:
            longest = len(DATE_TIME_FORMAT)
        elif col in move_cols:
            longest = len(DATE_FORMAT)
        else:
            longest = max((_display_len(cells[col]) for cells in sample), default=0)
        # +2 leaves room for the autofilter arrow in the header cell.
        width = max(_MIN_WIDTH, min(_MAX_WIDTH, max(longest, len(name) + 2) + 1))
        sheet.set_column(col, col, width)


def _display_len(text: str) -> int:
    return max(map(len, text.splitlines())) if "\n" in text or "\r" in text else len(text)


def _discard(workbook: xlsxwriter.Workbook) -> None:
    """Close the scratch files of a workbook that will not be saved (cancel or failure)."""
    for sheet in workbook.worksheets():
        handle = getattr(sheet, "row_data_fh", None)
        if handle is not None:
            with suppress(OSError):
                handle.close()


def _never() -> bool:
    return False


class _CancellableFile:
    """The workbook's output as the zip writer sees it: every write checks ``cancel`` first.

    Saving a large workbook (zipping the sheet) takes seconds after the last row; this makes
    Cancel, or closing the window, stop it within one write instead of waiting it out. Once
    cancelled, or once a write failed, it swallows everything: the abandoned zip writer still
    writes its end record when it is garbage-collected, after the real file is closed and gone.
    """

    def __init__(self, raw: BinaryIO, cancel: Callable[[], bool]) -> None:
        self._raw = raw
        self._cancel = cancel
        self._stopped = False
        self._pos = 0  # once stopped: where the zip writer believes it is

    def write(self, data: bytes) -> int:
        if self._stopped:
            # Positions must keep adding up: the zip writer's end record subtracts them, and a
            # negative size raised struct.error from its __del__ ("Exception ignored in").
            self._pos += len(data)
            return len(data)
        if self._cancel():
            self._stop()
            raise ExportCancelled("Export cancelled.")
        with self._stop_on_failure():
            return self._raw.write(data)

    @contextmanager
    def _stop_on_failure(self) -> Iterator[None]:
        """Disk full, reader gone: the abandoned zip writer's end record goes nowhere too."""
        try:
            yield
        except OSError:
            self._stop()
            raise

    def _stop(self) -> None:
        self._stopped = True
        with suppress(OSError, ValueError):
            self._pos = self._raw.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        if not self._stopped:
            with self._stop_on_failure():
                return self._raw.seek(offset, whence)
        self._pos = offset if whence == 0 else self._pos + offset
        return self._pos

    def tell(self) -> int:
        return self._pos if self._stopped else self._raw.tell()

    def flush(self) -> None:
        if not self._stopped:
            with self._stop_on_failure():
                self._raw.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._raw, name)
