"""Watch mode: poll for new leads through the window's ``FetchController``.

Polls share the controller with manual fetches, so exactly one request is ever in flight: a
manual fetch supersedes a running poll (the poll is dropped and the next one scheduled), and a
poll due while a manual fetch runs waits for the next tick. Each poll asks for an overlapping
window, ``hrs`` = whole hours since the last successful poll (or fetch) started, plus one, so a
lead is never lost to clock skew, a sleep/resume or an outage; the table's merge drops repeats.

A failed poll is quiet (a status line, no banner) and backs off exponentially: interval × 2^n,
capped at 30 minutes, until a poll succeeds.
"""

from __future__ import annotations

import inspect
import math
import weakref
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime

from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtWidgets import QSpinBox, QWidget

from ..api.errors import ApiError, RateLimitedError
from ..api.query import MAX_HOURS, Query
from .fetch import FetchController, FetchRequest

DEFAULT_MINUTES = 2
MIN_MINUTES, MAX_MINUTES = 1, 60
BACKOFF_CAP_S = 30 * 60.0
TIMER_CAP_S = 86_400.0  # a QTimer holds < 25 days; a longer wait is asked again then

Clock = Callable[[], datetime]


def overlap_hours(since: datetime, now: datetime) -> int:
    """The ``hrs`` a poll asks for: whole hours since ``since``, rounded up, plus one."""
    elapsed = max(0.0, (now - since).total_seconds())
    return max(1, min(MAX_HOURS, math.ceil(elapsed / 3600) + 1))


def backoff_delay(interval_s: float, failures: int) -> float:
    """interval × 2^failures, capped at 30 minutes (but never below the interval itself)."""
    if failures <= 0:
        return interval_s
    return max(interval_s, min(interval_s * 2 ** min(failures, 30), BACKOFF_CAP_S))


def describe_delay(seconds: float, *, up: bool = False) -> str:
    """'45 s', '30 min', '2 h', '3 days', to the nearest unit; ``up``: rounded up, as a
    countdown reads (never "in 0 min"), in seconds up to 89."""
    whole: Callable[[float], int] = math.ceil if up else round
    if seconds < (90 if up else 60):
        return f"{max(1, whole(seconds))} s"
    if seconds < 2 * 3600:
        return f"{whole(seconds / 60)} min"
    # Only a 429's Retry-After waits this long (the back-off stops at 30 minutes).
    if seconds < 48 * 3600:
        return f"{whole(seconds / 3600)} h"
    return f"{whole(seconds / 86400)} days"


def clock_time(moment: datetime) -> str:
    return moment.astimezone().strftime("%H:%M")


def make_interval_spin(parent: QWidget | None = None) -> QSpinBox:
    spin = QSpinBox(parent)
    spin.setObjectName("watchIntervalSpin")
    spin.setAccessibleName("Watch interval in minutes")
    spin.setRange(MIN_MINUTES, MAX_MINUTES)
    spin.setValue(DEFAULT_MINUTES)
    spin.setSuffix(" min")
    spin.setToolTip("How often Watch checks for new leads")
    return spin


class WatchController(QObject):
    """Schedules polls, tracks the overlap baseline and backs off on failure."""

    leadsArrived = Signal(object)  # FetchOutcome of a successful poll
    statusChanged = Signal(str, str)  # quiet status text, detail for a tooltip
    runningChanged = Signal(bool)

    def __init__(
        self,
        controller: FetchController,
        make_request: Callable[[Query], FetchRequest | None],
        parent: QObject | None = None,
        *,
        interval_s: float = DEFAULT_MINUTES * 60.0,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(parent)
        self._controller = controller
        # Weakly held: the owner holds this controller, and a cycle would leave both to the
        # cycle collector, which may run on any thread.
        self._make_request = (
            weakref.WeakMethod(make_request)
            if inspect.ismethod(make_request)
            else (lambda: make_request)
        )
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self._interval_s = float(interval_s)
        self._running = False
        self._starting = False
        self._current: int | None = None  # generation of the poll in flight
        # The latest poll generations: the runner delivers only the newest generation's signals,
        # and a set of every poll ever grew by ~100 bytes a poll, for as long as the app ran.
        self._polls: deque[int] = deque(maxlen=16)
        self._poll_started: datetime | None = None
        self._baseline: datetime | None = None  # start of the last successful poll or fetch
        self._fallback: Query | None = None  # asked when there is no baseline yet
        self._last_checked: datetime | None = None
        self.failures = 0
        self.polls_done = 0
        # Seconds a 429's Retry-After still asks to wait (``retry_wait``): no poll before.
        self.wait_left: Callable[[], float] = lambda: 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.poll)
        controller.started.connect(self._on_started)
        controller.finished.connect(self._on_finished)
        controller.failed.connect(self._on_failed)
        controller.cancelled.connect(self._on_cancelled)

    # -- state ---------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._running

    @property
    def in_flight(self) -> bool:
        return self._starting or self._current is not None

    @property
    def interval_s(self) -> float:
        return self._interval_s

    @interval_s.setter
    def interval_s(self, seconds: float) -> None:
        self._interval_s = max(0.01, float(seconds))
        if self._running and self._timer.isActive() and not self.failures:
            self._schedule(self._interval_s)

    @property
    def baseline(self) -> datetime | None:
        return self._baseline

    def is_poll(self, generation: int) -> bool:
        """True for a fetch generation this watch started (the window stays quiet for those)."""
        return self._starting or generation in self._polls

    def next_query(self) -> Query | None:
        if self._baseline is None:
            return self._fallback
        return Query.last_hours(overlap_hours(self._baseline, self.clock()))

    # -- control -------------------------------------------------------------------------------

    def note_fetch(self, started: datetime, query: Query) -> None:
        """A manual fetch replaced the table: later polls overlap from where its window ended,
        so the table then holds every lead from the fetch's start up to the latest poll."""
        end = query.end if query.end is not None else started
        self._baseline = min(end, started)
        self._last_checked = self.clock()

    def forget(self) -> None:
        """Drop the baseline, e.g. when the environment changes."""
        self.stop()
        self._baseline = None
        self._last_checked = None

    def start(self, fallback: Query | None, *, poll_now: bool = True) -> None:
        self._fallback = fallback
        self.failures = 0
        if not self._running:
            self._running = True
            self.runningChanged.emit(True)
        if poll_now:
            self.poll()
        else:
            self._schedule(self._interval_s)

    def stop(self) -> None:
        self._timer.stop()
        if self._current is not None:
            self._current = None
            self._controller.invalidate()  # its thread ends by itself; shutdown joins it
        if self._running:
            self._running = False
            self.failures = 0
            self.runningChanged.emit(False)
            self.statusChanged.emit("", "")

    @Slot()
    def poll(self) -> None:
        if not self._running or self.in_flight:
            return
        wait = self.wait_left()
        if wait > 0:  # MYMOVE said when to ask again: polling sooner only meets another 429
            self._schedule(wait)
            return
        if self._controller.busy:  # a manual fetch: one request at a time, try again later
            self._schedule(self._interval_s)
            return
        query = self.next_query()
        make = self._make_request()
        request = make(query) if make is not None and query is not None else None
        if request is None:
            self._failed("Watch cannot check now: fix the query or the key, then it resumes.")
            return
        self._poll_started = self.clock()
        self._starting = True
        try:
            gen = self._controller.start(request)
        finally:
            self._starting = False
        self._current = gen
        self._polls.append(gen)

    # -- outcomes ------------------------------------------------------------------------------

    @Slot(int)
    def _on_started(self, gen: int) -> None:
        if not self._starting and self._current is not None and gen != self._current:
            self._current = None  # a manual fetch replaced the poll
            if self._running:
                self._schedule(self._interval_s)

    @Slot(int, object)
    def _on_finished(self, gen: int, outcome: object) -> None:
        if gen != self._current:
            return
        self._current = None
        self._baseline = self._poll_started
        self._last_checked = self.clock()
        self.failures = 0
        self.polls_done += 1
        self.leadsArrived.emit(outcome)
        if self._running:
            self._schedule(self._interval_s)

    @Slot(int, object)
    def _on_failed(self, gen: int, error: object) -> None:
        if gen != self._current:
            return
        self._current = None
        detail = error.message if isinstance(error, ApiError) else str(error)
        said = error.retry_after if isinstance(error, RateLimitedError) else None
        self._failed(detail, said or 0.0)

    @Slot(int)
    def _on_cancelled(self, gen: int) -> None:
        if gen != self._current:
            return
        self._current = None
        if self._running:
            self._schedule(self._interval_s)

    def _failed(self, detail: str, at_least: float = 0.0) -> None:
        """``at_least``: the seconds a 429's Retry-After asked to wait."""
        self.failures += 1
        delay = max(backoff_delay(self._interval_s, self.failures), at_least)
        checked = (
            f"Last checked {clock_time(self._last_checked)}"
            if self._last_checked is not None
            else "Could not check for new leads"
        )
        self.statusChanged.emit(f"{checked} · retrying in {describe_delay(delay)}", detail)
        if self._running:
            self._timer.start(max(1, int(min(delay, TIMER_CAP_S) * 1000)))

    def _schedule(self, delay: float) -> None:
        self._timer.start(max(1, int(min(delay, TIMER_CAP_S) * 1000)))
        if self._running and not self.failures:
            nxt = datetime.now().timestamp() + delay
            parts = ["Watching for new leads"]
            if self._last_checked is not None:
                parts.append(f"last checked {clock_time(self._last_checked)}")
            parts.append(f"next check {datetime.fromtimestamp(nxt):%H:%M}")
            self.statusChanged.emit(" · ".join(parts), "")
