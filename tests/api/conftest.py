from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from mymove_viewer.api.client import LeadsClient, Settings
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
# Short timeouts and backoff: retries and stalls are exercised without slow tests.
FAST = Settings(connect_timeout=2, read_timeout=2, backoff_base=0.01, backoff_cap=0.05)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=300, seed=7, now=NOW) as box:
        yield box
    assert box.errors == []


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[LeadsClient]:
    with LeadsClient(sandbox.base_url, DEMO_API_KEY, environment="Staging", settings=FAST) as c:
        yield c


CLIENT_ID = DEMO_CLIENT_ID
