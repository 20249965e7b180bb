"""A fetch leaves no reference cycle behind: the freeze after each parse (``gcpause``) would keep
one forever, and watch mode fetches every few minutes for days."""

from __future__ import annotations

import gc
from collections import Counter
from collections.abc import Iterator

import pytest

from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox

FETCHES = 50
CLIENT_SIDE = ("httpx", "httpcore", "h11", "mymove_viewer.api")


@pytest.fixture
def no_collection() -> Iterator[None]:
    """As in the app, where only the GUI thread collects, now and then: nothing here does."""
    was_enabled = gc.isenabled()
    gc.disable()
    gc.unfreeze()
    gc.collect()  # what earlier tests left
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def test_fetches_leave_nothing_frozen(sandbox: Sandbox, no_collection: None) -> None:
    def fetch() -> int:
        # A new client each time, as the window's fetch worker makes one per fetch.
        with LeadsClient(sandbox.base_url, DEMO_API_KEY, environment="Demo") as client:
            return len(client.fetch(DEMO_CLIENT_ID, Query.last_days(3)).leads)

    assert fetch() > 0
    for _ in range(FETCHES):
        fetch()
    frozen = gc.get_freeze_count()
    gc.unfreeze()  # the frozen garbage, if any, becomes collectable again…
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()  # … and is kept in gc.garbage to be looked at
    finally:
        gc.set_debug(0)
    # The sandbox serves from this process: its own garbage is not the client's.
    garbage = [o for o in gc.garbage if type(o).__module__.startswith(CLIENT_SIDE)]
    gc.garbage.clear()
    # Measured: each fetch left ~76 objects (the httpx response cycle with its pool, connection
    # and socket) before the cycle was broken.
    assert len(garbage) < FETCHES, Counter(type(o).__qualname__ for o in garbage).most_common(5)
    assert frozen > 0  # the fetches did freeze (the parse's leads): the test saw what it checks
