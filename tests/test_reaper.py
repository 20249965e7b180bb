"""Large lists freed on the reaper thread, after an optional delay."""

from __future__ import annotations

import threading
import weakref

from mymove_viewer import reaper


class Item:
    pass


def watched_list() -> tuple[list[Item], threading.Event]:
    items = [Item() for _ in range(reaper.SLICE + 10)]
    freed = threading.Event()
    weakref.finalize(items[0], freed.set)
    return items, freed


def test_a_released_list_is_freed_on_the_reaper_thread() -> None:
    items, freed = watched_list()
    where: list[str] = []
    weakref.finalize(items[-1], lambda: where.append(threading.current_thread().name))
    reaper.release(items)
    del items
    assert freed.wait(10)
    assert reaper.wait_idle(10) and where == ["reaper"]


def test_a_delayed_release_waits_before_freeing() -> None:
    items, freed = watched_list()
    reaper.release(items, delay=0.5)
    del items
    assert not freed.wait(0.1)  # a slower machine only makes this more true
    assert freed.wait(10)


def test_a_list_still_held_elsewhere_is_left_alone() -> None:
    items, freed = watched_list()
    keep = items
    before = list(keep)
    reaper.release(items)
    del items
    assert reaper.wait_idle(10)  # done with it: dropped its own references
    assert not freed.is_set()
    assert keep == before  # not changed under its other owner (an export reading it)
    del before
    del keep
    assert freed.is_set()  # its last holder freed it, nothing kept it alive


def test_small_lists_are_not_handed_over() -> None:
    items = [Item() for _ in range(10)]
    ref = weakref.ref(items[0])
    reaper.release(items)
    del items
    assert ref() is None  # freed at once, by reference counting, on this thread


def test_nothing_is_freed_while_heavy_work_holds_the_reaper(monkeypatch) -> None:
    monkeypatch.setattr(reaper, "QUIET_S", 0.1)
    items, freed = watched_list()
    with reaper.holding():
        reaper.release(items)
        del items
        assert not freed.wait(0.4)  # held: a parse or an index build is running
    assert freed.wait(10)  # freed once the hold has ended and things are quiet


def test_a_hold_that_never_ends_delays_freeing_only_so_long(monkeypatch) -> None:
    monkeypatch.setattr(reaper, "MAX_HOLD_S", 0.3)
    items = [Item() for _ in range(reaper.SLICE * 3)]  # several slices, one deadline
    freed = threading.Event()
    weakref.finalize(items[0], freed.set)
    with reaper.holding():
        reaper.release(items)
        del items
        assert freed.wait(10)  # freed while still held, once the batch's deadline passed


def test_idle_once_everything_handed_over_is_freed() -> None:
    items, freed = watched_list()
    reaper.release(items, delay=0.3)
    del items
    assert not reaper.idle()  # waiting out its delay
    assert not reaper.wait_idle(0.05)
    assert freed.wait(10)
    assert reaper.wait_idle(10)
    assert reaper.idle()


def test_a_list_handed_over_twice_is_freed_once_all_is_dropped() -> None:
    # The model hands over its row order and its shown rows, the same list when unfiltered.
    items, freed = watched_list()
    reaper.release(items, items)
    del items
    assert freed.wait(10)
    assert reaper.wait_idle(10)


def test_the_caller_has_a_moment_to_drop_its_own_references(monkeypatch) -> None:
    monkeypatch.setattr(reaper, "GRACE_S", 0.3)
    items, freed = watched_list()
    where: list[str] = []
    weakref.finalize(items[1], lambda: where.append(threading.current_thread().name))
    reaper.release(items)
    assert not reaper.wait_idle(0.1)  # not started while the caller may still hold the list
    del items
    assert freed.wait(10) and where == ["reaper"]


class Holder:
    """Something with no length holding a large object (as a column's ``Ranking`` holds its
    arrays): handed over whole."""

    def __init__(self, freed: threading.Event, where: list[str]) -> None:
        weakref.finalize(self, lambda: (where.append(threading.current_thread().name), freed.set()))


def test_sets_dicts_and_other_objects_are_freed_on_the_reaper_thread() -> None:
    where: list[str] = []
    events = [threading.Event() for _ in range(3)]
    in_set, in_dict = Item(), Item()
    for item, event in ((in_set, events[0]), (in_dict, events[1])):
        weakref.finalize(
            item, lambda e=event: (where.append(threading.current_thread().name), e.set())
        )
    leads = {in_set, *(Item() for _ in range(reaper.SLICE))}
    work = {Item(): in_dict, **{Item(): Item() for _ in range(reaper.SLICE)}}
    holder = Holder(events[2], where)
    reaper.release(leads, work, holder, None)
    del leads, work, holder, in_set, in_dict, item
    assert all(event.wait(10) for event in events)
    assert reaper.wait_idle(10) and where == ["reaper"] * 3


def test_the_collector_waits_while_the_reaper_holds_its_slices() -> None:
    from mymove_viewer import gcpause

    items, freed = watched_list()
    seen: list[bool] = []
    weakref.finalize(items[1], lambda: seen.append(gcpause.held()))
    reaper.release(items)
    del items
    assert freed.wait(10) and reaper.wait_idle(10)
    assert seen == [True]  # freed while the GUI's collector stood aside
    assert not gcpause.held()  # and let go after
