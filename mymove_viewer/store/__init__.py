"""The lead history: fetched leads and their work status in a local SQLite file. No Qt.

``LeadStore`` (in ``database``, the only module with SQL) merges fetched leads per environment
and client ID, keeps a status, a note and the first export time per lead, and answers by time
window. ``records`` holds the identity keys and the row codec, ``location`` where the file is
and what the environment variables say, ``errors`` what can go wrong. A lead's identity is all of
its values (the API has no id); the API key is never stored here.
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
