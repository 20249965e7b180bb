"""The Views menu: keep the table as a user set it up (filter, time window, columns, sort) under a
name, and get back to it in one click (Ctrl+1…Ctrl+9 for the first nine); rename and delete.

Views are kept per environment in the settings (``table.views`` says what a view holds); this
helper holds the widgets it reads and changes, not the window: it asks the window to save the
settings or to fetch through its signals.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Signal, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLineEdit, QMenu, QMenuBar, QMessageBox, QWidget

from ..api.errors import ValidationError, app_logger
from ..table.layout import ColumnLayout
from ..table.views import (
    MAX_FILTER,
    MAX_WIDTH,
    SavedView,
    ViewColumn,
    ViewError,
    ViewWindow,
    check_name,
    find_view,
    view_fields,
    window_from_json,
)
from .column_layout import apply_layout, layout_of

if TYPE_CHECKING:
    from ..api.query import Environment
    from ..settings import Settings
    from .error_banner import Banner
    from .filter_edit import FilterEdit
    from .model import LeadTableModel
    from .overview import OverviewPanel
    from .query_panel import QueryPanel
    from .session import LeadSession
    from .status import StatusLine
    from .table_view import LeadTableView
    from .window_env import Environments

log = app_logger(__name__)

ASK_NAME = "Name of the view:"
SHORTCUT_COUNT = 9  # Ctrl+1 … Ctrl+9


class ViewsHost(Protocol):
    """What the window offers (the helper keeps its parts, never the window)."""

    settings: Settings
    envs: Environments
    panel: QueryPanel
    table: LeadTableView
    model: LeadTableModel
    filter_edit: FilterEdit
    overview: OverviewPanel
    session: LeadSession
    status: StatusLine
    banner: Banner

    def menuBar(self) -> QMenuBar: ...
    def save_settings(self) -> None: ...
    def fetch(self) -> int | None: ...


class ViewsMenu(QObject):
    saveRequested = Signal()  # the views changed: the window saves the settings
    fetchRequested = Signal()  # a picked view needs other leads than those shown

    @classmethod
    def of(cls, window: ViewsHost) -> ViewsMenu:
        """The Views menu in ``window``'s menu bar, wired to it."""
        views = cls(window, window.menuBar())
        views.saveRequested.connect(window.save_settings)
        views.fetchRequested.connect(window.fetch)
        window.envs.switched.connect(views.rebuild)
        return views

    def __init__(self, host: ViewsHost, bar: QMenuBar) -> None:
        super().__init__(bar)
        self._settings = host.settings
        envs = host.envs
        self._env: Callable[[], Environment] = lambda: envs.env
        self._panel, self._table, self._model = host.panel, host.table, host.model
        self._filter_edit, self._overview = host.filter_edit, host.overview
        self._session, self._status, self._banner = host.session, host.status, host.banner
        self._current: str | None = None  # the view last saved or picked
        self._pending: SavedView | None = None  # its layout, again once its fetch is in
        self._pending_gen = -1  # that fetch's generation
        self._session.replaced.connect(self._on_replaced)
        for ended in (self._session.controller.failed, self._session.controller.cancelled):
            ended.connect(self._drop_pending)

        self.menu = QMenu("&Views", bar)
        self.menu.setObjectName("viewsMenu")
        self.menu.setToolTipsVisible(True)
        bar.addMenu(self.menu)
        self.save_action = self._action(
            "&Save view…", "saveViewAction", self.save_view,
            "Keep the filter, time window, columns and sort under a name (Ctrl+Shift+S)",
        )  # fmt: skip
        self.save_action.setShortcut(QKeySequence("Ctrl+Shift+S"))
        self.rename_action = self._action(
            "&Rename view…", "renameViewAction", self.rename_view, "Give a saved view a new name"
        )
        self.delete_action = self._action(
            "&Delete view…", "deleteViewAction", self.delete_view, "Forget a saved view"
        )
        self.view_actions: list[QAction] = []
        self.rebuild()

    def _action(self, text: str, name: str, slot: Callable[[], object], tip: str) -> QAction:
        action = QAction(text, self)  # not the menu's: rebuilding clears the menu
        action.setObjectName(name)
        action.setToolTip(tip)
        action.setStatusTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def _parent(self) -> QWidget:
        return self._table.window()

    # -- the views of this environment -----------------------------------------------------------

    def views(self) -> list[SavedView]:
        return list(self._settings.views.get(self._env().value, []))

    def _keep(self, views: list[SavedView]) -> None:
        env = self._env().value
        if views:
            self._settings.views[env] = views
        else:
            self._settings.views.pop(env, None)
        self.rebuild()
        self.saveRequested.emit()

    @Slot()
    def rebuild(self) -> None:
        """The menu for the current environment's views."""
        menu = self.menu
        menu.clear()  # deletes only what the menu owns: the placeholder
        for action in self.view_actions:
            action.deleteLater()
        menu.addAction(self.save_action)
        menu.addSeparator()
        views = self.views()
        self.view_actions = []
        for i, view in enumerate(views):
            # "&" would be a mnemonic: doubled, the name shows as typed.
            action = QAction(view.name.replace("&", "&&"), self)
            action.setObjectName(f"viewAction{i}")
            action.setData(view.name)
            tip = _describe(view)
            action.setToolTip(tip)
            action.setStatusTip(tip)
            if i < SHORTCUT_COUNT:
                action.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            action.triggered.connect(lambda _checked=False, n=view.name: self.pick(n))
            menu.addAction(action)
            self.view_actions.append(action)
        if not views:
            empty = menu.addAction("No saved views")
            empty.setObjectName("noViewsAction")
            empty.setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.rename_action)
        menu.addAction(self.delete_action)
        self.rename_action.setEnabled(bool(views))
        self.delete_action.setEnabled(bool(views))
        if self._current is not None and find_view(views, self._current) is None:
            self._current = None

    # -- saving ----------------------------------------------------------------------------------

    def capture(self, name: str) -> SavedView:
        """The table as it is now, as a view; raises ``ViewError`` if its window is invalid."""
        layout = layout_of(self._table.horizontalHeader(), [c.field for c in self._model.columns])
        visible = [
            ViewColumn(f, min(max(layout.widths.get(f, 1), 1), MAX_WIDTH))
            for f in layout.order
            if f not in layout.hidden
        ]
        hidden = [f for f in layout.order if f in layout.hidden]
        text = self._filter_edit.text()
        if len(text) > MAX_FILTER:  # a paste: a view read back would refuse it
            raise ViewError(f"The filter is longer than a view keeps ({MAX_FILTER:,} characters).")
        return SavedView(
            name, self._window(), text, tuple(visible), tuple(hidden),
            self._model.sort_request,
        )  # fmt: skip

    def _window(self) -> ViewWindow:
        p = self._panel
        mode = p.mode()
        if mode == "range":
            start, end = p.range_bounds()
            window = ViewWindow("range", start=start.isoformat(), end=end.isoformat())
        else:
            window = ViewWindow(mode, (p.hours_spin if mode == "hours" else p.days_spin).value())
        try:
            window.query()
        except ValidationError as exc:
            raise ViewError(f"{exc.message} Correct the time window, then save again.") from None
        window_from_json(window.to_json())  # the checks a view passes when read back
        return window

    @Slot()
    def save_view(self) -> SavedView | None:
        """Ask for a name and keep the table's state under it; the view, or None if not saved."""
        try:
            view = self.capture("")
        except ViewError as exc:
            self._banner.show_message(f"The view was not saved: {exc}", kind="info")
            return None
        views = self.views()
        name = self._ask_name("Save view", ASK_NAME, self._current or "", views, replacing=True)
        if name is None:
            return None
        view = view.renamed(name)
        old = find_view(views, name)
        if old is None:
            views.append(view)
        else:
            views[views.index(old)] = view
        self._current = name
        self._keep(views)
        self._status.show(f'View "{name}" saved.')
        return view

    def _ask_name(
        self,
        title: str,
        label: str,
        text: str,
        views: list[SavedView],
        *,
        replacing: bool,
        renaming: SavedView | None = None,
    ) -> str | None:
        """A usable name for a view, asked until there is one or the user cancels."""
        prompt = label
        while True:
            answer, ok = QInputDialog.getText(
                self._parent(), title, prompt, QLineEdit.EchoMode.Normal, text
            )
            if not ok:
                return None
            text = answer
            try:
                name = check_name(answer)
            except ViewError as exc:
                prompt = f"{exc}\n{label}"
                continue
            other = find_view(views, name)
            if other is None or other is renaming:
                return name
            if not replacing:
                prompt = f'A view named "{other.name}" exists already.\n{label}'
                continue
            if self._confirm_replace(other.name):
                return name
            prompt = f"Choose another name.\n{label}"

    def _confirm_replace(self, name: str) -> bool:
        question = f'A view named "{name}" exists. Replace it with the table as it is now?'
        return self._confirm("Replace view", question)

    def _confirm(self, title: str, question: str) -> bool:
        """Yes or No, No by default: a view cannot be brought back."""
        buttons = QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No
        answer = QMessageBox.question(
            self._parent(), title, question, buttons, QMessageBox.StandardButton.No
        )
        return answer == QMessageBox.StandardButton.Yes

    # -- rename and delete -----------------------------------------------------------------------

    def _choose(self, title: str, label: str) -> SavedView | None:
        views = self.views()
        if not views:
            return None
        names = [v.name for v in views]
        current = self._current if self._current in names else names[0]
        name, ok = QInputDialog.getItem(
            self._parent(), title, label, names, names.index(current), False
        )
        return find_view(views, name) if ok else None

    @Slot()
    def rename_view(self) -> str | None:
        """Ask which view and its new name; the new name, or None if nothing changed."""
        old = self._choose("Rename view", "View to rename:")
        if old is None:
            return None
        views = self.views()
        name = self._ask_name(
            "Rename view", "New name:", old.name, views, replacing=False, renaming=old
        )
        if name is None or name == old.name:
            return None
        views[views.index(old)] = old.renamed(name)
        if self._current == old.name:
            self._current = name
        self._keep(views)
        self._status.show(f'View "{old.name}" renamed to "{name}".')
        return name

    @Slot()
    def delete_view(self) -> str | None:
        """Ask which view to delete; its name, or None if none was."""
        view = self._choose("Delete view", "View to delete:")
        question = f'Delete the view "{view.name}" ({_describe(view)})?' if view else ""
        if view is None or not self._confirm("Delete view", question):
            return None
        views = self.views()
        views.remove(view)
        self._keep(views)
        self._status.show(f'View "{view.name}" deleted.')
        return view.name

    # -- picking ---------------------------------------------------------------------------------

    @Slot(str)
    def pick(self, name: str) -> None:
        """Show the leads as the view ``name`` does; fetches if its window is not the one shown."""
        view = find_view(self.views(), name)
        if view is None:
            return
        self._current = view.name
        self._set_window(view.window)
        self.apply_layout(view)
        chart = self._overview.chart  # a bar's period is not part of a view
        if chart.selected is not None:
            self._overview.toggle_bar(chart.selected)
        self._filter_edit.setText(view.filter)
        s = self._session
        if s.info is None or s.query != view.window.query():
            self._pending = view
            self.fetchRequested.emit()  # the window starts it now (or says why it cannot)
            self._pending_gen = s.controller.generation

    def _set_window(self, window: ViewWindow) -> None:
        p = self._panel
        if window.mode == "hours":
            p.hours_spin.setValue(window.count)
        elif window.mode == "days":
            p.days_spin.setValue(window.count)
        else:
            p.set_range(datetime.fromisoformat(window.start), datetime.fromisoformat(window.end))
        p.set_mode(window.mode)

    def apply_layout(self, view: SavedView) -> None:
        """Columns (which, order, widths) and sort as ``view`` has them, by field name."""
        fields = [c.field for c in self._model.columns]
        shown = view_fields(view, fields)
        rest = [
            f for f in layout_of(self._table.horizontalHeader(), fields).order if f not in shown
        ]
        widths = {c.field: c.width for c in view.columns if c.width}
        layout = ColumnLayout(tuple(shown + rest), frozenset(rest), widths, view.sort)
        apply_layout(self._table.horizontalHeader(), fields, layout)  # sorts via the indicator

    @Slot(bool)
    def _on_replaced(self, _some: bool) -> None:
        # The session keeps the old layout for the same columns, but a fetch that brings other
        # (extra) fields resets it: the picked view's layout is applied to the new columns.
        view, self._pending = self._pending, None
        if view is not None and self._session.query == view.window.query():
            self.apply_layout(view)

    def _drop_pending(self, gen: int, *_error: object) -> None:
        if gen == self._pending_gen:  # that fetch is over: a later one is not the view's
            self._pending = None


def _describe(view: SavedView) -> str:
    what = [view.window.describe()]
    if view.filter.strip():
        what.append(f'filter "{view.filter.strip()}"')
    if view.sort:
        what.append(f"sorted by {view.sort[0]}{' (descending)' if view.sort[1] else ''}")
    return ", ".join(what)
