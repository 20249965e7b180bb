"""The work status from the window (issue 18): one action per status in the Leads menu and the
table's context menu, applying to every selected row; undo of the last status change; the
note typed in the detail pane; "Include status and note in exports" in the File menu.

A selection is ranges of rows: its lead indexes come from list slices of the shown rows
(``session.snapshot``), and ``LeadWork`` takes the leads with C-level dict updates, so marking
is no Python step per row on the GUI thread. Each update still hashes every lead (all its
values: ~0.4 us a lead), so from ``WORKER_FROM`` selected rows the leads are listed and hashed on
a worker and the GUI thread only merges the prepared dict. Changes run in the order asked for.
What changed goes through ``session.change_work``, which the history keeps (``workChanged``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import eq
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QEvent, QObject, Qt, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QKeySequence, QTextCursor
from PySide6.QtWidgets import QMenu, QMenuBar

from ..api.cancel import CancelToken
from ..api.errors import CancelledError, app_logger
from ..api.lead import Lead
from ..slices import in_slices, yield_gil
from ..table.work import LABELS, LeadWork, WorkChange, status_of_code
from .worker import BackgroundRunner

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store.records import Status
    from .detail_pane import DetailPane
    from .filter_flow import FilterFlow
    from .session import LeadSession
    from .status import StatusLine
    from .table_view import LeadTableView

log = app_logger(__name__)

# objectName per status number (tests and the issue name them); the shortcut is Alt and the
# number. (``Status`` itself comes with the store's package, imported on the first change: it
# loads sqlite3 and msgspec, which the window's first paint does without.)
ACTION_NAMES = (
    "statusNewAction",
    "statusContactedAction",
    "statusQualifiedAction",
    "statusNotInterestedAction",
    "statusDoNotContactAction",
)
# From this many leads a status change is prepared on a worker: at 100k the GUI thread was held
# 40-100 ms (a 2-core machine under load), ~1 s at 1M. Tests patch it.
WORKER_FROM = 20_000
# Up to this many selected rows, a menu's status actions show a check mark when the rows share
# one status (a C pass over them on the GUI thread as the menu opens, ~1 ms); above, none.
CHECK_UP_TO = 5000
_MNEMONIC = {3: "&Not interested", 4: "&Do not contact"}


@dataclass(frozen=True)
class _Asked:
    """A status change asked for: of ``leads`` (those at ``rows``, if given), to ``status``;
    or, ``status`` None, an undo giving them back the statuses ``before`` (``undone``: the
    status the change being undone gave them)."""

    leads: Sequence[Lead]
    rows: Sequence[int] | None
    status: Status | None
    before: Sequence[int] = ()
    undone: Status | None = None

    @property
    def count(self) -> int:
        return len(self.leads) if self.rows is None else len(self.rows)


class WorkHost(Protocol):
    """What the status actions need of the window."""

    settings: Settings
    session: LeadSession
    table: LeadTableView
    detail: DetailPane
    details_action: QAction
    filter_flow: FilterFlow
    status: StatusLine

    def menuBar(self) -> QMenuBar: ...
    def save_settings(self) -> None: ...


class WorkActions(QObject):
    """Holds the parts of the window it uses, never the window (a reference cycle through it
    would keep the window's Python object alive after Qt deleted it)."""

    saveRequested = Signal()  # the export option changed: the window saves the settings

    @classmethod
    def of(cls, window: WorkHost) -> WorkActions:
        """The status actions of ``window``, in its menus and the table's context menu."""
        actions = cls(window)
        actions.saveRequested.connect(window.save_settings)
        return actions

    def __init__(self, host: WorkHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        self._settings, self._status = host.settings, host.status
        session, table = host.session, host.table
        self._session, self._table = session, table
        self._undo: tuple[list[Lead], list[int], Status] | None = None
        self._queue: list[_Asked] = []  # changes waiting for the one on the worker
        self._runner = BackgroundRunner(self, name="status")
        self._runner.finished.connect(self._on_prepared)
        self._runner.failed.connect(self._on_failed)
        self.actions: dict[int, QAction] = {}
        # Optional: a selection of mixed statuses checks none.
        self._group = QActionGroup(self)
        self._group.setExclusionPolicy(QActionGroup.ExclusionPolicy.ExclusiveOptional)
        for code, name in enumerate(ACTION_NAMES):
            label = LABELS[code]
            action = QAction(_MNEMONIC.get(code, f"&{label}"), host)  # type: ignore[call-overload]
            action.setObjectName(name)
            action.setShortcut(QKeySequence(f"Alt+{code}"))
            tip = f"Mark the selected leads {label} (Alt+{code})"
            action.setToolTip(tip)
            action.setStatusTip(tip)
            action.setCheckable(True)  # checked: every selected lead has this status
            self._group.addAction(action)
            action.triggered.connect(lambda _checked=False, c=code: self.mark(c))
            self.actions[code] = action
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
        # The note from the keyboard: the lead's details with the cursor in its note (Tab from
        # the table reached it only after a field with no visible focus).
        self.note_action = QAction("Edit &note", host)  # type: ignore[call-overload]
        self.note_action.setObjectName("editNoteAction")
        self.note_action.setShortcut(QKeySequence("F2"))
        tip = "Show the lead's details with the cursor in its note (F2)"
        self.note_action.setToolTip(tip)
        self.note_action.setStatusTip(tip)
        self._details, self._detail = host.details_action, host.detail
        self.note_action.triggered.connect(self.edit_note)
        self._build_menus(host.menuBar())
        host.addAction(self.note_action)  # type: ignore[attr-defined]
        shown = table.actions()
        at = shown.index(host.details_action) + 1 if host.details_action in shown else len(shown)
        table.insertAction(shown[at] if at < len(shown) else None, self.note_action)  # type: ignore[arg-type]
        for action in self.actions.values():  # their shortcuts anywhere in the window
            host.addAction(action)  # type: ignore[attr-defined]
        separator = QAction(host)  # type: ignore[call-overload]
        separator.setSeparator(True)
        # The context menu lists the statuses under a heading (bare "New", "Contacted" did not
        # say what they do), one click each; the menu bar has them in a "Set status" submenu.
        self.heading = QAction("Set status:", host)  # type: ignore[call-overload]
        self.heading.setObjectName("statusHeading")
        self.heading.setEnabled(False)
        table.addActions([separator, self.heading, *self.actions.values(), self.undo_action])
        for widget in (table, table.viewport()):  # the menu key, the right button
            widget.installEventFilter(self)
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
        self.menu.aboutToShow.connect(self.show_checks)
        if isinstance(leads, QMenu):
            first = leads.actions()[0] if leads.actions() else None
            leads.insertMenu(first, self.menu)
            leads.insertSeparator(first)
            items = leads.actions()
            if self._details in items and items.index(self._details) + 1 < len(items):
                leads.insertAction(items[items.index(self._details) + 1], self.note_action)
            else:
                leads.addAction(self.note_action)
        else:  # a window without a Leads menu: a menu of its own
            bar.addMenu(self.menu)
        edit = menus.get("Edit")  # where Undo is looked for first, as in any app
        if isinstance(edit, QMenu):
            first = edit.actions()[0] if edit.actions() else None
            edit.insertAction(first, self.undo_action)  # type: ignore[arg-type]
            edit.insertSeparator(first)  # type: ignore[arg-type]
        file_menu = menus.get("File")
        if isinstance(file_menu, QMenu):
            actions = file_menu.actions()
            after = next((i for i, a in enumerate(actions) if a.objectName() == "excelAction"), -1)
            before = actions[after + 1] if 0 <= after < len(actions) - 1 else None
            file_menu.insertAction(before, self.export_action)  # type: ignore[arg-type]

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ContextMenu:  # before Qt builds the table's menu
            self.show_checks()
        return False

    @Slot()
    def show_checks(self) -> None:
        """Check the status every selected lead has, if they share one (none: mixed, or more
        than ``CHECK_UP_TO`` rows, which would cost a pass on this thread)."""
        spans = self._table.selected_spans()
        shared: set[int] = set()
        if 0 < sum(last - first + 1 for first, last in spans) <= CHECK_UP_TO:
            leads, rows = self._session.snapshot(spans)
            shared = set(self._work.status_codes(list(map(leads.__getitem__, rows))))
        for code, action in self.actions.items():
            action.setChecked(shared == {code})

    @Slot(int)
    def _set_enabled(self, selected: int) -> None:
        for action in (*self.actions.values(), self.note_action):
            action.setEnabled(selected > 0)

    @Slot()
    def edit_note(self) -> None:
        """Show the current lead's details and put the cursor at the end of its note."""
        self._details.trigger()
        note = self._detail.note_edit
        if self._detail.isVisible() and note.isEnabled():
            note.setFocus(Qt.FocusReason.ShortcutFocusReason)
            note.moveCursor(QTextCursor.MoveOperation.End)

    # -- marking -----------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        """A change is being prepared on the worker (or waits for one that is)."""
        return self._runner.busy or bool(self._queue)

    def mark(self, status: int) -> None:
        """Give every selected lead ``status`` (a ``Status``, or its number)."""
        spans = self._table.selected_spans()
        if not spans:
            self._status.show("Select leads first: the status applies to the selected rows.")
            return
        leads, rows = self._session.snapshot(spans)
        self._ask(_Asked(leads, rows, status_of_code(int(status))))

    @Slot()
    def undo(self) -> None:
        """Give the leads of the last status change the statuses they had before."""
        if self._undo is None:
            return
        leads, before, status = self._undo
        self._undo = None
        self.undo_action.setEnabled(False)
        self._ask(_Asked(leads, None, None, before, status))

    def _ask(self, asked: _Asked) -> None:
        if self.busy or asked.count >= WORKER_FROM:
            self._queue.append(asked)
            if not self._runner.busy:
                self._next()
            return
        leads, rows = asked.leads, asked.rows
        chosen = list(leads) if rows is None else list(map(leads.__getitem__, rows))
        codes = self._work.status_codes(chosen)
        if asked.status is not None:
            self._session.change_work(WorkChange(chosen, status=asked.status))
        else:  # an undo: a C pass per status over the few leads
            for code in range(len(LABELS)):
                if some := _having(chosen, asked.before, code):
                    self._session.change_work(WorkChange(some, status=status_of_code(code)))
        self._done(asked, chosen, codes)

    @property
    def _work(self) -> LeadWork:
        return self._session.model.table.work

    def _next(self) -> None:
        asked = self._queue.pop(0)
        work, leads, rows, status = self._work, asked.leads, asked.rows, asked.status
        self._status.show(
            f"Marking {asked.count:,} leads {status.label}…"
            if status is not None
            else f"Undoing the status change of {asked.count:,} leads…"
        )

        def job(_report: object, token: CancelToken) -> tuple[object, ...]:
            def pace() -> None:
                yield_gil()
                if token.cancelled:
                    raise CancelledError("The window closed.")

            chosen = leads if rows is None else in_slices(_getter(leads), rows, pace)
            codes = in_slices(work.status_codes, chosen, pace)
            wanted = asked.before if status is None else [int(status)] * len(chosen)
            prepared, groups = work.prepare_restore(chosen, wanted, codes, pace)
            return asked, chosen, codes, prepared, groups

        self._runner.start(job)

    @Slot(int, object)
    def _on_prepared(self, _gen: int, outcome: tuple) -> None:  # type: ignore[type-arg]
        asked, chosen, codes, prepared, groups = outcome
        self._work.take_prepared(prepared)
        for code, some in enumerate(groups):  # for the history: a change per status
            if some:
                change = WorkChange(some, status=status_of_code(code))
                self._session.change_work(change, applied=True)
        self._done(asked, chosen, codes)
        if self._queue:
            self._next()

    @Slot(int, object)
    def _on_failed(self, _gen: int, error: object) -> None:
        log.warning("preparing a status change failed: %r", error)  # a bug
        self._queue.clear()
        self._status.show("The status could not be set; nothing changed. Try again.")

    def _done(self, asked: _Asked, chosen: list[Lead], codes: list[int]) -> None:
        n, plural = len(chosen), "s" * (len(chosen) != 1)
        if asked.status is None:
            label = asked.undone.label if asked.undone is not None else ""
            self._status.show(f"Undone: {n:,} lead{plural} no longer marked {label}.")
            return
        self._undo = (chosen, codes, asked.status)
        self.undo_action.setEnabled(True)
        self._status.show(
            f"{n:,} lead{plural} marked {asked.status.label}. Ctrl+Z in the table undoes it."
        )

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        self._queue.clear()
        return self._runner.shutdown(timeout_ms)

    # -- the note and the export option ------------------------------------------------------

    def _on_note(self, lead: Lead, text: str) -> None:
        self._session.change_work(WorkChange([lead], note=text))
        self._status.show("Note saved." if text else "Note removed.")

    @Slot(bool)
    def _on_export_toggled(self, on: bool) -> None:
        self._settings.export_with_status = on
        self.saveRequested.emit()


def _getter(leads: Sequence[Lead]):  # type: ignore[no-untyped-def]
    return lambda part: list(map(leads.__getitem__, part))


def _having(leads: Sequence[Lead], codes: Sequence[int], status: int) -> list[Lead]:
    return list(compress(leads, map(eq, codes, repeat(status))))
