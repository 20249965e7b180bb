"""Shared test set-up: offscreen Qt, an isolated config dir, and the sandbox server."""

from __future__ import annotations

import os

# Before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the real user's settings, or takes a key from the environment."""
    monkeypatch.setenv("MYMOVE_VIEWER_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("MYMOVE_API_KEY", raising=False)
