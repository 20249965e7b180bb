"""Fixtures shared by the table's tests."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from .test_search_texts import ZONES


@pytest.fixture(params=ZONES)
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Each test using it runs in every one of ``ZONES`` (local time as ``TZ`` says)."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()
