"""The main window's actions, menus and the watch buttons beside the filter box."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, runtime_checkable

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMenu, QMenuBar, QToolButton, QWidget

from .window_keys import EXPORT_KEY, EXPORT_XLSX_KEY, SET_KEY_KEY

if TYPE_CHECKING:
    from ..settings import Settings
    from .overview import OverviewPanel
    from .table_view import LeadTableView
    from .watch_flow import WatchFlow


@runtime_checkable
class ActionsHost(Protocol):
    """The window the actions are made for (their Qt parent): what they read of it, the slots
    they trigger, and the actions ``build_actions`` keeps on it."""

    settings: Settings
    table: LeadTableView
    table_bar: QHBoxLayout
    watch_flow: WatchFlow
    filter_edit: QLineEdit
    overview: OverviewPanel

    fetch_action: QAction
    cancel_action: QAction
    filter_action: QAction
    export_action: QAction
    export_xlsx_action: QAction
    excel_action: QAction
    copy_action: QAction
    select_all_action: QAction
    details_action: QAction
    set_key_action: QAction
    quit_action: QAction

    def addAction(self, action: QAction) -> None: ...
    def menuBar(self) -> QMenuBar: ...
    def fetch(self) -> object: ...
    def cancel(self) -> None: ...
    def focus_filter(self) -> None: ...
    def export_selected(self) -> None: ...
    def export_selected_xlsx(self) -> None: ...
    def _on_excel_toggled(self, on: bool) -> None: ...
    def copy_selection(self) -> None: ...
    def select_all(self) -> None: ...
    def show_current_lead(self) -> None: ...
    def open_key_dialog(self) -> object: ...
    def close(self) -> bool: ...


def _menu(menu: QMenu, *items: QAction | None) -> QMenu:
    for item in items:
        if item is None:
            menu.addSeparator()
        else:
            menu.addAction(item)
    return menu


class ActionParent(Protocol):
    def addAction(self, action: QAction) -> None: ...


def make_action(
    window: ActionParent,
    text: str,
    name: str,
    shortcuts: list[QKeySequence],
    slot: object,
    tip: str,
) -> QAction:
    action = QAction(text, window)  # type: ignore[call-overload]
    action.setObjectName(name)
    if shortcuts:
        action.setShortcuts(shortcuts)
        keys = ", ".join(s.toString(QKeySequence.SequenceFormat.NativeText) for s in shortcuts)
        tip = f"{tip} ({keys})"
    action.setToolTip(tip)
    action.setStatusTip(tip)
    action.triggered.connect(slot)
    window.addAction(action)  # its shortcuts work wherever the focus is in the window
    return action


def build_actions(w: ActionsHost) -> None:
    """Create the window's actions (as attributes), menus and toolbar buttons."""
    key = QKeySequence

    def a(*args: object) -> QAction:
        return make_action(w, *args)  # type: ignore[arg-type]

    w.fetch_action = a(
        "&Fetch", "fetchAction", [key(Qt.Key.Key_F5), key("Ctrl+R")], w.fetch, "Fetch leads"
    )
    w.cancel_action = a(
        "&Cancel", "cancelAction", [key(Qt.Key.Key_Escape)], w.cancel, "Cancel the fetch"
    )
    w.cancel_action.setEnabled(False)
    w.filter_action = a(
        "&Filter…", "filterAction", [key("Ctrl+F")], w.focus_filter, "Filter the leads"
    )
    w.export_action = a(
        "&Export selected…", "exportAction", [key(EXPORT_KEY)], w.export_selected,
        "Export the selected leads to CSV",
    )  # fmt: skip
    w.export_xlsx_action = a(
        "Export as Excel &workbook (.xlsx)…", "exportXlsxAction", [key(EXPORT_XLSX_KEY)],
        w.export_selected_xlsx, "Export the selected leads as an Excel workbook",
    )  # fmt: skip
    w.excel_action = QAction("Excel-compatible CSV (UTF-8 with BOM)", w)  # type: ignore[call-overload]
    w.excel_action.setObjectName("excelAction")
    w.excel_action.setCheckable(True)
    w.excel_action.setChecked(w.settings.export_excel)
    w.excel_action.toggled.connect(w._on_excel_toggled)
    w.copy_action = a(
        "&Copy rows", "copyAction", [key("Ctrl+C")], w.copy_selection,
        "Copy the selected rows as tab-separated text",
    )  # fmt: skip
    w.select_all_action = a(
        "Select &all", "selectAllAction", [key("Ctrl+A")], w.select_all,
        "Select all shown leads",
    )  # fmt: skip
    w.details_action = a(
        "Lead &details", "detailsAction", [key("Ctrl+I")], w.show_current_lead,
        "Show every field of the current lead",
    )  # fmt: skip
    w.set_key_action = a(
        "Set API &key…", "setKeyAction", [key(SET_KEY_KEY)], w.open_key_dialog,
        "Set, test or forget the API key of this environment",
    )  # fmt: skip
    w.quit_action = a("&Quit", "quitAction", [key("Ctrl+Q")], w.close, "Close the window")
    wf = w.watch_flow
    menus = w.menuBar()
    file_menu = _menu(
        menus.addMenu("&File"),
        w.export_action, w.export_xlsx_action, w.excel_action, None, w.quit_action,
    )  # fmt: skip
    columns = a(  # the header's right-click menu, for the keyboard too
        "C&olumns…", "columnsAction", [], w.table.pop_header_menu,
        "Show or hide the table's columns (also by right-clicking a column header)",
    )  # fmt: skip
    edit_menu = _menu(
        menus.addMenu("&Edit"), w.copy_action, w.select_all_action, w.filter_action, None, columns
    )
    leads_menu = _menu(
        menus.addMenu("&Leads"), w.fetch_action, w.cancel_action, w.details_action,
        None, wf.action, wf.mark_seen_action, None, w.set_key_action,
    )  # fmt: skip
    for menu in (file_menu, edit_menu, leads_menu):
        menu.setToolTipsVisible(True)
    buttons = []
    for action, at in ((wf.action, 1), (wf.mark_seen_action, 3)):
        button = QToolButton()
        button.setDefaultAction(action)
        w.table_bar.insertWidget(at, button)
        buttons.append(button)
    w.table_bar.insertWidget(2, wf.spin)
    _tab_as_read(w, [buttons[0], wf.spin, buttons[1]])

    w.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    w.table.addActions([w.copy_action, w.details_action, w.export_action, w.export_xlsx_action])


def _tab_as_read(w: ActionsHost, watch: list[QWidget]) -> None:
    """Tab in the order the eye reads the bar above the table: the ``watch`` controls (made
    after the table, so Tab reached them only after it), then the filter box, the chart, its
    counts, the table."""
    before = w.filter_edit.previousInFocusChain()
    while not before.focusPolicy() & Qt.FocusPolicy.TabFocus:  # setTabOrder needs one it reaches
        before = before.previousInFocusChain()
    for widget in watch:
        QWidget.setTabOrder(before, widget)
        before = widget
    counts = w.overview
    counts.states_label.tab_after, counts.tenure_label.tab_after = counts.chart, counts.states_label
