"""A watch merge's new lists (the leads, their set, texts, instants) and an export's written
leads and first exports are made as a parse's leads are (``gcpause.building_many_objects``:
young garbage collected first, then frozen): left in the young generation, the GUI thread's
next collections walked each of their items."""

from __future__ import annotations

import gc

from mymove_viewer import gcpause
from mymove_viewer.table.merge import plan_merge
from mymove_viewer.ui import session

from .conftest import TIMEOUT_MS
from .test_window_watch import watching_window


def test_a_merge_is_planned_as_a_build_and_frozen(
    qtbot, make_window, do_fetch, sandbox, monkeypatch
) -> None:
    seen: list[bool] = []

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gcpause.active())
        return plan_merge(*args, **kwargs)

    monkeypatch.setattr(session, "plan_merge", watched)
    window = watching_window(make_window, do_fetch)
    model = window.model
    first = model.total_count()
    window.watch_flow.action.trigger()
    sandbox.add_leads(3)
    qtbot.waitUntil(lambda: model.total_count() == first + 3, timeout=TIMEOUT_MS)
    window.watch_flow.action.trigger()  # off
    assert seen and all(seen)  # every plan made with the collector standing aside
    young = [o for generation in range(3) for o in gc.get_objects(generation)]
    assert not any(o is model.leads for o in young)  # frozen after: out of the collector's reach
    assert not gcpause.active()


def test_an_exports_first_exports_are_made_as_a_build(
    qtbot, fetched_24h, tmp_path, monkeypatch
) -> None:
    from PySide6.QtCore import Qt

    from mymove_viewer.table.work import LeadWork

    window = fetched_24h
    seen: list[bool] = []
    prepare = LeadWork.prepare_exported

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(gcpause.active())
        return prepare(*args, **kwargs)

    monkeypatch.setattr(LeadWork, "prepare_exported", staticmethod(watched))
    window.ask_export_path = lambda _path: tmp_path / "leads.csv"
    window.confirm_export_all = lambda _n: True
    with qtbot.waitSignal(window.exporter.finished, timeout=TIMEOUT_MS):
        qtbot.keyClick(window.table, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert seen == [True]
    exported = window.model.table.work.exported
    assert len(exported) == window.model.total_count()
    young = [o for generation in range(3) for o in gc.get_objects(generation)]
    assert not any(o is exported for o in young)  # frozen: out of the collector's reach
