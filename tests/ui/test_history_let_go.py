"""Leads a lead-history job is done with go to the reaper unless the table still shows that
very list: dropped with the job on the GUI thread, a list the table no longer held (an export's
written leads, a fetch's after a switch) freed or touched every lead there."""

from __future__ import annotations

from mymove_viewer import reaper

from .conftest import TIMEOUT_MS, export_all


def test_an_exports_written_leads_are_handed_over_once_kept(
    qtbot, fetched_24h, tmp_path, monkeypatch
) -> None:
    window = fetched_24h
    handed: list[object] = []
    monkeypatch.setattr(reaper, "release", lambda *objects, delay=0.0: handed.extend(objects))
    qtbot.waitUntil(lambda: not window.history.queue.busy, timeout=TIMEOUT_MS)
    shown = window.model.leads
    assert not any(x is shown for x in handed)  # the fetch's list is the table's: kept as is
    export_all(qtbot, window, tmp_path / "leads.csv")
    qtbot.waitUntil(lambda: not window.history.queue.busy, timeout=TIMEOUT_MS)
    written = [x for x in handed if isinstance(x, list) and x and x is not shown]
    assert len(written) == 1 and set(written[0]) == set(shown)  # every lead, once
    assert window.model.table.work.exported.keys() == set(shown)  # and kept as exported
