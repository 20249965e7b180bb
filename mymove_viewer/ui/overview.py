"""The lead-volume overview above the table: a bar per hour (or day), destination states and the
own/rent split. Clicking a bar puts its period in the filter box (``created:2026-11-30``, which
the chart leaves out, so the other bars stay); clicking it again takes it out. Clicking a state
or tenure count adds its term (``state:TX``): every filter is text in the box.

Numbers come from ``table.overview`` once per change of the leads or the text filter (a period
click only recounts the states), never per paint: paint draws rectangles from a cached list.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Callable
from datetime import tzinfo

from PySide6.QtCore import QEvent, QPoint, QRect, QSize, Qt, QTimer, Signal, Slot
from PySide6.QtGui import (
    QFocusEvent,
    QHelpEvent,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
)
from PySide6.QtWidgets import QHBoxLayout, QLabel, QToolTip, QVBoxLayout, QWidget

from ..api.cancel import CancelToken
from ..api.errors import CancelledError
from ..api.lead import Lead
from ..table.filter_query import created_terms, parse_filter, without_dates
from ..table.overview import (
    EMPTY_VOLUME,
    Volume,
    breakdown_of,
    created_term,
    extended,
    instants,
    recount,
    tally,
)
from ..table.search import FilterPlan, rows_matching, run_filter
from .chart_axis import TimeAxis
from .chart_keys import BarCursor
from .counts_bar import CountsBar
from .model import LeadTableModel
from .worker import BackgroundRunner

CHART_HEIGHT = 64
_GAP = 1


RECOUNT_DELAY_MS = 250
# Up to this many leads a recount takes a few ms and runs at once; more (~50 ms at 100k) go
# to a worker.
SYNC_RECOUNT = 20_000


class VolumeChart(QWidget):
    """Bars from a precomputed ``Volume`` over a time axis; emits ``barClicked(index)`` for a
    click on a bar or Enter/Space on the keyboard cursor (``chart_keys``), ``clearRequested``
    for Esc while a bar is chosen, and ``hintChanged`` with what is chosen or under the cursor."""

    barClicked = Signal(int)
    clearRequested = Signal()
    hintChanged = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("volumeChart")
        self.setAccessibleName("Leads over time")
        self.setMouseTracking(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._volume: Volume = EMPTY_VOLUME
        self._peak = 0
        self._selected: int | None = None
        self.tz: tzinfo | None = None
        self.axis = TimeAxis(self)
        self.setMinimumHeight(CHART_HEIGHT + self.axis.height())
        self.keys = BarCursor(self, self.barClicked.emit, self.clearRequested.emit)
        self._hint = ""

    @property
    def volume(self) -> Volume:
        return self._volume

    @property
    def selected(self) -> int | None:
        return self._selected

    def set_volume(self, data: Volume) -> None:
        self._volume = data
        self._peak = max(data.counts, default=0)
        if self._selected is not None and self._selected >= len(data):
            self._selected = None
        self.keys.fit(len(data))
        self.setToolTip("" if len(data) else "No leads to chart yet")
        self._changed()

    def set_selected(self, index: int | None) -> None:
        self._selected = index
        if index is not None:
            self.keys.index = index  # the keyboard goes on from the bar chosen
        self._changed()

    def _changed(self) -> None:
        self.update()
        hint = self.keys.hint(lambda i: self.axis.label(self._volume, i, self.tz), self._selected)
        if hint != self._hint:
            self._hint = hint
            self.setAccessibleDescription(hint)
            self.hintChanged.emit(hint)

    @property
    def hint(self) -> str:
        return self._hint

    def sizeHint(self) -> QSize:
        return QSize(480, CHART_HEIGHT + self.axis.height())

    def bar_slot(self, i: int) -> QRect:
        """The column of the widget that belongs to bar ``i`` (the click and tooltip area)."""
        n = len(self._volume)
        width = self.width()
        left = i * width // n
        return QRect(left, 0, (i + 1) * width // n - left, self.height() - self.axis.height())

    def bar_at(self, pos: QPoint) -> int | None:
        n = len(self._volume)
        if not n or not 0 <= pos.x() < self.width():
            return None
        width = max(1, self.width())
        if n > width:  # slots under a pixel wide: the first bar starting at that pixel
            return min(n - 1, pos.x() * n // width)
        # The inverse of ``bar_slot``: the bar whose slot holds x (x * n // w gave the bar before
        # for a slot's first pixel, and for most slots once bars are under 2 px).
        return min(n - 1, ((pos.x() + 1) * n - 1) // width)

    def paintEvent(self, event: QPaintEvent) -> None:
        n = len(self._volume)
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))
        bottom = self.height() - self.axis.height()
        self.axis.paint(painter, self._volume, self.tz, QRect(0, bottom, self.width(), 99))
        if not n:
            self.keys.paint(painter, self.bar_slot, None)
            painter.end()
            return
        height = bottom - 2
        bar = palette.color(QPalette.ColorRole.Highlight)
        dim = bar.lighter(160)
        peak = max(1, self._peak)
        for i, count in enumerate(self._volume.counts):
            if not count:
                continue
            slot = self.bar_slot(i)
            h = max(1, count * height // peak)
            gap = _GAP if slot.width() > 3 else 0
            colour = dim if self._selected is not None and i != self._selected else bar
            # At least a pixel wide: with more bars than pixels (years, or five years of days),
            # most slots are 0 px and their leads would not show at all.
            width = max(1, slot.width() - gap)
            painter.fillRect(slot.left(), bottom - h, width, h, colour)
        self.keys.paint(painter, self.bar_slot, self._selected)
        painter.end()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if self.keys.key(event, self._volume.counts, self._selected):
            event.accept()
            self._changed()
            return
        super().keyPressEvent(event)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.keys.start(self._volume.counts, self._selected)
        super().focusInEvent(event)
        self._changed()

    def focusOutEvent(self, event: QFocusEvent) -> None:
        super().focusOutEvent(event)
        self._changed()

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and self.keys.overrides(
            event, self._selected
        ):
            event.accept()
            return True
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            i = self.bar_at(event.pos())
            if i is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(i), self, self.bar_slot(i))
            return True
        return super().event(event)

    def tooltip_for(self, i: int) -> str:
        text = self.axis.label(self._volume, i, self.tz)
        return f"{text}\nClick to show only these leads" if self._selected != i else text

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            i = self.bar_at(event.position().toPoint())
            if i is not None:
                self.keys.index = i
                self.barClicked.emit(i)
                event.accept()
                return
        super().mousePressEvent(event)


def _search(value: str) -> str:
    return f'"{value}"' if not value or any(c.isspace() or c == '"' for c in value) else value


class OverviewPanel(QWidget):
    """The chart plus state and tenure counts, kept in step with a ``LeadTableModel``.

    A fetch, a new text filter or period counts everything again; a watch merge (the leads
    only grew) adds just the new leads, and a later poll that only moves the end of the time
    axis adds empty buckets.
    """

    termPicked = Signal(str)  # a count's filter term, to add to the box (``state:TX``)
    periodPicked = Signal(str)  # a bar's ``created:`` term for the box, or "" for none

    def __init__(
        self,
        model: LeadTableModel,
        quiet: Callable[[Callable[[], bool]], object] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``quiet``: called before and between slices of a recount on a worker, to wait while
        the user types (see ``PaintGate.wait_quiet``), with a callable saying it was cancelled:
        the chart can wait, and shared the GIL with the next keystroke's scan otherwise."""
        super().__init__(parent)
        self.setObjectName("overviewPanel")
        self._model = model
        self._quiet = quiet
        self._runner = BackgroundRunner(self, name="overview")
        self._runner.finished.connect(self._counted)
        self._window: tuple[float, float] | None = None
        self._reset = True
        self._volume_state: tuple[int, str] | None = None  # (leads counted, filter)
        self._tally_state: tuple[int, str, object] | None = None  # (leads, filter, period)
        self._states: Counter[str] = Counter()
        self._tenure: Counter[str] = Counter()
        self._next_tally: tuple[Counter[str], Counter[str]] | None = None
        self._next_volume: Volume | None = None
        self._waiting = False  # counts for the current leads are being made on a worker
        self.recounts = 0  # full recounts of the buckets (tests check they are not per paint)
        self.chart = VolumeChart()
        self.states_label = CountsBar("statesLabel", "Leads by destination state")
        self.tenure_label = CountsBar("tenureLabel", "Own or rent")
        self.states_label.picked.connect(self.termPicked)
        self.tenure_label.picked.connect(self.termPicked)
        self.chart_hint = QLabel()
        self.chart_hint.setObjectName("chartHint")
        self.chart_hint.setAccessibleName("Chosen period")
        self.chart_hint.setWordWrap(True)
        self.chart_hint.hide()
        side = QVBoxLayout()
        side.setContentsMargins(0, 0, 0, 0)
        side.addWidget(self.chart_hint)
        side.addWidget(self.states_label)
        side.addWidget(self.tenure_label)
        side.addStretch(1)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.chart, 3)
        layout.addLayout(side, 2)
        self.chart.barClicked.connect(self.toggle_bar)
        self.chart.clearRequested.connect(self.clear_bar)
        self.chart.hintChanged.connect(self._show_hint)
        model.modelReset.connect(self._on_reset)
        # A filter keystroke must not wait for a recount of 100k leads: recounts after a text
        # or period change wait until typing pauses. New content (fetch, merge) counts at once,
        # which is cheap: a fetch comes precounted, a merge adds only its new leads.
        self._later = QTimer(self)
        self._later.setSingleShot(True)
        self._later.setInterval(RECOUNT_DELAY_MS)
        self._later.timeout.connect(self.refresh)
        model.countsChanged.connect(self._schedule)
        self.refresh()

    @property
    def window(self) -> tuple[float, float] | None:
        return self._window

    def set_window(self, start: float | None, end: float | None, *, count: bool = True) -> None:
        """The fetched time window (POSIX seconds); the chart spans it even where it is empty.
        ``count=False``: new leads follow at once and will trigger the count."""
        window = None if start is None or end is None else (start, end)
        if window == self._window:
            return
        old, self._window = self._window, window
        grown = None
        if window is not None and old is not None and window[0] == old[0] and not self._reset:
            grown = extended(self.chart.volume, [], window, self.chart.tz)
        if grown is not None:
            self.chart.set_volume(grown)
        else:
            self._volume_state = None
            if count:
                self.refresh()

    @Slot(int)
    def toggle_bar(self, i: int) -> None:
        data = self.chart.volume
        if not 0 <= i < len(data):
            return
        again = self.chart.selected == i
        self.chart.set_selected(None if again else i)
        self.periodPicked.emit("" if again else f"created:{created_term(data, i, self.chart.tz)}")

    def _bar_of(self, text: str) -> int | None:
        """The bar whose term is the one ``created:`` term of ``text``, if any."""
        terms = created_terms(text)
        query = parse_filter(terms[0]) if len(terms) == 1 else None
        if query is None or len(query.terms) != 1 or query.terms[0].negated:
            return None
        data, (low, _high) = self.chart.volume, query.terms[0].span or (0.0, 0.0)
        i = min(max(0, bisect_right(data.edges, float(low)) - 1), len(data) - 1)
        written = f"created:{created_term(data, i, self.chart.tz)}" if len(data) else ""
        return i if written.casefold() == terms[0].casefold() else None

    @Slot()
    def clear_bar(self) -> None:
        """Esc on the chart: every period's leads again (the chosen bar's click undone)."""
        if self.chart.selected is not None:
            self.toggle_bar(self.chart.selected)

    @Slot(str)
    def _show_hint(self, text: str) -> None:
        self.chart_hint.setText(text)
        self.chart_hint.setVisible(bool(text))

    def expect_counts(self, waiting: bool = True) -> None:
        """Counts for the next leads will come through ``use_precounted``: until then show none
        rather than count 100k leads on the GUI thread. ``False`` counts as usual again."""
        self._next_tally = self._next_volume = None
        was, self._waiting = self._waiting, waiting
        if was and not waiting:
            self._volume_state = self._tally_state = None
            self.refresh()

    def use_precounted(
        self, tally: tuple[Counter[str], Counter[str]] | None, bars: Volume | None
    ) -> None:
        """Counts of every current lead, made on a worker thread; ends ``expect_counts``."""
        self._next_tally = tally
        self._next_volume = bars if self.chart.tz is None else None
        if self._waiting:
            self._waiting = False
            self._volume_state = self._tally_state = None
            self.refresh()

    @Slot()
    def _schedule(self) -> None:
        m = self._model
        if self._reset or (self._volume_state or (0,))[0] != len(m.leads):
            self._later.stop()
            self.refresh()
        else:
            self._later.start()

    @Slot()
    def _on_reset(self) -> None:
        self._reset = True

    @Slot()
    def refresh(self) -> None:
        m = self._model
        leads, text, period = m.leads, m.filter_text, m.period
        total = len(leads)
        if self._reset:
            self._volume_state = self._tally_state = None
            self._reset = False
        if self.chart.selected != (bar := self._bar_of(text)):
            self.chart.set_selected(bar)
        if self._waiting:
            self.chart.set_volume(EMPTY_VOLUME)
            self.states_label.setText("Counting…" if total else "")
            self.tenure_label.setText("")
            return
        if m.filter_partial:  # the top rows of a filter only: counted once all are in
            return
        volume_rows = tally_rows = None
        state, chart_text = self._volume_state, without_dates(text)
        if state != (total, chart_text):
            grown = None
            if state is not None and state[1] == chart_text and state[0] < total:
                fresh = self._matching(leads[state[0] :], chart_text, None)
                grown = extended(self.chart.volume, instants(fresh), self._window, self.chart.tz)
            ready, self._next_volume = self._next_volume, None
            if grown is None and ready is not None and not text and sum(ready.counts) == total:
                grown = ready
                self.recounts += 1
            if grown is None:
                volume_rows = m.chart_plan() or m.shown_rows()
            else:
                self.chart.set_volume(grown)
                self._volume_state = (total, chart_text)
        key = (total, text, period)
        tallied = self._tally_state
        if key != tallied:
            if tallied is not None and tallied[1:] == key[1:] and tallied[0] < total:
                states, tenure = tally(self._matching(leads[tallied[0] :], text, period))
                self._states.update(states)
                self._tenure.update(tenure)
                self._show_tally(key)
            else:
                shown = m.shown_rows()
                ready, self._next_tally = self._next_tally, None
                if ready is not None and len(shown) == total and sum(ready[0].values()) == total:
                    self._states, self._tenure = Counter(ready[0]), Counter(ready[1])
                    self._show_tally(key)
                else:
                    tally_rows = shown
        if volume_rows is not None or tally_rows is not None:
            self._recount(volume_rows, tally_rows)

    def _recount(
        self, volume_rows: list[int] | FilterPlan | None, tally_rows: list[int] | None
    ) -> None:
        """Count the shown leads again: at once if few, else on a worker (newest wins), the
        chart and labels keeping the previous counts meanwhile. ``volume_rows`` may still
        have to be found (the filter without its ``created:`` terms)."""
        m = self._model
        leads = m.leads
        at = m.instants() if volume_rows is not None else None
        text = m.filter_text
        keys = (len(leads), without_dates(text)), (len(leads), text, m.period)
        window, tz = self._window, self.chart.tz

        def job(pace: Callable[[], object] | None = None) -> tuple[object, object]:
            rows = volume_rows
            if isinstance(rows, FilterPlan):
                rows = run_filter(rows, pace).rows
            return recount(leads, at, rows, tally_rows, window, tz, pace)

        if len(leads) <= SYNC_RECOUNT:
            self._runner.invalidate()
            self._counted(0, (leads, *keys, job()))
            return
        quiet = self._quiet

        def run(_report: object, token: CancelToken) -> tuple[object, ...]:
            def between() -> None:
                if token.cancelled:
                    raise CancelledError("Newer counts replaced these.")
                if quiet is not None:
                    quiet(lambda: token.cancelled)

            between()
            return (leads, *keys, job(pace=between))

        self._runner.start(run)

    @Slot(int, object)
    def _counted(self, _gen: int, outcome: tuple) -> None:
        leads, volume_key, tally_key, (bars, counts) = outcome
        m = self._model
        if leads is not m.leads:
            return  # other leads now: their own count is under way
        if bars is not None and volume_key == (len(leads), without_dates(m.filter_text)):
            self.chart.set_volume(bars)
            self.recounts += 1
            self._volume_state = volume_key
        if counts is not None and tally_key == (len(leads), m.filter_text, m.period):
            self._states, self._tenure = counts
            self._show_tally(tally_key)

    def _show_tally(self, key: tuple[int, str, object]) -> None:
        self._tally_state = key
        info = breakdown_of(self._states, self._tenure)
        states = [(text, s and f"state:{_search(s)}") for text, s in info.state_parts()]
        self.states_label.set_parts("To: " if info.total else "", states if info.total else [])
        tenure = [(text, t and f"tenure:{t}") for text, t in info.tenure_parts()]
        self.tenure_label.set_parts("", tenure)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        return self._runner.shutdown(timeout_ms)

    def _matching(
        self, leads: list[Lead], text: str, period: tuple[float, float] | None
    ) -> list[Lead]:
        """The new leads that pass the text filter (and the period, if given)."""
        if text:
            extra = [c.field for c in self._model.columns]
            leads = [leads[i] for i in rows_matching(leads, text, extra_fields=extra)]
        if period is not None:
            start, end = period
            leads = [x for x, t in zip(leads, instants(leads), strict=True) if start <= t < end]
        return leads
