"""The main window's saved state: query, geometry, column layout and the header across fetches,
as a mixin."""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import TYPE_CHECKING

from ..api.errors import app_logger
from ..api.moments import OUT_OF_RANGE
from . import gui_state

if TYPE_CHECKING:
    from PySide6.QtCore import QByteArray
    from PySide6.QtWidgets import QMainWindow

    from ..settings import Settings
    from .detail_pane import DetailPane
    from .error_banner import Banner
    from .filter_flow import FilterFlow
    from .new_leads import MarkedLeadModel
    from .overview import OverviewPanel
    from .query_panel import QueryPanel
    from .settings_writer import SettingsWriter
    from .table_view import LeadTableView
    from .watch_flow import WatchFlow

    class _Base(QMainWindow):
        """The window this is mixed into: what it has besides Qt's."""

        _settings: Settings
        _widths_set: bool
        _settings_problem_shown: bool
        _old_header: tuple[list[str], QByteArray]
        settings_writer: SettingsWriter
        panel: QueryPanel
        table: LeadTableView
        model: MarkedLeadModel
        detail: DetailPane
        overview: OverviewPanel
        filter_flow: FilterFlow
        banner: Banner
        watch_flow: WatchFlow
else:
    _Base = object

log = app_logger(__name__)


class SettingsMixin(_Base):
    # -- settings --------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        s = self._settings
        p = self.panel
        p.hours_spin.setValue(s.hours)
        p.days_spin.setValue(s.days)
        if s.range_start and s.range_end:
            with contextlib.suppress(*OUT_OF_RANGE):  # a hand-edited file: keep the defaults
                start = datetime.fromisoformat(s.range_start)
                p.set_range(start, datetime.fromisoformat(s.range_end))
        p.set_mode(s.query_mode)
        minutes = s.gui.get(gui_state.WATCH_MINUTES)
        if isinstance(minutes, int) and not isinstance(minutes, bool):
            spin = self.watch_flow.spin
            if spin.minimum() <= minutes <= spin.maximum():
                spin.setValue(minutes)
        geometry = gui_state.decode(s.gui.get(gui_state.GEOMETRY))
        if geometry is None or not self.restoreGeometry(geometry):
            self.resize(1280, 760)
        saved = gui_state.header_state_for(s.gui.get(gui_state.HEADER), self._fields())
        if saved is not None and self.table.horizontalHeader().restoreState(saved):
            self._apply_header_sort()

    def _remember_query(self) -> None:
        s, p = self._settings, self.panel
        s.query_mode = p.mode()
        s.hours = p.hours_spin.value()
        s.days = p.days_spin.value()
        start, end = p.range_bounds()
        s.range_start, s.range_end = start.isoformat(), end.isoformat()

    def save_settings(self) -> None:
        s = self._settings
        s.gui[gui_state.GEOMETRY] = gui_state.encode(self.saveGeometry())
        s.gui[gui_state.WATCH_MINUTES] = self.watch_flow.spin.value()
        if self._widths_set and self.model.total_count():  # a layout seen with data
            s.gui[gui_state.HEADER] = gui_state.header_entry(
                self.table.horizontalHeader().saveState(), self._fields()
            )
        self.settings_writer.save(s)  # written on its own thread; a failure comes back below

    def _on_settings_not_saved(self, message: str) -> None:
        if not self._settings_problem_shown:
            self._settings_problem_shown = True
            self.banner.show_message(message, kind="info")

    def _fields(self) -> list[str]:
        return [c.field for c in self.model.columns]

    def _before_new_leads(self, some: bool) -> None:
        """The session is about to replace the leads: keep the header as the user left it."""
        self._old_header = (self._fields(), self.table.horizontalHeader().saveState())
        self.detail.clear()
        # The overview counts on the indexer's thread; counting here would stall the first paint.
        self.overview.expect_counts(some)
        self.filter_flow.before_new_leads()

    def _after_new_leads(self, some: bool) -> None:
        header = self.table.horizontalHeader()
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
            self.table.size_columns_from_sample([i for i, f in enumerate(fields) if f not in known])
            self._widths_set = True

    def _apply_header_sort(self) -> None:
        header = self.table.horizontalHeader()
        section = header.sortIndicatorSection()
        if 0 <= section < self.model.columnCount():
            self.model.sort(section, header.sortIndicatorOrder())
        self._widths_set = True
