"""The lead detail dock: every field of one lead as selectable text, plus copy buttons."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
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
from ..leadtable import CREATED, Column, display

_SELECTABLE = (
    Qt.TextInteractionFlag.TextSelectableByMouse | Qt.TextInteractionFlag.TextSelectableByKeyboard
)


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
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Lead details", parent)
        self.setObjectName("leadDetail")
        self.setAccessibleName("Lead details")
        self._lead: Lead | None = None
        body = QWidget()
        outer = QVBoxLayout(body)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.value_labels: dict[str, QLabel] = {}
        outer.addLayout(self.form)
        buttons = QHBoxLayout()
        self.copy_email_button = QPushButton("Copy email")
        self.copy_email_button.setObjectName("copyEmailButton")
        self.copy_email_button.clicked.connect(self.copy_email)
        self.copy_address_button = QPushButton("Copy address")
        self.copy_address_button.setObjectName("copyAddressButton")
        self.copy_address_button.clicked.connect(self.copy_address)
        buttons.addWidget(self.copy_email_button)
        buttons.addWidget(self.copy_address_button)
        buttons.addStretch(1)
        outer.addLayout(buttons)
        outer.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        # Long values wrap instead of pushing the pane wider than the window allows.
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.setMinimumWidth(300)
        self._set_buttons_enabled()

    @property
    def lead(self) -> Lead | None:
        return self._lead

    def show_lead(self, lead: Lead, columns: Sequence[Column]) -> None:
        self._lead = lead
        while self.form.rowCount():
            self.form.removeRow(0)
        self.value_labels = {}
        for column in columns:
            raw = lead.get(column.field)
            value = QLabel(display(column.kind, raw) if raw else "—")
            value.setObjectName(f"detail_{column.field}")
            value.setTextInteractionFlags(_SELECTABLE)
            value.setWordWrap(True)
            if column.kind == CREATED and raw:
                value.setToolTip(f"{raw} (as sent, UTC)")
            name = QLabel(column.header + ":")
            name.setBuddy(value)
            self.form.addRow(name, value)
            self.value_labels[column.field] = value
        self._set_buttons_enabled()
        self.show()
        self.raise_()

    def clear(self) -> None:
        self._lead = None
        while self.form.rowCount():
            self.form.removeRow(0)
        self.value_labels = {}
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
