"""Fuzzing every input a user types into the window: client ID, spin boxes, dates (anywhere in
the calendar, in several zones), the filter box and the key field.

Example counts come from the hypothesis profile (``tests/conftest.py``). The window tests build
one window per test and feed it every example (hence the suppressed function-scoped-fixture check).
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mymove_viewer.api.errors import ValidationError
from mymove_viewer.api.moments import LAST
from mymove_viewer.api.query import clean_client_id
from mymove_viewer.credentials import InvalidKeyError, normalize_key
from mymove_viewer.table.display import display
from tests.calendar_edges import ZONES, local_zone

from .fuzz_strategies import GUI, nasty_text

edge_zones = st.sampled_from(ZONES)


# -- what a user types -------------------------------------------------------------------------


@pytest.fixture
def window(marked_window):
    return marked_window()


@GUI
@given(text=nasty_text)
def test_client_id_field(window, text: str) -> None:
    panel = window.panel
    panel.client_id_edit.setText(text)
    panel.client_id_edit.editingFinished.emit()  # the window saves settings here
    try:
        clean_client_id(panel.client_id())
    except ValidationError as exc:
        assert window.fetch_block_reason() == exc.message
        assert panel.reason_label.text() == exc.message and not panel.fetch_button.isEnabled()
    else:
        assert window.fetch_block_reason() is None and panel.fetch_button.isEnabled()


@GUI
@given(text=nasty_text, which=st.sampled_from(["hours_spin", "days_spin"]))
def test_spin_boxes(window, text: str, which: str) -> None:
    spin = getattr(window.panel, which)
    before = spin.value()
    spin.lineEdit().setText(text)
    spin.interpretText()
    assert spin.minimum() <= spin.value() <= spin.maximum()
    if not any(c.isdigit() for c in text):
        assert spin.value() == before  # nothing numeric typed: the old value stays
    window.panel.set_mode("hours" if which == "hours_spin" else "days")
    assert window.fetch_block_reason() is None  # a spin box can only hold a valid number


@GUI
@given(start=nasty_text, end=nasty_text)
def test_date_fields(window, start: str, end: str) -> None:
    panel = window.panel
    panel.set_mode("range")
    for edit, text in ((panel.start_edit, start), (panel.end_edit, end)):
        edit.lineEdit().setText(text)
        edit.interpretText()
    reason = window.fetch_block_reason()
    s, e = panel.range_bounds()
    if s < e:
        assert reason is None
    else:
        assert reason == "The start of the range must be before its end."
        assert panel.reason_label.text() == reason and not panel.fetch_button.isEnabled()


@pytest.fixture
def fetched_window(window, do_fetch):
    do_fetch(window)
    assert window.model.total_count() > 0
    return window


@GUI
@given(text=nasty_text | st.sampled_from(["ann", "GMAIL", " .com ", "-", "2026", ":00", " 1"]))
def test_filter_box(fetched_window, text: str) -> None:
    window = fetched_window
    model = window.model
    window.filter_edit.setText(text)
    window._apply_filter()  # what the 150 ms typing timer calls
    term = text.strip().lower()
    shown = {tuple(lead) for lead in model.shown_leads()}
    assert model.shown_count() == len(shown) <= model.total_count()
    columns = model.columns
    for lead in model.leads:  # every lead with the term in one of its cells is shown
        if any(term in display(c.kind, lead.get(c.field)).lower() for c in columns):
            assert tuple(lead) in shown
    assert window.filter_count.text() == (
        f"{model.shown_count():,} of {model.total_count():,}" if model.total_count() else ""
    )


@GUI
@given(text=nasty_text | st.text(st.characters(max_codepoint=127), min_size=1, max_size=60))
@example(text="\ud800")  # seen failing once: Qt drops a lone surrogate from the field
@example(text="a\ud800b")
def test_key_field(window, credentials, text: str) -> None:
    from PySide6.QtWidgets import QLineEdit

    dialog = window.open_key_dialog()
    assert dialog is not None
    assert dialog.key_edit.echoMode() == QLineEdit.EchoMode.Password
    dialog.key_edit.setText(text)
    # What the field holds is what a user could have typed: Qt drops lone surrogates.
    text = dialog.key_edit.text()
    try:
        expected = normalize_key(text)
    except InvalidKeyError as exc:
        expected, message = None, str(exc)
    if not text.strip():
        assert not dialog.save_button.isEnabled()
        dialog.reject()
        return
    dialog.save()
    if expected is None:
        assert dialog.isVisible() and dialog.result_label.text() == message
        assert text.strip() not in message
        dialog.reject()
    else:
        assert not dialog.isVisible()
        assert credentials.get("production") == expected
    assert window.key_dialog is None  # closed either way, and its key field cleared
    assert dialog.key_edit.text() == ""


editor_texts = st.builds(
    lambda d: f"{d.year:04d}-{d:%m-%d %H:%M}",
    st.datetimes(min_value=datetime.min, max_value=datetime.max),
) | st.sampled_from(["0001-01-01 00:00", "1752-09-14 00:00", "9999-12-31 23:59"])


@GUI
@given(start=editor_texts, end=editor_texts, zone=edge_zones)
def test_date_fields_anywhere_in_the_calendar(window, start: str, end: str, zone: str) -> None:
    from mymove_viewer.ui.query_panel import FUTURE_START

    panel = window.panel
    panel.set_mode("range")
    with local_zone(zone):
        for edit, text in ((panel.start_edit, start), (panel.end_edit, end)):
            edit.lineEdit().setText(text)
            edit.interpretText()
        reason = window.fetch_block_reason()
        s, e = panel.range_bounds()
        # Times past the last instant UTC can hold (west of Greenwich, late on 9999-12-31) ask
        # for everything up to it.
        if LAST < s < e:
            assert reason is not None and "Choose an earlier start." in reason
        elif s < e:
            # A start still to come has no lead yet: Fetch waits for it, saying so.
            assert reason == (FUTURE_START if s > window.clock() else None)
            params = panel.query().params()  # sendable: four-digit years, within the calendar
            assert all(re.fullmatch(r"[0-9]{4}-.*Z", v) for v in params.values())
        else:
            assert reason == "The start of the range must be before its end."
        window.saved.remember_query()  # what closing the window does
        assert window.settings.range_end == e.isoformat()
