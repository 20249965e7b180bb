"""The lead table view: selection as row spans, header menu and sample-based column widths."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain

from PySide6.QtCore import (
    QAbstractItemModel,
    QItemSelectionModel,
    QModelIndex,
    QPoint,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFontMetrics, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from .model import LeadTableModel, WidestRole
from .selection import HINTED, SelectionKeeper, Span, selected_spans, span_count

SAMPLE_ROWS = 60  # column widths come from this many rows, never from every row
MIN_WIDTH, MAX_WIDTH = 48, 320


class RowNumbers(QHeaderView):
    """The vertical header. Its own size hint asks the model for every role of the first and
    last hundred rows (~900 calls into Python per reset); row numbers only need the widest one."""

    def sizeHint(self) -> QSize:
        digits = self.fontMetrics().horizontalAdvance(str(max(self.count(), 1)))
        return QSize(digits + 12, self.defaultSectionSize())


class LeadTableView(QTableView):
    leadActivated = Signal(int)  # view row: double-click or Enter
    copyRequested = Signal()  # Ctrl+C with the table focused
    selectionCountChanged = Signal(int)  # rows selected, once the selection has settled
    selectionDropped = Signal(int)  # rows: a new order scattered the selection too far to keep

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("leadsTable")
        self.setAccessibleName("Leads")
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        # Tab moves on to the next control, as everywhere else; arrows move between cells.
        self.setTabKeyNavigation(False)
        rows = RowNumbers(Qt.Orientation.Vertical, self)
        rows.setSectionsClickable(True)  # as QTableView's own: a click selects the row
        rows.setHighlightSections(True)
        self.setVerticalHeader(rows)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 6)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(False)
        header.setDefaultSectionSize(120)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._header_menu)
        self.doubleClicked.connect(lambda index: self.leadActivated.emit(index.row()))
        self._keeper = SelectionKeeper(self, self._dropped_later)
        self._count_timer = QTimer(self)  # one count per event-loop turn, however many changes
        self._count_timer.setSingleShot(True)
        self._count_timer.setInterval(0)
        self._count_timer.timeout.connect(self._emit_count)

    # -- columns -------------------------------------------------------------------------------

    def visible_columns(self) -> list[int]:
        """Logical column numbers in the order the user sees them, hidden ones left out."""
        header = self.horizontalHeader()
        logical = (header.logicalIndex(v) for v in range(header.count()))
        return [c for c in logical if not header.isSectionHidden(c)]

    def _header_menu(self, pos: QPoint) -> None:
        menu = self.build_header_menu()
        menu.exec(self.horizontalHeader().mapToGlobal(pos))

    def pop_header_menu(self) -> None:
        """The columns menu without a mouse (Edit → Columns…), under the header's left end."""
        header = self.horizontalHeader()
        self.build_header_menu().exec(header.mapToGlobal(QPoint(0, header.height())))

    def build_header_menu(self) -> QMenu:
        model = self.model()
        header = self.horizontalHeader()
        menu = QMenu(self)
        menu.setObjectName("columnsMenu")
        visible = len(self.visible_columns())
        for column in range(model.columnCount() if model is not None else 0):
            title = model.headerData(column, Qt.Orientation.Horizontal)
            action = menu.addAction(str(title))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(column))
            # The last visible column stays: a table with no columns could not be restored.
            action.setEnabled(header.isSectionHidden(column) or visible > 1)
            action.toggled.connect(lambda on, c=column: self.set_column_visible(c, on))
        menu.addSeparator()
        menu.addAction("Show all columns", self.show_all_columns)
        menu.addAction("Fit widths to shown rows", lambda: self.size_columns_from_sample())
        return menu

    def set_column_visible(self, column: int, visible: bool) -> None:
        if not visible and len(self.visible_columns()) <= 1:
            return
        self.horizontalHeader().setSectionHidden(column, not visible)

    def show_all_columns(self) -> None:
        header = self.horizontalHeader()
        for column in range(header.count()):
            header.setSectionHidden(column, False)

    def size_columns_from_sample(self, columns: Iterable[int] | None = None) -> None:
        """Widths from the header and the first rows' text. resizeColumnsToContents would
        measure every row (seconds at 100k); ResizeToContents mode does so on every change."""
        model = self.model()
        if not isinstance(model, LeadTableModel):  # none yet: this view shows only leads
            return
        # Bold: new leads from a watch are shown bold, and a column that fits only regular text
        # cut their times off ("2026-11-27 1…").
        bold = self.font()
        bold.setBold(True)
        metrics = QFontMetrics(bold)
        header_metrics = self.horizontalHeader().fontMetrics()
        rows = min(model.rowCount(), SAMPLE_ROWS)
        padding = 18
        todo = range(model.columnCount()) if columns is None else columns
        for column in todo:
            title = str(model.headerData(column, Qt.Orientation.Horizontal) or "")
            width = header_metrics.horizontalAdvance(title) + padding + 14  # sort arrow
            for text in model.headerData(column, Qt.Orientation.Horizontal, WidestRole) or ():
                width = max(width, metrics.horizontalAdvance(text) + padding)
            for text in dict.fromkeys(model.column_texts(column, rows)):  # each once: many repeat
                if text:
                    width = max(width, metrics.horizontalAdvance(text) + padding)
            self.setColumnWidth(column, max(MIN_WIDTH, min(MAX_WIDTH, width)))

    # -- selection -----------------------------------------------------------------------------

    def setSelectionModel(self, selection: QItemSelectionModel) -> None:
        super().setSelectionModel(selection)
        # Each paint of the column header asks, per column, whether the whole column is
        # selected, and Qt answers by asking every row's flags: after Ctrl+A at 100k rows, ~6 s
        # per paint. Whole columns are never selected here (rows are), so the column header
        # gets a selection of its own that stays empty.
        header = self.horizontalHeader()
        header.setSelectionModel(QItemSelectionModel(selection.model(), header))
        selection.selectionChanged.connect(self._count_soon)

    def setModel(self, model: QAbstractItemModel | None) -> None:
        if model is not None:  # ahead of the selection model that setModel creates
            model.layoutAboutToBeChanged[HINTED].connect(self._keeper.save)
        super().setModel(model)
        if model is not None:  # after it
            model.layoutChanged.connect(self._keeper.restore)
            # These change the selection without selectionChanged.
            for signal in (model.layoutChanged, model.modelReset, model.rowsInserted):
                signal.connect(self._count_soon)
            # A reset is new leads (a fetch, another environment, stored ones): they start at
            # the first row and column, not where the old ones were scrolled. A watch merge
            # inserts rows instead, and keeps the user's place (``watch_flow.keep_top_row``).
            model.modelReset.connect(self._to_top_left)

    def _to_top_left(self) -> None:
        for bar in (self.horizontalScrollBar(), self.verticalScrollBar()):
            bar.setValue(bar.minimum())

    def _dropped_later(self, rows: int) -> None:
        # After the model's own signals for this change, whose slots update the status bar too.
        QTimer.singleShot(0, self, lambda: self.selectionDropped.emit(rows))

    def _count_soon(self, *_: object) -> None:
        self._count_timer.start()

    def _emit_count(self) -> None:
        self.selectionCountChanged.emit(span_count(self.selected_spans()))

    def selectAll(self) -> None:
        # Replacing thousands of ranges with one that covers them all makes Qt compare each
        # old range with each piece it splits off (132 s for 23k ranges); clearing first is
        # one step.
        self.clearSelection()
        super().selectAll()

    def selected_spans(self) -> list[Span]:
        """The selected view rows as (first, last) spans, in view order."""
        return selected_spans(self.selectionModel())

    def selected_rows(self) -> list[int]:
        """The selected view rows (built from the spans without a Python step per row)."""
        return list(chain.from_iterable(range(a, b + 1) for a, b in self.selected_spans()))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):  # Qt's own would copy one cell
            self.copyRequested.emit()
            event.accept()
            return
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            index = self.currentIndex()
            if index.isValid():
                self.leadActivated.emit(index.row())
                event.accept()
                return
        super().keyPressEvent(event)

    def current_row(self) -> int:
        index: QModelIndex = self.currentIndex()
        return index.row() if index.isValid() else -1
