"""The history's work as a program that shows leads does it: the window runs each of these on its
worker, one at a time, against its one store (``Disk``); the CLI shares ``extra_fields``. No Qt.

What comes back for the window is only what it needs on its own thread: the leads that have a
status, a note or an export (``worked``), since most leads have none and handing the window a
state per lead would cost it a pass over every row. Everything here is C-level over the leads
(``map``, ``compress``), as it runs with the GIL held next to a GUI thread that must stay free.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import compress
from operator import attrgetter, itemgetter

from ..api.errors import ValidationError
from ..api.fields import CREATED_AT, FIELDS
from ..api.lead import Lead, sorts_as_text
from ..settings import Settings
from ..slices import Pace, chunks, yield_gil
from .database import LeadStore, StoreInfo
from .location import HISTORY_DAYS_ENV, retention_days, store_path
from .records import LeadState, Status, StoredLeads, Window, lead_keys

_created_of = itemgetter(CREATED_AT)
_names_of = itemgetter(len(FIELDS))  # a lead's extra-field names (see ``Lead.build``)
_exported_at = attrgetter("first_exported_at")


@dataclass(frozen=True)
class Shown:
    """The stored leads of one environment and client for a time window, for a window to show."""

    found: StoredLeads  # every stored lead in the window, oldest first
    worked: StoredLeads  # those with a status, a note or an export
    extra_fields: tuple[str, ...]
    last_fetch: datetime | None  # when leads were last fetched for them (None: never)

    @classmethod
    def nothing(cls) -> Shown:
        empty = StoredLeads([], [], [], [], [])
        return cls(empty, empty, (), None)


def extra_fields(
    leads: Sequence[Lead], named: Sequence[str] = (), pace: Pace = None
) -> tuple[str, ...]:
    """Every extra field of ``leads`` (``named`` first), in the order they first appear: the
    columns of leads that did not come from one answer (stored, or picked from several)."""
    seen = dict.fromkeys(named)
    for part in chunks(leads, pace):
        for names in dict.fromkeys(map(_names_of, part)):  # one per set of names, not per lead
            seen.update(dict.fromkeys(names))
    return tuple(seen)


def canonical_created(leads: Sequence[Lead], pace: Pace = None) -> bool:
    """Every ``created_at`` is canonical (``sorts_as_text``): the table may sort it as text."""
    return all(sorts_as_text(list(map(_created_of, part))) for part in chunks(leads, pace))


def worked(found: StoredLeads, pace: Pace = None) -> StoredLeads:
    """Only the leads of ``found`` with a status, a note or an export."""
    # New is 0, no note "", never exported None: a lead has a state when any of them is truthy.
    keep: list[bool] = []
    for rows in chunks(range(len(found)), pace):
        part = (found.statuses[rows.start : rows.stop], found.notes[rows.start : rows.stop])
        keep += map(any, zip(*part, found.exported[rows.start : rows.stop], strict=True))
    if all(keep):
        return found
    parts = (found.leads, found.keys, found.statuses, found.notes, found.exported)
    return StoredLeads(*(list(compress(part, keep)) for part in parts))


def stored_for(store: LeadStore, environment: str, client_id: str, window: Window) -> Shown:
    """What a window shows at start (or on switching to this environment and client)."""
    found = store.stored(environment, client_id, window)
    last = store.last_fetch(environment, client_id)
    pace = yield_gil  # a window's GUI thread waits for the GIL meanwhile
    return Shown(found, worked(found, pace), extra_fields(found.leads, (), pace), last)


def merge_fetched(
    store: LeadStore,
    environment: str,
    client_id: str,
    leads: Sequence[Lead],
    fetched_at: datetime | None = None,
) -> StoredLeads:
    """Store a fetch's (or a poll's) leads; what the history knows of those that have a state."""
    report = store.merge(environment, client_id, leads, fetched_at=fetched_at)
    states = store.statuses(environment, client_id, report.keys, worked=True)
    return as_worked(leads, report.keys, states)


def as_worked(
    leads: Sequence[Lead], keys: Sequence[bytes], states: dict[bytes, LeadState]
) -> StoredLeads:
    """``StoredLeads`` of the leads whose key ``states`` holds, with those states."""
    have = list(map(states.__contains__, keys))
    chosen = list(map(states.__getitem__, compress(keys, have)))
    moments = map(_exported_at, chosen)
    return StoredLeads(
        list(compress(leads, have)),
        list(compress(keys, have)),
        list(map(attrgetter("status"), chosen)),
        list(map(attrgetter("note"), chosen)),
        [None if m is None else m.timestamp() for m in moments],
    )


def save_work(
    store: LeadStore,
    environment: str,
    client_id: str,
    leads: Sequence[Lead],
    *,
    status: Status | None = None,
    note: str | None = None,
    exported_at: float | None = None,
) -> None:
    """Keep what the user did to ``leads`` (None: left as it was). Leads the history does not
    hold (forgotten since, or never stored) are left out."""
    keys = lead_keys(leads, yield_gil)  # a window's GUI thread waits for the GIL meanwhile
    if status is not None:
        store.set_status(environment, client_id, keys, status, note)
    elif note is not None:
        store.set_note(environment, client_id, keys, note)
    if exported_at is not None:
        when = datetime.fromtimestamp(exported_at, UTC)
        store.mark_exported(environment, client_id, keys, when)


# --- the window's one store -------------------------------------------------------------------

Scope = tuple[str | None, str | None]  # (environment value, client ID) to forget; None: any


def retention(settings: Settings) -> int:
    """Days stored leads are kept: ``MYMOVE_VIEWER_HISTORY_DAYS`` when set (as for the command
    line; a bad value is ignored here, the command line reports it), else the setting."""
    if os.environ.get(HISTORY_DAYS_ENV, "").strip():
        try:
            return retention_days()
        except ValidationError:
            pass
    return settings.history_days


class Disk:
    """The window's one ``LeadStore``, opened by the first job that needs it. Only its worker's
    jobs call these (one at a time); the file is not created by asking what it holds."""

    def __init__(self, days: int) -> None:
        self.days = days
        self._store: LeadStore | None = None
        self._compacting = False

    def get(self) -> LeadStore:
        if self._store is None:
            self._store = LeadStore.open(retention_days=self.days)
        return self._store

    def open(self) -> str | None:
        """Open the history if there is one (old leads dropped; a new file waits for leads to
        keep); what to tell the user once, if anything."""
        if not self._exists():
            return None
        store = self.get()
        warning, store.warning = store.warning, None
        return warning

    def _exists(self) -> bool:
        return self._store is not None or store_path().exists()

    def existing(self) -> LeadStore | None:
        """The store, if there is a history file (asking what it holds does not create one)."""
        return self.get() if self._exists() else None

    def info(self) -> StoreInfo | None:
        """What the history holds; None when there is no history file."""
        return self.get().info() if self._exists() else None

    def forget(self, scope: Scope) -> int:
        return self.get().forget(*scope) if self._exists() else 0

    def compact(self) -> None:
        if self._exists():
            self._compacting = True
            try:
                self.get().compact()
            finally:
                self._compacting = False

    def stop_compacting(self) -> None:
        """From the GUI thread as the window closes: a file rewrite is not worth waiting for
        (a status save is, so only a ``compact`` is interrupted)."""
        store = self._store
        if self._compacting and store is not None:
            store.interrupt()

    def retain(self, days: int) -> int:
        self.days = days
        return self.get().apply_retention(days) if self._exists() else 0

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None
