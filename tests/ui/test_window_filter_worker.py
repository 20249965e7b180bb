"""Filtering off the GUI thread (``ui/filter_flow.py``): before the index is in, while typing
fast, and cleared with Esc."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.table import search
from mymove_viewer.table.display import CREATED, display
from mymove_viewer.table.filter_query import fold
from mymove_viewer.table.search import FilterPlan, FilterResult
from mymove_viewer.ui import filter_flow

from .conftest import TIMEOUT_MS
from .test_window_index import Gate


def reference(window, term: str) -> list:
    """The leads, in table order, with ``term`` in a value as its cell shows it."""
    model = window.model
    columns = model.columns
    order = [model.lead_at(r) for r in range(model.rowCount())] if not model.filter_text else None
    assert order is not None, "take the reference with the filter cleared"
    return [
        lead
        for lead in order
        if any(term in display(c.kind, lead.get(c.field)).lower() for c in columns)
    ]


class Threads:
    """Records which thread ran each full scan or text build (wrapped, still doing the work)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.scans: list[tuple[str, bool]] = []  # (term, on the GUI thread)
        self.builds: list[bool] = []
        self.hold = threading.Event()
        self.hold.set()
        self.held: list[str] = []
        run, build = search.run_filter, search.TextSource.texts

        def run_filter(plan: FilterPlan, pace=None) -> FilterResult:
            whole = plan.candidates is plan.order and bool(plan.term)
            if whole:
                self.scans.append((plan.term, gui()))
            if not self.hold.is_set() and not gui():
                self.held.append(plan.term)
                while not self.hold.wait(0.005):
                    if pace is not None:
                        pace()  # raises once a newer filter (or closing) cancels this one
            return run(plan, pace)

        def build_texts(source, pace=None):
            self.builds.append(gui())
            return build(source, pace)

        stream = filter_flow.stream_filter

        def stream_filter(plan: FilterPlan, pace, partial) -> FilterResult:
            self.scans.append((plan.term, gui()))  # every lead scanned, as the texts are made
            return stream(plan, pace, partial)

        monkeypatch.setattr("mymove_viewer.ui.filter_flow.run_filter", run_filter)
        monkeypatch.setattr("mymove_viewer.ui.filter_flow.stream_filter", stream_filter)
        monkeypatch.setattr("mymove_viewer.table.lead_table.run_filter", run_filter)
        monkeypatch.setattr(search.TextSource, "texts", build_texts)


def gui() -> bool:
    return threading.current_thread() is threading.main_thread()


@pytest.fixture
def held_index(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """The index is built only once ``opened`` is set."""
    g = Gate()
    monkeypatch.setattr("mymove_viewer.ui.indexer.build_index", g.build)
    return g


@pytest.fixture
def threads(monkeypatch: pytest.MonkeyPatch) -> Threads:
    return Threads(monkeypatch)


def type_filter(qtbot, window, text: str) -> None:
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, text)
    qtbot.waitUntil(lambda: window.model.filter_text == text, timeout=TIMEOUT_MS)


def test_a_filter_typed_while_indexing_gives_the_cells_rows_off_the_gui_thread(
    qtbot,
    make_window,
    do_fetch,
    held_index: Gate,
    threads: Threads,
) -> None:
    window = make_window()
    do_fetch(window, indexed=False)
    want = reference(window, "smi")
    assert 0 < len(want) < window.model.total_count()
    type_filter(qtbot, window, "smi")
    assert window.model.shown_leads() == want  # the same rows, in the table's order
    assert not held_index.built  # the index is still held: the filter built the texts itself
    assert threads.scans == [("smi", False)] and threads.builds and not any(threads.builds)
    total = window.model.total_count()
    assert window.filter_count.text() == f"{len(want):,} of {total:,}"
    with qtbot.waitSignal(window.indexer.ready, timeout=TIMEOUT_MS):
        held_index.opened.set()
    assert window.model.shown_leads() == want
    assert not any(threads.builds)


def test_fast_typing_ends_with_the_rows_of_the_last_text(
    qtbot, make_window, do_fetch, threads: Threads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SYNC_CANDIDATES", 0)  # every keystroke to the worker
    window = make_window()
    do_fetch(window)
    model = window.model
    want = reference(window, "smith")
    assert 0 < len(want) < model.total_count()
    applied: list[str] = []
    model.countsChanged.connect(lambda *_: applied.append(model.filter_text))
    threads.hold.clear()  # the first scan waits until the user typed on
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, "s")
    qtbot.waitUntil(lambda: threads.held == ["s"], timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.filter_count.text() == "Filtering…", timeout=TIMEOUT_MS)
    assert model.filter_text == ""  # the table keeps its rows meanwhile
    qtbot.keyClicks(window.filter_edit, "mith")
    qtbot.waitUntil(lambda: len(threads.scans) == 2, timeout=TIMEOUT_MS)
    threads.hold.set()
    qtbot.waitUntil(lambda: model.filter_text == "smith", timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: window.filter_flow._runner.thread_count() == 0, timeout=TIMEOUT_MS)
    assert model.shown_leads() == want
    assert "s" not in applied  # the older scan, cancelled, never landed
    assert [gui_thread for _term, gui_thread in threads.scans] == [False, False]


def test_esc_clears_a_filter_found_on_the_worker(
    qtbot, make_window, do_fetch, threads: Threads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SYNC_CANDIDATES", 0)
    window = make_window()
    do_fetch(window)
    total = window.model.total_count()
    type_filter(qtbot, window, "smith")
    assert threads.scans == [("smith", False)]
    assert window.model.shown_count() < total
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)
    assert window.filter_edit.text() == ""
    qtbot.waitUntil(lambda: window.model.filter_text == "", timeout=TIMEOUT_MS)
    assert window.model.shown_count() == total
    assert window.filter_count.text() == f"{total:,} of {total:,}"


def test_a_new_fetch_under_a_filter_is_filtered_off_the_gui_thread(
    qtbot, make_window, do_fetch, threads: Threads
) -> None:
    window = make_window()
    do_fetch(window)
    want = reference(window, "smith")
    type_filter(qtbot, window, "smith")
    threads.builds.clear()
    do_fetch(window)  # the same leads again, in a new list: texts to build anew
    qtbot.waitUntil(lambda: window.model.filter_text == "smith", timeout=TIMEOUT_MS)
    assert [x.as_dict() for x in window.model.shown_leads()] == [x.as_dict() for x in want]
    assert threads.builds and not any(threads.builds)


def test_the_chart_and_counts_of_a_filter_are_counted_off_the_gui_thread(
    qtbot, make_window, do_fetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mymove_viewer.ui import overview

    monkeypatch.setattr(overview, "SYNC_RECOUNT", 0)
    monkeypatch.setattr(overview, "RECOUNT_DELAY_MS", 0)
    counted_on: list[bool] = []
    recount = overview.recount

    def spy(*args, **kwargs):
        counted_on.append(gui())
        return recount(*args, **kwargs)

    monkeypatch.setattr(overview, "recount", spy)
    window = make_window()
    do_fetch(window)
    model, panel = window.model, window.overview
    counted_on.clear()  # an empty window counts its nothing at once
    type_filter(qtbot, window, "smith")
    shown = model.shown_count()
    assert 0 < shown < model.total_count()
    qtbot.waitUntil(lambda: sum(panel.chart.volume.counts) == shown, timeout=TIMEOUT_MS)
    states = Counter(lead.new_state for lead in model.shown_leads())
    top, n = states.most_common(1)[0]
    qtbot.waitUntil(
        lambda: panel.states_label.text().startswith(f"To: {top} {n:,}"), timeout=TIMEOUT_MS
    )
    assert counted_on and not any(counted_on)


def test_closing_while_filtering_joins_the_thread(
    qtbot, make_window, do_fetch, threads: Threads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SYNC_CANDIDATES", 0)
    window = make_window()
    do_fetch(window)
    threads.hold.clear()  # never let go: only the close's cancel ends the scan
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, "smith")
    qtbot.waitUntil(lambda: threads.held == ["smith"], timeout=TIMEOUT_MS)
    assert window.filter_flow.busy
    window.close()
    assert window.filter_flow._runner.thread_count() == 0


def test_a_scan_that_trips_is_run_again_on_the_worker(
    qtbot, make_window, do_fetch, threads: Threads, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(search, "SYNC_CANDIDATES", 0)
    from mymove_viewer.ui import filter_flow

    real = filter_flow.run_filter
    tripped: list[bool] = []

    def trip_once(plan: FilterPlan, pace=None) -> FilterResult:
        if not tripped:
            tripped.append(gui())
            raise IndexError("the rows grew under the scan (a watch merge)")
        return real(plan, pace)

    monkeypatch.setattr(filter_flow, "run_filter", trip_once)
    window = make_window()
    do_fetch(window)
    want = reference(window, "smith")
    type_filter(qtbot, window, "smith")
    assert window.model.shown_leads() == want
    assert tripped == [False]
    assert [on_gui for _term, on_gui in threads.scans] == [False]  # the second try, on the worker


def test_words_typed_while_indexing_find_what_the_cells_show(
    qtbot, make_window, do_fetch, held_index: Gate
) -> None:
    """The texts a filter typed before the index builds itself (accents folded a slice at a
    time, times shown by their hour) find exactly the rows whose cells show the word, case and
    accents aside: a name typed with or without its accents, a minute and a day as shown."""
    window = make_window()
    do_fetch(window, indexed=False)
    model = window.model
    rows = [model.lead_at(r) for r in range(model.rowCount())]

    def cells(lead) -> list[str]:
        return [display(c.kind, lead.get(c.field)) for c in model.columns]

    # An accented value whose plain form is in no cell of its lead as sent (the email often
    # holds the name plainly): only folding the accents away finds that row.
    accented = next(
        v
        for x in rows
        for v in cells(x)
        if not v.isascii() and fold(v) not in " ".join(cells(x)).lower() and " " not in v
    )
    shown = display(CREATED, rows[len(rows) // 2].created_at)  # "2026-11-30 14:05"
    for word in (fold(accented), accented.upper(), shown[-5:], shown[:10]):
        want = [x for x in rows if any(fold(word) in fold(v) for v in cells(x))]
        assert 0 < len(want) < len(rows) or word == shown[:10]
        window.focus_filter()
        qtbot.keyClicks(window.filter_edit, word)
        qtbot.waitUntil(lambda w=word: model.filter_text == w.lower(), timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not window.filter_flow.busy, timeout=TIMEOUT_MS)
        assert model.shown_leads() == want, word
        window.filter_edit.clear()
        qtbot.waitUntil(lambda: model.filter_text == "", timeout=TIMEOUT_MS)
    assert not held_index.built  # every one of them before the index
