"""Free large lists on a background thread, a slice at a time. No Qt.

Replacing 100k leads drops the last reference to the old list on the GUI thread, and CPython then
frees every lead, string and index in one go: ~60 ms at 100k, most of a second at 1M, with the
window frozen. Lists handed to ``release`` are freed here in small slices instead, so the GUI
thread can take the GIL between them.

The contract: a caller hands over lists it is done with and drops its own references right after
the call (within ``GRACE_S``). The reaper never changes a list it is given: it takes its own
references to the items, a slice at a time, drops the list, then drops its slices one by one. An
item nobody else holds is freed with its slice, here; a list someone else still holds (an export
reading the old leads) stays whole, and its items are freed later by whoever drops it last. No
reference counts are read, so nothing depends on how a Python version counts them.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

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
_outstanding = 0  # batches handed over and not yet freed
_lock = threading.Lock()
_freed = threading.Condition(_lock)  # notified each time a batch has been freed
_thread: threading.Thread | None = None


def release(*lists: list[object] | None, delay: float = 0.0) -> None:
    """Hand over lists the caller will no longer use; it drops its own references right after.

    ``delay``: seconds to wait before freeing. Even in slices, freeing competes for the GIL with
    the GUI thread, whose next paint (of what replaced these lists) should come first.
    """
    batch = [item for item in lists if isinstance(item, list) and len(item) > SLICE]
    if not batch:
        return
    global _outstanding
    _ensure_thread()
    with _lock:
        _outstanding += 1
    _queue.put((time.monotonic() + max(delay, GRACE_S), batch))


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
        # Our own references to every item, in slices; then the lists go, unchanged.
        parts = [part for item in batch for part in chunks(item)]
        del batch
        while parts:
            _wait_while_held(deadline)
            del parts[-1]  # frees whatever in it nobody else holds
            yield_gil()
        with _freed:
            _outstanding -= 1
            _freed.notify_all()
