"""Give memory freed in the middle of the C heap back to the system. No Qt.

A fetch reads its body in ~1 MiB parts (50 MB at 100k leads, 500 MB at 1M) and parses them while
it builds the leads, then frees the parts. glibc gives a freed block back to the system only at
the top of its heap, and the leads built meanwhile sit above the parts: the process kept the
whole body's size as resident memory after each fetch (99 → 150 MB at 100k, measured), reused
only by later allocations. ``malloc_trim`` returns those pages (3.4–6 ms at 100k, without the
GIL), on the reaper's thread once heavy work is quiet (``reaper.trim_soon``), and after the
reaper has freed old leads. Elsewhere (macOS, Windows, musl) there is nothing to call.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import sys
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim  # glibc only
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def trim() -> bool:
    """Return the heap's free pages to the system (``ctypes`` lets go of the GIL meanwhile);
    False where the C library has no such call."""
    call = _malloc_trim()
    if call is None:
        return False
    call(0)
    return True
