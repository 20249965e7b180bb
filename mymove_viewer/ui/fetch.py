"""Fetch leads off the GUI thread: ``LeadsClient.fetch`` plus the table's search index.

``FetchController`` is owned by a window (or the key dialog). ``start`` cancels any fetch still
running and returns a generation number; signals for older generations are never delivered, so
the table only ever shows the newest fetch. Nothing here touches a widget.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from ..api.cancel import CancelToken
from ..api.errors import ApiError, CancelledError
from ..api.options import Settings as ClientSettings
from ..api.query import Query
from ..leadtable import SortedRows, in_slices, presort, search_texts
from ..overview_data import Volume, instants, tally_in_slices, volume
from .worker import BackgroundRunner, Report

if TYPE_CHECKING:
    from ..api.client import FetchResult


@dataclass(frozen=True)
class FetchRequest:
    base_url: str
    api_key: str
    client_id: str
    query: Query
    environment: str = "Production"  # the label used in the client's messages
    client_settings: ClientSettings | None = None
    build_index: bool = True
    sort: tuple[str, bool] | None = None  # (field, descending) the table will want
    chart_window: tuple[float, float] | None = None  # the overview's time axis (POSIX seconds)

    def __repr__(self) -> str:  # the dataclass default would print the key
        return f"FetchRequest({self.base_url!r}, client_id={self.client_id!r}, {self.query!r})"


@dataclass(frozen=True)
class FetchOutcome:
    result: FetchResult
    search_texts: list[str] | None
    presorted: SortedRows | None = None
    # For the overview and its period filter: created_at as POSIX seconds, and the counts by
    # state and tenure of all the leads. ~150 ms at 100k that would otherwise stall the GUI.
    instants: list[float] | None = None
    tally: tuple[Counter[str], Counter[str]] | None = None
    volume: Volume | None = None  # bars of all the leads over ``chart_window``, local time


class UnexpectedFetchError(ApiError):
    """A bug, not a server problem: shown in plain words instead of a traceback."""


def run_fetch(request: FetchRequest, report: Report, token: CancelToken) -> FetchOutcome:
    """The job run on the worker thread."""
    # Imported on the worker at the first fetch: httpx and msgspec add ~0.3 s to a cold start.
    from ..api.client import LeadsClient

    try:
        client = LeadsClient(
            request.base_url,
            request.api_key,
            environment=request.environment,
            settings=request.client_settings,
        )
        try:
            result = client.fetch(request.client_id, request.query, progress=report, cancel=token)
        finally:
            client.close()
        texts = None
        if request.build_index and not token.cancelled:
            # Building the filter index here keeps ~30 ms per 100k leads off the GUI thread.
            texts = search_texts(result.leads)
        order = None
        if request.sort is not None and not token.cancelled:
            # Sorting 100k leads costs ~50 ms: here, not in the GUI thread's set_leads.
            field, descending = request.sort
            order = presort(
                result.leads,
                result.extra_fields,
                field,
                descending,
                canonical=result.canonical_created,
            )
        at = tallies = chart = None
        if request.build_index and not token.cancelled:
            at = in_slices(instants, result.leads)
            tallies = tally_in_slices(result.leads)
            if request.chart_window is not None:
                chart = volume(at, request.chart_window)
        if token.cancelled:
            raise CancelledError("The fetch was cancelled.")
        return FetchOutcome(result, texts, order, at, tallies, chart)
    except ApiError:
        raise
    except Exception as exc:
        raise UnexpectedFetchError(
            "Something went wrong inside the app while fetching leads. Try again; if it keeps "
            "happening, report it with the details.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc


class FetchController(QObject):
    """Starts, cancels and reports fetches; one at a time, newest wins."""

    started = Signal(int)
    progress = Signal(int, object, object)  # generation, bytes received, total bytes or None
    finished = Signal(int, object)  # generation, FetchOutcome
    failed = Signal(int, object)  # generation, ApiError
    cancelled = Signal(int)
    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = BackgroundRunner(self, name="fetch")
        self._runner.started.connect(self.started)
        self._runner.progress.connect(self.progress)
        self._runner.finished.connect(self.finished)
        self._runner.failed.connect(self._on_failed)
        self._runner.cancelled.connect(self.cancelled)
        self._runner.idle.connect(self.idle)

    @property
    def busy(self) -> bool:
        return self._runner.busy

    @property
    def generation(self) -> int:
        return self._runner.generation

    def thread_count(self) -> int:
        return self._runner.thread_count()

    def start(self, request: FetchRequest) -> int:
        return self._runner.start(lambda report, token: run_fetch(request, report, token))

    def cancel(self) -> None:
        self._runner.cancel()

    def invalidate(self) -> None:
        """Cancel silently, e.g. when the environment changes under a running fetch."""
        self._runner.invalidate()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        return self._runner.shutdown(timeout_ms)

    @Slot(int, object)
    def _on_failed(self, gen: int, error: object) -> None:
        if not isinstance(error, ApiError):
            error = UnexpectedFetchError(
                "Something went wrong inside the app while fetching leads. Try again.",
                detail=repr(error),
            )
        self.failed.emit(gen, error)
