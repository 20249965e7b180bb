"""The freeze after a build keeps the leads out of the collector, never garbage made before it."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from mymove_viewer import gcpause


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


@pytest.fixture
def collector() -> Iterator[list[str]]:
    """A collector as the GUI's (``ui/gc_guard``) registers one, here on the calling thread."""
    calls: list[str] = []

    def collect() -> None:
        calls.append("collect")
        gc.collect(1)

    previous = gcpause.set_collector(collect)
    yield calls
    gcpause.set_collector(previous)  # the GUI's, when the GUI tests run in the same session


def test_garbage_from_before_a_build_is_not_frozen(collector: list[str]) -> None:
    was_enabled = gc.isenabled()
    gc.disable()  # as in the app: no automatic collection would catch the cycle first
    try:
        gc.collect()
        node = Node()
        gone = weakref.ref(node)
        del node  # cyclic garbage, young, not yet collected: like a fetch's HTTP response
        with gcpause.building_many_objects():
            assert gcpause.active()
            built = [(str(i),) for i in range(1000)]
        assert not gcpause.active()
        assert collector == ["collect"]
        assert gone() is None, "the cycle made before the build was frozen, never to be freed"
        assert built[999] == ("999",)
    finally:
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def test_a_build_inside_a_build_does_not_collect(collector: list[str]) -> None:
    try:
        with gcpause.building_many_objects():
            with gcpause.building_many_objects():
                pass
            assert gcpause.active()
        assert collector == ["collect"]  # the outer one's young objects must not be walked
    finally:
        gc.unfreeze()
