"""The lead history on a real file: merging, identity, statuses, windows, forgetting, privacy."""

from __future__ import annotations

import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from mymove_viewer.api.lead import Lead
from mymove_viewer.store import LeadStore, Status, lead_keys, store_path
from mymove_viewer.store.records import leads_from_json, prepare

from .helpers import NOW, make_leads

ENV, CLIENT = "production", "client-1"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "leads.sqlite3"


def test_merge_counts_new_and_seen_and_keeps_every_value(path: Path) -> None:
    leads = make_leads(2000)
    with LeadStore.open(path) as store:
        first = store.merge(ENV, CLIENT, leads)
        again = store.merge(ENV, CLIENT, leads[1500:] + make_leads(300, seed=2))
        stored = store.leads(ENV, CLIENT)
    assert (first.new, first.seen) == (2000, 0)
    assert (again.new, again.seen) == (300, 500)
    assert sorted(stored) == sorted(leads + make_leads(300, seed=2))
    assert any(lead.extra_names for lead in stored) and not all(x.extra_names for x in stored)
    # Leads with the same extras share one names tuple again, as parsing makes them.
    assert len({id(lead.extra_names) for lead in stored if lead.extra_names}) == 1


def test_identity_is_all_values_and_extras_in_any_order(path: Path) -> None:
    base = dict(make_leads(1)[0].as_dict(), a="1", b="2")
    reordered = {k: base[k] for k in [*reversed(base)]}
    changed = dict(base, b="3")
    leads = [Lead.from_mapping(d) for d in (base, reordered, changed)]
    assert leads[0] != leads[1]  # as tuples the extras' order differs
    keys = lead_keys(leads)
    assert keys[0] == keys[1] != keys[2]
    with LeadStore.open(path) as store:
        report = store.merge(ENV, CLIENT, leads)
        assert (report.new, report.seen) == (2, 1)
        assert len(store.leads(ENV, "other-client")) == 0  # per environment and client
        assert store.merge("staging", CLIENT, leads).new == 2


def test_odd_values_survive_a_round_trip(path: Path) -> None:
    """A lone surrogate (JSON may carry "\\ud800"), control characters, quotes, emoji and an
    extra field whose name is odd too: stored and read back exactly."""
    odd = dict(make_leads(1)[0].as_dict(), first_name="A\ud800b", last_name='"\\\n\x00😀')
    odd["x\udcff"] = "v\ud801"
    leads = [Lead.from_mapping(odd), *make_leads(50)]
    with LeadStore.open(path) as store:
        assert store.merge(ENV, CLIENT, leads).new == 51
        assert store.merge(ENV, CLIENT, leads).new == 0
        assert sorted(store.leads(ENV, CLIENT)) == sorted(leads)


def test_statuses_notes_and_exports_are_kept_across_merges_and_reopening(path: Path) -> None:
    leads = make_leads(100)
    with LeadStore.open(path) as store:
        keys = store.merge(ENV, CLIENT, leads).keys
        assert store.set_status(ENV, CLIENT, keys[:3], Status.CONTACTED, note="called") == 3
        store.set_status(ENV, CLIENT, keys[3:4], Status.DO_NOT_CONTACT)
        store.set_note(ENV, CLIENT, keys[4:5], "call after 5 pm")
        when = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)
        assert store.mark_exported(ENV, CLIENT, keys[:10], when) == 10
        assert store.mark_exported(ENV, CLIENT, keys[:20], when + timedelta(days=1)) == 10
        store.merge(ENV, CLIENT, leads + make_leads(10, seed=9))
    with LeadStore.open(path) as store:
        states = store.statuses(ENV, CLIENT, [*keys, b"\x00" * 16])
        stored = store.stored(ENV, CLIENT)
        unexported = store.unexported(ENV, CLIENT)
    assert len(states) == 100  # the unknown key is left out
    assert [states[k].status for k in keys[:5]] == [Status.CONTACTED] * 3 + [
        Status.DO_NOT_CONTACT,
        Status.NEW,
    ]
    assert states[keys[0]].note == "called" and states[keys[4]].note == "call after 5 pm"
    assert states[keys[3]].note == ""
    assert states[keys[0]].first_exported_at == when  # the first export, not the later one
    assert states[keys[15]].first_exported_at == when + timedelta(days=1)
    assert states[keys[25]].first_exported_at is None
    assert len(stored) == 110 and len(unexported) == 90
    assert set(unexported.keys).isdisjoint(keys[:20])
    by_key = dict(zip(stored.keys, stored.statuses, strict=True))
    assert by_key[keys[3]] is Status.DO_NOT_CONTACT
    assert Status.from_label("not interested") is Status.NOT_INTERESTED
    assert [s.label for s in Status][3] == "Not interested"


def test_a_window_is_by_created_at_in_order(path: Path) -> None:
    leads = make_leads(3000, days=10)
    start, end = (NOW - timedelta(days=2)).timestamp(), (NOW - timedelta(days=1)).timestamp()
    with LeadStore.open(path) as store:
        store.merge(ENV, CLIENT, leads)
        got = store.leads(ENV, CLIENT, (start, end))
    expected = [lead for lead in leads if start <= lead.created.timestamp() <= end]
    assert 200 < len(got) < 400 and sorted(got) == sorted(expected)
    times = [lead.created for lead in got]
    assert times == sorted(times)


def test_retention_and_forget(path: Path) -> None:
    old = make_leads(100, seed=1, now=NOW - timedelta(days=200), days=10)
    recent = make_leads(100, seed=2, days=10)
    with LeadStore.open(path) as store:
        store.merge(ENV, CLIENT, old + recent)
        store.merge("staging", CLIENT, recent)
        store.merge(ENV, "client-2", recent)
    with LeadStore.open(path, retention_days=180, now=NOW.timestamp()) as store:
        assert sorted(store.leads(ENV, CLIENT)) == sorted(recent)
        assert store.last_fetch(ENV, CLIENT) is not None
        assert store.forget(environment="staging") == 100
        assert store.forget(client_id="client-2") == 100
        assert store.leads("staging", CLIENT) == [] and len(store.leads(ENV, CLIENT)) == 100
        assert store.last_fetch("staging", CLIENT) is None
        assert [(s.environment, s.client_id, s.leads) for s in store.info().sources] == [
            (ENV, CLIENT, 100)
        ]
        assert store.forget() == 100
        assert store.info().sources == []
    # Forgotten means gone from the file, not only from the answers (secure_delete + WAL).
    data = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    email = next(lead.email for lead in recent if lead.email).encode()
    assert email not in data and b"client-2" in data


def test_the_file_and_folder_are_private_and_where_the_environment_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYMOVE_VIEWER_DATA_DIR", str(tmp_path / "history"))
    old_umask = os.umask(0o022)
    try:
        with LeadStore.open() as store:
            store.merge(ENV, CLIENT, make_leads(10))
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in store.path.parent.iterdir()}
    finally:
        os.umask(old_umask)
    assert store.path == store_path() == tmp_path / "history" / "leads.sqlite3"
    assert stat.S_IMODE((tmp_path / "history").stat().st_mode) == 0o700
    assert set(modes) >= {"leads.sqlite3", "leads.sqlite3-wal"}
    assert set(modes.values()) == {0o600}, modes


def test_an_existing_file_readable_by_others_is_made_private(path: Path) -> None:
    path.parent.mkdir()
    path.touch(mode=0o644)
    os.chmod(path, 0o644)
    LeadStore.open(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_store_is_smaller_than_the_json_it_holds(path: Path) -> None:
    """Issue 18: the store ≤ 1.5× the leads' JSON (measured here: about 0.7×)."""
    leads = make_leads(20_000)
    compact = {"leads": [lead.as_dict() for lead in leads]}  # as the API sends it
    as_json = len(json.dumps(compact, separators=(",", ":"), ensure_ascii=False).encode())
    with LeadStore.open(path) as store:
        store.merge(ENV, CLIENT, leads)
    size = path.stat().st_size  # closing checkpointed the WAL into the file
    assert not path.with_name(path.name + "-wal").exists()
    assert size <= 1.5 * as_json, (size, as_json)


def test_the_row_codec_reads_back_what_it_wrote() -> None:
    leads = make_leads(500)
    assert leads_from_json(prepare(leads).blobs) == [
        Lead.build(lead[:19], *_sorted(lead)) for lead in leads
    ]


def test_leads_read_back_share_each_repeated_value_as_fetched_ones_do() -> None:
    # Memory: 100k leads read back took 1,225 B a lead with a string per value, 606 B shared.
    from mymove_viewer.api.fields import FIELDS, REPEATING

    leads = make_leads(700)  # more than one slice of the read
    back = leads_from_json(prepare(leads).blobs)
    assert back == [Lead.build(lead[:19], *_sorted(lead)) for lead in leads]
    for i in REPEATING:
        objects: dict[str, str] = {}
        for lead in back:
            assert objects.setdefault(lead[i], lead[i]) is lead[i], FIELDS[i]


def _sorted(lead: Lead) -> tuple[tuple[str, ...], list[str]]:
    pairs = sorted(lead.extra.items())
    return tuple(p[0] for p in pairs), [p[1] for p in pairs]
