"""Exporting from the window: which leads and columns, where to, and the background write.

Both formats follow the same rules: the selected rows in view order (or, after asking, every
shown row), the visible columns in the order the user arranged them, written on a worker thread
with progress and cancel (Esc). CSV goes through ``export.write_csv``, Excel workbooks through
``export.write_xlsx``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Slot

from .. import gcpause
from ..slices import in_slices, shed, yield_gil
from ..table.display import WORK_STATUS
from ..table.work import WorkChange, export_field_names, with_work
from .window_task import TaskHost, WindowTask

if TYPE_CHECKING:
    from ..api.query import Environment
    from ..settings import Settings
    from .error_banner import Banner
    from .session import LeadSession
    from .table_view import LeadTableView


class ExportHost(TaskHost, Protocol):
    """What exporting needs of the window (its Qt parent, and the dialogs' parent): the
    session's leads, the table's selection and columns, the settings, and the questions, which
    tests replace to answer instead of a dialog."""

    session: LeadSession
    table: LeadTableView
    banner: Banner
    settings: Settings
    environment: Environment

    def ask_export_path(self, suggested: Path) -> Path | None: ...
    def confirm_export_all(self, count: int) -> bool: ...
    def save_settings(self) -> None: ...


CSV, XLSX = "csv", "xlsx"


@dataclass(frozen=True)
class Format:
    suffix: str
    title: str
    filter: str


FORMATS = {
    CSV: Format(".csv", "Export leads", "CSV files (*.csv);;All files (*)"),
    XLSX: Format(
        ".xlsx", "Export leads as an Excel workbook", "Excel workbooks (*.xlsx);;All files (*)"
    ),
}


def suggested_name(env_value: str, fmt: str = CSV, now: datetime | None = None) -> str:
    return f"leads-{env_value}-{(now or datetime.now()):%Y%m%d-%H%M}{FORMATS[fmt].suffix}"


class ExportFlow(WindowTask):
    """Owned by the window; asks through the window's (replaceable) ``ask_export_path`` and
    ``confirm_export_all`` so tests can answer instead of a dialog."""

    def __init__(self, window: QObject) -> None:
        super().__init__(window, "export")
        self._target: Path | None = None
        self._total = 0
        self._format = CSV

    @property
    def _w(self) -> ExportHost:
        return self.parent()  # type: ignore[return-value]

    # -- questions (the window delegates here) ---------------------------------------------------

    # Dialogs and writers are imported where used: the window's first paint needs none of them.

    def ask_path(self, suggested: Path) -> Path | None:
        from PySide6.QtWidgets import QDialog, QFileDialog

        fmt = FORMATS[XLSX if suggested.suffix.lower() == ".xlsx" else CSV]
        dialog = QFileDialog(self._w, fmt.title, str(suggested), fmt.filter)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        # The dialog adds the suffix itself, before it asks about replacing a file: a name
        # typed without one ("leads") used to get ".csv" only afterwards, and an existing
        # leads.csv was overwritten without a question.
        dialog.setDefaultSuffix(fmt.suffix.lstrip("."))
        try:
            if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
                return None
            path = Path(dialog.selectedFiles()[0])
        finally:
            dialog.deleteLater()
        return path if path.suffix else path.with_suffix(fmt.suffix)

    def confirm_all(self, count: int) -> bool:
        from PySide6.QtWidgets import QMessageBox

        answer = QMessageBox.question(
            self._w,
            "Export all shown leads?",
            f"No rows are selected. Export all {count:,} shown leads?",
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- running ---------------------------------------------------------------------------------

    def start(self, fmt: str = CSV) -> None:
        w = self._w
        session = w.session
        shown = session.model.shown_count()
        if not shown:
            w.status.show(
                "Nothing to export: the filter hides every lead. Clear it (Esc in the filter box)."
                if session.model.total_count()
                else "Nothing to export: fetch leads first (F5)."
            )
            return
        if self.runner.busy:
            w.status.show("An export is already running; press Esc to cancel it.")
            return
        spans = w.table.selected_spans()
        if not spans and not w.confirm_export_all(shown):
            return
        leads, rows = session.snapshot(spans)  # lead indexes in view order
        model_columns = session.model.columns
        # The work status is not a field the API sent: only "with status" writes it (at the end,
        # with the note, named as the command line's --with-status names them).
        columns = [model_columns[c].field for c in w.table.visible_columns()]
        columns = [f for f in columns if f != WORK_STATUS]
        work, names = session.model.table.work, None
        if w.settings.export_with_status:
            names = export_field_names(c.field for c in model_columns)
            columns += names
        elif not columns:
            w.status.show("Nothing to export: show a column of the leads' fields first.")
            return
        settings = w.settings
        folder = Path(settings.last_export_dir or Path.home())
        target = w.ask_export_path(folder / suggested_name(w.environment.value, fmt))
        if target is None:
            return
        settings.last_export_dir = str(target.parent)
        w.save_settings()
        guard = settings.export_formula_guard
        total = len(rows)
        write: Callable[..., int]
        if fmt == XLSX:
            # Loaded on first use: XlsxWriter adds ~0.3 s to the window's cold start.
            from ..export import write_xlsx

            write = write_xlsx
            options: dict[str, object] = {}
        else:
            from ..export import write_csv

            write = write_csv
            options = {"excel": settings.export_excel}

        # As for a copy: ``rows`` is a new list (1M items at 1M rows), and the job makes more;
        # a young-generation collection would walk them item by item on the GUI thread.
        release = gcpause.hold()

        snapshot = [rows]  # the job takes it: dropped before the collection below
        del rows

        def job(report, token):  # type: ignore[no-untyped-def]
            try:
                return write_rows(report, token)
            finally:
                release()

        def write_rows(report, token):  # type: ignore[no-untyped-def]
            rows = snapshot.pop()
            chosen = map(leads.__getitem__, rows)
            written = write(
                target,
                columns,
                chosen if names is None else with_work(chosen, names, work),
                formula_guard=guard,
                cancel=token,
                progress=lambda n: report(n, total),
                **options,
            )
            # The leads written, for their first export to be kept: listed and hashed here, not
            # on the GUI thread (~40-100 ms at 100k leads), in slices: listed in one C call, 1M
            # leads held the GIL 25-110 ms, which the window waited for.
            done = in_slices(lambda part: list(map(leads.__getitem__, part)), rows, yield_gil)
            shed(rows, pace=yield_gil)
            del rows
            # The list and the dict of up to 1M leads live on (the history writes them, the
            # table keeps the first exports): left young, they were walked item by item by the
            # GUI's next two collections, ~80 ms each at 1M. Frozen as a parse's leads are.
            with gcpause.building_many_objects():
                return written, done, work.prepare_exported(done, time.time(), yield_gil)

        self._target, self._total, self._format = target, total, fmt
        try:
            self.run(job, f"Exporting {total:,} leads to {target}…")
        except BaseException:
            release()  # no job to release it (the window is closing)
            raise

    @Slot(int, object)
    def _on_finished(self, _gen: int, outcome: object) -> None:
        rows, written, exported = outcome if isinstance(outcome, tuple) else (outcome, [], None)
        n = rows if isinstance(rows, int) else self._total
        if written and exported is not None:  # each keeps its first export's time (the history
            session = self._w.session  # keeps it too: workChanged)
            session.model.table.work.take_exported(exported)
            session.change_work(WorkChange(written, exported_at=exported.at), applied=True)
        self._w.status.show(f"Exported {n:,} lead{'s' * (n != 1)} to {self._target}.")

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        from ..export import ExportError

        message = str(error) if isinstance(error, ExportError) else f"The export failed: {error}"
        fmt = self._format
        self._w.banner.show_message(message, "Export again…", lambda: self.start(fmt), kind="error")
        self._w.status.show("The export failed; no file was written.")

    @Slot(int)
    def _on_cancelled(self, _gen: int) -> None:
        self._w.status.show("Export cancelled; no file was written.")
