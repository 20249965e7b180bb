"""The lead history from the command line, as child processes against the sandbox (issue 18)."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from mymove_viewer.store import LeadStore, Status, lead_keys, store_path

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=120, seed=3) as box:
        yield box


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, PYTHONPATH=str(ROOT), MYMOVE_API_KEY=DEMO_API_KEY, **(env or {}))
    return subprocess.run(
        [sys.executable, "-m", "mymove_viewer", *args],
        capture_output=True,
        text=True,
        env=environ,
        timeout=120,
        check=False,
        stdin=subprocess.DEVNULL,
    )


def export(url: str, *more: str, env: dict[str, str] | None = None):
    args = ["export", "--base-url", url, "--client-id", DEMO_CLIENT_ID, "--days", "30", *more]
    return run_cli(*args, env=env)


def rows(proc: subprocess.CompletedProcess[str]) -> list[list[str]]:
    assert proc.returncode == 0, proc.stderr
    return list(csv.reader(io.StringIO(proc.stdout)))


def test_only_new_twice_writes_the_leads_then_just_the_header(sandbox: Sandbox) -> None:
    first = rows(export(sandbox.base_url, "--only-new"))
    served = sandbox.served_leads({"days": "30"})
    assert len(first) == 1 + len(served) and first[0][0] == "offer_id"
    second = export(sandbox.base_url, "--only-new")
    assert rows(second) == [first[0]]  # just the header, exit 0
    assert f"0 new leads (of {len(served):,} fetched) → stdout" in second.stderr
    plain = rows(export(sandbox.base_url))  # a plain export still writes every lead
    assert len(plain) == len(first)


def test_any_export_counts_as_the_first_export(sandbox: Sandbox) -> None:
    served = len(sandbox.served_leads({"days": "30"}))
    assert len(rows(export(sandbox.base_url))) == 1 + served
    assert len(rows(export(sandbox.base_url, "--only-new"))) == 1
    assert f": {served:,} leads ({served:,} exported" in run_cli("store", "info").stdout


def test_offline_exports_the_stored_leads_with_the_server_gone(sandbox: Sandbox) -> None:
    online = rows(export(sandbox.base_url))
    url = sandbox.base_url
    sandbox.stop()
    offline = export(url, "--offline")
    assert sorted(rows(offline)[1:]) == sorted(online[1:]) and rows(offline)[0] == online[0]
    assert f"{len(online) - 1:,} stored leads → stdout" in offline.stderr
    fetching = export(url)
    assert fetching.returncode == 5  # the same command online: the server is gone
    other = export(url, "--offline", "--client-id", "someone-else")
    assert rows(other) == [online[0][:19]] and "No leads are stored for" in other.stderr
    # The window is over created_at: the last day holds fewer.
    recent = rows(run_cli("export", "--client-id", DEMO_CLIENT_ID, "--hrs", "24", "--offline"))
    assert 1 < len(recent) < len(online)


def test_with_status_adds_status_and_note_columns(sandbox: Sandbox) -> None:
    plain = rows(export(sandbox.base_url))
    assert "status" not in plain[0]  # the default file keeps the API's fields
    with LeadStore.open() as store:
        leads = store.leads("production", DEMO_CLIENT_ID)
        keys = lead_keys(leads[:2])
        store.set_status("production", DEMO_CLIENT_ID, keys, Status.NOT_INTERESTED, "moved, no")
    table = rows(export(sandbox.base_url, "--with-status", "-o", "/dev/stdout"))
    header, body = table[0], table[1:]
    assert header[-3:] == ["old_housing_tenure", "status", "note"]  # the history's go last
    offline = rows(export(sandbox.base_url, "--with-status", "--offline"))
    assert offline[0] == header and sorted(offline[1:]) == sorted(body)
    email = header.index("email")
    by_email = {row[email]: row[-2:] for row in body}
    assert by_email[leads[0].email] == ["Not interested", "moved, no"]
    assert sorted(row[-2] for row in body).count("New") == len(body) - 2


def test_store_info_and_forget(sandbox: Sandbox) -> None:
    export(sandbox.base_url)
    served = len(sandbox.served_leads({"days": "30"}))
    info = run_cli("store", "info")
    assert info.returncode == 0 and str(store_path()) in info.stdout
    assert f"Production, client ID {DEMO_CLIENT_ID}: {served:,} leads" in info.stdout
    refused = run_cli("store", "forget", "--env", "production")
    assert refused.returncode == 2 and "--yes" in refused.stderr
    assert "nothing was forgotten" in refused.stderr
    assert run_cli("store", "forget").returncode == 2  # says which
    full = store_path().stat().st_size  # checkpointed: export closed the store
    done = run_cli("store", "forget", "--client-id", DEMO_CLIENT_ID, "--yes")
    assert done.returncode == 0 and f"Forgot {served:,} stored leads" in done.stderr
    assert store_path().stat().st_size < full / 2  # the file shrank, not only zeroed
    assert "It holds no leads." in run_cli("store", "info").stdout


def test_no_history_keeps_nothing(sandbox: Sandbox) -> None:
    assert len(rows(export(sandbox.base_url, "--no-history"))) > 1
    assert len(rows(export(sandbox.base_url, env={"MYMOVE_VIEWER_NO_HISTORY": "1"}))) > 1
    assert not store_path().exists()
    refused = export(sandbox.base_url, "--only-new", env={"MYMOVE_VIEWER_NO_HISTORY": "yes"})
    assert refused.returncode == 2 and "needs the lead history" in refused.stderr
    assert len(sandbox.requests) == 2  # the refused export sent nothing


def test_the_key_is_never_stored_in_the_history(sandbox: Sandbox) -> None:
    assert len(rows(export(sandbox.base_url, "--only-new"))) > 1
    files = [p for p in store_path().parent.iterdir() if p.is_file()]
    data = b"".join(p.read_bytes() for p in files)
    email = next(lead["email"] for lead in sandbox.served_leads({"days": "30"}) if lead["email"])
    assert email.encode() in data  # the leads are there, so the scan looks in the right place
    assert DEMO_API_KEY.encode() not in data


def test_an_unusable_history_stops_only_the_exports_that_need_it(sandbox: Sandbox) -> None:
    LeadStore.open().close()
    with closing(sqlite3.connect(store_path())) as conn:
        conn.execute("PRAGMA user_version=99")
        conn.commit()
    plain = export(sandbox.base_url)
    assert plain.returncode == 0 and "newer version" in plain.stderr
    assert "not added to the history" in plain.stderr
    only_new = export(sandbox.base_url, "--only-new")
    assert only_new.returncode == 8 and "newer version" in only_new.stderr
    assert "Traceback" not in only_new.stderr and len(sandbox.requests) == 1  # none sent
    assert "8  lead history unusable" in run_cli("export", "--help").stdout


def test_retention_from_the_environment_applies_when_the_history_opens(sandbox: Sandbox) -> None:
    every = rows(export(sandbox.base_url))
    short = {"MYMOVE_VIEWER_HISTORY_DAYS": "2"}
    kept = rows(export(sandbox.base_url, "--offline", env=short))
    assert 1 < len(kept) < len(every) // 5  # 2 of 30 days' leads
    assert "kept for 2 days" in run_cli("store", "info", env=short).stdout
    bad = export(sandbox.base_url, env={"MYMOVE_VIEWER_HISTORY_DAYS": "soon"})
    assert bad.returncode == 2 and "MYMOVE_VIEWER_HISTORY_DAYS" in bad.stderr
    assert len(sandbox.requests) == 1


@pytest.mark.parametrize("damage", ["garbage", "cut short"])
def test_only_new_on_a_damaged_history_exports_nothing_and_leaves_it(
    sandbox: Sandbox, damage: str
) -> None:
    """A new, empty history would make every lead "new": a scheduled --only-new would send them
    all again. It stops instead (exit 8), and the file stays for the user to restore."""
    assert rows(export(sandbox.base_url, "--only-new"))  # every lead, recorded as exported
    path = store_path()
    if damage == "garbage":
        path.write_bytes(b"garbage" * 2000)
    else:
        whole = path.read_bytes()
        path.write_bytes(whole[: max(len(whole) // 3, 8192)])
        for side in path.parent.glob(path.name + "-*"):  # the WAL would mend what was cut
            side.unlink()
    before = path.read_bytes()
    again = export(sandbox.base_url, "--only-new")
    assert again.returncode == 8, again.stderr
    assert again.stdout == "" and "nothing was exported" in again.stderr
    assert "WARNING" not in again.stderr and "Traceback" not in again.stderr
    assert path.read_bytes() == before and not list(path.parent.glob("*.bad-*"))
    plain = export(sandbox.base_url)  # a plain export sets it aside and starts anew, and says so
    assert plain.returncode == 0 and "moved to" in plain.stderr
    assert list(path.parent.glob("*.bad-*"))
