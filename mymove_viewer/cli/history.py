"""The lead history on the command line: what ``export`` keeps, and ``store info|forget``.

Every ``export`` merges what it fetched into the history (``store``) and records the leads it
wrote as exported, unless ``--no-history`` or ``MYMOVE_VIEWER_NO_HISTORY=1`` says to keep
nothing. ``--only-new`` writes only the leads of this environment and client never exported
before (by any export): a crash between writing and recording writes them again the next time
(at least once, never lost). ``--offline`` exports from
the history without a network call; ``--with-status`` adds ``status`` and ``note`` columns.
A plain export still works when the history cannot be used: it says so and goes on.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from ..api import errors as E
from ..api.lead import Lead
from ..api.query import Environment, Query
from .codes import OK

if TYPE_CHECKING:
    from ..api.client import FetchResult
    from ..store import LeadState, LeadStore, StoredLeads
    from ..table.work import LeadWork

ENVIRONMENTS = [Environment.PRODUCTION.value, Environment.STAGING.value]


def add_export_options(export: argparse.ArgumentParser) -> None:
    group = export.add_argument_group("lead history")
    group.add_argument(
        "--only-new",
        action="store_true",
        help="write only leads never exported before for this environment and client ID, "
        "then record them as exported",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        help="export the stored leads created in the window, without a network call",
    )
    group.add_argument("--with-status", action="store_true", help="add the status and note columns")
    group.add_argument(
        "--no-history",
        action="store_true",
        help="keep nothing in the lead history (also: MYMOVE_VIEWER_NO_HISTORY=1)",
    )


def add_store_command(sub: argparse._SubParsersAction) -> None:
    store = sub.add_parser(
        "store",
        help="show or forget the stored lead history",
        description="The lead history: the leads every export fetched, with their status and "
        "when they were first exported. 'info' says where it is and what it holds; 'forget' "
        "deletes the stored leads of one environment and/or client ID, or all of them.",
    )
    store.add_argument("action", choices=["info", "forget"])
    store.add_argument("--env", choices=ENVIRONMENTS, help="forget only this environment's")
    store.add_argument("--client-id", help="forget only this client ID's leads")
    store.add_argument("--all", action="store_true", help="forget every stored lead")
    store.add_argument("--yes", action="store_true", help="do not ask for confirmation")


def keeps_nothing(args: argparse.Namespace) -> bool:
    from ..store import history_disabled

    return bool(args.no_history) or history_disabled()


def check_export_options(args: argparse.Namespace) -> None:
    """Usage errors (exit 2), before the keychain, the network or the history is touched."""
    from ..store import NO_HISTORY_ENV, retention_days

    flags = {"--only-new": args.only_new, "--offline": args.offline}
    needs = [flag for flag, on in {**flags, "--with-status": args.with_status}.items() if on]
    if needs and keeps_nothing(args):
        why = "--no-history was given" if args.no_history else f"{NO_HISTORY_ENV} is set"
        raise E.ValidationError(
            f"{needs[0]} needs the lead history, but {why}: leave one of them out."
        )
    retention_days()  # a bad MYMOVE_VIEWER_HISTORY_DAYS is a usage error, whatever else


class ExportHistory:
    """The history as one export uses it: merge, filter, then record the export."""

    def __init__(self, store: LeadStore, args: argparse.Namespace, env: str, client_id: str):
        self.store = store
        self.args = args
        self.env = env
        self.client_id = client_id
        self._to_mark: list[bytes] = []
        self._fetched = 0

    @classmethod
    def open(cls, args: argparse.Namespace, env: str, client_id: str) -> ExportHistory | None:
        """The history for this export, or None when it keeps nothing. A plain export goes on
        without a history it cannot open (saying so); the history's options cannot."""
        from ..store import LeadStore, StoreError, retention_days
        from ..store.errors import StoreDamagedError

        if keeps_nothing(args):
            return None
        try:
            # --only-new on a new, empty history would send every lead again: a damaged one is
            # an error then, left in place for the user to restore or move away.
            store = LeadStore.open(retention_days=retention_days(), keep_damaged=args.only_new)
        except StoreError as exc:
            if isinstance(exc, StoreDamagedError) and args.only_new:
                raise StoreDamagedError(
                    f"{exc} --only-new needs it to know which leads were exported before, so "
                    "nothing was exported. Restore it from a backup, or run one export without "
                    "--only-new to set it aside and start a new history."
                ) from None
            if args.only_new or args.offline or args.with_status:
                raise
            _say(f"{exc} The leads are exported, but not added to the history.")
            return None
        if store.warning:
            _say(store.warning)
        return cls(store, args, env, client_id)

    def close(self) -> None:
        self.store.close()

    def stored(self, query: Query, environment_label: str) -> FetchResult:
        """``--offline``: the stored leads created in the query's window, as a fetch result."""
        from ..api.client import FetchResult

        window = query.covers(datetime.now(UTC))
        if self.args.only_new:
            found = self.store.unexported(self.env, self.client_id, window)
        else:
            found = self.store.stored(self.env, self.client_id, window)
        self._fetched = len(found)
        if not found and self.store.last_fetch(self.env, self.client_id) is None:
            _say(
                f"No leads are stored for {_scope(self.env, self.client_id)} yet: an export "
                "without --offline stores what it fetches."
            )
        leads = self._prepared(found)
        extra = _extra_fields((), found.leads)
        return FetchResult(leads, extra, 0, {}, 0, 0.0, environment_label, query)

    def after_fetch(self, result: FetchResult) -> FetchResult:
        """Merge what was fetched; the leads to write (``--only-new``, ``--with-status``)."""
        from ..store import StoreError

        self._fetched = len(result.leads)
        try:
            report = self.store.merge(
                self.env, self.client_id, result.leads, result.extra_fields, result.fetched_at
            )
        except StoreError as exc:
            if self.args.only_new or self.args.with_status:
                raise
            _say(f"{exc} The leads are exported, but not added to the history.")
            return result
        if not (self.args.only_new or self.args.with_status):
            self._to_mark = report.keys
            return result
        states = self.store.statuses(self.env, self.client_id, report.keys)
        picked = [
            (lead, key)
            for lead, key in zip(result.leads, report.keys, strict=True)
            if not (self.args.only_new and _state(states, key).first_exported_at is not None)
        ]
        seen: set[bytes] = set()  # a lead the answer held twice is written once
        picked = [(lead, key) for lead, key in picked if not (key in seen or seen.add(key))]
        found = _as_stored([p[0] for p in picked], [p[1] for p in picked], states)
        extra = _extra_fields(result.extra_fields, found.leads)
        return replace(result, leads=self._prepared(found), extra_fields=extra)

    def _prepared(self, found: StoredLeads) -> list[Lead]:
        self._to_mark = list(found.keys)
        if not self.args.with_status:
            return found.leads
        return with_status_columns(found)

    def after_write(self, rows: list[int] | None = None) -> None:
        """The leads just written are exported now (a lead keeps its first export's time);
        ``rows``: which of the result's leads were written (a saved view's), None for all."""
        from ..store import StoreError

        if not self._to_mark:  # nothing to record (or the history could not take the leads)
            return
        marks = self._to_mark if rows is None else [self._to_mark[i] for i in rows]
        try:
            self.store.mark_exported(self.env, self.client_id, marks)
        except StoreError as exc:
            if not self.args.only_new:
                _say(f"{exc} The leads were written, but not recorded as exported.")
                return
            raise type(exc)(
                f"{exc} The leads were written, but not recorded as exported: the next "
                "--only-new export writes them again."
            ) from None

    def work(self, leads: list[Lead]) -> LeadWork | None:
        """What the history knows of ``leads`` (the result's, in order: their keys are the
        ones to mark), for a saved view that filters or sorts by status, note or export."""
        from ..store import StoreError
        from ..table.work import LeadWork as Work

        if len(self._to_mark) != len(leads):  # the history could not take these leads
            return None
        try:
            states = self.store.statuses(self.env, self.client_id, self._to_mark)
        except StoreError as exc:
            _say(f"{exc} The view's status terms see every lead as New.")
            return None
        work = Work()
        work.take(_as_stored(leads, self._to_mark, states))
        return work

    def noun(self, count: int) -> tuple[str, str]:
        """How the summary line names what was written, and what it adds in brackets."""
        plural = "s" * (count != 1)
        if self.args.offline:
            never = " never exported before" if self.args.only_new else ""
            return f"stored lead{plural}{never}", ""
        if self.args.only_new:
            return f"new lead{plural}", f"of {self._fetched:,} fetched"
        return f"lead{plural}", ""


def _extra_fields(named: Sequence[str], leads: list[Lead]) -> tuple[str, ...]:
    """Every extra field of ``leads`` (``named`` first): the columns before ``status`` and
    ``note``, which a lead without some extra field would otherwise put in the middle."""
    from ..store.history_jobs import extra_fields

    return extra_fields(leads, named)


def _state(states: dict[bytes, LeadState], key: bytes) -> LeadState:
    from ..store import LeadState

    return states.get(key) or LeadState()  # forgotten since (by another program): a new lead


def _as_stored(leads: list[Lead], keys: list[bytes], states: dict[bytes, LeadState]) -> StoredLeads:
    from ..store import StoredLeads

    rows = [_state(states, k) for k in keys]
    exported = [s.first_exported_at and s.first_exported_at.timestamp() for s in rows]
    return StoredLeads(leads, keys, [s.status for s in rows], [s.note for s in rows], exported)


def with_status_columns(found: StoredLeads) -> list[Lead]:
    """The leads with two more fields at the end, ``status`` and ``note`` (``history_status``
    and ``history_note`` if a lead already has a field of that name)."""
    taken = {name for lead in found.leads for name in lead.extra_names}
    from ..table.work import export_field_names  # the window's exports name them so too

    status, note = export_field_names(taken)
    out = []
    for lead, state, text in zip(found.leads, found.statuses, found.notes, strict=True):
        extra = lead.extra
        extra[status], extra[note] = state.label, text
        out.append(Lead.build(lead[:19], tuple(extra), list(extra.values())))
    return out


# --- store info | forget ---------------------------------------------------------------------


def cmd_store(args: argparse.Namespace) -> int:
    from ..store import (
        HISTORY_DAYS_ENV,
        NO_HISTORY_ENV,
        LeadStore,
        history_disabled,
        retention_days,
        store_path,
    )

    days = retention_days()
    path = store_path()
    if args.action == "forget" and not (args.all or args.env or args.client_id):
        raise E.ValidationError(
            "Say which stored leads to forget: --env, --client-id (or both), or --all."
        )
    if args.action == "forget" and args.all and (args.env or args.client_id):
        raise E.ValidationError("--all forgets every stored lead: leave out --env and --client-id.")
    if not path.exists():
        print(f"No lead history is stored (it would be at {path}).")
        return OK
    with LeadStore.open(path, retention_days=days) as store:
        if store.warning:
            _say(store.warning)
        info = store.info()
        if args.action == "info":
            print(f"Lead history: {info.path} ({info.size / 1e6:,.1f} MB)")
            for s in info.sources:
                fetched = _utc(s.last_fetch) if s.last_fetch else "never"
                print(
                    f"{_scope(s.environment, s.client_id)}: {s.leads:,} leads "
                    f"({s.exported:,} exported, {s.with_status:,} with a status or note), "
                    f"last fetched {fetched}"
                )
            if not info.sources:
                print("It holds no leads.")
            print(f"Leads are kept for {days} days after they were created ({HISTORY_DAYS_ENV}).")
            if history_disabled():
                print(f"{NO_HISTORY_ENV} is set: exports add nothing to it.")
            return OK
        env = None if args.all else args.env
        client = None if args.all else args.client_id
        chosen = [s for s in info.sources if env in (None, s.environment)]
        count = sum(s.leads for s in chosen if client in (None, s.client_id))
        what = _scope(env, client)
        question = f"Forget {count:,} stored lead{'s' * (count != 1)} ({what})?"
        if not args.yes and not _confirm(question):
            print("Nothing was forgotten.", file=sys.stderr)
            return OK
        gone = store.forget(env, client)
        if gone:
            store.compact()  # the file shrinks (forgetting zeroes the leads in place)
    print(f"Forgot {gone:,} stored lead{'s' * (gone != 1)} ({what}).", file=sys.stderr)
    return OK


def _scope(env: str | None, client: str | None) -> str:
    if env is None and client is None:
        return "all environments and client IDs"
    label = Environment(env).label if env in ENVIRONMENTS else env
    parts = [label] if label else []
    return ", ".join([*parts, *([f"client ID {client}"] if client else [])])


def _confirm(question: str) -> bool:
    if sys.stdin is None or not sys.stdin.isatty():
        raise E.ValidationError(f"{question} Add --yes to confirm; nothing was forgotten.")
    try:
        answer = input(f"{question} [y/N] ")
    except EOFError:  # Ctrl+D at the question: a "no", as an empty answer is
        print(file=sys.stderr)
        return False
    return answer.strip().lower() in ("y", "yes")


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _say(message: str) -> None:
    print(f"mymove-viewer: {message}", file=sys.stderr)
