"""In the real window, a one-character filter takes its rows from the character masks the index
made (``table/char_masks.py``), and a watch merge grows them with the new leads."""

from __future__ import annotations

import threading

from mymove_viewer.table.char_masks import CHARS, char_masks
from mymove_viewer.ui import indexer

from .conftest import TIMEOUT_MS
from .test_window_filter_worker import reference, type_filter
from .test_window_watch import one_poll_window


def masked(window, term: str) -> bool:
    """The window's next filter to ``term`` would take its mask, made for every lead shown."""
    plan = window.model.plan_filter(term)
    chars = plan.chars if plan is not None else None
    return chars is not None and chars.count == window.model.total_count()


def test_one_character_filters_take_the_masks_before_and_after_a_merge(
    qtbot, make_window, do_fetch, sandbox
) -> None:
    window = one_poll_window(make_window, do_fetch)  # fetched, and indexed
    model = window.model
    assert masked(window, "a")
    counts = {key: len(reference(window, key)) for key in CHARS}
    term = min((k for k in CHARS if counts[k]), key=counts.__getitem__)  # the rarest held
    want = reference(window, term)
    type_filter(qtbot, window, term)
    assert model.shown_leads() == want
    assert window.filter_count.text() == f"{len(want):,} of {model.total_count():,}"

    window.filter_edit.clear()
    qtbot.waitUntil(lambda: model.filter_text == "", timeout=TIMEOUT_MS)
    first = model.total_count()
    sandbox.add_leads(25)
    with qtbot.waitSignal(window.watch_flow.merged, timeout=TIMEOUT_MS) as merged:
        window.watch_flow.action.trigger()
    assert merged.args == [25] and model.total_count() == first + 25
    assert masked(window, term)  # grown with the texts: every lead, the new ones too
    want = reference(window, term)
    type_filter(qtbot, window, term)
    assert model.shown_leads() == want


def test_a_name_is_looked_for_where_one_group_of_fields_holds_its_letters(
    qtbot, make_window, do_fetch
) -> None:
    """A longer term is read for only in the texts where one group of fields (the names and
    email, a street and city, the rest) holds all its letters: fewer than hold them anywhere."""
    window = one_poll_window(make_window, do_fetch)
    model = window.model
    plan = model.plan_filter("a")
    assert plan is not None and plan.texts is not None and masked(window, "a")
    texts, chars = plan.texts, plan.chars
    names = sorted({lead.last_name.lower() for lead in model.leads if lead.last_name.isascii()})
    narrower = []
    for name in names:
        among = chars.among(name)
        anywhere = sum(set(name) <= set(t) for t in texts)
        if among is not None and among.count(1) < anywhere:
            narrower.append(name)
    assert narrower, "no name's letters were ever spread over groups of fields"
    term = narrower[0]
    want = reference(window, term)
    type_filter(qtbot, window, term)
    assert model.shown_leads() == want and want
    assert window.filter_count.text() == f"{len(want):,} of {model.total_count():,}"


def test_the_masks_follow_the_index_without_holding_up_its_counts(
    qtbot, make_window, do_fetch
) -> None:
    """The chart and counts come with the index; the character masks after it, then taken."""
    window = make_window()
    seen: list[tuple[str, bool]] = []
    window.indexer.ready.connect(lambda *_: seen.append(("index", masked(window, "a"))))
    window.indexer.masked.connect(lambda *_: seen.append(("masks", masked(window, "a"))))
    window.session.counted.connect(lambda *_: seen.append(("counts", masked(window, "a"))))
    do_fetch(window)  # until the indexer is done with both
    assert seen == [("counts", False), ("index", False), ("masks", True)]
    assert masked(window, "a")


def test_a_poll_merged_before_the_masks_come_has_them_grown_in(
    qtbot, make_window, do_fetch, sandbox, monkeypatch
) -> None:
    """A watch poll lands after the index but before its masks: the masks, made of the texts
    before the merge, are grown by the poll's own, and a filter then takes them."""
    opened = threading.Event()
    made = indexer.text_masks

    def held(texts, pace=None):
        while not opened.wait(0.005):
            if pace is not None:
                pace()  # (a cancel is heard)
        return made(texts, pace)

    monkeypatch.setattr(indexer, "text_masks", held)
    window = one_poll_window(make_window, do_fetch, indexed=False)
    model = window.model
    qtbot.waitUntil(lambda: model.plan_filter("a").texts is not None, timeout=TIMEOUT_MS)
    assert window.indexer.busy and not masked(window, "a")  # the index, its masks held
    first = model.total_count()
    sandbox.add_leads(25)
    with qtbot.waitSignal(window.watch_flow.merged, timeout=TIMEOUT_MS) as merged:
        window.watch_flow.action.trigger()
    assert merged.args == [25] and not masked(window, "a")
    with qtbot.waitSignal(window.indexer.masked, timeout=TIMEOUT_MS):
        opened.set()
    assert masked(window, "a") and model.total_count() == first + 25
    texts = model.plan_filter("a").texts
    assert model.plan_filter("a").chars == char_masks(texts)  # as if made of them all
    term = next(k for k in "qzxjvkw" if any(k in t for t in texts))
    want = reference(window, term)
    type_filter(qtbot, window, term)
    assert model.shown_leads() == want and window.filter_count.text().startswith(f"{len(want):,}")
