"""Keep the cycle collector out of the way while a parse builds a million lead tuples. No Qt.

Leads are tuple subclasses, which the collector tracks and never untracks; a collection in the
middle of a build walks every lead built so far while holding the GIL: tens of ms at 100k, on
whatever thread triggers it, which freezes the window. Leads hold only strings and cannot form
cycles, so once built they are frozen (moved out of the collector's generations): nothing is
lost, reference counting still frees them. The GUI's own collector (``ui/gc_guard.py``) asks
``active()`` and waits while a build runs.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_active = 0
_was_enabled = True


@contextmanager
def building_many_objects() -> Iterator[None]:
    global _active, _was_enabled
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
