"""The lead history's dialogs: **Forget stored leads…** and **Lead history…** (its settings).

Both are opened with what the history holds (``StoreInfo``, read on the history's worker; None
when there is no history file yet), so they can say how many leads a choice concerns.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..api.query import Environment
from ..settings import MAX_HISTORY_DAYS
from ..store.location import HISTORY_DAYS_ENV, NO_HISTORY_ENV, history_disabled, store_path

if TYPE_CHECKING:
    from ..settings import Settings
    from ..store.database import StoreInfo


def _leads(count: int) -> str:
    return f"{count:,} stored lead{'s' * (count != 1)}"


def _count(info: StoreInfo | None, env: str | None = None, client: str | None = None) -> int:
    if info is None:
        return 0
    return sum(
        s.leads
        for s in info.sources
        if env in (None, s.environment) and client in (None, s.client_id)
    )


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setWordWrap(True)
    return label


class ForgetDialog(QDialog):
    """Which stored leads to forget: this environment and client ID's, or all."""

    chosen = Signal(object)  # (environment value or None, client ID or None), on Forget

    def __init__(
        self,
        info: StoreInfo | None,
        env: Environment,
        client_id: str | None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("forgetDialog")
        self.setWindowTitle("Forget stored leads")
        layout = QVBoxLayout(self)
        layout.addWidget(
            _label(
                "Stored leads are deleted from this computer with their statuses, notes and "
                "export marks. This cannot be undone; a fetch gets the leads again from MYMOVE, "
                "as new leads."
            )
        )
        self.group = QButtonGroup(self)
        self.this_button = QRadioButton()
        self.this_button.setObjectName("forgetThisButton")
        self.all_button = QRadioButton(f"All environments and client IDs ({_leads(_count(info))})")
        self.all_button.setObjectName("forgetAllButton")
        self._this = (env.value, client_id)
        if client_id is not None and env is not Environment.DEMO:
            n = _count(info, env.value, client_id)
            self.this_button.setText(f"{env.label}, client ID {client_id} ({_leads(n)})")
            self.this_button.setChecked(True)
        else:
            self.this_button.setText("This environment and client ID (no client ID entered)")
            self.this_button.setEnabled(False)
            self.all_button.setChecked(True)
        for button in (self.this_button, self.all_button):
            self.group.addButton(button)
            layout.addWidget(button)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.forget_button = self.buttons.addButton(
            "Forget", QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.forget_button.setObjectName("forgetButton")
        self.forget_button.clicked.connect(self._forget)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setDefault(True)

    @Slot()
    def _forget(self) -> None:
        self.chosen.emit(self._this if self.this_button.isChecked() else (None, None))
        self.accept()


class HistorySettingsDialog(QDialog):
    """Keep a history or not, and for how long; where it is."""

    def __init__(
        self, settings: Settings, info: StoreInfo | None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("historySettingsDialog")
        self.setWindowTitle("Lead history")
        stored = _count(info)
        layout = QVBoxLayout(self)
        layout.addWidget(
            _label(
                "Fetched leads are kept on this computer with their statuses and notes, so "
                "they are there at the next start, without the network. The API key is never "
                f"stored there.\n\nFile: {store_path()} ({_leads(stored)})"
            )
        )
        self.keep_box = QCheckBox("Keep a lead history on this computer")
        self.keep_box.setObjectName("keepHistoryBox")
        forced_off = history_disabled()
        self.keep_box.setChecked(settings.keep_history and not forced_off)
        self.keep_box.setEnabled(not forced_off)
        layout.addWidget(self.keep_box)
        self.off_note = _label(
            "With no history, nothing fetched is written to disk, stored leads are not shown "
            "at start, and statuses and notes last only until the window closes."
            + (f" ({NO_HISTORY_ENV} is set: no history is kept.)" if forced_off else "")
        )
        layout.addWidget(self.off_note)
        self.forget_box = QCheckBox(f"Also forget the {_leads(stored)} now")
        self.forget_box.setObjectName("forgetStoredBox")
        self.forget_box.setChecked(True)
        layout.addWidget(self.forget_box)
        form = QFormLayout()
        self.days_spin = QSpinBox()
        self.days_spin.setObjectName("historyDaysSpin")
        self.days_spin.setRange(1, MAX_HISTORY_DAYS)
        self.days_spin.setSuffix(" days")
        self.days_spin.setValue(settings.history_days)
        self.days_spin.setAccessibleName("Days stored leads are kept")
        form.addRow("Keep leads for", self.days_spin)
        layout.addLayout(form)
        self.days_note = _label(
            "Leads created longer ago are deleted when the app starts."
            + (f" ({HISTORY_DAYS_ENV} is set and wins over this.)" if _env_days() else "")
        )
        layout.addWidget(self.days_note)
        self._stored, self._setting = stored, settings.keep_history
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.keep_box.toggled.connect(self._sync)
        self._sync()

    @Slot()
    def _sync(self) -> None:
        keep = self.keep_box.isChecked()
        self.days_spin.setEnabled(keep)
        # Turning the history off offers to delete what it holds: keeping no history usually
        # means not wanting these names and addresses on the computer either.
        self.forget_box.setVisible(not keep and self._stored > 0)

    def keep(self) -> bool:
        """The setting chosen (the environment variable overrides it, and leaves it as it was)."""
        return self.keep_box.isChecked() if self.keep_box.isEnabled() else self._setting

    def days(self) -> int:
        return self.days_spin.value()

    def forget_all(self) -> bool:
        return self.forget_box.isVisibleTo(self) and self.forget_box.isChecked()


def _env_days() -> bool:
    return bool(os.environ.get(HISTORY_DAYS_ENV, "").strip())
