"""Keep the cycle collector out of the way while a parse builds a million lead tuples. No Qt.

Leads are tuple subclasses, which the collector tracks and never untracks; a collection in the
middle of a build walks every lead built so far while holding the GIL: tens of ms at 100k, on
whatever thread triggers it, which freezes the window. Leads hold only strings and cannot form
cycles, so once built they are frozen (moved out of the collector's generations): nothing is
lost, reference counting still frees them. The GUI's own collector (``ui/gc_guard.py``) asks
``active()`` and waits while a build runs.

``gc.freeze`` moves every tracked object, not only the leads: cyclic garbage not yet collected
when it runs would be kept forever (a fetch's HTTP response and connection are a cycle, ~80
objects and 14 KB a fetch, which watch mode repeats every few minutes). So a build first has the
collector's thread collect the young garbage (``set_collector``): the freeze then takes the leads
and live objects, which reference counting still frees.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = True
_collector: Callable[[], None] | None = None


def set_collector(collect: Callable[[], None] | None) -> Callable[[], None] | None:
    """``collect`` collects the young generations on the thread allowed to collect and returns
    once it ran (or gave up waiting); called at the start of a build. None: builds do not.
    Returns the collector it replaces."""
    global _collector
    previous, _collector = _collector, collect
    return previous


@contextmanager
def building_many_objects() -> Iterator[None]:
    global _active, _was_enabled
    collect = _collector
    if collect is not None and not _active:
        collect()
    with _lock:
        if _active == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            gc.freeze()
            if _active == 0 and _was_enabled:
                gc.enable()


def active() -> bool:
    return _active > 0


_held = 0


def hold() -> Callable[[], None]:
    """No collection by the GUI's collector (it asks ``held()``) until the returned function
    is called (on any thread; once counts): while a worker reads a large new container, which
    a collection of the young generation would walk item by item (~0.1-0.2 s for a list of 1M
    numbers, holding the GIL). Unlike a build, nothing is frozen after: the container is meant
    to be freed before the release."""
    global _held
    with _lock:
        _held += 1
    released = threading.Event()

    def release() -> None:
        global _held
        with _lock:
            if not released.is_set():
                released.set()
                _held -= 1

    return release


def held() -> bool:
    return _held > 0


@contextmanager
def deferred() -> Iterator[None]:
    """A worker's long pass (indexing, ranking ahead) keeps lists of a million items alive for
    seconds; a collection of even the youngest generation walks each of their items while
    holding the GIL: 0.1-0.6 s at 1M leads, on the GUI thread. Its collector waits meanwhile
    (no freeze: what the pass made is freed by reference counting, or collected after)."""
    release = hold()
    try:
        yield
    finally:
        release()
