"""The work status from the window (issue 18): one action per status in the Leads menu and the
table's context menu, applying to every selected row; undo of the last status change; the
note typed in the detail pane; "Include status and note in exports" in the File menu.

A selection is ranges of rows: its leads come from list slices of the shown rows and one C-level
``map`` (``session.snapshot``), and ``LeadWork`` takes them with dict updates over ``zip``, so
marking 100k selected rows is no Python step per row on the GUI thread. What changed goes
through ``session.change_work``, which the history keeps (its ``workChanged``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress, repeat
from operator import eq
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Qt, Slot
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMenu, QMenuBar

from ..api.errors import app_logger
from ..api.lead import Lead
from ..store.records import Status
from ..table.work import WorkChange

if TYPE_CHECKING:
    from ..settings import Settings
    from .detail_pane import DetailPane
    from .filter_flow import FilterFlow
    from .session import LeadSession
    from .status import StatusLine
    from .table_view import LeadTableView

log = app_logger(__name__)

# objectName per status (tests and the issue name them); the shortcut is Alt and its number.
ACTION_NAMES = {
    Status.NEW: "statusNewAction",
    Status.CONTACTED: "statusContactedAction",
    Status.QUALIFIED: "statusQualifiedAction",
    Status.NOT_INTERESTED: "statusNotInterestedAction",
    Status.DO_NOT_CONTACT: "statusDoNotContactAction",
}
_MNEMONIC = {Status.NOT_INTERESTED: "&Not interested", Status.DO_NOT_CONTACT: "&Do not contact"}


class WorkHost(Protocol):
    """What the status actions need of the window."""

    settings: Settings
    session: LeadSession
    table: LeadTableView
    detail: DetailPane
    filter_flow: FilterFlow
    status: StatusLine

    def menuBar(self) -> QMenuBar: ...
    def save_settings(self) -> None: ...


class WorkActions(QObject):
    @classmethod
    def of(cls, window: WorkHost) -> WorkActions:
        """The status actions of ``window``, in its menus and the table's context menu."""
        return cls(window)

    def __init__(self, host: WorkHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._host = host
        session, table = host.session, host.table
        self._session, self._table = session, table
        self._undo: tuple[list[Lead], list[int], Status] | None = None
        self.actions: dict[Status, QAction] = {}
        for status, name in ACTION_NAMES.items():
            text = _MNEMONIC.get(status, f"&{status.label}")
            action = QAction(text, host)  # type: ignore[call-overload]
            action.setObjectName(name)
            action.setShortcut(QKeySequence(f"Alt+{int(status)}"))
            tip = f"Mark the selected leads {status.label} (Alt+{int(status)})"
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.triggered.connect(lambda _checked=False, s=status: self.mark(s))
            self.actions[status] = action
        self.undo_action = QAction("&Undo status change", host)  # type: ignore[call-overload]
        self.undo_action.setObjectName("undoStatusAction")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        # Only with the table focused: Ctrl+Z in the filter box or the note undoes typing there.
        self.undo_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.undo_action.setEnabled(False)
        self.undo_action.triggered.connect(self.undo)
        self.export_action = QAction("Include status and note in exports", host)  # type: ignore[call-overload]
        self.export_action.setObjectName("exportWithStatusAction")
        self.export_action.setCheckable(True)
        self.export_action.setChecked(host.settings.export_with_status)
        self.export_action.setToolTip(
            "CSV and Excel exports get a status and a note column after the API's fields"
        )
        self.export_action.toggled.connect(self._on_export_toggled)
        self._build_menus(host.menuBar())
        for action in self.actions.values():  # their shortcuts anywhere in the window
            host.addAction(action)  # type: ignore[attr-defined]
        separator = QAction(host)  # type: ignore[call-overload]
        separator.setSeparator(True)
        table.addActions([separator, *self.actions.values(), self.undo_action])
        self._set_enabled(0)
        table.selectionCountChanged.connect(self._set_enabled)
        session.model.refilterNeeded.connect(host.filter_flow.again)
        detail = host.detail
        detail.work = session.model.table.work
        detail.noteEdited.connect(self._on_note)
        session.workChanged.connect(lambda _change: detail.show_work())

    def _build_menus(self, bar: QMenuBar) -> None:
        menus = {a.text().replace("&", ""): a.menu() for a in bar.actions()}
        leads = menus.get("Leads")
        self.menu = QMenu("Set &status", bar)
        self.menu.setObjectName("statusMenu")
        self.menu.setToolTipsVisible(True)
        self.menu.addActions(list(self.actions.values()))
        self.menu.addSeparator()
        self.menu.addAction(self.undo_action)
        if isinstance(leads, QMenu):
            first = leads.actions()[0] if leads.actions() else None
            leads.insertMenu(first, self.menu)
            leads.insertSeparator(first)
        else:  # a window without a Leads menu: a menu of its own
            bar.addMenu(self.menu)
        file_menu = menus.get("File")
        if isinstance(file_menu, QMenu):
            actions = file_menu.actions()
            after = next((i for i, a in enumerate(actions) if a.objectName() == "excelAction"), -1)
            before = actions[after + 1] if 0 <= after < len(actions) - 1 else None
            file_menu.insertAction(before, self.export_action)  # type: ignore[arg-type]

    @Slot(int)
    def _set_enabled(self, selected: int) -> None:
        for action in self.actions.values():
            action.setEnabled(selected > 0)

    # -- marking -----------------------------------------------------------------------------

    def selected_leads(self) -> list[Lead]:
        """The selected rows' leads, in view order (slices and a C-level map)."""
        spans = self._table.selected_spans()
        if not spans:
            return []
        leads, rows = self._session.snapshot(spans)
        return list(map(leads.__getitem__, rows))

    def mark(self, status: Status) -> None:
        """Give every selected lead ``status``."""
        chosen = self.selected_leads()
        if not chosen:
            self._host.status.show("Select leads first: the status applies to the selected rows.")
            return
        work = self._session.model.table.work
        self._undo = (chosen, work.status_codes(chosen), status)
        self._session.change_work(WorkChange(chosen, status=status))
        self.undo_action.setEnabled(True)
        n = len(chosen)
        self._host.status.show(
            f"{n:,} lead{'s' * (n != 1)} marked {status.label}. Ctrl+Z in the table undoes it."
        )

    @Slot()
    def undo(self) -> None:
        """Give the leads of the last status change the statuses they had before."""
        if self._undo is None:
            return
        leads, before, status = self._undo
        self._undo = None
        self.undo_action.setEnabled(False)
        for old in Status:  # a C-level pass per status, not a step per lead
            some = _having(leads, before, old)
            if some:
                self._session.change_work(WorkChange(some, status=old))
        n = len(leads)
        self._host.status.show(
            f"Undone: {n:,} lead{'s' * (n != 1)} no longer marked {status.label}."
        )

    # -- the note and the export option ------------------------------------------------------

    def _on_note(self, lead: Lead, text: str) -> None:
        self._session.change_work(WorkChange([lead], note=text))
        self._host.status.show("Note saved." if text else "Note removed.")

    @Slot(bool)
    def _on_export_toggled(self, on: bool) -> None:
        self._host.settings.export_with_status = on
        self._host.save_settings()


def _having(leads: Sequence[Lead], codes: Sequence[int], status: Status) -> list[Lead]:
    return list(compress(leads, map(eq, codes, repeat(int(status)))))
