"""The lead history when things go wrong (issue 18): killed mid-merge, disk full, a damaged,
foreign or newer file, two programs writing at once. Real files, real child processes."""

from __future__ import annotations

import contextlib
import os
import random
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from mymove_viewer.store import LeadStore, StoreBusyError, StoreFullError, StoreTooNewError

from .helpers import make_leads

ROOT = Path(__file__).resolve().parents[2]
ENV = "production"


def child(*args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen(
        [sys.executable, "-m", "tests.store.store_child", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )


def counts(path: Path) -> dict[str, int]:
    with LeadStore.open(path) as store:
        return {s.client_id: s.leads for s in store.info().sources}


def test_killed_in_the_middle_of_a_merge_20_times_loses_nothing_committed(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    size = 10_000
    with LeadStore.open(path) as store:
        store.merge(ENV, "before", make_leads(size))
    rng = random.Random(18)
    expected = {"before": size}
    in_merge = 0
    for round_ in range(20):
        client = f"round-{round_}"
        proc = child(str(path), "merge-forever", str(size), client)
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "merging", (
            proc.stderr.read() if proc.stderr else ""
        )
        time.sleep(rng.uniform(0.0, 1.5))  # somewhere in the first or a later merge
        proc.kill()
        out, _ = proc.communicate(timeout=60)
        lines = out.split()
        committed = lines.count("committed")
        in_merge += lines[-1:] == ["merging"] if lines else 1
        found = counts(path)  # opens every time
        assert found.get(client, 0) in (committed * size, (committed + 1) * size), (round_, found)
        expected[client] = found.get(client, 0)
        assert {k: v for k, v in found.items() if v} == {k: v for k, v in expected.items() if v}
    assert in_merge >= 5, "too few kills landed inside a merge to prove anything"
    with contextlib.closing(sqlite3.connect(path)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


@contextlib.contextmanager
def small_disk(where: Path, megabytes: int) -> Iterator[Path]:
    where.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m,mode=0700", "tmpfs", str(where)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def test_a_full_disk_during_a_merge_says_so_and_changes_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "disk", 4) as disk:
        path = disk / "leads.sqlite3"
        kept = make_leads(2000)
        with LeadStore.open(path) as store:
            store.merge(ENV, "client", kept)
            with pytest.raises(StoreFullError) as caught:
                store.merge(ENV, "client", make_leads(40_000, seed=2))  # ~12 MB
            message = str(caught.value)
            assert "full" in message and str(path) in message and "as it was" in message
            assert sorted(store.leads(ENV, "client")) == sorted(kept)
        with LeadStore.open(path) as store:  # and still opens, as it was
            assert sorted(store.leads(ENV, "client")) == sorted(kept)


def test_a_size_limit_reached_during_a_merge_is_a_full_disk_too(tmp_path: Path) -> None:
    """Where no tmpfs can be mounted: SQLite's own page limit fails a write as a full disk."""
    path = tmp_path / "leads.sqlite3"
    kept = make_leads(2000)
    with LeadStore.open(path) as store:
        store.merge(ENV, "client", kept)
        pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
        store._conn.execute(f"PRAGMA max_page_count={pages + 50}")
        with pytest.raises(StoreFullError):
            store.merge(ENV, "client", make_leads(20_000, seed=2))
        assert sorted(store.leads(ENV, "client")) == sorted(kept)


@pytest.mark.parametrize(
    "content",
    [
        b"not a database at all\n" * 100,
        b"SQLite format 3\x00" + bytes(random.Random(1).randbytes(8000)),
        "foreign",
        "damaged",
    ],
    ids=["text", "garbage-with-header", "foreign-sqlite", "damaged-pages"],
)
def test_a_damaged_or_foreign_file_is_moved_aside_and_a_new_store_starts(
    tmp_path: Path, content: bytes | str
) -> None:
    path = tmp_path / "leads.sqlite3"
    if content == "foreign":
        with contextlib.closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE photos (name TEXT)")
            conn.execute("INSERT INTO photos VALUES ('cat.jpg')")
            conn.commit()
    elif content == "damaged":
        with LeadStore.open(path) as store:
            store.merge(ENV, "client", make_leads(3000))
        data = bytearray(path.read_bytes())
        data[100:8192] = random.Random(2).randbytes(8092)  # the schema's pages
        path.write_bytes(bytes(data))
    else:
        assert isinstance(content, bytes)
        path.write_bytes(content)
    original = path.read_bytes()
    with LeadStore.open(path) as store:
        assert store.warning is not None
        moved = [p for p in tmp_path.iterdir() if p.name.startswith("leads.sqlite3.bad-")]
        assert len(moved) == 1 and moved[0].read_bytes() == original
        assert str(moved[0]) in store.warning and "new, empty history" in store.warning
        assert store.merge(ENV, "client", make_leads(10)).new == 10
    with LeadStore.open(path) as store:
        assert store.warning is None and len(store.leads(ENV, "client")) == 10


def test_a_store_from_a_newer_app_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    with LeadStore.open(path) as store:
        store.merge(ENV, "client", make_leads(100))
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA user_version=99")
        conn.commit()
    before = path.read_bytes()
    with pytest.raises(StoreTooNewError) as caught:
        LeadStore.open(path, retention_days=1)  # would delete everything if it went on
    message = str(caught.value)
    assert "newer version" in message and str(path) in message and "format 99" in message
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.sqlite3"]


def test_two_programs_writing_at_once_both_succeed(tmp_path: Path) -> None:
    """The window and a scheduled export at the same time: both wait their turn on the busy
    timeout; neither sees "database is locked"."""
    path = tmp_path / "leads.sqlite3"
    LeadStore.open(path).close()
    procs = [child(str(path), "write", str(seed), "6", "5000") for seed in (1, 2, 3)]
    results = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0 and out.strip() == "done", err
        assert "locked" not in err and "busy" not in err
    with LeadStore.open(path) as store:
        assert len(store.leads(ENV, "client")) == 3 * 6 * 5000
        stored = store.stored(ENV, "client")
        assert sum(s.label == "Contacted" for s in stored.statuses) == 3 * 6 * 5


def test_a_writer_that_keeps_the_lock_too_long_is_named_not_locked(tmp_path: Path) -> None:
    """Past the busy timeout the message says what is going on, in the user's words, and the
    history is as it was; reading goes on meanwhile (WAL)."""
    path = tmp_path / "leads.sqlite3"
    with LeadStore.open(path) as first:
        first.merge(ENV, "client", make_leads(100))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with LeadStore.open(path, busy_seconds=0.3, retention_days=180) as second:
            assert len(second.leads(ENV, "client")) == 100
            with pytest.raises(StoreBusyError) as caught:
                second.merge(ENV, "client", make_leads(10, seed=2))
            message = str(caught.value)
            assert "busy" in message and "0.3 seconds" in message and "Try again" in message
            assert "database is locked" not in message
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with LeadStore.open(path) as again:
        assert len(again.leads(ENV, "client")) == 100
