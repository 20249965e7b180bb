"""The filter box above the table, and the line under it naming terms it cannot read."""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLabel, QLineEdit

from ..table.filter_query import created_terms, parse_filter, without_dates
from .window_keys import is_window_key

HELP = (
    "Show only leads with every word (Ctrl+F; Esc clears).\n"
    '"exact phrase" · state:TX · -state:CA (not) · name:, email:, city:, zip:, tenure:,\n'
    "address:, offer: or any field's name · created:2026-11-30 · move:2027-03-01..2027-03-31 ·\n"
    "created:>=2026-11-30 (also <=, >, <) · status:contacted, -status:new · exported:no ·\n"
    "note:word · api.status: (a field the API calls status). Case and accents do not matter."
)


class FilterEdit(QLineEdit):
    """Esc clears the box (instead of cancelling a fetch) while it holds text."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("filterEdit")
        self.setAccessibleName("Filter leads")
        self.setPlaceholderText("Filter leads…")
        self.setClearButtonEnabled(True)
        self.setToolTip(HELP)
        # Under the box (the window places it): the terms left out, so none is silently ignored.
        self.problems = QLabel()
        self.problems.setObjectName("filterProblems")
        self.problems.setAccessibleName("Filter terms not understood")
        self.problems.setWordWrap(True)
        self.problems.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.problems.hide()

    def check(self, fields: Iterable[str]) -> None:
        """Name the terms that cannot be read with the table's ``fields`` under the box."""
        found = parse_filter(self.text(), fields).problems if self.text().strip() else ()
        shown = "\n".join(f"Not used: {p}" for p in found)
        if len(self.text()) >= self.maxLength():  # Qt cut a paste at its limit without a word
            cut = f"The filter was cut at {self.maxLength():,} characters: its end is missing."
            shown = f"{cut}\n{shown}" if shown else cut
        if shown != self.problems.text():
            self.problems.setText(shown)
            self.problems.setVisible(bool(shown))

    def add_term(self, term: str) -> None:
        """A term picked elsewhere (a count in the overview) joins the filter; Ctrl+Z undoes."""
        text = self.text().strip()
        if term not in text.split():
            self._replace(f"{text} {term}".strip())

    def set_created(self, term: str) -> None:
        """A chart bar's ``created:`` term replaces any in the box ("" takes them out)."""
        if created_terms(self.text()) != ([term] if term else []):
            self._replace(f"{without_dates(self.text())} {term}".strip())

    def _replace(self, text: str) -> None:
        self.selectAll()
        self.insert(text)  # unlike ``setText``, kept in the undo history

    def event(self, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and self.text()
        ):
            event.accept()  # claim Esc before the window's Cancel shortcut sees it
            return True
        if is_window_key(event):
            event.ignore()  # not claimed: the window's shortcut (Ctrl+E…) runs
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Escape and self.text():
            self.clear()
            event.accept()
            return
        super().keyPressEvent(event)
