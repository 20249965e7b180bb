"""Saved views as a user works them: save the table's set-up by name from the Views menu, change
everything, pick the view back (fetching when its window needs other leads), after a restart too;
replace, rename and delete. The name dialogs are answered by patching ``QInputDialog``."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QInputDialog, QMenu, QMessageBox

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.query import Query
from mymove_viewer.table.view_rows import rows_for_view
from mymove_viewer.table.views import view_fields

from .conftest import TIMEOUT_MS
from .test_window_table import click_header, raw_column

Answer = tuple[str, bool]


def answer_names(monkeypatch: pytest.MonkeyPatch, *answers: Answer) -> list[tuple[str, str]]:
    """Answer the next name dialogs in turn; returns what each asked (prompt, text offered)."""
    queue, asked = list(answers), []

    def get_text(_parent, _title, label, _echo=None, text="", *_args, **_kwargs) -> Answer:
        asked.append((label, text))
        return queue.pop(0)

    monkeypatch.setattr(QInputDialog, "getText", get_text)
    return asked


def answer_choice(monkeypatch: pytest.MonkeyPatch, pick: Callable[[list[str]], str]) -> None:
    def get_item(_parent, _title, _label, items, _current=0, _editable=True, *_a, **_k):
        return pick(list(items)), True

    monkeypatch.setattr(QInputDialog, "getItem", get_item)


def answer_questions(
    monkeypatch: pytest.MonkeyPatch, reply: QMessageBox.StandardButton
) -> list[str]:
    """Answer every Yes/No question with ``reply``; returns the questions asked."""
    asked: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs) -> QMessageBox.StandardButton:
        asked.append(text)
        return reply

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def views_menu(window) -> QMenu:
    menu = window.findChild(QMenu, "viewsMenu")
    assert menu is not None
    return menu


def view_names(window) -> list[str]:
    return [a.text() for a in window.views.view_actions]


def view_action(window, name: str):
    return next(a for a in views_menu(window).actions() if a.text() == name)


def shown_fields(window) -> list[str]:
    fields = [c.field for c in window.model.columns]
    return [fields[c] for c in window.table.visible_columns()]


def set_up_table(qtbot, window) -> tuple[str, list[str]]:
    """Filter to a city, sort by last name (descending), hide offer_id, email first and wide."""
    city = window.model.lead_at(0).get("new_city")
    window.focus_filter()
    qtbot.keyClicks(window.filter_edit, city)
    qtbot.waitUntil(lambda: window.model.filter_text == city.lower(), timeout=TIMEOUT_MS)
    assert 0 < window.model.rowCount() < window.model.total_count()
    click_header(qtbot, window, "last_name")
    if window.table.horizontalHeader().sortIndicatorOrder() != Qt.SortOrder.DescendingOrder:
        click_header(qtbot, window, "last_name")
    header = window.table.horizontalHeader()
    header.setSectionHidden(window.model.column_of("offer_id"), True)
    header.moveSection(header.visualIndex(window.model.column_of("email")), 0)  # a drag
    header.resizeSection(window.model.column_of("email"), 321)
    return city, shown_fields(window)


def mess_up(qtbot, window) -> None:
    """Everything the view keeps, changed: no filter, other sort, all columns, another window."""
    window.filter_edit.clear()
    qtbot.waitUntil(lambda: window.model.filter_text == "", timeout=TIMEOUT_MS)
    click_header(qtbot, window, "created_at")
    window.table.show_all_columns()
    header = window.table.horizontalHeader()
    header.moveSection(header.visualIndex(window.model.column_of("email")), 10)
    header.resizeSection(window.model.column_of("email"), 90)
    window.panel.hours_radio.click()


def assert_view_shown(qtbot, window, city: str, fields: list[str]) -> None:
    qtbot.waitUntil(lambda: window.model.filter_text == city.lower(), timeout=TIMEOUT_MS)
    assert window.filter_edit.text() == city
    assert shown_fields(window) == fields and "offer_id" not in fields and fields[0] == "email"
    header = window.table.horizontalHeader()
    assert header.sectionSize(window.model.column_of("email")) == 321
    assert header.sortIndicatorSection() == window.model.column_of("last_name")
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    names = [n.casefold() for n in raw_column(window, "last_name")]
    assert names == sorted(names, reverse=True)
    assert all(city.lower() in lead.get("new_city").lower() or city.lower() in
               "\x1f".join(lead[:19]).lower() for lead in window.model.shown_leads())  # fmt: skip
    assert window.panel.days_radio.isChecked() and window.panel.days_spin.value() == 7


def test_save_change_and_pick_a_view(qtbot, monkeypatch, fetched, sandbox) -> None:
    window = fetched
    city, fields = set_up_table(qtbot, window)
    asked = answer_names(monkeypatch, ("Austin owners", True))
    assert view_names(window) == []
    qtbot.keyClick(window, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier
                   | Qt.KeyboardModifier.ShiftModifier)  # fmt: skip
    assert asked == [("Name of the view:", "")]
    assert view_names(window) == ["Austin owners"]
    assert 'View "Austin owners" saved.' in window.status_label.text()

    mess_up(qtbot, window)
    assert shown_fields(window) != fields
    requests = len(sandbox.requests)
    view_action(window, "Austin owners").trigger()
    assert_view_shown(qtbot, window, city, fields)
    # The leads shown are of the view's window: nothing fetched.
    assert not window.controller.busy and len(sandbox.requests) == requests

    # Ctrl+1 picks the first view, as the menu shows.
    mess_up(qtbot, window)
    qtbot.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert_view_shown(qtbot, window, city, fields)


def test_a_view_with_another_window_fetches_it(qtbot, monkeypatch, fetched, sandbox) -> None:
    window = fetched
    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(30)
    window.filter_edit.setText("a")
    answer_names(monkeypatch, ("Last 30 hours", True))
    window.views.save_action.trigger()
    window.panel.days_radio.click()  # the shown leads are still the last 7 days
    before = len(sandbox.requests)
    with qtbot.waitSignal(window.session.replaced, timeout=TIMEOUT_MS):
        view_action(window, "Last 30 hours").trigger()
    assert len(sandbox.requests) == before + 1
    assert sandbox.requests[-1].query == {"hrs": "30"}
    assert window.session.query == Query.last_hours(30)
    assert window.panel.hours_radio.isChecked() and window.panel.hours_spin.value() == 30
    qtbot.waitUntil(lambda: window.model.filter_text == "a", timeout=TIMEOUT_MS)


def test_views_survive_a_restart(qtbot, monkeypatch, make_window, do_fetch) -> None:
    first = make_window()
    first.panel.days_radio.click()
    first.panel.days_spin.setValue(7)
    do_fetch(first)
    city, fields = set_up_table(qtbot, first)
    answer_names(monkeypatch, ("Austin owners", True))
    first.views.save_action.trigger()
    mess_up(qtbot, first)  # the layout the next window starts with is another
    first.close()

    second = make_window()  # the same settings folder
    assert view_names(second) == ["Austin owners"]
    assert second.panel.hours_radio.isChecked()
    with qtbot.waitSignal(second.session.replaced, timeout=TIMEOUT_MS):
        view_action(second, "Austin owners").trigger()  # no leads yet: fetches the view's
    qtbot.waitUntil(lambda: not second.indexer.busy, timeout=TIMEOUT_MS)
    assert_view_shown(qtbot, second, city, fields)


def test_saving_an_existing_name_asks_to_replace(qtbot, monkeypatch, fetched) -> None:
    window = fetched
    answer_names(monkeypatch, ("Mine", True))
    window.views.save_action.trigger()
    window.filter_edit.setText("smith")
    replies = [QMessageBox.StandardButton.No, QMessageBox.StandardButton.Yes]
    questions: list[str] = []

    def question(_parent, _title, text, *_args, **_kwargs):
        questions.append(text)
        return replies.pop(0)

    monkeypatch.setattr(QMessageBox, "question", question)
    # "mine" is the same name: No asks for another name, which is cancelled; nothing changes.
    asked = answer_names(monkeypatch, ("mine", True), ("", False))
    window.views.save_action.trigger()
    assert questions == ['A view named "Mine" exists. Replace it with the table as it is now?']
    assert asked[1] == ("Choose another name.\nName of the view:", "mine")
    assert window.views.views()[0].filter == ""
    answer_names(monkeypatch, ("MINE ", True))
    window.views.save_action.trigger()
    assert [(v.name, v.filter) for v in window.views.views()] == [("MINE", "smith")]
    assert view_names(window) == ["MINE"]


def test_a_blank_or_bad_name_is_asked_again(qtbot, monkeypatch, fetched) -> None:
    asked = answer_names(monkeypatch, ("  ", True), ("a\tb", True), ("Fine", True))
    fetched.views.save_action.trigger()
    assert [label for label, _ in asked] == [
        "Name of the view:",
        "A view needs a name.\nName of the view:",
        "A view's name cannot hold control characters (a tab or a new line).\nName of the view:",
    ]
    assert view_names(fetched) == ["Fine"]


def test_rename_and_delete(qtbot, monkeypatch, fetched) -> None:
    window = fetched
    menu = views_menu(window)
    assert not window.views.rename_action.isEnabled()
    assert not window.views.delete_action.isEnabled()
    for name in ("North", "South", "R&D"):
        answer_names(monkeypatch, (name, True))
        window.views.save_action.trigger()
    assert view_names(window) == ["North", "South", "R&&D"]  # "&" shown as typed
    assert window.views.rename_action.isEnabled() and window.views.delete_action.isEnabled()

    answer_choice(monkeypatch, lambda items: items[1])
    # A name another view has is refused; then the new name.
    asked = answer_names(monkeypatch, ("north", True), ("South-west", True))
    window.views.rename_action.trigger()
    assert asked == [("New name:", "South"),
                     ('A view named "North" exists already.\nNew name:', "north")]  # fmt: skip
    assert view_names(window) == ["North", "South-west", "R&&D"]

    answer_choice(monkeypatch, lambda items: items[0])
    questions = answer_questions(monkeypatch, QMessageBox.StandardButton.No)
    window.views.delete_action.trigger()  # No: a deleted view cannot be brought back
    assert view_names(window) == ["North", "South-west", "R&&D"]
    assert len(questions) == 1 and questions[0].startswith('Delete the view "North" (')
    answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
    window.views.delete_action.trigger()
    assert view_names(window) == ["South-west", "R&&D"]
    assert window.views.view_actions[0].shortcut().toString() == "Ctrl+1"
    assert window.settings_writer.flush()
    stored = window._store.load().settings.views["production"]
    assert [v.name for v in stored] == ["South-west", "R&D"]

    for _ in range(2):
        answer_choice(monkeypatch, lambda items: items[0])
        answer_questions(monkeypatch, QMessageBox.StandardButton.Yes)
        window.views.delete_action.trigger()
    assert view_names(window) == []
    disabled = [a.objectName() for a in menu.actions() if not a.isEnabled()]
    assert "noViewsAction" in disabled
    assert not window.views.delete_action.isEnabled()
    assert window.settings_writer.flush()
    assert window._store.load().settings.views == {}


def test_views_belong_to_their_environment(qtbot, monkeypatch, fetched) -> None:
    window = fetched
    answer_names(monkeypatch, ("Production only", True))
    window.views.save_action.trigger()
    window.panel.environment_combo.setCurrentIndex(1)  # staging
    assert view_names(window) == []
    window.panel.environment_combo.setCurrentIndex(0)
    assert view_names(window) == ["Production only"]


def test_columns_follow_their_names_when_extra_fields_come_and_go(
    qtbot, monkeypatch, fetched, do_fetch
) -> None:
    window = fetched  # the last 7 days: some leads carry the extra field old_housing_tenure
    header = window.table.horizontalHeader()
    assert window.model.column_of("old_housing_tenure") >= 0
    header.moveSection(header.visualIndex(window.model.column_of("old_housing_tenure")), 0)
    header.moveSection(header.visualIndex(window.model.column_of("email")), 1)
    header.setSectionHidden(window.model.column_of("offer_id"), True)
    with_extra = shown_fields(window)
    answer_names(monkeypatch, ("With tenure", True))
    window.views.save_action.trigger()

    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(3)
    do_fetch(window)  # no lead of the last 3 hours has the extra field
    assert window.model.column_of("old_housing_tenure") == -1
    header.moveSection(header.visualIndex(window.model.column_of("new_state")), 0)
    short = shown_fields(window)
    answer_names(monkeypatch, ("Short", True))
    window.views.save_action.trigger()

    with qtbot.waitSignal(window.session.replaced, timeout=TIMEOUT_MS):
        view_action(window, "With tenure").trigger()
    assert window.model.column_of("old_housing_tenure") >= 0
    assert shown_fields(window) == with_extra
    assert shown_fields(window)[:2] == ["old_housing_tenure", "email"]
    with qtbot.waitSignal(window.session.replaced, timeout=TIMEOUT_MS):
        view_action(window, "Short").trigger()
    assert shown_fields(window) == short and short[0] == "new_state"


@pytest.mark.parametrize("sort_by", ["last_name", "new_postal_code", "created_at", "move_date"])
def test_the_command_line_shows_the_rows_the_window_shows(
    qtbot, monkeypatch, fetched, sort_by
) -> None:
    window = fetched
    set_up_table(qtbot, window)
    click_header(qtbot, window, sort_by)
    answer_names(monkeypatch, ("Same", True))
    view = window.views.save_view()
    assert view is not None and view.sort is not None and view.sort[0] == sort_by
    extra = [c.field for c in window.model.columns if c.field not in FIELDS]
    leads = window.model.leads
    assert rows_for_view(leads, view, extra) == window.model.shown_rows()
    assert view_fields(view, [c.field for c in window.model.columns]) == shown_fields(window)


def test_a_damaged_view_is_dropped_with_a_warning(qtbot, monkeypatch, make_window) -> None:
    first = make_window()
    first.panel.days_radio.click()
    answer_names(monkeypatch, ("Kept", True))
    first.views.save_action.trigger()
    first.close()
    path = first._store.path
    data = json.loads(path.read_text(encoding="utf-8"))
    data["views"]["production"].insert(0, {"name": "Broken", "window": {"mode": "fortnight"}})
    path.write_text(json.dumps(data), encoding="utf-8")

    second = make_window()
    assert view_names(second) == ["Kept"]
    assert second.panel.days_radio.isChecked()  # the other settings are all there
    assert second.settings.client_ids == data["client_ids"]
    message = second.banner.message()
    assert second.banner.isVisible() and '"Broken" (production)' in message
    assert "time window is missing or of an unknown kind" in message


def test_a_view_with_an_impossible_window_is_not_saved(qtbot, monkeypatch, fetched) -> None:
    window = fetched
    start, end = window.panel.range_bounds()
    window.panel.set_range(end, start)  # the start after the end
    window.panel.range_radio.click()
    asked = answer_names(monkeypatch)
    window.views.save_action.trigger()
    assert asked == []  # not asked for a name it could not keep
    assert window.banner.isVisible()
    assert window.banner.message() == (
        "The view was not saved: The start of the range must be before its end. Correct the "
        "time window, then save again."
    )
    assert view_names(window) == []
