"""What the user did with the leads (issue 18): a work status, a note, the first export. No Qt.

Kept by the lead itself (all its values: the store's identity and the table's de-duplication),
not by row or lead index: a lead sent again by an overlapping fetch or a poll is the same lead,
and nothing needs re-aligning when a sort, filter or merge moves rows. Only leads with something
to say are in the dicts: most leads are New, with no note, never exported.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import compress, repeat
from operator import is_not

from ..api.lead import Lead
from ..store.records import Status, StoredLeads


@dataclass(frozen=True)
class WorkChange:
    """What the user did to some leads, for the history to keep (None: left as it was)."""

    leads: Sequence[Lead]
    status: Status | None = None
    note: str | None = None
    exported_at: float | None = None  # POSIX seconds of an export that wrote them


class LeadWork:
    """Status, note and first export per lead."""

    def __init__(self) -> None:
        self.status: dict[Lead, Status] = {}  # New is left out
        self.notes: dict[Lead, str] = {}  # "" is left out
        self.exported: dict[Lead, float] = {}  # the first export, POSIX seconds

    def status_of(self, lead: Lead) -> Status:
        return self.status.get(lead, Status.NEW)

    def apply(self, change: WorkChange) -> None:
        """Take a change the user made (C-level dict updates: no Python per lead)."""
        leads = change.leads
        if change.status is not None:
            if change.status is Status.NEW:
                _drop(self.status, leads)
            else:
                self.status.update(zip(leads, repeat(change.status)))
        if change.note is not None:
            if change.note:
                self.notes.update(zip(leads, repeat(change.note)))
            else:
                _drop(self.notes, leads)
        if change.exported_at is not None:
            first = {lead: change.exported_at for lead in leads}
            first.update(self.exported)  # an earlier first export stays
            self.exported = first

    def clear(self) -> None:
        """Forget every lead's work (the leads of another environment or client, or forgotten
        stored leads: a lead of the same values there is another lead)."""
        self.status.clear()
        self.notes.clear()
        self.exported.clear()

    def take(self, found: StoredLeads) -> None:
        """Take what the history knows of these leads (it wins: it is what was saved). C-level
        passes: the window calls this on its GUI thread with every lead that has a state."""
        leads = found.leads
        worked = map(Status.NEW.__ne__, found.statuses)
        self.status.update(compress(zip(leads, found.statuses, strict=True), worked))
        self.notes.update(compress(zip(leads, found.notes, strict=True), found.notes))
        done = map(partial(is_not, None), found.exported)
        self.exported.update(compress(zip(leads, found.exported, strict=True), done))


def _drop(values: dict[Lead, object], leads: Iterable[Lead]) -> None:
    for lead in leads:
        values.pop(lead, None)
