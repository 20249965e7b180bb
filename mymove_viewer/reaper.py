"""Free large lists on a background thread, a slice at a time. No Qt.

Replacing 100k leads drops the last reference to the old list on the GUI thread, and CPython then
frees every lead, string and index in one go: ~60 ms at 100k, most of a second at 1M, with the
window frozen. Lists handed to ``release`` are emptied here in small slices instead, so the GUI
thread can take the GIL between them. A list someone else still holds is left alone.
"""

from __future__ import annotations

import queue
import sys
import threading
import time

SLICE = 4096
_queue: queue.SimpleQueue[tuple[float, list[object]]] = queue.SimpleQueue()
_lock = threading.Lock()
_thread: threading.Thread | None = None


def release(*lists: list[object] | None, delay: float = 0.0) -> None:
    """Hand over lists the caller will no longer use (it must drop its own references).

    ``delay``: seconds to wait before freeing. Even in slices, freeing competes for the GIL with
    the GUI thread, whose next paint (of what replaced these lists) should come first.
    """
    batch = [item for item in lists if isinstance(item, list) and len(item) > SLICE]
    if not batch:
        return
    _ensure_thread()
    _queue.put((time.monotonic() + delay, batch))


def _ensure_thread() -> None:
    global _thread
    with _lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_run, name="reaper", daemon=True)
            _thread.start()


def _run() -> None:
    while True:
        due, batch = _queue.get()
        wait = due - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        while batch:
            item = batch.pop()
            if _sole_owner(item):
                while item:
                    del item[-SLICE:]
                    time.sleep(0)
            del item


def _sole_owner(item: list[object]) -> bool:
    # The caller may still be dropping its own names for the list; give it a moment.
    for _ in range(10):
        # Our name, the caller's argument to getrefcount... : 3 here means nobody else.
        if sys.getrefcount(item) <= 3:
            return True
        time.sleep(0.01)
    return False
