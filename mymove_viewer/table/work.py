"""What the user did with the leads (issue 18): a work status, a note, the first export. No Qt.

Kept by the lead itself (all its values: the store's identity and the table's de-duplication),
not by row or lead index: a lead sent again by an overlapping fetch or a poll is the same lead,
and nothing needs re-aligning when a sort, filter or merge moves rows. Only leads with something
to say are in the dicts: most leads are New, with no note, never exported.

Every pass over leads here is a C-level ``map``/``zip``/``compress`` (no Python frame per lead);
a large change is prepared on a worker (``prepare``) and swapped in (``take_prepared``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from itertools import compress, repeat
from operator import eq, is_not
from typing import TYPE_CHECKING, Any

from .. import reaper
from ..api.fields import FIELDS
from ..api.lead import Lead
from ..slices import Pace, chunks

if TYPE_CHECKING:  # the store's package loads sqlite3 and msgspec: not before the first paint
    from ..store.records import Status, StoredLeads

NEW = 0  # Status.NEW: statuses are IntEnum members, equal to their numbers
NOTE_MARK = "\N{LOWER RIGHT PENCIL}"  # after the status of a lead with a note
TIP_LIMIT = 500  # a note's tooltip shows this much (the detail pane shows all)
_N = len(FIELDS)
# ``Status`` labels by number, and the names ``Status.from_label`` reads (a test keeps both as
# ``store.records.Status`` has them; that module is imported only where a status is made).
LABELS: tuple[str, ...] = ("New", "Contacted", "Qualified", "Not interested", "Do not contact")
_NAMES = {label.upper().replace(" ", "_"): code for code, label in enumerate(LABELS)}
# Every text a Status cell can show: its column is made wide enough for the widest, as the rows
# its width is measured on are mostly New ("Not interested ✎" was cut to "Not inte…").
CELL_TEXTS: tuple[str, ...] = tuple(f"{label} {NOTE_MARK}" for label in LABELS)
# The columns ``--with-status`` exports add (the CLI's and the window's): renamed when a lead
# already has an extra field of that name, so no value the API sent is overwritten.
STATUS_FIELD, NOTE_FIELD = "status", "note"


@dataclass(frozen=True)
class WorkChange:
    """What the user did to some leads, for the history to keep (None: left as it was)."""

    leads: Sequence[Lead]
    status: Status | None = None
    note: str | None = None
    exported_at: float | None = None  # POSIX seconds of an export that wrote them


@dataclass(frozen=True)
class Exports:
    """The leads an export wrote, and its time (``LeadWork.prepare_exported``)."""

    at: float
    exported: dict[Lead, float]


@dataclass(frozen=True)
class Prepared:
    """A status change made ready on a worker (see ``LeadWork.prepare``)."""

    changed: dict[Lead, Status]  # the leads given a status other than New
    dropped: dict[Lead, None]  # the leads made New (that had a status)
    whole: dict[Lead, Status] | None  # every status after it, as of ``version``
    version: int


class LeadWork:
    """Status, note and first export per lead."""

    def __init__(self) -> None:
        self.status: dict[Lead, Status] = {}  # New is left out
        self.notes: dict[Lead, str] = {}  # "" is left out
        self.exported: dict[Lead, float] = {}  # the first export, POSIX seconds
        self.version = 0  # of ``status``: a status dict prepared on a worker is for one version

    def status_of(self, lead: Lead) -> Status:
        status = self.status.get(lead)
        return status_of_code(NEW) if status is None else status

    def note_of(self, lead: Lead) -> str:
        return self.notes.get(lead, "")

    def status_codes(self, leads: Sequence[Lead]) -> list[int]:
        """Each lead's status number (what the Status column sorts by), in one C pass (none
        while no lead has a status: the common case, and a pass costs ~40 ms at 100k leads)."""
        if not self.status:
            return [NEW] * len(leads)
        return list(map(self.status.get, leads, repeat(NEW)))

    def apply(self, change: WorkChange) -> None:
        """Take a change the user made (C-level dict updates: no Python per lead; each is a
        pass hashing every lead, all of whose values take part: ~0.4 us a lead)."""
        leads = change.leads
        if change.status is not None:
            if change.status == NEW:
                _drop(self.status, leads)
            else:
                self.status.update(zip(leads, repeat(change.status)))
            self.version += 1  # after the change: see ``prepare``
        if change.note is not None:
            if change.note:
                self.notes.update(zip(leads, repeat(change.note)))
            else:
                _drop(self.notes, leads)
        if change.exported_at is not None:
            first = dict.fromkeys(leads, change.exported_at)
            first.update(self.exported)  # an earlier first export stays
            self.exported = first

    def clear(self) -> None:
        """Forget every lead's work (the leads of another environment or client, or forgotten
        stored leads: a lead of the same values there is another lead). The old dicts go to the
        reaper: clearing the first exports of 1M leads here held the GUI thread ~20 ms, and
        freed the leads themselves when nothing else held them any more."""
        old = (self.status, self.notes, self.exported)
        self.status, self.notes, self.exported = {}, {}, {}
        self.version += 1
        reaper.release(*old)

    # A large status change in two steps: on a worker (``prepare``), its leads hashed into a
    # dict and the whole new status dict made; here (``take_prepared``) that dict swapped in, if
    # no change came meanwhile, else the prepared one merged (a dict merged from a dict reuses
    # the hashes it stored). Hashing a lead hashes all its values: ~0.4 us a lead, so applying
    # a change here held the GUI thread 40-100 ms at 100k selected leads, ~0.7 s at 1M; merging
    # a prepared dict ~20 ms and ~190 ms; a swap nothing.

    def prepare(
        self, leads: Sequence[Lead], status: Status, codes: Sequence[int], pace: Pace = None
    ) -> Prepared:
        """On a worker: what a status change of ``leads`` (``codes``: their statuses now) makes
        of the statuses, read as they are now (the GUI thread changes them, one C call at a
        time)."""
        return self.prepare_restore(leads, [int(status)] * len(leads), codes, pace)[0]

    def prepare_restore(
        self, leads: Sequence[Lead], wanted: Sequence[int], codes: Sequence[int], pace: Pace = None
    ) -> tuple[Prepared, list[list[Lead]]]:
        """On a worker: ``prepare`` with a status per lead (``wanted``: an undo gives back the
        statuses they had), and the leads per status number, for the history."""
        from ..store.records import Status  # here, on the worker: the GUI thread needs it not

        members = list(Status)
        groups: list[list[Lead]] = [[] for _ in members]
        # The version goes up after each change: a copy made between two equal readings holds
        # every change up to that version (and maybe a later one, which makes the version
        # differ when the copy is taken: then it is merged, not swapped in).
        version = self.version
        whole: dict[Lead, Status] | None = dict(self.status)  # one C call: a consistent copy
        if self.version != version:
            whole = None  # changed while copied: ``take_prepared`` merges instead
        changed: dict[Lead, Status] = {}
        dropped: dict[Lead, None] = {}
        for span in chunks(range(len(leads)), pace):
            part, want = leads[span.start : span.stop], wanted[span.start : span.stop]
            for status in members:
                chosen = list(map(eq, want, repeat(status)))
                picked = list(compress(part, chosen))
                if not picked:
                    continue
                groups[status] += picked
                if status == NEW:  # only the leads that had a status drop it
                    some: dict = dict.fromkeys(
                        compress(picked, compress(codes[span.start :], chosen))
                    )
                    dropped.update(some)
                    if whole is not None:
                        _drop(whole, some)
                else:
                    some = dict.fromkeys(picked, status)
                    changed.update(some)
                    if whole is not None:
                        whole.update(some)
        return Prepared(changed, dropped, whole, version), groups

    def take_prepared(self, prepared: Prepared) -> None:
        """What ``prepare`` made, taken here."""
        if prepared.whole is not None and prepared.version == self.version:
            self.status = prepared.whole
        else:
            _drop(self.status, prepared.dropped)
            self.status.update(prepared.changed)
        self.version += 1

    @staticmethod
    def prepare_exported(leads: Sequence[Lead], at: float, pace: Pace = None) -> Exports:
        """On a worker: the leads an export wrote, with their export's time."""
        out: dict[Lead, float] = {}
        for part in chunks(leads, pace):
            out.update(dict.fromkeys(part, at))
        return Exports(at, out)

    def take_exported(self, prepared: Exports) -> None:
        """What ``prepare_exported`` made (which it takes over), taken here: an earlier first
        export stays. (Merging on the worker instead showed no gain at 1M leads.)"""
        prepared.exported.update(self.exported)
        self.exported = prepared.exported

    def take(self, found: StoredLeads) -> bool:
        """Take what the history knows of these leads (it wins: it is what was saved). New,
        no note and never exported say nothing: what the table knows of those leads stays.
        True if a lead's status changed (a table sorted by status is out of order)."""
        leads = found.leads
        before = list(map(self.status.get, leads))
        self.status.update(_kept(leads, found.statuses))
        changed = before != list(map(self.status.get, leads))
        self.version += 1
        self.notes.update(_kept(leads, found.notes))
        known = list(map(is_not, found.exported, repeat(None)))
        self.exported.update(_kept(leads, found.exported, known))
        return changed

    def cell(self, lead: Lead, *, tooltip: bool, shown: bool) -> str | None:
        """What the Status cell of ``lead`` shows (its label, a pencil if it has a note), its
        tooltip (the note), or its value otherwise (the label)."""
        note = self.notes.get(lead)
        if tooltip:
            return note if note is None or len(note) <= TIP_LIMIT else note[:TIP_LIMIT] + "…"
        label = LABELS[self.status.get(lead, NEW)]
        return f"{label} {NOTE_MARK}" if note and shown else label


def status_code(text: str) -> int | None:
    """The number of the status ``text`` names as ``Status.from_label`` reads it ("Not
    interested", "not-interested", "NOT_INTERESTED"), or None."""
    return _NAMES.get(text.strip().upper().replace("-", "_").replace(" ", "_"))


def status_of_code(code: int) -> Status:
    """The ``Status`` of a number (importing the store's package the first time)."""
    from ..store.records import Status

    return Status(code)


def _kept(leads: Sequence[Lead], values: Sequence[Any], keep: Sequence[object] | None = None):  # type: ignore[no-untyped-def]
    """(lead, value) pairs of the leads whose ``keep`` (by default their value) is true."""
    keep = values if keep is None else keep
    return zip(compress(leads, keep), compress(values, keep), strict=True)


def _drop(values: dict[Lead, object], leads: Iterable[Lead]) -> None:
    deque(map(values.pop, leads, repeat(None)), maxlen=0)  # a C loop that keeps nothing


def export_field_names(taken: Iterable[str]) -> tuple[str, str]:
    """The names of the status and note columns an export adds: ``status`` and ``note``, or
    ``history_status``/``history_note`` where the leads already have a field of that name."""
    have = set(taken)
    return tuple(f"history_{n}" if n in have else n for n in (STATUS_FIELD, NOTE_FIELD))  # type: ignore[return-value]


def with_work(leads: Iterable[Lead], names: tuple[str, str], work: LeadWork) -> Iterable[Lead]:
    """The leads with two more extra fields at the end, named ``names``: the status's label and
    the note (for a worker writing an export: a ``Lead`` is built per lead)."""
    status, notes = work.status, work.notes
    for lead in leads:
        extra = lead.extra
        extra[names[0]] = LABELS[status.get(lead, NEW)]
        extra[names[1]] = notes.get(lead, "")
        yield Lead.build(lead[:_N], tuple(extra), list(extra.values()))


def status_order(
    order: Sequence[int], ranks: Sequence[int], descending: bool, pace: Pace = None
) -> list[int]:
    """``order`` (lead indexes) sorted by the status ``ranks`` (per lead index, in status
    order, each below 256), stably in both directions: leads of one status keep the order the
    table had, as a spreadsheet's sort does (sorted by Created, newest first, then by Status:
    each status newest first). A sort by ranks alone gave ties in lead order, oldest first,
    whatever the table showed. A bucket per status, filled in C passes over a slice at a time
    (the slice's ranks as bytes, a ``translate`` picking each status's leads): at 1M leads as
    fast as counting the ranks (``sort_plan.counting_order``), ~0.3-0.6 s on a worker."""
    buckets: dict[int, list[int]] = {}
    for part in chunks(order, pace):
        keys = bytes(list(map(ranks.__getitem__, part)))  # from a list: ~2x faster than a map
        for rank in set(keys):
            buckets.setdefault(rank, []).extend(compress(part, keys.translate(_pick(rank))))
    out: list[int] = []
    for rank in sorted(buckets, reverse=descending):
        out += buckets.pop(rank)  # one C copy a status
        if pace is not None:
            pace()
    return out


@cache
def _pick(rank: int) -> bytes:
    """A ``bytes.translate`` table mapping the byte ``rank`` to 1 and every other byte to 0."""
    return bytes(256)[:rank] + b"\x01" + bytes(255 - rank)
