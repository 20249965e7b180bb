"""The lead history: fetched leads and their work status in a local SQLite file. No Qt.

``LeadStore`` (in ``database``, the only module with SQL) merges fetched leads per environment
and client ID, keeps a status, a note and the first export time per lead, and answers by time
window. ``records`` holds the identity keys and the row codec, ``location`` where the file is
and what the environment variables say, ``errors`` what can go wrong. A lead's identity is all of
its values (the API has no id); the API key is never stored here.

For the window: open one ``LeadStore`` on a worker (``LeadStore.open(retention_days=...)``;
show ``store.warning`` once), then on workers only: ``stored(env, client, window)`` at start
(``Query.covers(sent_at)`` gives the window; ``last_fetch`` the "fetched 08:12"), ``merge`` after
each fetch or poll (its ``keys`` are parallel to the leads), ``set_status``/``set_note`` for the
selected rows' keys (``lead_keys``), ``mark_exported`` after an export. Calls are serialised;
each C-level pass is a slice of 2,048 leads, so the GUI thread gets the GIL between them.
"""

from __future__ import annotations

from .database import SCHEMA_VERSION, LeadStore, SourceInfo, StoreInfo
from .errors import (
    StoreBusyError,
    StoreDamagedError,
    StoreError,
    StoreFullError,
    StoreTooNewError,
    StoreUnavailableError,
)
from .location import (
    DATA_DIR_ENV,
    DEFAULT_RETENTION_DAYS,
    HISTORY_DAYS_ENV,
    NO_HISTORY_ENV,
    data_dir,
    history_disabled,
    retention_days,
    store_path,
)
from .records import LeadState, MergeReport, Status, StoredLeads, Window, lead_keys

__all__ = [
    "DATA_DIR_ENV",
    "DEFAULT_RETENTION_DAYS",
    "HISTORY_DAYS_ENV",
    "NO_HISTORY_ENV",
    "SCHEMA_VERSION",
    "LeadState",
    "LeadStore",
    "MergeReport",
    "SourceInfo",
    "Status",
    "StoreBusyError",
    "StoreDamagedError",
    "StoreError",
    "StoreFullError",
    "StoreInfo",
    "StoreTooNewError",
    "StoreUnavailableError",
    "StoredLeads",
    "Window",
    "data_dir",
    "history_disabled",
    "lead_keys",
    "retention_days",
    "store_path",
]
