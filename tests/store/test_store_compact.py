"""Forgetting leads gives their space back to the disk (``LeadStore.compact``), on the command
line too."""

from __future__ import annotations

from pathlib import Path

from mymove_viewer.store import LeadStore

from .helpers import make_leads


def _size(path: Path) -> int:
    wal = path.with_name(path.name + "-wal")
    return sum(p.stat().st_size for p in (path, wal) if p.exists())


def test_compact_after_forget_shrinks_the_file_and_keeps_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "leads.sqlite3"
    with LeadStore.open(path) as store:
        store.merge("production", "a", make_leads(5000))
        store.merge("staging", "b", make_leads(10))
        store.forget("production")
        full = _size(path)
        store.compact()
        assert _size(path) < full / 10
        assert len(store.stored("staging", "b")) == 10
        store.merge("production", "a", make_leads(3))  # the store works on as before
        assert len(store.stored("production", "a")) == 3
