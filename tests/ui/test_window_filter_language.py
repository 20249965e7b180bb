"""The filter language in the real window: typing words, fields and negations into the box,
unreadable terms named under it, and the overview's counts and bars writing their terms into it."""

from __future__ import annotations

from datetime import datetime

import pytest
from PySide6.QtCore import Qt

from mymove_viewer.table.display import display
from mymove_viewer.table.filter_query import fold

from .conftest import TIMEOUT_MS


@pytest.fixture
def fetched(fetched_24h):
    return fetched_24h


def every_row(window) -> list:
    model = window.model
    assert not model.filter_text, "take the rows with the filter cleared"
    return [model.lead_at(r) for r in range(model.rowCount())]


def shows(window, lead, word: str) -> bool:
    """``word`` is in a cell of ``lead`` as the table shows it, case and accents aside."""
    return any(fold(word) in fold(display(c.kind, lead.get(c.field))) for c in window.model.columns)


def type_filter(qtbot, window, text: str) -> None:
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, text)
    qtbot.waitUntil(lambda: window.model.filter_text == text.lower(), timeout=TIMEOUT_MS)


def clear_with_esc(qtbot, window) -> None:
    window.focus_filter()
    qtbot.keyClick(window.filter_edit, Qt.Key.Key_Escape)
    assert window.filter_edit.text() == ""
    qtbot.waitUntil(lambda: window.model.filter_text == "", timeout=TIMEOUT_MS)


def test_words_are_anded_and_accents_ignored_as_typed(qtbot, fetched) -> None:
    window, model = fetched, fetched.model
    rows = every_row(window)
    for accented in (x for x in rows if x.last_name != fold(x.last_name).title()):
        plain = fold(accented.last_name)  # "garcia" for "García"
        want = [x for x in rows if shows(window, x, plain)]
        if any(not shows(window, x, accented.first_name) for x in want):
            break  # a name the first name narrows down
    type_filter(qtbot, window, plain)
    assert accented in model.shown_leads() and model.shown_leads() == want
    qtbot.keyClicks(window.filter_edit, f" {accented.first_name}")  # both words, anywhere
    both = f"{plain} {accented.first_name}".lower()
    qtbot.waitUntil(lambda: model.filter_text == both, timeout=TIMEOUT_MS)
    assert model.shown_leads() == [x for x in want if shows(window, x, accented.first_name)]
    assert accented in model.shown_leads() and model.shown_count() < len(want)
    assert window.filter_count.text() == f"{model.shown_count():,} of {len(rows):,}"
    clear_with_esc(qtbot, window)
    assert model.shown_count() == len(rows)


def test_field_terms_and_negation_narrow_the_rows(qtbot, fetched) -> None:
    window, model = fetched, fetched.model
    rows = every_row(window)
    state = rows[0].get("new_state")
    type_filter(qtbot, window, f"state:{state} -tenure:rent")
    want = [
        x
        for x in rows
        if fold(state) in fold(x.get("new_state"))
        and "rent" not in fold(x.get("new_housing_tenure"))
    ]
    assert 0 < model.shown_count() < len(rows) and model.shown_leads() == want
    assert not window.filter_edit.problems.isVisible()


def test_an_unreadable_term_is_named_under_the_box_and_the_rest_filters(qtbot, fetched) -> None:
    window, model, label = fetched, fetched.model, fetched.filter_edit.problems
    rows = every_row(window)
    tenure = "own"
    type_filter(qtbot, window, f"move:31/31 tenure:{tenure}")
    qtbot.waitUntil(label.isVisible, timeout=TIMEOUT_MS)
    assert label.text().startswith("Not used: move:31/31: not a date: write 2027-03-01")
    assert model.shown_leads() == [x for x in rows if "own" in fold(x.get("new_housing_tenure"))]
    assert 0 < model.shown_count() < len(rows)
    clear_with_esc(qtbot, window)
    assert not label.isVisible() and model.shown_count() == len(rows)


def test_clicking_state_and_tenure_counts_adds_their_terms(qtbot, fetched) -> None:
    window, model, box = fetched, fetched.model, fetched.filter_edit
    rows = every_row(window)
    panel = window.overview
    term = next(iter(panel.states_label.buttons))  # the commonest state
    state = term.removeprefix("state:")
    qtbot.mouseClick(panel.states_label.buttons[term], Qt.MouseButton.LeftButton)
    assert box.text() == term
    qtbot.waitUntil(lambda: model.filter_text == term.lower(), timeout=TIMEOUT_MS)
    in_state = [x for x in rows if fold(state) in fold(x.get("new_state"))]
    assert model.shown_leads() == in_state and 0 < len(in_state) < len(rows)
    # The counts follow the filter: one state now, and its own/rent split, clickable too.
    qtbot.waitUntil(lambda: list(panel.states_label.buttons) == [term], timeout=TIMEOUT_MS)
    qtbot.mouseClick(panel.tenure_label.buttons["tenure:rent"], Qt.MouseButton.LeftButton)
    assert box.text() == f"{term} tenure:rent"
    both = f"{term} tenure:rent".lower()
    qtbot.waitUntil(lambda: model.filter_text == both, timeout=TIMEOUT_MS)
    assert model.shown_leads() == [x for x in in_state if x.get("new_housing_tenure") == "rent"]
    qtbot.mouseClick(panel.states_label.buttons[term], Qt.MouseButton.LeftButton)
    assert box.text() == f"{term} tenure:rent"  # already there: not twice
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert box.text() == term  # a click is one step to undo
    clear_with_esc(qtbot, window)
    assert model.shown_count() == len(rows)


def test_a_chart_bar_writes_its_period_in_the_box_and_esc_clears_it(qtbot, fetched) -> None:
    window, model, box = fetched, fetched.model, fetched.filter_edit
    chart = window.overview.chart
    rows = every_row(window)
    type_filter(qtbot, window, "a")
    data = chart.volume
    i = max(range(len(data)), key=data.counts.__getitem__)
    start, end = data.period(i)
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_slot(i).center())
    hour = datetime.fromtimestamp(start)
    term = f"created:{hour:%Y-%m-%dT%H}"
    assert box.text() == f"a {term}"  # joins what was typed
    qtbot.waitUntil(lambda: model.filter_text == f"a {term}".lower(), timeout=TIMEOUT_MS)
    assert model.shown_leads() == [
        x for x in rows if shows(window, x, "a") and start <= x.created.timestamp() < end
    ]
    assert chart.selected == i
    other = next(j for j in range(len(data)) if j != i and data.counts[j])
    qtbot.mouseClick(chart, Qt.MouseButton.LeftButton, pos=chart.bar_slot(other).center())
    assert box.text().startswith("a created:") and box.text() != f"a {term}"  # replaced
    qtbot.waitUntil(lambda: chart.selected == other, timeout=TIMEOUT_MS)
    clear_with_esc(qtbot, window)
    assert model.shown_count() == len(rows)
    qtbot.waitUntil(lambda: chart.selected is None, timeout=TIMEOUT_MS)
    assert model.period is None  # no filter outside the box


def test_leads_merged_in_watch_mode_pass_the_same_terms() -> None:
    from mymove_viewer.api.lead import Lead
    from mymove_viewer.ui.model import LeadTableModel

    def lead(i: int, state: str, source: str) -> Lead:
        return Lead.from_mapping({"created_at": f"2026-11-27T10:{i:02d}:00Z", "new_state": state,
                                  "first_name": f"n{i}", "lead_source": source})  # fmt: skip

    model = LeadTableModel()
    model.set_leads([lead(0, "TX", "web"), lead(1, "TX", "phone"), lead(2, "CA", "phone")],
                    ("lead_source",))  # fmt: skip
    model.set_filter("state:tx -lead_source:web")
    assert [x.first_name for x in model.shown_leads()] == ["n1"]
    added = model.merge_leads([lead(3, "TX", "phone"), lead(4, "TX", "web"), lead(5, "OK", "x")])
    assert added == 3 and sorted(x.first_name for x in model.shown_leads()) == ["n1", "n3"]


def test_a_paste_longer_than_the_box_takes_is_said_to_be_cut(qtbot, fetched) -> None:
    window, label = fetched, fetched.filter_edit.problems
    edit = window.filter_edit
    edit.setFocus()
    edit.insert("lopez state:TX " * 5000)  # a paste: Qt keeps the first 32,767 characters
    assert len(edit.text()) == edit.maxLength()
    qtbot.waitUntil(lambda: "was cut at 32,767 characters" in label.text(), timeout=TIMEOUT_MS)
    assert label.isVisible()
    clear_with_esc(qtbot, window)
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=TIMEOUT_MS)
