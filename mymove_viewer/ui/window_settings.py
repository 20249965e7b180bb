"""The main window's saved state: query, geometry, watch interval, column layout, and the table
header kept as the user left it when the session replaces the leads."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Slot

from ..api.moments import OUT_OF_RANGE
from . import gui_state

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow, QSpinBox

    from ..settings import Settings
    from .error_banner import Banner
    from .new_leads import MarkedLeadModel
    from .query_panel import QueryPanel
    from .settings_writer import SettingsWriter
    from .table_view import LeadTableView


class SavedState:
    """Reads and writes the window's state in ``settings``. It holds the widgets it reads but
    not the window, whose geometry is passed in: no reference cycle through the window."""

    def __init__(
        self,
        settings: Settings,
        writer: SettingsWriter,
        *,
        panel: QueryPanel,
        table: LeadTableView,
        model: MarkedLeadModel,
        watch_spin: QSpinBox,
        banner: Banner,
    ) -> None:
        self._settings, self._writer = settings, writer
        self._panel, self._table, self._model = panel, table, model
        self._spin, self._banner = watch_spin, banner
        self._widths_set = False  # the header has a layout the user has seen with data
        self._problem_shown = False
        self._old_header: tuple[list[str], QByteArray] = ([], QByteArray())
        writer.failed.connect(self._on_not_saved)

    def restore(self, window: QMainWindow) -> None:
        s = self._settings
        p = self._panel
        p.hours_spin.setValue(s.hours)
        p.days_spin.setValue(s.days)
        if s.range_start and s.range_end:
            with contextlib.suppress(*OUT_OF_RANGE):  # a hand-edited file: keep the defaults
                start = datetime.fromisoformat(s.range_start)
                p.set_range(start, datetime.fromisoformat(s.range_end))
        p.set_mode(s.query_mode)
        minutes = s.gui.get(gui_state.WATCH_MINUTES)
        if isinstance(minutes, int) and not isinstance(minutes, bool):
            spin = self._spin
            if spin.minimum() <= minutes <= spin.maximum():
                spin.setValue(minutes)
        geometry = gui_state.decode(s.gui.get(gui_state.GEOMETRY))
        if geometry is None or not window.restoreGeometry(geometry):
            window.resize(1280, 760)
        saved = gui_state.header_state_for(s.gui.get(gui_state.HEADER), self._fields())
        if saved is not None and self._table.horizontalHeader().restoreState(saved):
            self._apply_header_sort()

    def remember_query(self) -> None:
        s, p = self._settings, self._panel
        s.query_mode = p.mode()
        s.hours = p.hours_spin.value()
        s.days = p.days_spin.value()
        start, end = p.range_bounds()
        s.range_start, s.range_end = start.isoformat(), end.isoformat()

    def save(self, window: QMainWindow) -> None:
        s = self._settings
        s.gui[gui_state.GEOMETRY] = gui_state.encode(window.saveGeometry())
        s.gui[gui_state.WATCH_MINUTES] = self._spin.value()
        if self._widths_set and self._model.total_count():  # a layout seen with data
            s.gui[gui_state.HEADER] = gui_state.header_entry(
                self._table.horizontalHeader().saveState(), self._fields()
            )
        self._writer.save(s)  # written on its own thread; a failure comes back below

    @Slot(str)
    def _on_not_saved(self, message: str) -> None:
        if not self._problem_shown:
            self._problem_shown = True
            self._banner.show_message(message, kind="info")

    def _fields(self) -> list[str]:
        return [c.field for c in self._model.columns]

    # -- the header across new leads (connected to the session) ----------------------------------

    def keep_header(self, _some: bool = False) -> None:
        """The session is about to replace the leads: keep the header as the user left it."""
        self._old_header = (self._fields(), self._table.horizontalHeader().saveState())

    def restore_header(self, some: bool) -> None:
        """The leads are replaced: the same columns keep their layout, else the saved one."""
        header = self._table.horizontalHeader()
        old_fields, old_state = self._old_header
        fields = self._fields()
        restored = False
        if fields == old_fields and self._widths_set:
            restored = header.restoreState(old_state)
        if not restored:
            saved = gui_state.header_state_for(self._settings.gui.get(gui_state.HEADER), fields)
            restored = saved is not None and header.restoreState(saved)
        if restored:
            self._apply_header_sort()
        elif some:
            # Keep the widths the user already has; size only columns new to the header.
            known = set(old_fields) if self._widths_set else set()
            self._table.size_columns_from_sample(
                [i for i, f in enumerate(fields) if f not in known]
            )
            self._widths_set = True

    def _apply_header_sort(self) -> None:
        header = self._table.horizontalHeader()
        section = header.sortIndicatorSection()
        if 0 <= section < self._model.columnCount():
            self._model.sort(section, header.sortIndicatorOrder())
        self._widths_set = True
