"""The query panel: environment, client ID, time window, Fetch / Cancel and why Fetch is off."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, time, timedelta

from PySide6.QtCore import QDate, QDateTime, Qt, QTime, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDateTimeEdit,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QSpinBox,
    QWidget,
)

from ..api.errors import ValidationError
from ..api.moments import LAST, in_zone, local_aware, to_utc, utc_clamped
from ..api.query import MAX_DAYS, MAX_HOURS, Environment, Query
from .window_keys import WindowKeys

DATETIME_FORMAT = "yyyy-MM-dd HH:mm"


def _count_spin(name: str, unit: str, maximum: int, value: int) -> QSpinBox:
    """A spin box for "last N hours/days" whose suffix agrees with the number."""
    spin = QSpinBox()
    _named(spin, name, f"Number of {unit}s")
    spin.setRange(1, maximum)
    spin.valueChanged.connect(lambda n: spin.setSuffix(f" {unit}" if n == 1 else f" {unit}s"))
    spin.setValue(value)
    spin.setSuffix(f" {unit}" if value == 1 else f" {unit}s")
    return spin


FUTURE_START = (
    "The range starts in the future, where there are no leads yet. Choose a start before now."
)


def _named(widget: QWidget, name: str, accessible: str) -> QWidget:
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def to_qdatetime(moment: datetime) -> QDateTime:
    """A local wall-clock QDateTime for a Python datetime (aware ones are converted first; one
    whose local time would leave the calendar keeps its own wall clock, which the editor then
    clamps to its range)."""
    if moment.tzinfo is not None:
        moment = (in_zone(moment) or moment).replace(tzinfo=None)
    return QDateTime(
        QDate(moment.year, moment.month, moment.day), QTime(moment.hour, moment.minute)
    )


def from_qdatetime(value: QDateTime) -> datetime:
    """An aware datetime in the local zone. Python's zone rules decide, so the table's local
    time display and the request's UTC conversion always agree."""
    d, t = value.date(), value.time()
    return local_aware(datetime(d.year(), d.month(), d.day(), t.hour(), t.minute()))


def _sendable(moment: datetime) -> datetime:
    """``moment``, or where it lies past the first or last instant UTC can hold (the editor's
    9999-12-31 23:59 west of Greenwich), that instant: no lead can be created beyond it."""
    return moment if to_utc(moment) is not None else utc_clamped(moment)


class QueryPanel(QWidget):
    changed = Signal()  # any input that affects the query or its validity
    environmentChanged = Signal(object)  # Environment
    clientIdEdited = Signal()  # editing finished: a good moment to save
    fetchRequested = Signal()
    cancelRequested = Signal()
    setKeyRequested = Signal()
    fetchBlocked = Signal(str)  # why Fetch is off, as said beside it ("": it is on, or quiet)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queryPanel")
        self._setting_client_id = False

        self.environment_combo = QComboBox()
        _named(self.environment_combo, "environmentCombo", "Environment")
        self.client_id_edit = QLineEdit()
        _named(self.client_id_edit, "clientIdEdit", "Client ID")
        self.client_id_edit.setPlaceholderText("The client ID MYMOVE sent you")
        self.client_id_edit.setClearButtonEnabled(True)
        self.set_key_button = QPushButton("Set API key…")
        _named(self.set_key_button, "setKeyButton", "Set API key")

        self.hours_radio = QRadioButton("Last")
        _named(self.hours_radio, "hoursRadio", "Last N hours")
        self.hours_spin = _count_spin("hoursSpin", "hour", MAX_HOURS, 24)
        self.days_radio = QRadioButton("Last")
        _named(self.days_radio, "daysRadio", "Last N days")
        self.days_spin = _count_spin("daysSpin", "day", MAX_DAYS, 7)
        self.range_radio = QRadioButton("From")
        _named(self.range_radio, "rangeRadio", "Date range")
        now = datetime.now().replace(second=0, microsecond=0)
        self.start_edit = self._datetime_edit("startEdit", "Start of range", now - timedelta(1))
        self.end_edit = self._datetime_edit("endEdit", "End of range", now)
        self.mode_group = QButtonGroup(self)
        for button in (self.hours_radio, self.days_radio, self.range_radio):
            self.mode_group.addButton(button)
        self.hours_radio.setChecked(True)

        self.preset_buttons = {}
        for name, label in (
            ("today", "Today"),
            ("yesterday", "Yesterday"),
            ("week", "Last 7 days"),
        ):
            button = QPushButton(label)
            button.setObjectName(f"preset_{name}")
            button.setToolTip(f"Set the range to {label.lower()}")
            button.clicked.connect(lambda _=False, n=name: self.apply_preset(n))
            self.preset_buttons[name] = button

        self.fetch_button = QPushButton("Fetch")
        _named(self.fetch_button, "fetchButton", "Fetch leads")
        self.fetch_button.setDefault(True)
        self.cancel_button = QPushButton("Cancel")
        # Enter presses the focused button, as Space does: outside a dialog Qt does that only
        # for "auto default" buttons, so Enter on a preset reached by Tab did nothing.
        for button in (*self.preset_buttons.values(), self.cancel_button, self.set_key_button):
            button.setAutoDefault(True)
        _named(self.cancel_button, "cancelButton", "Cancel fetch")
        self.cancel_button.setEnabled(False)
        self.reason_label = QLabel()
        _named(self.reason_label, "fetchReason", "Why Fetch is unavailable")
        self.reason_label.setWordWrap(True)
        self.reason_label.setStyleSheet("color: #b3261e;")
        self.reason_label.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)

        self._layout()
        self._connect()
        self._sync_enabled()

    def _datetime_edit(self, name: str, accessible: str, value: datetime) -> QDateTimeEdit:
        edit = QDateTimeEdit(to_qdatetime(value))
        _named(edit, name, accessible)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat(DATETIME_FORMAT)
        edit.setToolTip("Local time; sent to MYMOVE as UTC")
        return edit

    def _layout(self) -> None:
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        env_label = QLabel("E&nvironment:")  # Alt+E is the Edit menu
        env_label.setBuddy(self.environment_combo)
        id_label = QLabel("Client &ID:")
        id_label.setBuddy(self.client_id_edit)
        top = QHBoxLayout()
        top.addWidget(self.environment_combo)
        top.addSpacing(12)
        top.addWidget(id_label)
        top.addWidget(self.client_id_edit, 1)
        top.addWidget(self.set_key_button)
        grid.addWidget(env_label, 0, 0)
        grid.addLayout(top, 0, 1)

        # The last N hours or days on one row, a range and its presets on the next: on one row
        # they made the window at least ~1,080 px wide, too wide beside the lead details.
        last = QHBoxLayout()
        last.addWidget(self.hours_radio)
        last.addWidget(self.hours_spin)
        last.addSpacing(16)
        last.addWidget(self.days_radio)
        last.addWidget(self.days_spin)
        last.addStretch(1)
        grid.addWidget(QLabel("Window:"), 1, 0)
        grid.addLayout(last, 1, 1)
        between = QHBoxLayout()
        between.addWidget(self.range_radio)
        between.addWidget(self.start_edit)
        between.addWidget(QLabel("to"))
        between.addWidget(self.end_edit)
        between.addSpacing(8)
        for button in self.preset_buttons.values():
            between.addWidget(button)
        between.addStretch(1)
        grid.addLayout(between, 2, 1)

        actions = QHBoxLayout()
        actions.addWidget(self.fetch_button)
        actions.addWidget(self.cancel_button)
        actions.addSpacing(8)
        actions.addWidget(self.reason_label, 1)
        grid.addLayout(actions, 3, 1)
        grid.setColumnStretch(1, 1)

    def _connect(self) -> None:
        self._window_keys = WindowKeys(self)  # Ctrl+E right after a fetch from a box exports
        boxes = (
            self.client_id_edit,
            self.hours_spin,
            self.days_spin,
            self.start_edit,
            self.end_edit,
        )
        for box in boxes:
            box.installEventFilter(self._window_keys)
        self.environment_combo.currentIndexChanged.connect(self._on_environment)
        self.client_id_edit.textChanged.connect(self._on_client_id_text)
        self.client_id_edit.editingFinished.connect(self.clientIdEdited)
        self.mode_group.buttonToggled.connect(self._on_mode)
        for spin in (self.hours_spin, self.days_spin):
            spin.valueChanged.connect(self.changed)
        for edit in (self.start_edit, self.end_edit):
            edit.dateTimeChanged.connect(self.changed)
        self.fetch_button.clicked.connect(self.fetchRequested)
        # Enter in any box of the query fetches, as the default button of a dialog would (the
        # window is not a dialog, so ``setDefault`` alone does nothing here).
        self.client_id_edit.returnPressed.connect(self.fetchRequested)
        for box in (self.hours_spin, self.days_spin, self.start_edit, self.end_edit):
            box.lineEdit().returnPressed.connect(self.fetchRequested)
        self.cancel_button.clicked.connect(self.cancelRequested)
        self.set_key_button.clicked.connect(self.setKeyRequested)

    # -- environment ---------------------------------------------------------------------------

    def set_environments(self, environments: Sequence[Environment], current: Environment) -> None:
        combo = self.environment_combo
        combo.blockSignals(True)
        combo.clear()
        for env in environments:
            combo.addItem(env.label, env.value)
        combo.setCurrentIndex(max(0, combo.findData(current.value)))
        combo.blockSignals(False)

    def environment(self) -> Environment:
        return Environment(self.environment_combo.currentData())

    def select_environment(self, env: Environment) -> None:
        index = self.environment_combo.findData(env.value)
        if index >= 0:
            self.environment_combo.setCurrentIndex(index)

    def _on_environment(self, _index: int) -> None:
        self.environmentChanged.emit(self.environment())
        self.changed.emit()

    # -- client ID -----------------------------------------------------------------------------

    def client_id(self) -> str:
        return self.client_id_edit.text().strip()

    def set_client_id(self, text: str, *, editable: bool = True) -> None:
        # Not by blocking the box's signals: its clear button follows its text through them (it
        # stayed on an emptied box, and off a filled one).
        self._setting_client_id = True
        try:
            self.client_id_edit.setText(text)
        finally:
            self._setting_client_id = False
        self.client_id_edit.setReadOnly(not editable)
        self.changed.emit()

    def _on_client_id_text(self, _text: str) -> None:
        if not self._setting_client_id:  # set_client_id says it once, when all is set
            self.changed.emit()

    def focus_client_id(self) -> None:
        self.client_id_edit.setFocus(Qt.FocusReason.OtherFocusReason)
        self.client_id_edit.selectAll()

    # -- time window ---------------------------------------------------------------------------

    def mode(self) -> str:
        if self.days_radio.isChecked():
            return "days"
        if self.range_radio.isChecked():
            return "range"
        return "hours"

    def set_mode(self, mode: str) -> None:
        {"days": self.days_radio, "range": self.range_radio}.get(mode, self.hours_radio).setChecked(
            True
        )

    def _on_mode(self, _button: object, checked: bool) -> None:
        if checked:
            self._sync_enabled()
            self.changed.emit()

    def _sync_enabled(self) -> None:
        mode = self.mode()
        self.hours_spin.setEnabled(mode == "hours")
        self.days_spin.setEnabled(mode == "days")
        self.start_edit.setEnabled(mode == "range")
        self.end_edit.setEnabled(mode == "range")

    def range_bounds(self) -> tuple[datetime, datetime]:
        return from_qdatetime(self.start_edit.dateTime()), from_qdatetime(self.end_edit.dateTime())

    def set_range(self, start: datetime, end: datetime) -> None:
        self.start_edit.setDateTime(to_qdatetime(start))
        self.end_edit.setDateTime(to_qdatetime(end))

    def apply_preset(self, name: str) -> None:
        now = datetime.now().replace(second=0, microsecond=0)
        midnight = datetime.combine(now.date(), time())
        if name == "today":
            start, end = midnight, now + timedelta(minutes=1)
        elif name == "yesterday":
            start, end = midnight - timedelta(days=1), midnight
        else:
            start, end = now - timedelta(days=7), now + timedelta(minutes=1)
        self.set_range(start, end)
        self.range_radio.setChecked(True)

    def query(self) -> Query:
        """The query the inputs describe; raises ``ValidationError`` with a user message."""
        mode = self.mode()
        if mode == "hours":
            return Query.last_hours(self.hours_spin.value())
        if mode == "days":
            return Query.last_days(self.days_spin.value())
        start, end = self.range_bounds()
        if LAST < start < end:  # clamped, both would be the last instant: say which is wrong
            raise ValidationError(
                "The start of the range is after 9999-12-31 23:59:59 UTC, the last time MYMOVE "
                "can be asked about. Choose an earlier start."
            )
        return Query.between(_sendable(start), _sendable(end))

    # -- state shown -----------------------------------------------------------------------------

    def set_fetch_state(self, reason: str | None, *, quiet: bool = False) -> None:
        """Enable Fetch, or disable it and say why right next to it (``quiet``: in its tooltip
        only, for a state that normally lasts a blink)."""
        self.fetch_button.setEnabled(reason is None)
        self.reason_label.setText("" if quiet else reason or "")
        self.fetch_button.setToolTip(reason or "Fetch leads (F5)")
        self.fetchBlocked.emit(self.reason_label.text())

    def set_busy(self, busy: bool) -> None:
        self.cancel_button.setEnabled(busy)

    def set_key_missing(self, missing: bool) -> None:
        self.set_key_button.setVisible(missing)
