"""Shared test set-up: offscreen Qt, an isolated config dir, the sandbox and settings fixtures."""

from __future__ import annotations

import itertools
import os
import signal
from collections.abc import Iterator
from pathlib import Path

# Before any Qt import: tests never need a display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import httpx
import pytest

from mymove_viewer.api import parse_learn, parse_share
from mymove_viewer.sandbox import Sandbox
from mymove_viewer.settings import SettingsStore
from tests.sandbox.helpers import NOW

# A shell that starts the suite in the background (`… &` without job control) ignores SIGINT,
# and every child process would inherit that: the tests of Ctrl+C in the CLI would then see it
# ignored. A handler (not SIG_IGN) here means children start with the default again.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


@pytest.fixture(autouse=True)
def _isolated_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test reads or writes the real user's settings, or takes a key from the environment."""
    monkeypatch.setenv("MYMOVE_VIEWER_CONFIG_DIR", str(tmp_path_factory.mktemp("config")))
    # Nor the real lead history (issue 18): every CLI export stores what it fetched.
    monkeypatch.setenv("MYMOVE_VIEWER_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("MYMOVE_API_KEY", raising=False)


_PARSES = itertools.count()


@pytest.fixture(autouse=True)
def _fresh_parse_learning(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test parses as a new process would: with nothing learned from other tests' bodies
    (``api.parse_share`` and ``api.parse_learn`` keep what they learn for the process's life)."""
    made = parse_share._Made
    for name in ("values", "drifted", "decoders", "latest"):
        monkeypatch.setattr(made, name, {})
    monkeypatch.setattr(made, "own", f"\x00test {next(_PARSES)}")
    monkeypatch.setattr(made, "kept", 0)
    monkeypatch.setattr(parse_learn, "_decoders", {})  # those for undocumented fields too


# --- the sandbox tests (tests/sandbox/); tests/api, ui and reliability have their own -----------


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=300, now=NOW) as sb:
        yield sb
    assert sb.errors == []


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    # One client for the module: building an httpx client loads CA certificates (~40 ms)
    with httpx.Client(timeout=5) as c:
        yield c


# --- the settings tests (tests/test_settings*.py) -------------------------------------------------


@pytest.fixture
def directory(tmp_path: Path) -> Path:
    return tmp_path / "config"


@pytest.fixture
def store(directory: Path) -> SettingsStore:
    return SettingsStore(directory)


# --- hypothesis profiles (reliability suite, issue 7) -------------------------------------------
# "ci" (the default) keeps property tests quick; "thorough" is the fuzzing run:
#     .venv/bin/pytest tests/reliability/test_fuzz.py --hypothesis-profile=thorough
# Tests that pin max_examples themselves keep their own count in both.
from hypothesis import HealthCheck  # noqa: E402  (a block added at the end, on purpose)
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile(
    "ci", max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
_hypothesis_settings.register_profile(
    "thorough", max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
_hypothesis_settings.load_profile("ci")  # the plugin loads --hypothesis-profile after this
