"""The history's jobs as the window runs them (``store.history_jobs``), against a real file."""

from __future__ import annotations

from datetime import timedelta

import pytest

from mymove_viewer.api.lead import Lead
from mymove_viewer.settings import Settings
from mymove_viewer.slices import yield_gil
from mymove_viewer.store import LeadStore, Status, store_path
from mymove_viewer.store import history_jobs as H

from .helpers import NOW, make_leads

ENV, CLIENT = "production", "c-1"


def test_merge_fetched_hands_back_only_the_worked_leads() -> None:
    leads = make_leads(3000, seed=4)
    with LeadStore.open() as store:
        assert len(H.merge_fetched(store, ENV, CLIENT, leads)) == 0  # all new: nothing to say
        H.save_work(store, ENV, CLIENT, leads[10:12], status=Status.QUALIFIED, note="hot")
        H.save_work(store, ENV, CLIENT, leads[20:21], note="later")
        H.save_work(store, ENV, CLIENT, leads[30:31], exported_at=NOW.timestamp())
        H.save_work(store, ENV, CLIENT, leads[30:31], exported_at=NOW.timestamp() + 60)
        found = H.merge_fetched(store, ENV, CLIENT, leads[::-1])  # seen again, in another order
    states = zip(found.statuses, found.notes, found.exported, strict=True)
    by_lead = dict(zip(found.leads, states, strict=True))
    assert by_lead == {
        leads[10]: (Status.QUALIFIED, "hot", None),
        leads[11]: (Status.QUALIFIED, "hot", None),
        leads[20]: (Status.NEW, "later", None),
        leads[30]: (Status.NEW, "", NOW.timestamp()),  # the first export is kept
    }


def test_stored_for_a_window_with_states_and_extra_fields_in_slices() -> None:
    leads = make_leads(5000, seed=5, days=10)
    with LeadStore.open() as store:
        store.merge(ENV, CLIENT, leads, fetched_at=NOW)
        H.save_work(store, ENV, CLIENT, leads[:1], status=Status.DO_NOT_CONTACT)
        window = ((NOW - timedelta(days=5)).timestamp(), NOW.timestamp())
        shown = H.stored_for(store, ENV, CLIENT, window)
        other = H.stored_for(store, "staging", CLIENT, None)
    inside = {lead for lead in leads if window[0] <= lead.created.timestamp() <= window[1]}
    assert set(shown.found.leads) == inside and 0 < len(inside) < len(leads)
    assert shown.last_fetch == NOW
    expected = tuple(dict.fromkeys(n for lead in shown.found.leads for n in lead.extra_names))
    assert shown.extra_fields == expected and expected  # some leads carry an extra field
    assert set(shown.worked.leads) <= {leads[0]}
    assert len(other.found) == 0 and other.last_fetch is None


def test_extra_fields_and_canonical_times_are_the_same_in_slices() -> None:
    leads = make_leads(5000, seed=6)
    named = ("zz_first",)
    whole = H.extra_fields(leads, named)
    assert H.extra_fields(leads, named, yield_gil) == whole and whole[0] == "zz_first"
    assert H.canonical_created(leads, yield_gil) is True
    odd = Lead.build((*leads[-1][:1], "2026-11-30T10:00:00+01:00", *leads[-1][2:19]))
    assert H.canonical_created([*leads, odd], yield_gil) is False


def test_asking_what_is_stored_creates_no_file() -> None:
    disk = H.Disk(180)
    assert disk.info() is None
    assert disk.forget((None, None)) == 0
    assert disk.retain(30) == 0
    assert not store_path().exists()
    assert disk.open() is None and not store_path().exists()  # nothing to open yet
    disk.get()  # the first leads to keep make it
    assert store_path().exists()
    disk.close()


def test_the_environment_variable_wins_over_the_retention_setting(monkeypatch) -> None:
    settings = Settings(history_days=30)
    assert H.retention(settings) == 30
    monkeypatch.setenv("MYMOVE_VIEWER_HISTORY_DAYS", "7")
    assert H.retention(settings) == 7
    monkeypatch.setenv("MYMOVE_VIEWER_HISTORY_DAYS", "seven")  # the CLI reports it; not here
    assert H.retention(settings) == 30


@pytest.mark.parametrize("value", [0, 36_601, True, "180"])
def test_a_bad_retention_setting_falls_back_to_the_default(value, tmp_path) -> None:
    from mymove_viewer.settings import SettingsStore

    store = SettingsStore(tmp_path)
    store.save(Settings())
    text = store.path.read_text().replace(
        '"history_days": 180', f'"history_days": {value!r}'.replace("'", '"')
    )
    store.path.write_text(text.replace("True", "true"))
    loaded = store.load()
    assert loaded.settings.history_days == 180 and "history_days" in (loaded.warning or "")
