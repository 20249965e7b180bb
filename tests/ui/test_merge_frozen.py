"""A watch merge's new lists (the leads, their set, texts, instants) and an export's written
leads and first exports are made as a parse's leads are (``gcpause.building_many_objects``:
young garbage collected first, then frozen): left in the young generation, the GUI thread's
next collections walked each of their items."""

from __future__ import annotations

import gc
from collections.abc import Callable

from mymove_viewer import gcpause
from mymove_viewer.table.merge import plan_merge
from mymove_viewer.table.work import LeadWork
from mymove_viewer.ui import session

from .conftest import TIMEOUT_MS, export_all
from .test_window_watch import watching_window


def noting_builds(fn: Callable[..., object], seen: list[bool]) -> Callable[..., object]:
    """``fn``, noting in ``seen`` whether a build (``gcpause.active``) is around each call."""

    def watched(*args: object, **kwargs: object) -> object:
        seen.append(gcpause.active())
        return fn(*args, **kwargs)

    return watched


def out_of_the_collectors_reach(obj: object) -> bool:
    return not any(o is obj for generation in range(3) for o in gc.get_objects(generation))


def test_a_merge_is_planned_as_a_build_and_frozen(
    qtbot, make_window, do_fetch, sandbox, monkeypatch
) -> None:
    seen: list[bool] = []
    monkeypatch.setattr(session, "plan_merge", noting_builds(plan_merge, seen))
    window = watching_window(make_window, do_fetch)
    model = window.model
    first = model.total_count()
    window.watch_flow.action.trigger()
    sandbox.add_leads(3)
    qtbot.waitUntil(lambda: model.total_count() == first + 3, timeout=TIMEOUT_MS)
    window.watch_flow.action.trigger()  # off
    assert seen and all(seen)  # every plan made with the collector standing aside
    assert out_of_the_collectors_reach(model.leads)  # frozen after
    assert not gcpause.active()


def test_an_exports_first_exports_are_made_as_a_build(
    qtbot, fetched_24h, tmp_path, monkeypatch
) -> None:
    window = fetched_24h
    seen: list[bool] = []
    prepared = noting_builds(LeadWork.prepare_exported, seen)
    monkeypatch.setattr(LeadWork, "prepare_exported", staticmethod(prepared))
    export_all(qtbot, window, tmp_path / "leads.csv")
    assert seen == [True]
    exported = window.model.table.work.exported
    assert len(exported) == window.model.total_count()
    assert out_of_the_collectors_reach(exported)
