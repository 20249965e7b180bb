"""A filter typed before the search texts are made shows the top of its rows first
(``table/search_stream.py``): never a row it would not show in the end, nor in another place."""

from __future__ import annotations

import threading

import pytest

from mymove_viewer.table import search_stream, text_source
from mymove_viewer.ui.filter_flow import FILTERING

from .conftest import TIMEOUT_MS
from .test_window_filter_worker import reference
from .test_window_index import Gate


class HeldBuild:
    """Texts are made a few leads at a time; once some are made, making more waits for
    ``go`` (on a worker only), the wait ending early if the job is cancelled."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.go = threading.Event()
        build = text_source.TextSource.build

        def held(source, upto: int, pace=None) -> list[str]:
            if source.built and threading.current_thread() is not threading.main_thread():
                while not self.go.wait(0.005):
                    if pace is not None:
                        pace()  # raises once a newer filter cancels this one
            return build(source, upto, pace)

        monkeypatch.setattr(text_source, "TEXT_SLICE", 8)
        monkeypatch.setattr(search_stream, "SCAN_SLICE", 16)
        monkeypatch.setattr(text_source.TextSource, "build", held)


def test_a_filter_typed_before_the_texts_shows_its_top_rows_then_all(
    qtbot, make_window, do_fetch, monkeypatch: pytest.MonkeyPatch
) -> None:
    held, held_index = HeldBuild(monkeypatch), Gate()  # the index waits until opened
    monkeypatch.setattr("mymove_viewer.ui.indexer.build_index", held_index.build)
    window = make_window()
    window.panel.days_radio.click()
    window.panel.days_spin.setValue(7)
    do_fetch(window, indexed=False)
    model = window.model
    want = {term: reference(window, term) for term in ("s", "sm")}
    assert 16 < len(want["sm"]) < len(want["s"]) < model.total_count()
    seen: list[tuple[str, bool, list]] = []
    model.countsChanged.connect(
        lambda *_: seen.append((model.filter_text, model.filter_partial, model.shown_leads()))
    )
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, "s")
    qtbot.waitUntil(lambda: model.filter_text == "s", timeout=TIMEOUT_MS)
    # The rows of the texts made so far: the top of the result, in the table's order.
    assert model.filter_partial and window.filter_flow.busy
    shown = model.shown_leads()
    assert 0 < len(shown) < len(want["s"]) and shown == want["s"][: len(shown)]
    assert window.filter_count.text() == FILTERING
    # Typed on: "sm" is looked for among every lead, not among the few rows "s" shows so far.
    qtbot.keyClicks(window.filter_edit, "m")
    qtbot.waitUntil(lambda: window.filter_flow._text == "sm", timeout=TIMEOUT_MS)
    held.go.set()
    qtbot.waitUntil(
        lambda: model.filter_text == "sm" and not model.filter_partial, timeout=TIMEOUT_MS
    )
    qtbot.waitUntil(lambda: not window.filter_flow.busy, timeout=TIMEOUT_MS)
    assert model.shown_leads() == want["sm"]
    total = model.total_count()
    assert window.filter_count.text() == f"{len(want['sm']):,} of {total:,}"
    assert not held_index.built  # the filter made every text itself
    for text, partial, rows in seen:
        assert rows == want[text][: len(rows)], text  # never a wrong row, nor out of place
        assert partial or rows == want[text]
    # The index that follows takes the texts the filter made; the rows stay.
    with qtbot.waitSignal(window.indexer.ready, timeout=TIMEOUT_MS):
        held_index.opened.set()
    assert model.shown_leads() == want["sm"] and not model.filter_partial
