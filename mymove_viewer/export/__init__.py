"""Write leads to a file or a stream, as CSV or as an Excel workbook: atomically, cancellably,
with the formula-injection guard. No Qt.

``csv_file`` writes CSV (the columns and row helpers are there too) with records made by
``csv_encode``, which also holds the formula guard; ``xlsx`` writes workbooks; ``output_file``
decides where and how the bytes land and turns OS errors into ``ExportError``.

``write_xlsx`` is imported on first use: XlsxWriter takes ~90 ms to load and the window's first
paint must not wait for it (``tests/ui/test_cold_start.py``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .csv_encode import BAD_PREFIXES, guard_cell
from .csv_file import lead_columns, row_getter, rows_getter, write_csv, write_csv_stream
from .output_file import ExportCancelled, ExportError, atomic_output, describe_os_error

if TYPE_CHECKING:
    from .xlsx import write_xlsx

__all__ = [
    "BAD_PREFIXES",
    "ExportCancelled",
    "ExportError",
    "atomic_output",
    "describe_os_error",
    "guard_cell",
    "lead_columns",
    "row_getter",
    "rows_getter",
    "write_csv",
    "write_csv_stream",
    "write_xlsx",
]


def __getattr__(name: str) -> Any:
    if name == "write_xlsx":
        from .xlsx import write_xlsx

        return write_xlsx
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
