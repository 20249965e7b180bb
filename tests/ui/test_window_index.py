"""The table first, the search index and overview counts right after (``ui/indexer.py``)."""

from __future__ import annotations

import threading
import time
from array import array
from collections import Counter

import pytest
from PySide6.QtCore import QEvent, QObject, Qt

from mymove_viewer.api.errors import CancelledError
from mymove_viewer.table import index as table_index
from mymove_viewer.table.filter_query import WORK_STATUS
from mymove_viewer.table.index import LeadIndex
from mymove_viewer.table.sort import Ranking, rank_column, rows_for
from mymove_viewer.ui import paint_gate

from .conftest import TIMEOUT_MS


class Gate:
    """Holds every index build until ``open`` (a cancel lets a held build end at once)."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.started = 0
        self.started_at = 0.0
        self.built: list[LeadIndex] = []

    def build(
        self, leads, chart_window, cancelled=lambda: False, pace=None, source=None
    ) -> LeadIndex:
        self.started += 1
        self.started_at = time.perf_counter()
        while not self.opened.wait(0.005):
            if cancelled():
                raise CancelledError("cancelled while held")
        index = table_index.build_index(leads, chart_window, cancelled, pace, source)
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

    def fail(*_args, **_kwargs):
        raise AssertionError("the model rebuilt search texts the indexer had made")

    monkeypatch.setattr("mymove_viewer.table.text_source.search_texts", fail)
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


def test_first_sort_of_any_column_uses_ranks_made_ahead(
    qtbot, make_window, do_fetch, monkeypatch
) -> None:
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(30)
    do_fetch(window)
    model = window.model
    assert model.rowCount() >= table_index.RANK_AHEAD_FROM
    qtbot.waitUntil(lambda: not window.indexer.ranking, timeout=TIMEOUT_MS)
    # Every column a user can sort, repeated values too (the Status column's come from the work).
    sortable = {c.field for c in model.columns} - {WORK_STATUS}
    assert set(model.ranked_fields()) >= sortable
    # Either way: the fetch's own column (Created, newest first) had one order, from its presort.
    assert set(model.ordered_fields()) >= sortable

    leads, fields = list(model.leads), ("email", "last_name", "new_state", "created_at")
    want = {}  # as the GUI thread ranks on demand
    for field in fields:
        ranking = rank_column(leads, model.columns[model.column_of(field)])
        want[field] = [[leads[i] for i in rows_for(ranking, down)] for down in (False, True)]

    def fail(*_args, **_kwargs):
        raise AssertionError("the model ranked a column the indexer had ranked")

    monkeypatch.setattr("mymove_viewer.table.lead_table.rank_column", fail)
    for field in fields:
        for down, order in enumerate((Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder)):
            window.table.sortByColumn(model.column_of(field), order)
            assert model.shown_leads() == want[field][down]
    # Ranks for other leads (a newer fetch or merge has replaced them) are not kept.
    model.table.drop_sort_cache()
    other = list(model.leads)
    assert not model.add_ranking(other, "old_address_2", Ranking(array("I", [0] * len(other))))
    assert "old_address_2" not in model.ranked_fields()


def test_typing_holds_ranking_ahead_until_the_user_pauses(
    qtbot, make_window, do_fetch, monkeypatch
) -> None:
    monkeypatch.setattr(paint_gate, "QUIET_S", 30.0)  # the user keeps typing
    held = threading.Event()
    wait_quiet = paint_gate.PaintGate.wait_quiet

    def spy(gate, cancelled=lambda: False) -> None:
        held.set()
        wait_quiet(gate, cancelled)

    monkeypatch.setattr(paint_gate.PaintGate, "wait_quiet", spy)
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(30)
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, "a")
    do_fetch(window)
    qtbot.waitUntil(held.is_set, timeout=TIMEOUT_MS)  # the worker is between slices
    assert window.indexer.ranking and "email" not in window.model.ranked_fields()
    monkeypatch.setattr(paint_gate, "QUIET_S", 0.0)  # the user pauses
    qtbot.waitUntil(lambda: not window.indexer.ranking, timeout=TIMEOUT_MS)
    assert "email" in window.model.ranked_fields()


def test_a_fetch_stops_ranking_ahead_but_not_the_index(qtbot) -> None:
    from mymove_viewer.api.lead import Lead
    from mymove_viewer.sandbox import Sandbox
    from mymove_viewer.table.display import columns_for
    from mymove_viewer.ui.indexer import Indexer

    leads = [Lead.from_mapping(d) for d in Sandbox(leads=3000, seed=2).leads]
    held, typing = threading.Event(), threading.Event()

    def quiet(stop) -> None:  # the user is typing until told otherwise
        held.set()
        while not stop():
            typing.wait(0.005)

    indexer = Indexer(quiet=quiet)
    ranked: list[object] = []
    indexer.ranked.connect(ranked.append)
    try:
        # The masks come after the index, and ranking after them: the worker can be waiting
        # in ``quiet`` before this thread has taken the masks' signal in.
        with qtbot.waitSignals([indexer.ready, indexer.masked], timeout=TIMEOUT_MS):
            indexer.start(leads, None, columns=columns_for(()))
        qtbot.waitUntil(held.is_set, timeout=TIMEOUT_MS)
        assert indexer.ranking and not indexer.busy  # the index is in; ranking waits its turn
        indexer.stop_ranking()
        qtbot.waitUntil(lambda: not indexer.ranking, timeout=TIMEOUT_MS)
        assert ranked == []
    finally:  # a failure here must not leave the worker holding the collector for the next
        assert indexer.shutdown(2000)


def test_ranking_ahead_waits_until_the_gui_thread_took_the_index_in(qtbot, monkeypatch) -> None:
    """Taking the index in is Python and Qt calls on the GUI thread, each of which waited for
    the worker's GIL turn while it went on ranking: the worker waits for it instead."""
    from mymove_viewer.api.lead import Lead
    from mymove_viewer.sandbox import Sandbox
    from mymove_viewer.table.display import columns_for
    from mymove_viewer.ui import indexer as indexer_module

    monkeypatch.setattr(indexer_module, "TAKE_WAIT_S", 30.0)
    leads = [Lead.from_mapping(d) for d in Sandbox(leads=3000, seed=2).leads]
    events: list[str] = []
    rank_ahead = indexer_module.rank_ahead

    def ranking(*args, **kwargs):
        events.append("ranking")
        yield from rank_ahead(*args, **kwargs)

    monkeypatch.setattr(indexer_module, "rank_ahead", ranking)
    slow_slot_done = threading.Event()

    def take_in(_index) -> None:  # a slow slot: the worker would rank meanwhile
        events.append("taking in")
        slow_slot_done.wait(0.3)
        events.append("taken in")

    indexer = indexer_module.Indexer()
    indexer.ready.connect(take_in)
    with qtbot.waitSignal(indexer.ready, timeout=TIMEOUT_MS):
        indexer.start(leads, None, columns=columns_for(()))
    qtbot.waitUntil(lambda: not indexer.ranking, timeout=TIMEOUT_MS)
    assert events[:3] == ["taking in", "taken in", "ranking"]
    assert indexer.shutdown(2000)


def test_the_gui_collector_waits_while_the_indexer_works(qtbot, qapp, monkeypatch) -> None:
    """A collection on the GUI thread during indexing or ranking walks the worker's young lists
    of a million items (0.1-0.6 s at 1M leads): the collector waits until the worker is done,
    then collects."""
    import gc

    from mymove_viewer import gcpause
    from mymove_viewer.api.lead import Lead
    from mymove_viewer.sandbox import Sandbox
    from mymove_viewer.table.display import columns_for
    from mymove_viewer.ui import gc_guard
    from mymove_viewer.ui import indexer as indexer_module

    collector = gc_guard.install(qapp)
    collector._timer.stop()  # only the collections asked for below
    collections: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda generation=2: collections.append(generation) or 0)
    monkeypatch.setattr(gc, "get_count", lambda: (10_000, 0, 0))  # a collection is due
    seen: list[tuple[bool, int]] = []
    rank_ahead = indexer_module.rank_ahead

    def ranking(*args, **kwargs):
        before = len(collections)  # (the young garbage collected before the index's build)
        collector.collect()  # as its timer would, meanwhile
        seen.append((gcpause.held(), len(collections) - before))
        yield from rank_ahead(*args, **kwargs)

    monkeypatch.setattr(indexer_module, "rank_ahead", ranking)
    leads = [Lead.from_mapping(d) for d in Sandbox(leads=3000, seed=2).leads]
    indexer = indexer_module.Indexer()
    indexer.start(leads, None, columns=columns_for(()))
    qtbot.waitUntil(lambda: not indexer.ranking, timeout=TIMEOUT_MS)
    assert seen == [(True, 0)]  # none while the worker ran
    assert not gcpause.held()
    collector._timer.start()
    assert collections[-1:] == [0]  # at once when it is done, not at the user's next action
    assert indexer.shutdown(2000)


def test_the_index_lists_are_frozen_out_of_the_collectors_reach(qtbot) -> None:
    """A collection walks every item of a young list: the index's texts and instants (1M items
    each at 1M leads) cost the first collection after the worker 0.19-0.25 s of the GUI
    thread. Built as a parse builds, they are frozen instead (reference counting frees them)."""
    import gc

    from mymove_viewer.api.lead import Lead
    from mymove_viewer.sandbox import Sandbox
    from mymove_viewer.ui import indexer as indexer_module

    leads = [Lead.from_mapping(d) for d in Sandbox(leads=3000, seed=2).leads]
    indexer = indexer_module.Indexer()
    with qtbot.waitSignal(indexer.ready, timeout=TIMEOUT_MS) as ready:
        indexer.start(leads, None)
    index = ready.args[0]
    assert gc.is_tracked(index.texts)
    tracked = {id(o) for o in gc.get_objects()}  # the generations a collection walks
    assert id(index.texts) not in tracked
    assert id(index.instants) not in tracked
    assert indexer.shutdown(2000)
