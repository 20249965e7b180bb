"""The table first, the search index and overview counts right after (``ui/indexer.py``)."""

from __future__ import annotations

import threading
import time
from collections import Counter

import pytest
from PySide6.QtCore import QEvent, QObject

from mymove_viewer import leadindex
from mymove_viewer.api.errors import CancelledError
from mymove_viewer.leadindex import LeadIndex

from .conftest import TIMEOUT_MS


class Gate:
    """Holds every index build until ``open`` (a cancel lets a held build end at once)."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.started = 0
        self.started_at = 0.0
        self.built: list[LeadIndex] = []

    def build(self, leads, chart_window, cancelled=lambda: False, pace=None) -> LeadIndex:
        self.started += 1
        self.started_at = time.perf_counter()
        while not self.opened.wait(0.005):
            if cancelled():
                raise CancelledError("cancelled while held")
        index = leadindex.build_index(leads, chart_window, cancelled, pace)
        self.built.append(index)
        return index


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    g = Gate()
    monkeypatch.setattr("mymove_viewer.ui.indexer.build_index", g.build)
    return g


def test_table_comes_first_then_the_counts(qtbot, make_window, do_fetch, gate) -> None:
    window = make_window()
    do_fetch(window, indexed=False)
    model, overview = window.model, window.overview
    total = model.total_count()
    assert total > 50 and model.shown_count() == total  # the table is filled
    assert window.indexer.busy
    qtbot.waitUntil(lambda: gate.started == 1, timeout=TIMEOUT_MS)  # after the table's paint
    assert overview.states_label.text() == "Counting…"
    assert sum(overview.chart.volume.counts) == 0
    recounts = overview.recounts
    with qtbot.waitSignal(window.indexer.ready, timeout=TIMEOUT_MS):
        gate.opened.set()
    states = Counter(lead.new_state for lead in model.leads)
    top, n = states.most_common(1)[0]
    assert overview.states_label.text().startswith(f"To: {top} {n:,}")
    assert sum(overview.chart.volume.counts) == total
    assert overview.recounts == recounts + 1  # the worker's bars, not a GUI-thread recount


def test_filter_uses_the_index_once_it_is_in(qtbot, make_window, do_fetch, monkeypatch) -> None:
    window = make_window()
    do_fetch(window)

    def fail(_leads):
        raise AssertionError("the model rebuilt search texts the indexer had made")

    monkeypatch.setattr("mymove_viewer.ui.model.search_texts", fail)
    window.filter_edit.setText("smith")
    qtbot.waitUntil(lambda: window.model.filter_text == "smith", timeout=TIMEOUT_MS)
    want = [x for x in window.model.leads if "smith" in "\x1f".join(x[:19]).lower()]
    assert 0 < window.model.shown_count() == len(want)


def test_typing_before_the_index_is_in_still_filters(qtbot, make_window, do_fetch, gate) -> None:
    window = make_window()
    do_fetch(window, indexed=False)
    window.filter_edit.setText("smith")
    qtbot.waitUntil(lambda: window.model.filter_text == "smith", timeout=TIMEOUT_MS)
    shown = window.model.shown_count()
    assert 0 < shown < window.model.total_count()
    assert window.overview.states_label.text() == "Counting…"
    with qtbot.waitSignal(window.indexer.ready, timeout=TIMEOUT_MS):
        gate.opened.set()
    # The worker counted every lead; the overview shows the filtered rows' counts instead.
    shown_states = Counter(lead.new_state for lead in window.model.shown_leads())
    top, n = shown_states.most_common(1)[0]
    assert window.overview.states_label.text().startswith(f"To: {top} {n:,}")
    assert sum(window.overview.chart.volume.counts) == shown


def test_an_older_index_never_lands_on_newer_leads(qtbot, make_window, do_fetch, gate) -> None:
    window = make_window()
    do_fetch(window, indexed=False)
    first = window.model.leads
    do_fetch(window, indexed=False)  # the same query again: equal leads, a new list
    second = window.model.leads
    assert second is not first
    with qtbot.waitSignal(window.indexer.ready, timeout=TIMEOUT_MS) as blocker:
        gate.opened.set()
    assert blocker.args[0].leads is second
    qtbot.waitUntil(lambda: not window.indexer.busy, timeout=TIMEOUT_MS)
    assert all(index.leads is second for index in gate.built)  # the first build was cancelled


def test_closing_while_indexing_joins_the_thread(qtbot, make_window, do_fetch, gate) -> None:
    window = make_window()
    do_fetch(window, indexed=False)
    qtbot.waitUntil(lambda: gate.started == 1, timeout=TIMEOUT_MS)  # after the table's paint
    assert window.indexer.thread_count() == 1
    window.close()  # never opened: the cancel must end the held build
    assert window.indexer.thread_count() == 0


def test_a_failed_index_falls_back_to_counting_here(qtbot, make_window, do_fetch, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr("mymove_viewer.ui.indexer.build_index", broken)
    window = make_window()
    with qtbot.waitSignal(window.indexer.failed, timeout=TIMEOUT_MS):
        do_fetch(window, indexed=False)
    assert sum(window.overview.chart.volume.counts) == window.model.total_count() > 50
    assert window.overview.states_label.text().startswith("To: ")


class PaintClock(QObject):
    def __init__(self) -> None:
        super().__init__()
        self.painted_at: list[float] = []

    def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.painted_at.append(time.perf_counter())
        return False


def test_indexing_waits_for_the_tables_first_paint(qtbot, make_window, do_fetch, gate) -> None:
    window = make_window()
    clock = PaintClock()
    window.table.viewport().installEventFilter(clock)
    got: list[float] = []
    window.controller.finished.connect(lambda *_: got.append(time.perf_counter()))
    do_fetch(window, indexed=False)
    qtbot.waitUntil(lambda: gate.started == 1, timeout=TIMEOUT_MS)
    painted_after_fetch = [t for t in clock.painted_at if t > got[0]]
    assert painted_after_fetch and painted_after_fetch[0] < gate.started_at
    gate.opened.set()
    qtbot.waitUntil(lambda: not window.indexer.busy, timeout=TIMEOUT_MS)
    window.table.viewport().removeEventFilter(clock)


def test_a_hidden_table_is_indexed_all_the_same(qtbot, make_window, do_fetch) -> None:
    window = make_window()
    window.showMinimized()
    window.table.hide()  # no paint will come
    with qtbot.waitSignal(window.indexer.ready, timeout=TIMEOUT_MS):
        do_fetch(window, indexed=False)
    assert window.model.total_count() > 0
