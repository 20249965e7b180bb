"""Fetch leads off the GUI thread: ``LeadsClient.fetch`` plus the table's sort order.

``FetchController`` is owned by a window (or the key dialog). ``start`` cancels any fetch still
running and returns a generation number; signals for older generations are never delivered, so
the table only ever shows the newest fetch. Nothing here touches a widget.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from .. import gcpause, reaper
from ..api.cancel import CancelToken
from ..api.errors import ApiError, CancelledError
from ..api.options import Settings as ClientSettings
from ..api.query import Query
from ..table.sort import SortedRows, presort
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
    sort: tuple[str, bool] | None = None  # (field, descending) the table will want

    def __repr__(self) -> str:  # the dataclass default would print the key
        return f"FetchRequest({self.base_url!r}, client_id={self.client_id!r}, {self.query!r})"


@dataclass(frozen=True)
class FetchOutcome:
    result: FetchResult
    # The table's order for ``FetchRequest.sort``: sorting 100k leads here, not on the GUI thread.
    # The search index and the overview's counts come after the table is shown (``Indexer``).
    presorted: SortedRows | None = None


class UnexpectedFetchError(ApiError):
    """A bug, not a server problem: shown in plain words instead of a traceback."""


def run_fetch(request: FetchRequest, report: Report, token: CancelToken) -> FetchOutcome:
    """The job run on the worker thread."""
    try:
        with reaper.holding():
            return _fetch(request, report, token)
    except ApiError:
        raise
    except Exception as exc:
        raise UnexpectedFetchError(
            "Something went wrong inside the app while fetching leads. Try again; if it keeps "
            "happening, report it with the details.",
            detail=f"{type(exc).__name__}: {exc}",
        ) from exc


def prepare_fetch(_report: Report, _token: CancelToken) -> None:
    """What the first fetch would load first, loaded on a worker once the window has painted:
    the HTTP client's modules (httpx, httpcore, h11: ~50 ms, which the first click on Fetch
    waited for) and its TLS context. Not at import: they add ~0.3 s to a cold start."""
    from ..api.client import LeadsClient  # noqa: F401
    from ..api.transport import ssl_context

    ssl_context()


def _fetch(request: FetchRequest, report: Report, token: CancelToken) -> FetchOutcome:
    from ..api.client import LeadsClient  # loaded already once ``prepare_fetch`` has run

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
    order = None
    if request.sort is not None and not token.cancelled:
        field, descending = request.sort
        with gcpause.deferred():  # its lists of a lead each, young, must not be walked meanwhile
            order = presort(
                result.leads,
                result.extra_fields,
                field,
                descending,
                canonical=result.canonical_created,
                created_keys=result.created_keys,
            )
    if token.cancelled:
        raise CancelledError("The fetch was cancelled.")
    # The keys are dropped here, not kept with the outcome: a list as long as the leads.
    return FetchOutcome(replace(result, created_keys=None), order)


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
        self._preparing = BackgroundRunner(self, name="fetch-prepare")

    @property
    def busy(self) -> bool:
        return self._runner.busy

    @property
    def generation(self) -> int:
        return self._runner.generation

    def thread_count(self) -> int:
        return self._runner.thread_count()

    @property
    def preparing(self) -> bool:
        return self._preparing.busy

    def prepare(self) -> None:
        """Load what a fetch needs on a worker (``prepare_fetch``), unless a fetch has."""
        if not self._runner.busy and not self._runner.generation:
            self._preparing.start(prepare_fetch)

    def start(self, request: FetchRequest) -> int:
        return self._runner.start(lambda report, token: run_fetch(request, report, token))

    def cancel(self) -> None:
        self._runner.cancel()

    def invalidate(self) -> None:
        """Cancel silently, e.g. when the environment changes under a running fetch."""
        self._runner.invalidate()

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        started = time.monotonic()
        stopped = self._runner.shutdown(timeout_ms)
        left = timeout_ms - int((time.monotonic() - started) * 1000)
        return self._preparing.shutdown(max(left, 0)) and stopped  # an import: done by now

    @Slot(int, object)
    def _on_failed(self, gen: int, error: object) -> None:
        if not isinstance(error, ApiError):
            error = UnexpectedFetchError(
                "Something went wrong inside the app while fetching leads. Try again.",
                detail=repr(error),
            )
        self.failed.emit(gen, error)
