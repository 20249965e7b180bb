"""The GUI's collector stands aside while a copy reads its large list of rows (gcpause.hold)."""

from __future__ import annotations

import gc
import weakref

from mymove_viewer import gcpause
from mymove_viewer.ui import gc_guard


class Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the collector frees it


def test_no_collection_while_held_and_none_missed_after(qapp) -> None:
    collector = gc_guard.install(qapp)  # the session's, as the app installs it
    assert not gc.isenabled()  # collections come from its timer only
    node = Node()
    gone = weakref.ref(node)
    del node
    young = [[i] for i in range(2 * gc.get_threshold()[0])]  # enough for the timer to collect
    release = gcpause.hold()
    assert gcpause.held() and not gcpause.active()  # a fetch's build still collects first
    collector.collect()
    assert gone() is not None  # not walked: the young generation was left alone
    again = gcpause.hold()
    release()
    release()  # once counts
    assert gcpause.held()  # the other hold still stands
    again()
    assert not gcpause.held()
    collector.collect()
    assert gone() is None
    assert len(young) > 1
