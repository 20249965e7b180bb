"""A 429 that said how long to wait (Retry-After): no request for that client ID in that
environment before the wait is over. The error banner's Retry counts the wait down, F5 (or
Fetch) is refused with the time left in the status bar, and watch mode polls only after it.
Another environment or client ID is another account or endpoint: the wait is dropped there, as
a new fetch would drop it. A 429 without Retry-After says nothing of when: Retry stays enabled.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from PySide6.QtCore import QObject, Slot

from ..api import errors as E
from ..api.query import Environment
from .error_banner import show_fetch_error
from .watch import describe_delay

if TYPE_CHECKING:
    from .error_banner import Banner
    from .query_panel import QueryPanel
    from .session import LeadSession
    from .status import StatusLine
    from .watch import WatchController
    from .window_env import Environments

Target = tuple[Environment, str]  # whose requests wait: environment and client ID


def wait_text(seconds: int) -> str:
    """'28 s', '3 min', '2 h', '3 days': rounded up, so it never says 'in 0 min'."""
    return describe_delay(seconds, up=True)


def retry_text(seconds: int) -> str:
    return f"Retry in {wait_text(seconds)}"


class RetryWaitHost(Protocol):
    """What the wait needs of the window (its Qt parent)."""

    session: LeadSession
    envs: Environments
    panel: QueryPanel
    status: StatusLine
    banner: Banner
    watch: WatchController

    def open_key_dialog(self) -> object: ...
    def fetch(self) -> int | None: ...


class RetryWait(QObject):
    @classmethod
    def of(cls, window: RetryWaitHost) -> RetryWait:
        return cls(window)

    def __init__(self, host: RetryWaitHost) -> None:
        super().__init__(host)  # type: ignore[arg-type]
        # Monotonic: a wall clock set back (or pinned by a test) must not stretch the wait.
        self.clock: Callable[[], float] = time.monotonic
        self._until: float | None = None  # when the wait is over, on ``clock``
        self._for: Target | None = None  # whose requests wait
        self._asking: Target | None = None  # whose the running fetch or poll is
        controller = host.session.controller
        controller.started.connect(self._on_started)
        controller.failed.connect(self._on_failed)
        host.panel.changed.connect(self._on_target_changed)
        host.envs.switched.connect(self._on_target_changed)
        # No poll before the wait is over. The watch holds this, so this holds no reference
        # to it: a cycle would leave both to the cycle collector, which may run on any thread.
        host.watch.wait_left = self.seconds_left

    @property
    def _w(self) -> RetryWaitHost:
        return self.parent()  # type: ignore[return-value]

    def _target(self) -> Target:
        w = self._w
        return (w.envs.env, w.panel.client_id())

    def seconds_left(self) -> float:
        """Seconds until a request may be made again; 0 when it may now."""
        if self._until is None:
            return 0.0
        left = self._until - self.clock()
        if left <= 0:
            self._until = self._for = None
        return max(0.0, left)

    def refused(self) -> bool:
        """Say in the status bar why a fetch is not made now (True), if it is not."""
        left = self.seconds_left()
        if left <= 0:
            return False
        self._w.status.show(
            "Not fetched: MYMOVE asked to wait before the next fetch (HTTP 429). "
            f"Try again in {wait_text(math.ceil(left))}."
        )
        return True

    def show_error(self, error: E.ApiError) -> None:
        """The banner of a failed fetch; after a 429 that said when to ask again, its Retry is
        disabled and counts the wait down."""
        self._note(error)
        w = self._w
        show_fetch_error(w.banner, error, w.open_key_dialog, w.panel.focus_client_id, w.fetch)
        if isinstance(error, E.RateLimitedError) and self.seconds_left() > 0:
            w.banner.hold_action(self.seconds_left, retry_text)

    def _note(self, error: object) -> None:
        wait = error.retry_after if isinstance(error, E.RateLimitedError) else None
        if wait:  # None or 0: no time was said, and a retry may go at once
            self._until, self._for = self.clock() + wait, self._asking

    @Slot(int)
    def _on_started(self, _gen: int) -> None:
        self._asking = self._target()  # the request was made from the panel just now

    @Slot(int, object)
    def _on_failed(self, gen: int, error: object) -> None:
        if self._w.watch.is_poll(gen):  # a fetch's error comes through ``show_error``
            self._note(error)

    def _on_target_changed(self, *_why: object) -> None:
        if self._until is not None and self._target() != self._for:
            self._until = self._for = None
            self._w.banner.release_action()
