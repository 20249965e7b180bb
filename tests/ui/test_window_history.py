"""The lead history in the real window (issue 18): stored leads at start without the network,
statuses kept across restarts, polls stored, Forget…, no history, a damaged or newer file, and
environments that never mix. A real SQLite file in the test's MYMOVE_VIEWER_DATA_DIR."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from PySide6.QtCore import Qt

from mymove_viewer.api.query import Environment
from mymove_viewer.sandbox import DEMO_CLIENT_ID
from mymove_viewer.settings import Settings
from mymove_viewer.store import LeadStore, Status, store_path
from mymove_viewer.store.database import APPLICATION_ID
from mymove_viewer.table.work import WorkChange

from .conftest import FIXED_NOW, TIMEOUT_MS
from .test_window_watch import FAST_POLL_S

START, END = FIXED_NOW - timedelta(days=2), FIXED_NOW


def range_settings(**kwargs: object) -> Settings:
    """A saved query of two days before the sandbox's "now": the same leads at every start,
    whatever today's date is."""
    return Settings(
        client_ids={"production": DEMO_CLIENT_ID, "staging": DEMO_CLIENT_ID},
        query_mode="range",
        range_start=START.isoformat(),
        range_end=END.isoformat(),
        **kwargs,  # type: ignore[arg-type]
    )


def wait_written(qtbot, window) -> None:
    """Until the history has written everything queued (the test then reads the file)."""
    qtbot.waitUntil(lambda: not window.history.queue.busy, timeout=TIMEOUT_MS)


def back_from_dialog(qtbot, window) -> None:
    """The window active again after a dialog, for its shortcuts (F5)."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=TIMEOUT_MS)


def count_stored(env: str, client: str = DEMO_CLIENT_ID) -> int:
    with LeadStore.open() as store:
        return len(store.stored(env, client))


def restart(qtbot, make_window, window):
    """Close ``window`` (its history writes what is queued) and open a new one."""
    window.close()
    again = make_window()
    qtbot.waitUntil(lambda: not again.history.queue.busy, timeout=TIMEOUT_MS)
    return again


def test_stored_leads_show_at_start_without_a_request(qtbot, make_window, do_fetch, sandbox):
    window = make_window(settings=range_settings())
    do_fetch(window)
    fetched = set(window.model.leads)
    assert len(fetched) > 50
    wait_written(qtbot, window)
    assert count_stored("production") == len(fetched)

    window.close()
    sandbox.clear_requests()
    sandbox.stop()  # the server is gone: the leads come from the history
    again = make_window()
    qtbot.waitUntil(lambda: again.model.total_count() == len(fetched), timeout=TIMEOUT_MS)
    assert set(again.model.leads) == fetched
    assert sandbox.requests == []
    assert again.status.text().startswith("Stored leads, fetched ")
    assert "press F5 to refresh" in again.status.text()
    assert again.fetch_action.shortcuts()[0].toString() == "F5"

    # Everything but fetching works offline: filter and sort the stored leads.
    again.filter_edit.setText("state:TX")
    qtbot.waitUntil(lambda: 0 < again.model.shown_count() < len(fetched), timeout=TIMEOUT_MS)
    assert all("TX" in (lead.new_state, lead.old_state) for lead in again.model.shown_leads())


def test_a_status_set_while_the_leads_are_stored_survives_a_restart(
    qtbot, make_window, do_fetch
) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window, indexed=False)
    leads = window.model.leads[:3]
    # At once: the merge of these very leads may still be running on the history's worker.
    window.session.change_work(WorkChange(leads, status=Status.CONTACTED, note="called"))
    window.session.change_work(WorkChange(leads[:1], exported_at=FIXED_NOW.timestamp()))

    again = restart(qtbot, make_window, window)
    qtbot.waitUntil(lambda: again.model.total_count() > 50, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: bool(again.model.table.work.status), timeout=TIMEOUT_MS)
    work = again.model.table.work
    assert {lead: work.status_of(lead) for lead in leads} == dict.fromkeys(leads, Status.CONTACTED)
    assert [work.notes.get(lead) for lead in leads] == ["called"] * 3
    assert work.exported == {leads[0]: FIXED_NOW.timestamp()}
    assert len(work.status) == 3  # no other lead got a status


def test_a_new_fetch_keeps_the_stored_statuses(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    lead = window.model.leads[5]
    window.session.change_work(WorkChange([lead], status=Status.QUALIFIED))
    wait_written(qtbot, window)
    window.model.table.work.clear()  # as a new session's table would be
    do_fetch(window)
    qtbot.waitUntil(lambda: bool(window.model.table.work.status), timeout=TIMEOUT_MS)
    assert window.model.table.work.status == {lead: Status.QUALIFIED}


def test_watch_polls_are_stored(qtbot, make_window, do_fetch, sandbox) -> None:
    window = make_window(watch_interval_s=FAST_POLL_S, settings=range_settings())
    window.clock = window.watch.clock = lambda: FIXED_NOW
    window.panel.hours_radio.click()
    window.panel.hours_spin.setValue(24)
    do_fetch(window)
    first = window.model.total_count()
    window.watch_flow.action.trigger()
    added = sandbox.add_leads(3)
    qtbot.waitUntil(lambda: window.model.total_count() == first + 3, timeout=TIMEOUT_MS)
    window.watch_flow.action.trigger()  # off
    wait_written(qtbot, window)
    with LeadStore.open() as store:
        kept = store.leads("production", DEMO_CLIENT_ID)
    assert {record["email"] for record in added} <= {lead.email for lead in kept}
    assert len(kept) == len(set(window.model.leads)) >= first + 3


def test_forget_this_client_leaves_the_others(qtbot, make_window, do_fetch, sandbox) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    window.panel.select_environment(Environment.STAGING)
    do_fetch(window)
    wait_written(qtbot, window)
    staging = count_stored("staging")
    assert staging > 50
    window.panel.select_environment(Environment.PRODUCTION)
    qtbot.waitUntil(lambda: window.model.total_count() > 50, timeout=TIMEOUT_MS)  # stored ones
    window.history.forget_action.trigger()
    qtbot.waitUntil(lambda: window.history.forget_dialog is not None, timeout=TIMEOUT_MS)
    dialog = window.history.forget_dialog
    assert dialog.this_button.isChecked()
    assert f"client ID {DEMO_CLIENT_ID}" in dialog.this_button.text()
    with qtbot.waitSignal(window.history.forgotten, timeout=TIMEOUT_MS) as forgotten:
        qtbot.mouseClick(dialog.forget_button, Qt.MouseButton.LeftButton)
    assert forgotten.args[0] > 50
    assert count_stored("production") == 0
    assert count_stored("staging") == staging
    assert window.model.total_count() == 0  # the forgotten leads are not shown any more
    assert "Forgot" in window.status.text()


def test_cancelled_forget_keeps_everything(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    wait_written(qtbot, window)
    before = count_stored("production")
    window.history.forget_action.trigger()
    qtbot.waitUntil(lambda: window.history.forget_dialog is not None, timeout=TIMEOUT_MS)
    window.history.forget_dialog.reject()
    wait_written(qtbot, window)
    assert count_stored("production") == before
    assert window.model.total_count() == before


def test_keep_no_history_writes_no_file(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings(keep_history=False))
    do_fetch(window)
    lead = window.model.leads[0]
    window.session.change_work(WorkChange([lead], status=Status.CONTACTED))
    assert window.model.table.work.status_of(lead) is Status.CONTACTED  # shown all the same
    again = restart(qtbot, make_window, window)
    assert again.model.total_count() == 0
    assert not store_path().exists()


def test_the_environment_variable_keeps_no_history(
    qtbot, make_window, do_fetch, monkeypatch
) -> None:
    monkeypatch.setenv("MYMOVE_VIEWER_NO_HISTORY", "1")
    window = make_window(settings=range_settings())
    do_fetch(window)
    window.close()
    assert not store_path().exists()


def test_a_damaged_file_is_moved_aside_with_a_message(qtbot, make_window, do_fetch) -> None:
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"not a database at all" * 100)
    window = make_window(settings=range_settings())
    qtbot.waitUntil(lambda: "moved to" in window.banner.message(), timeout=TIMEOUT_MS)
    moved = list(path.parent.glob("leads.sqlite3.bad-*"))
    assert len(moved) == 1 and str(moved[0]) in window.banner.message()
    assert moved[0].read_bytes().startswith(b"not a database")
    assert window.banner.kind == "info"
    do_fetch(window)  # and the new history keeps leads
    wait_written(qtbot, window)
    assert count_stored("production") == window.model.total_count()


def test_a_newer_file_is_refused_and_left_alone(qtbot, make_window, do_fetch) -> None:
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
        conn.execute("PRAGMA user_version=99")
        conn.execute("CREATE TABLE future (x)")
    conn.close()
    before = path.read_bytes()
    window = make_window(settings=range_settings())
    qtbot.waitUntil(lambda: "newer version" in window.banner.message(), timeout=TIMEOUT_MS)
    assert window.banner.kind == "error"
    assert "keeps no lead history" in window.banner.message()
    do_fetch(window)  # fetching, filtering, statuses: all as without a history
    window.session.change_work(WorkChange(window.model.leads[:1], status=Status.CONTACTED))
    window.close()
    assert path.read_bytes() == before


def test_environments_and_client_ids_never_mix(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    production = set(window.model.leads)
    lead = window.model.leads[0]
    window.session.change_work(WorkChange([lead], status=Status.DO_NOT_CONTACT))
    wait_written(qtbot, window)

    window.panel.select_environment(Environment.STAGING)  # nothing stored for it yet
    wait_written(qtbot, window)
    assert window.model.total_count() == 0
    do_fetch(window)  # the sandbox serves the same leads there: other leads all the same
    assert lead in set(window.model.leads)
    wait_written(qtbot, window)
    assert window.model.table.work.status_of(lead) is Status.NEW

    window.panel.select_environment(Environment.PRODUCTION)
    qtbot.waitUntil(lambda: window.model.total_count() == len(production), timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: bool(window.model.table.work.status), timeout=TIMEOUT_MS)
    assert window.model.table.work.status == {lead: Status.DO_NOT_CONTACT}

    # Another client ID: its stored leads (none), never the first one's.
    window.panel.client_id_edit.setText("another-client")
    window.panel.client_id_edit.editingFinished.emit()
    assert window.model.total_count() == 0
    assert not window.model.table.work.status
    wait_written(qtbot, window)
    assert window.model.total_count() == 0
    window.panel.client_id_edit.setText(DEMO_CLIENT_ID)
    window.panel.client_id_edit.editingFinished.emit()
    qtbot.waitUntil(lambda: window.model.total_count() == len(production), timeout=TIMEOUT_MS)


def test_turning_the_history_off_offers_to_forget_it(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    wait_written(qtbot, window)
    window.history.settings_action.trigger()
    qtbot.waitUntil(lambda: window.history.settings_dialog is not None, timeout=TIMEOUT_MS)
    dialog = window.history.settings_dialog
    assert str(store_path()) in dialog.findChild(type(dialog.off_note)).text()
    assert not dialog.forget_box.isVisibleTo(dialog)  # only when turning it off
    dialog.keep_box.setChecked(False)
    assert dialog.forget_box.isVisibleTo(dialog) and dialog.forget_box.isChecked()
    assert f"{window.model.total_count():,} stored leads" in dialog.forget_box.text()
    with qtbot.waitSignal(window.history.forgotten, timeout=TIMEOUT_MS):
        dialog.accept()
    assert window.settings.keep_history is False
    assert count_stored("production") == 0
    back_from_dialog(qtbot, window)
    do_fetch(window)  # nothing is kept any more
    lead = window.model.leads[0]
    window.session.change_work(WorkChange([lead], status=Status.CONTACTED))
    wait_written(qtbot, window)
    assert count_stored("production") == 0
    again = restart(qtbot, make_window, window)
    assert again.settings.keep_history is False and again.model.total_count() == 0


def test_retention_is_applied_at_start(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    wait_written(qtbot, window)
    assert count_stored("production") > 50
    window.close()
    # The sandbox's leads are from before FIXED_NOW: more than a day old by now.
    again = make_window(settings=range_settings(history_days=1))
    qtbot.waitUntil(lambda: not again.history.queue.busy, timeout=TIMEOUT_MS)
    assert again.model.total_count() == 0
    assert count_stored("production") == 0


def test_a_fetch_that_fails_before_the_stored_leads_show_falls_back_to_them(
    qtbot, make_window, do_fetch, sandbox
) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    count = window.model.total_count()
    window.close()
    sandbox.stop()
    again = make_window()
    again.session.forget()  # as if F5 had come before the stored leads
    with qtbot.waitSignal(again.controller.failed, timeout=TIMEOUT_MS):
        again.fetch()
    qtbot.waitUntil(lambda: again.model.total_count() == count, timeout=TIMEOUT_MS)
    assert again.status.text().startswith("The fetch failed. Stored leads, fetched")


def test_a_full_disk_says_so_and_the_table_keeps_every_lead(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    wait_written(qtbot, window)
    stored_before = count_stored("production")
    # The history's connection may grow no more (SQLite's own limit, a real SQLITE_FULL); no
    # job runs now, so this thread may use it.
    conn = window.history.disk.get()._conn
    conn.execute(f"PRAGMA max_page_count={conn.execute('PRAGMA page_count').fetchone()[0]}")
    window.panel.set_range(START - timedelta(days=4), END)  # more leads, which need pages
    do_fetch(window)
    count = window.model.total_count()
    assert count > stored_before
    qtbot.waitUntil(lambda: "is full" in window.banner.message(), timeout=TIMEOUT_MS)
    message = window.banner.message()
    assert message.startswith("The leads are shown, but could not be kept in the lead history")
    assert "Free some disk space" in message and window.banner.kind == "error"
    assert window.model.total_count() == count  # nothing lost in the table
    wait_written(qtbot, window)
    assert count_stored("production") == stored_before  # the merge was not half done


def test_a_window_with_nothing_to_keep_makes_no_file(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    window.history.forget_action.trigger()  # asking what is stored does not make one either
    qtbot.waitUntil(lambda: window.history.forget_dialog is not None, timeout=TIMEOUT_MS)
    assert "(0 stored leads)" in window.history.forget_dialog.all_button.text()
    window.history.forget_dialog.reject()
    window.panel.select_environment(Environment.STAGING)
    wait_written(qtbot, window)
    assert not store_path().exists()
    back_from_dialog(qtbot, window)
    do_fetch(window)  # the first leads to keep make it
    wait_written(qtbot, window)
    assert count_stored("staging") == window.model.total_count() > 0


def test_a_busy_history_says_so_and_the_status_stays_shown(qtbot, make_window, do_fetch) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    wait_written(qtbot, window)
    store = window.history.disk.get()  # no job runs now: this thread may set it up
    store._conn.execute("PRAGMA busy_timeout=200")
    store.busy_seconds = 0.2
    other = sqlite3.connect(store_path(), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program writing, for longer than the timeout
    try:
        lead = window.model.leads[0]
        window.session.change_work(WorkChange([lead], status=Status.NOT_INTERESTED))
        qtbot.waitUntil(lambda: "is busy" in window.banner.message(), timeout=TIMEOUT_MS)
        message = window.banner.message()
        assert message.startswith("The change is shown, but could not be saved")
        assert "Try again when it has finished" in message
        assert window.model.table.work.status_of(lead) is Status.NOT_INTERESTED
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_enter_after_a_new_client_id_shows_its_leads_without_the_old_statuses(
    qtbot, make_window, do_fetch, sandbox
) -> None:
    window = make_window(settings=range_settings())
    do_fetch(window)
    lead = window.model.leads[0]
    window.session.change_work(WorkChange([lead], status=Status.QUALIFIED))
    wait_written(qtbot, window)
    sandbox.client_id = "other-client"  # it serves the very same leads to that client
    edit = window.panel.client_id_edit
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, "other-client")
    with qtbot.waitSignal(window.controller.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(edit, Qt.Key.Key_Return)  # fetches, and ends the edit
    assert lead in set(window.model.leads)
    wait_written(qtbot, window)
    assert window.model.table.work.status_of(lead) is Status.NEW  # another client's lead
    assert count_stored("production", "other-client") == window.model.total_count()
    with LeadStore.open() as store:
        other = store.stored("production", "other-client")
    assert set(other.statuses) == {Status.NEW}
