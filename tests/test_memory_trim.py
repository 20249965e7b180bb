"""Memory freed below what is still in use goes back to the system after a fetch (glibc)."""

from __future__ import annotations

import platform
import sys
import threading

import pytest

from mymove_viewer import memory_trim, reaper
from mymove_viewer.api import client as client_module
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from tests.api.conftest import FAST, NOW

GLIBC = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
MIB = 1 << 20


def resident_mib() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 / MIB


@pytest.mark.skipif(not GLIBC, reason="malloc_trim is glibc's")
def test_a_fetch_does_not_keep_its_body_resident(monkeypatch: pytest.MonkeyPatch) -> None:
    # The parts are freed below the leads built meanwhile: glibc kept them resident (~the
    # body's size) until ``malloc_trim`` (the client calls it: the test below).
    query = Query.last_days(30)
    with (
        Sandbox(leads=40_000, seed=5, now=NOW) as box,
        LeadsClient(box.base_url, DEMO_API_KEY, settings=FAST) as client,
    ):
        client.fetch(DEMO_CLIENT_ID, query)  # the allocator's thresholds settle
        monkeypatch.setattr(memory_trim, "trim", lambda: False)  # as before it was called
        result = client.fetch(DEMO_CLIENT_ID, query)
        kept = resident_mib()
        monkeypatch.undo()
        assert memory_trim.trim()  # what the client now calls once the parse is done
        trimmed = resident_mib()
    body = result.bytes_received / MIB
    assert body > 15
    assert kept - trimmed > body / 2, (kept, trimmed, body)


def test_trim_is_a_no_op_without_glibc(monkeypatch: pytest.MonkeyPatch) -> None:
    memory_trim._malloc_trim.cache_clear()
    monkeypatch.setattr(memory_trim.sys, "platform", "darwin")
    try:
        assert memory_trim.trim() is False
    finally:
        memory_trim._malloc_trim.cache_clear()


def test_a_fetch_has_its_parts_given_back_once_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    parse_parts = client_module.parse_parts

    def parsed(parts, **kwargs):  # type: ignore[no-untyped-def]
        result = parse_parts(parts, **kwargs)
        calls.append("parsed")
        return result

    monkeypatch.setattr(client_module, "parse_parts", parsed)
    monkeypatch.setattr(reaper, "trim_soon", lambda: calls.append("trim"))
    with (
        Sandbox(leads=3000, seed=5, now=NOW) as box,
        LeadsClient(box.base_url, DEMO_API_KEY, settings=FAST) as client,
    ):
        result = client.fetch(DEMO_CLIENT_ID, Query.last_days(30))
    assert len(result.leads) == 3000
    assert calls == ["parsed", "trim"]  # after the parse, on the reaper's thread


def test_the_reaper_trims_once_heavy_work_is_quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    trimmed = threading.Event()
    threads: list[str] = []

    def trim() -> bool:
        threads.append(threading.current_thread().name)
        trimmed.set()
        return True

    assert reaper.wait_idle(30)  # an earlier test's trim, before this one is watched
    monkeypatch.setattr(memory_trim, "trim", trim)
    with reaper.holding():  # a fetch or an index build: freeing and trimming wait
        reaper.trim_soon()
        assert not trimmed.wait(reaper.GRACE_S + 0.2)
    assert trimmed.wait(reaper.QUIET_S + 5)
    assert reaper.wait_idle(30)
    assert threads == ["reaper"]
