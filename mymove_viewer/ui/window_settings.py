"""The main window's saved state: query, geometry, watch interval, and the column layout (by field
name, see ``table.layout``) kept as the user left it when the session replaces the leads."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot

from ..api.moments import OUT_OF_RANGE
from ..table.layout import ColumnLayout, from_json, to_json
from . import gui_state
from .column_layout import apply_layout, layout_of

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
        self._widths_set = False  # the header has widths the user has seen with data
        self._problem_shown = False
        # The layout as the user left it, with what it knew of fields the leads now lack.
        self._layout: ColumnLayout | None = from_json(settings.gui.get(gui_state.COLUMNS))
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
        header = self._table.horizontalHeader()
        if self._layout is None:  # saved by an earlier version: a Qt blob for these columns
            saved = gui_state.header_state_for(s.gui.get(gui_state.HEADER), self._fields())
            if saved is not None and header.restoreState(saved):
                self._layout = layout_of(header, self._fields())
        self.restore_header(False)  # a saved layout, or the default one (Status first)

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
        layout = self.layout()
        if layout is not None:
            s.gui[gui_state.COLUMNS] = to_json(layout)
            s.gui.pop(gui_state.HEADER, None)  # superseded: never restored over this one
        self._writer.save(s)  # written on its own thread; a failure comes back below

    @Slot(str)
    def _on_not_saved(self, message: str) -> None:
        if not self._problem_shown:
            self._problem_shown = True
            self._banner.show_message(message, kind="info")

    def _fields(self) -> list[str]:
        return [c.field for c in self._model.columns]

    # -- the column layout across new leads (connected to the session) ---------------------------

    def layout(self) -> ColumnLayout | None:
        """The column layout as the user sees it now, by field name, plus what is known of
        fields the current leads lack; None while nothing was laid out (no leads seen yet)."""
        header = self._table.horizontalHeader()
        if not self._widths_set and self._layout is None:
            return None
        now = layout_of(header, self._fields(), widths=self._widths_set)
        return now.merged(self._layout)

    def use_layout(self, layout: ColumnLayout) -> None:
        """Show the columns as ``layout`` says (a saved view), keeping what is known of fields
        it does not name; kept from now on, as if the user had arranged them so."""
        current = self.layout()
        self._layout = layout.merged(current)
        self.restore_header(bool(self._model.total_count()))

    def keep_header(self, _some: bool = False) -> None:
        """The session is about to replace the leads: keep the layout as the user left it."""
        self._layout = self.layout()

    def restore_header(self, some: bool) -> None:
        """The leads are replaced (``some``: by some leads): their columns take the kept
        layout by name; columns it does not know are sized from the first rows."""
        fields = self._fields()
        header = self._table.horizontalHeader()
        if self._layout is None:  # nothing laid out yet: the default order, Qt's widths
            apply_layout(header, fields, ColumnLayout())
            unknown = list(range(len(fields)))
        else:
            unknown = apply_layout(header, fields, self._layout)
            section = header.sortIndicatorSection()
            if 0 <= section < self._model.columnCount():
                self._model.sort(section, header.sortIndicatorOrder())
        if not unknown:
            self._widths_set = True
        elif some:
            self._table.size_columns_from_sample(unknown)
            self._widths_set = True
