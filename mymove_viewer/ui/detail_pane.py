"""The lead detail dock: the lead's work status and note (editable), every field of it as
selectable text, plus copy buttons."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QModelIndex, Qt, Signal
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ..api.lead import Lead
from ..table.display import CREATED, NOTE_HEADER, STATUS, Column, display
from ..table.work import LABELS
from .detail_value import ValueLabel
from .model import LeadRole
from .note_edit import NoteEdit

if TYPE_CHECKING:
    from ..table.work import LeadWork
    from .model import LeadTableModel
    from .table_view import LeadTableView

# Laying out a value's whole text froze the window for 6 s at 1 MB (146 s at 20 MB). A longer
# value shows its start, says how long it is, and its Copy button copies every character.
SHOWN_CHARS = 1_000
SHOWN_LINES = 12
MIN_WIDTH = 240  # long values shorten to fit (see ``detail_value``), so the pane can be narrow


def cut_text(text: str) -> str | None:
    """The start of ``text`` to show in place of all of it, or None when it fits as it is."""
    head = text[: SHOWN_CHARS + 1]
    lines = head.splitlines(keepends=True)
    if len(head) <= SHOWN_CHARS and len(lines) <= SHOWN_LINES:
        return None
    return "".join(lines[:SHOWN_LINES])[:SHOWN_CHARS].rstrip() + "…"


def postal_address(lead: Lead, prefix: str = "new") -> str:
    """The address as it would be written on an envelope."""
    street = [lead.get(f"{prefix}_address_1"), lead.get(f"{prefix}_address_2")]
    zip_code = lead.get(f"{prefix}_postal_code")
    plus4 = lead.get(f"{prefix}_postal_code_plus4")
    if zip_code and plus4:
        zip_code = f"{zip_code}-{plus4}"
    city = lead.get(f"{prefix}_city")
    state = lead.get(f"{prefix}_state")
    last = ", ".join(p for p in (city, " ".join(p for p in (state, zip_code) if p)) if p)
    name = " ".join(p for p in (lead.get("first_name"), lead.get("last_name")) if p)
    return "\n".join(line for line in (name, *street, last) if line.strip())


class DetailPane(QDockWidget):
    noteEdited = Signal(object, str)  # (lead, note): the user changed a lead's note

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Lead details", parent)
        self.setObjectName("leadDetail")
        self.setAccessibleName("Lead details")
        self._lead: Lead | None = None
        self.work: LeadWork | None = None  # the table's, once the status actions are wired
        body = QWidget()
        outer = QVBoxLayout(body)
        work = QFormLayout()
        work.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.status_label = QLabel("—")
        self.status_label.setObjectName("detailStatus")
        self.status_label.setToolTip("Set it with the Leads menu or the table's context menu")
        self.note_edit = NoteEdit()
        self.note_edit.finished.connect(self._on_note)
        # When an export first wrote the lead ("exported:yes" in the filter finds them).
        self.exported_label = QLabel("—")
        self.exported_label.setObjectName("detailExported")
        work.addRow("Status:", self.status_label)
        work.addRow("Exported:", self.exported_label)
        work.addRow(f"{NOTE_HEADER}:", self.note_edit)
        outer.addLayout(work)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.value_labels: dict[str, QLabel] = {}
        self.copy_buttons: dict[str, QPushButton] = {}  # fields too long to show whole
        outer.addLayout(self.form)
        buttons = QHBoxLayout()
        self.copy_email_button = QPushButton("Copy email")
        self.copy_email_button.setObjectName("copyEmailButton")
        self.copy_email_button.clicked.connect(self.copy_email)
        self.copy_address_button = QPushButton("Copy address")
        self.copy_address_button.setObjectName("copyAddressButton")
        self.copy_address_button.clicked.connect(self.copy_address)
        for button in (self.copy_email_button, self.copy_address_button):
            button.setAutoDefault(True)  # Enter presses it once focused, as Space does
            buttons.addWidget(button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Long values wrap instead of pushing the pane wider than the window allows.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.setMinimumWidth(MIN_WIDTH)
        self._set_buttons_enabled()
        self.show_work()

    @property
    def lead(self) -> Lead | None:
        return self._lead

    def follow(self, table: LeadTableView, show: Callable[[int], None]) -> None:
        """Enter or a double-click in ``table`` shows that row's lead (``show``), and while the
        pane is open it follows the current row (a click, the arrows): it never shows one lead
        while another one is selected."""
        table.leadActivated.connect(show)
        table.selectionModel().currentRowChanged.connect(self._current_moved)

    def _current_moved(self, current: QModelIndex, _before: QModelIndex) -> None:
        if self.isHidden() or not current.isValid():
            return
        lead = current.data(LeadRole)
        # A sort or a merge moves the shown lead's row: the same lead, nothing to redo (a note
        # being typed stays as it is).
        if lead is not None and lead != self._lead:
            self.show_lead(lead, cast("LeadTableModel", current.model()).columns)

    def show_lead(self, lead: Lead, columns: Sequence[Column]) -> None:
        self.note_edit.commit()  # the note typed for the lead shown before is its own
        self._lead = lead
        self.show_work()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.value_labels = {}
        self.copy_buttons = {}
        for column in columns:
            if column.kind == STATUS:
                continue  # above, with the note
            raw = lead.get(column.field)
            cut = cut_text(raw)  # before ``display``: no date is that long
            tip = f"{raw} (as sent, UTC)" if column.kind == CREATED and raw and cut is None else ""
            value = ValueLabel(cut or (display(column.kind, raw) if raw else "—"), tip)
            value.setObjectName(f"detail_{column.field}")
            name = QLabel(column.header + ":")
            name.setBuddy(value)
            self.form.addRow(name, value if cut is None else self._long(column.field, value, raw))
            self.value_labels[column.field] = value
        self._set_buttons_enabled()
        self.show()
        self.raise_()

    def _long(self, field: str, value: QLabel, raw: str) -> QWidget:
        """The cut ``value`` with a note of the full length and a button copying all of it."""
        box = QWidget()
        rows = QVBoxLayout(box)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.addWidget(value)
        line = QHBoxLayout()
        note = QLabel(f"({len(raw):,} characters — Copy to get all)")
        note.setObjectName(f"detailNote_{field}")
        note.setEnabled(False)  # drawn in the muted colour of a hint
        button = QPushButton("Copy")
        button.setObjectName(f"copy_{field}")
        button.setToolTip(f"Copy all {len(raw):,} characters of this field")
        button.clicked.connect(lambda: QGuiApplication.clipboard().setText(raw))
        button.setAutoDefault(True)
        line.addWidget(note, 1)
        line.addWidget(button)
        rows.addLayout(line)
        self.copy_buttons[field] = button
        return box

    def show_work(self) -> None:
        """The shown lead's status and note as the table knows them now (a note being typed
        stays as typed)."""
        lead, work = self._lead, self.work
        self.note_edit.setEnabled(lead is not None)
        if lead is None:
            self.status_label.setText("—")
            self.exported_label.setText("—")
            self.note_edit.set_note("")
            return
        status = work.status_of(lead) if work is not None else 0
        self.status_label.setText(LABELS[status])
        at = work.exported.get(lead) if work is not None else None
        when = datetime.fromtimestamp(at).strftime("%Y-%m-%d %H:%M") if at is not None else None
        self.exported_label.setText(when or "Not yet")
        if not (self.note_edit.hasFocus() and self.note_edit.edited):
            self.note_edit.set_note(work.note_of(lead) if work is not None else "")

    def _on_note(self, text: str) -> None:
        if self._lead is not None:
            self.noteEdited.emit(self._lead, text)

    def clear(self) -> None:
        self.note_edit.commit()
        self._lead = None
        self.show_work()
        while self.form.rowCount():
            self.form.removeRow(0)
        self.value_labels = {}
        self.copy_buttons = {}
        self._set_buttons_enabled()

    def copy_email(self) -> None:
        if self._lead is not None and self._lead.get("email"):
            QGuiApplication.clipboard().setText(self._lead.get("email"))

    def copy_address(self) -> None:
        if self._lead is not None:
            QGuiApplication.clipboard().setText(postal_address(self._lead))

    def _set_buttons_enabled(self) -> None:
        lead = self._lead
        self.copy_email_button.setEnabled(lead is not None and bool(lead.get("email")))
        self.copy_address_button.setEnabled(lead is not None)
