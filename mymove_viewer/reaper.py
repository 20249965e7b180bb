"""Free large lists on a background thread, a slice at a time. No Qt.

Replacing 100k leads drops the last reference to the old list on the GUI thread, and CPython then
frees every lead, string and index in one go: ~60 ms at 100k, most of a second at 1M, with the
window frozen. Lists handed to ``release`` are freed here in small slices instead, so the GUI
thread can take the GIL between them. Sets and dicts (the leads as a set, the work per lead) go
the same way; anything else handed over (arrays of ranks, ~4 MB each at 1M leads, and what holds
them) is dropped here whole, one object at a time.

The contract: a caller hands over containers it is done with and drops its own references right
after the call (within ``GRACE_S``); nobody changes them afterwards. The reaper never changes one:
it takes its own references to the items, a slice at a time, drops the containers one by one,
then drops its slices one by one. An item nobody else holds is freed with its slice, here; a
container someone else still holds (an export reading the old leads) stays whole, and its items
are freed later by whoever drops it last. No reference counts are read, so nothing depends on how
a Python version counts them. While its slices exist the GUI's cycle collector waits
(``gcpause.hold``): they are new lists of up to a million items in all, which a collection of the
young generation would walk item by item on the GUI thread.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress

from . import gcpause
from .slices import SLICE, chunks, yield_gil

# While heavy work holds the reaper back (see ``holding``), it waits in steps of this, but never
# longer than MAX_HOLD_S in all: freeing must not wait forever behind back-to-back fetches.
HOLD_STEP_S = 0.05
MAX_HOLD_S = 10.0
# The reaper starts on a list no sooner than this after ``release``: the caller's own references
# should be gone by then, or the list's items would be freed where that caller drops them.
GRACE_S = 0.05
# Work that holds the reaper often comes in a chain (fetch, then the table's paint, then the
# index): the reaper waits for this long a quiet spell after the last hold ended.
QUIET_S = 0.25
_holds = 0
_last_hold_end = 0.0
_queue: queue.SimpleQueue[tuple[float, list[object]]] = queue.SimpleQueue()
_SLICED = (list, set, frozenset, dict)  # containers whose items are dropped a slice at a time
_outstanding = 0  # batches handed over and not yet freed
_lock = threading.Lock()
_freed = threading.Condition(_lock)  # notified each time a batch has been freed
_thread: threading.Thread | None = None


def release(*objects: object, delay: float = 0.0) -> None:
    """Hand over containers (lists, sets, dicts) and other large objects (arrays) the caller
    will no longer use; it drops its own references right after. ``None`` and containers of a
    slice or less (freed at once for less than handing them over costs) are left to the caller.

    ``delay``: seconds to wait before freeing. Even in slices, freeing competes for the GIL with
    the GUI thread, whose next paint (of what replaced these lists) should come first.
    """
    batch = [item for item in objects if _worth(item)]
    if not batch:
        return
    global _outstanding
    _ensure_thread()
    with _lock:
        _outstanding += 1
    _queue.put((time.monotonic() + max(delay, GRACE_S), batch))


def _worth(item: object) -> bool:
    if item is None:
        return False
    try:
        return len(item) > SLICE  # type: ignore[arg-type]
    except TypeError:  # no length: an object holding large ones (a column's ranks)
        return True


def idle() -> bool:
    """Nothing handed over is still waiting to be freed."""
    return _outstanding == 0


def wait_idle(timeout: float) -> bool:
    """Block until ``idle()`` (True) or ``timeout`` seconds have passed (False)."""
    with _freed:
        return _freed.wait_for(idle, timeout)


@contextmanager
def holding() -> Iterator[None]:
    """Keep the reaper from freeing while this runs. Freeing 100k leads is ~100 ms of CPU that
    competes for the GIL with a parse or an index build: measured, it made a 100k fetch's parse
    take 0.9 s instead of 0.6 s."""
    global _holds, _last_hold_end
    with _lock:
        _holds += 1
    try:
        yield
    finally:
        with _lock:
            _holds -= 1
            _last_hold_end = time.monotonic()


def _wait_while_held(deadline: float) -> None:
    while time.monotonic() < deadline and (_holds or time.monotonic() - _last_hold_end < QUIET_S):
        time.sleep(HOLD_STEP_S)


def _ensure_thread() -> None:
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="reaper", daemon=True)
            _thread.start()


def _run() -> None:
    global _outstanding
    while True:
        due, batch = _queue.get()
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        deadline = max(due, time.monotonic()) + MAX_HOLD_S
        collector_back = gcpause.hold()
        try:
            _free(batch, deadline)
        finally:
            collector_back()
        del batch
        with _freed:
            _outstanding -= 1
            _freed.notify_all()


def _free(batch: list[object], deadline: float) -> None:
    """Drop ``batch``'s objects (and empty it): our own references to every item, in slices;
    then the containers, one at a time (dropping one still touches each of its items: ~10-30 ms
    for a million, which must not add up in one hold of the GIL); then the slices."""
    parts: list[object] = []
    for item in batch:
        if isinstance(item, _SLICED):
            with suppress(RuntimeError):  # changed while read, against the contract: whole
                parts += _slices(item)
        else:
            parts.append([item])
    while batch:
        del batch[-1]
        yield_gil()
    while parts:
        _wait_while_held(deadline)
        del parts[-1]  # frees whatever in it nobody else holds
        yield_gil()


def _slices(container: list | set | frozenset | dict) -> list[list[object]]:
    if isinstance(container, list):
        return list(chunks(container))
    parts = list(chunks(iter(container)))
    if isinstance(container, dict):
        parts += chunks(iter(container.values()))
    return parts
