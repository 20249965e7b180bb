"""Timeouts, retries and limits of the client, apart from it so the GUI can name them without
importing httpx (which costs ~0.2 s of cold start)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """Timeouts, retries and limits. Defaults suit the real API; tests shorten them."""

    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    # A body that trickles in is as stuck as one that stops: fewer than this many bytes in a
    # whole ``read_timeout`` window ends the fetch with a timeout.
    stall_bytes: int = 1024
    max_tries: int = 3
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    retry_after_cap: float = 60.0
    max_bytes: int = 1 << 30
