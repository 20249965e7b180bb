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


def test_an_export_holds_the_collector_while_it_writes_and_lets_go_after(
    qtbot, fetched_24h, tmp_path, monkeypatch
) -> None:
    from PySide6.QtCore import Qt

    from mymove_viewer import export

    from .conftest import TIMEOUT_MS

    window = fetched_24h
    seen: list[bool] = []
    write_csv = export.write_csv

    def watched(*args, **kwargs) -> int:  # type: ignore[no-untyped-def]
        seen.append(gcpause.held())
        return write_csv(*args, **kwargs)

    monkeypatch.setattr(export, "write_csv", watched)
    window.ask_export_path = lambda _path: tmp_path / "leads.csv"
    window.confirm_export_all = lambda _n: True
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert seen == [True]  # held while the worker read the snapshot
    assert not gcpause.held()  # and released with the job
    failing = tmp_path / "missing" / "folder" / "leads.csv"
    window.ask_export_path = lambda _path: failing
    monkeypatch.setattr(export, "write_csv", lambda *_a, **_k: 1 / 0)
    with qtbot.waitSignal(window.exporter.failed, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert not gcpause.held()  # a failed export lets go too


def test_a_fetch_holds_the_collector_while_it_sorts_and_lets_go_after(
    qtbot, make_window, do_fetch, monkeypatch
) -> None:
    # The presort keeps lists of a lead each young for its length: a collection on the GUI
    # thread meanwhile walked them (a 100 ms stall at 1M leads).
    from mymove_viewer.ui import fetch

    seen: list[bool] = []
    presort = fetch.presort

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gcpause.held())
        return presort(*args, **kwargs)

    monkeypatch.setattr(fetch, "presort", watched)
    window = make_window()
    outcome = do_fetch(window)
    assert outcome.presorted is not None and window.model.total_count() > 0
    assert seen == [True]
    assert not gcpause.held()
