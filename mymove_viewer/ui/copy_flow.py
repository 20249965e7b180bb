"""Copying rows from the window: the selected rows as tab-separated text, built on a worker.

The rows are read from the selection's spans with list slices on the GUI thread; the text (with
the visible columns' headers, the cells as the table shows them but never cut) is built on a
worker thread with progress and cancel (Esc), then handed to the clipboard in one call. At 100k
rows building it took ~30 s of the GUI thread when each cell was asked of the model.

The worker also encodes the text as UTF-8 into a ``QByteArray``, a slice at a time, and the
GUI thread only wraps it in a ``QMimeData`` (shared, not copied). ``QClipboard.setText`` of the
finished ``str`` held the GUI thread 0.8 s at 1M rows (~170 MB): converting it to a ``QString``
needs the GIL. Qt decodes ``text/plain`` bytes as UTF-8 when the text is asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QByteArray, QMimeData, QObject, Qt, Signal, Slot
from PySide6.QtGui import QGuiApplication, QStandardItemModel

from .. import gcpause
from ..api.lead import Lead
from ..export import rows_getter
from ..slices import SLICE, Pace, chunks, paced
from ..table.display import CREATED, DATE, STATUS, Column, ShownTimes, display
from ..table.overview import instants
from ..table.work import LABELS
from .window_task import TaskHost, WindowTask

if TYPE_CHECKING:
    from .session import LeadSession
    from .table_view import LeadTableView

_BREAKS = str.maketrans({"\t": " ", "\r": " ", "\n": " "})


class CopyCancelled(Exception):
    pass


def tsv_lines(
    leads: Sequence[Lead],
    rows: Sequence[int],
    columns: Sequence[Column],
    headers: Sequence[str],
    *,
    cancel: Callable[[], bool] = lambda: False,
    progress: Callable[[int], object] | None = None,
    pace: Pace = None,
) -> Iterator[str]:
    """A header line and one line per lead ``leads[r]`` for ``r`` in ``rows``, a block of lines
    at a time, each block ending in a line break: each cell as the table shows it
    (``created_at`` in local time, ``move_date`` as a date), but whole, with tabs and line
    breaks inside a value made spaces so a spreadsheet keeps its cells in place."""
    get = rows_getter([c.field for c in columns])
    created = [i for i, c in enumerate(columns) if c.kind == CREATED]
    dated = [i for i, c in enumerate(columns) if c.kind == DATE]
    # The work status, from the column's own values (the table's work as it is now).
    worked = [(i, c.values) for i, c in enumerate(columns) if c.kind == STATUS and c.values]
    times, days = ShownTimes(), _DateTexts()
    yield "\t".join(h.translate(_BREAKS) for h in headers) + "\n"
    done = 0
    for some in chunks(rows, pace):  # a few ms of GIL each
        if cancel():
            raise CopyCancelled
        part = list(map(leads.__getitem__, some))
        cells: list[Sequence[str]] = get(part)
        if created or dated or worked:
            by_column: list[Sequence[str]] = list(zip(*cells, strict=True))
            at = instants(part) if created else []
            for i in created:
                by_column[i] = times.of(at, by_column[i])
            for i in dated:
                by_column[i] = days.of(by_column[i])
            for i, values in worked:
                by_column[i] = list(map(LABELS.__getitem__, values(part)))
            cells = list(zip(*by_column, strict=True))
        block = "\n".join(map("\t".join, cells))
        # One check per chunk; only a chunk with a tab or break inside a value is redone by cell.
        tabs = len(cells) * (len(columns) - 1)
        if block.count("\t") != tabs or block.count("\n") != len(cells) - 1 or "\r" in block:
            block = "\n".join("\t".join(v.translate(_BREAKS) for v in row) for row in cells)
        yield block + "\n"
        done += len(cells)
        if progress is not None:
            progress(done)


def utf8_bytes(blocks: Iterable[str], pace: Pace = None) -> QByteArray:
    """``blocks`` joined, as UTF-8, made a block at a time: no single call holds the GIL while
    it copies or encodes the whole text (~170 MB at 1M rows)."""
    parts = [block.encode() for block in blocks]
    data = QByteArray()
    data.reserve(sum(map(len, parts)))  # one allocation, not a copy of the text per growth
    for part in paced(parts, pace):
        data.append(part)
    return data


class _DateTexts:
    """``move_date`` as cells show it, worked out once per distinct value (few per export)."""

    def __init__(self) -> None:
        self._shown: dict[str, str] = {}

    def of(self, values: Sequence[str]) -> list[str]:
        shown = self._shown
        for value in set(values).difference(shown):
            shown[value] = display(DATE, value)
        return list(map(shown.__getitem__, values))


def native_mime(data: QByteArray) -> QMimeData:
    """What ``QClipboard.setText`` makes, a ``text/plain`` ``QMimeData``, holding ``data``
    (shared, not copied). Made by Qt, not by Python: a ``QMimeData()`` made in Python is a
    binding subclass whose destructor calls into Python, and Qt's in-process clipboard
    (offscreen, minimal) frees what it holds after the interpreter has ended: a crash at every
    exit after a copy. An item model's ``mimeData`` is a plain one, emptied here."""
    model = QStandardItemModel(1, 1)
    mime = model.mimeData([model.index(0, 0)])
    for kind in mime.formats():
        mime.removeFormat(kind)
    mime.setData("text/plain", data)
    return mime


class CopyHost(TaskHost, Protocol):
    """What copying needs of the window: the session's leads and the table's selection."""

    session: LeadSession
    table: LeadTableView


class CopyFlow(WindowTask):
    """Owned by the window: Ctrl+C starts it, Esc cancels it, the clipboard gets the result."""

    copied = Signal(int)  # rows, once the text is on the clipboard

    def __init__(self, window: QObject) -> None:
        super().__init__(window, "copy")
        self._total = 0

    @property
    def _w(self) -> CopyHost:
        return self.parent()  # type: ignore[return-value]

    def start(self) -> None:
        """Copy the selected rows (a copy still running is replaced by this one)."""
        w = self._w
        spans = w.table.selected_spans()
        if not spans:
            w.status.show("Nothing to copy: select rows first (Ctrl+A selects all shown).")
            return
        model = w.session.model
        snapshot = [w.session.snapshot(spans)]  # (leads, rows): the job takes it
        visible = w.table.visible_columns()
        columns = [model.columns[c] for c in visible]
        headers = [str(model.headerData(c, Qt.Orientation.Horizontal)) for c in visible]
        total = len(snapshot[0][1])
        pace = w.session.paint_gate.wait_turn

        # The rows' numbers are a new list (1M items at 1M rows): a collection of the young
        # generation walks each item, 90-190 ms of the GUI thread here. None runs from now
        # until the text is made, and by then only the finished frames held the list.
        release = gcpause.hold()

        def job(report, token):  # type: ignore[no-untyped-def]
            progress = (lambda n: report(n, total)) if total > SLICE else None
            try:
                lines = tsv_lines(
                    *snapshot.pop(), columns, headers, cancel=token, progress=progress, pace=pace
                )
                return utf8_bytes(lines, pace)
            finally:
                release()

        self._total = total
        try:
            self.run(job, f"Copying {total:,} row{'s' * (total != 1)}… (Esc cancels)")
        except BaseException:
            release()  # no job to release it (the window is closing)
            raise

    @Slot(int, object)
    def _on_finished(self, _gen: int, data: object) -> None:
        QGuiApplication.clipboard().setMimeData(native_mime(data))  # type: ignore[arg-type]
        n = self._total
        self._w.status.show(f"Copied {n:,} row{'s' * (n != 1)} to the clipboard.")
        self.copied.emit(n)

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        self._w.status.show(f"Could not copy the rows: {error}. The clipboard is unchanged.")

    @Slot(int)
    def _on_cancelled(self, _gen: int) -> None:
        self._w.status.show("Copy cancelled; the clipboard is unchanged.")
