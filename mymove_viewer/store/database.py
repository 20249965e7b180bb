"""``LeadStore``: the lead history in one SQLite file. Every SQL statement of the app is here.

One connection per ``LeadStore``, usable from any thread (calls are serialised by a lock), so
the window can keep one on a worker. Writes run in ``BEGIN IMMEDIATE`` transactions: the write
lock is taken up front, so two processes (the window and a scheduled export) queue on the busy
timeout instead of one failing with "database is locked" when its read turns into a write. WAL
lets readers go on while a merge writes. ``secure_delete`` zeroes what is forgotten.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..api.errors import app_logger
from ..api.lead import Lead
from ..gcpause import building_many_objects
from ..slices import yield_gil
from . import records as R
from .errors import StoreBusyError, StoreDamagedError, StoreError, from_sqlite, too_new
from .location import looks_like_sqlite, prepare_file, set_aside, store_path

log = app_logger(__name__)

APPLICATION_ID = 0x4D594D56  # "MYMV" in the file's header: this file is a lead history
DEFAULT_BUSY_SECONDS = 10.0
_CHUNK = 5000  # keys per ``IN (...)``: far below SQLite's 32,766 variables
# An update of 5000 keys kept the GIL from a waiting thread 10-20 ms (binding, preparing); smaller
# ones, with the GIL offered between them, keep a window responsive during a 100k status change.
_UPDATE_CHUNK = 1000

# Index i takes the store from format i to i + 1, in the transaction that sets user_version.
# Append only: never edit a released step. Statements are split at ";" (keep it out of literals).
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sources (
        id INTEGER PRIMARY KEY,
        environment TEXT NOT NULL,
        client_id TEXT NOT NULL,
        last_fetch REAL,
        UNIQUE (environment, client_id)
    );
    CREATE TABLE leads (
        id INTEGER PRIMARY KEY,
        source INTEGER NOT NULL,
        key BLOB NOT NULL,
        created REAL,
        lead BLOB NOT NULL,
        status INTEGER,
        note TEXT,
        exported REAL
    );
    CREATE UNIQUE INDEX leads_by_key ON leads (source, key);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)
_INSERT = (
    f"INSERT OR IGNORE INTO leads ({', '.join(R.INSERT_COLUMNS)}) "
    f"VALUES ({', '.join('?' * len(R.INSERT_COLUMNS))})"
)
_SELECT = f"SELECT {', '.join(R.READ_COLUMNS)} FROM leads"


@dataclass(frozen=True)
class SourceInfo:
    environment: str
    client_id: str
    leads: int
    exported: int
    with_status: int
    last_fetch: datetime | None


@dataclass(frozen=True)
class StoreInfo:
    path: Path
    size: int  # bytes of the file and its WAL
    sources: list[SourceInfo]


class LeadStore:
    """The lead history. Open with ``LeadStore.open()``; use as a context manager or
    ``close()``. Every method raises ``StoreError`` (see ``errors``) with a message to show."""

    def __init__(self, conn: sqlite3.Connection, path: Path, busy: float, warning: str | None):
        self._conn = conn
        self.path = path
        self.busy_seconds = busy
        self.warning = warning  # show once: the old file was unusable and moved aside
        self._lock = threading.RLock()

    # --- opening -------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | None = None,
        *,
        retention_days: int | None = None,
        busy_seconds: float = DEFAULT_BUSY_SECONDS,
        now: float | None = None,
        keep_damaged: bool = False,
    ) -> LeadStore:
        """Open (or create) the history at ``path`` (default: ``location.store_path()``) and
        drop leads created more than ``retention_days`` before ``now`` (None: keep all). A
        damaged or foreign file is moved aside and a new history started (``warning`` says
        where the old one went); a file from a newer app raises ``StoreTooNewError``,
        untouched. ``keep_damaged``: a damaged file raises ``StoreError`` and stays where it is
        (for a caller whose result depends on what the history held, such as ``--only-new``)."""
        path = Path(path) if path is not None else store_path()
        warning = None
        for attempt in range(2):
            if not looks_like_sqlite(path):
                if keep_damaged:
                    raise StoreDamagedError(_unusable(path, "it is not a lead history"))
                warning = _moved(path, set_aside(path), "is not a lead history")
            prepare_file(path)
            conn = _connect(path, busy_seconds)
            try:
                fresh = _check_file(conn, path)
            except _Unusable as exc:
                conn.close()
                if keep_damaged:
                    raise StoreDamagedError(_unusable(path, str(exc))) from None
                if attempt:
                    raise StoreError(_unusable(path, str(exc))) from None
                warning = _moved(path, set_aside(path), str(exc))
                continue
            except BaseException:
                conn.close()
                raise
            break
        store = cls(conn, path, busy_seconds, warning)
        try:
            store._set_up(fresh)
            if retention_days is not None:
                store._retain(retention_days, now)
        except BaseException:
            store.close()
            raise
        return store

    def _retain(self, days: int, now: float | None) -> None:
        try:
            self.apply_retention(days, now=now)
        except StoreBusyError as exc:  # another program is writing: next time, then
            log.info("retention postponed: %s", exc)

    def _set_up(self, fresh: bool) -> None:
        with self._sql("opening the lead history"):
            if self._conn.execute("PRAGMA journal_mode=WAL").fetchone()[0].lower() != "wal":
                log.warning("the lead history could not switch to WAL mode")
            self._conn.execute("PRAGMA synchronous=NORMAL")  # WAL: a crash loses no commit
            self._conn.execute("PRAGMA secure_delete=ON")
            self._conn.execute("PRAGMA cache_size=-32000")  # KiB: a merge's pages stay in
            # After a big merge the WAL is cut back to this once checkpointed, not kept at size.
            self._conn.execute(f"PRAGMA journal_size_limit={64 << 20}")
        if fresh or _version(self._conn) < SCHEMA_VERSION:
            with self._write("preparing the lead history") as conn:
                version = _version(conn)  # again, inside the lock: another process may be here
                if version > SCHEMA_VERSION:
                    raise too_new(self.path, version, SCHEMA_VERSION)
                for step in MIGRATIONS[version:]:
                    for statement in filter(str.strip, step.split(";")):
                        conn.execute(statement)
                conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> LeadStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- writing -------------------------------------------------------------------------

    def merge(
        self,
        environment: str,
        client_id: str,
        leads: Sequence[Lead],
        extra_fields: Sequence[str] = (),
        fetched_at: datetime | None = None,
    ) -> R.MergeReport:
        """Add the leads not stored yet for this environment and client, in one transaction;
        stored ones keep their status, note and export time. ``extra_fields`` is accepted for
        the interface's symmetry: each lead carries its own extra-field names."""
        del extra_fields
        fetched = fetched_at.timestamp() if fetched_at else time.time()
        with building_many_objects():
            prep = R.prepare(leads, yield_gil)  # hashing, before the write lock is taken
        with self._write("storing the leads") as conn:
            source = self._source(conn, environment, client_id, create=True)
            with building_many_objects():
                new = conn.executemany(_INSERT, R.insert_rows(prep, source)).rowcount
            conn.execute("UPDATE sources SET last_fetch = ? WHERE id = ?", (fetched, source))
        return R.MergeReport(new=new, seen=len(leads) - new, keys=prep.keys)

    def set_status(
        self,
        environment: str,
        client_id: str,
        keys: Sequence[bytes],
        status: R.Status,
        note: str | None = None,
    ) -> int:
        """Set the status (and the note, unless None) of these stored leads; how many."""
        code = None if status is R.Status.NEW else int(R.Status(status))
        if note is None:
            return self._update(environment, client_id, keys, "status = ?", (code,))
        assign = "status = ?, note = ?"
        return self._update(environment, client_id, keys, assign, (code, note or None))

    def set_note(self, environment: str, client_id: str, keys: Sequence[bytes], note: str) -> int:
        return self._update(environment, client_id, keys, "note = ?", (note or None,))

    def mark_exported(
        self, environment: str, client_id: str, keys: Sequence[bytes], when: datetime | None = None
    ) -> int:
        """Record the first export of these leads (a later export keeps the first time)."""
        stamp = when.timestamp() if when else time.time()
        unset = "exported IS NULL"
        return self._update(environment, client_id, keys, "exported = ?", (stamp,), unset)

    def forget(self, environment: str | None = None, client_id: str | None = None) -> int:
        """Delete the stored leads of this environment and/or client (None: any); how many.
        Their content is overwritten with zeros, also in the WAL."""
        match = "(?1 IS NULL OR environment = ?1) AND (?2 IS NULL OR client_id = ?2)"
        which = (environment, client_id)
        with self._write("forgetting stored leads") as conn:
            sources = [r[0] for r in conn.execute(f"SELECT id FROM sources WHERE {match}", which)]
            gone = sum(_delete(conn, "source = ?", (s,)) for s in sources)
            conn.execute(f"UPDATE sources SET last_fetch = NULL WHERE {match}", which)
        self._checkpoint()
        return gone

    def compact(self) -> None:
        """Give forgotten leads' pages back to the disk (``forget`` only zeroes them): ``VACUUM``
        rewrites the file, seconds for a large history; ``interrupt`` stops it. Best effort."""
        try:
            with self._sql("making the lead history smaller"):
                self._conn.execute("VACUUM")
        except StoreError as exc:  # busy, interrupted, no room for the copy: it keeps its size
            log.info("the lead history was not made smaller: %s", exc)
        self._checkpoint()

    def interrupt(self) -> None:
        self._conn.interrupt()  # any thread; the statement running now raises

    def apply_retention(self, days: int, now: float | None = None) -> int:
        """Delete leads created more than ``days`` days before ``now``; how many."""
        bound = R.key_prefix((time.time() if now is None else now) - days * 86400)
        old = "source = ? AND key < ?"
        with self._sql("reading the lead history"):  # no write lock when nothing is that old
            sources = [r[0] for r in self._conn.execute("SELECT id FROM sources")]
            sql = f"SELECT 1 FROM leads WHERE {old} LIMIT 1"
            if not any(self._conn.execute(sql, (s, bound)).fetchone() for s in sources):
                return 0
        with self._write("removing leads older than the retention period") as conn:
            sources = [r[0] for r in conn.execute("SELECT id FROM sources")]
            gone = sum(_delete(conn, old, (s, bound)) for s in sources)
        if gone:
            log.info("dropped %d leads older than %d days", gone, days)
            self._checkpoint()
        return gone

    # --- reading -------------------------------------------------------------------------

    def stored(
        self,
        environment: str,
        client_id: str,
        window: R.Window = None,
        *,
        unexported: bool = False,
    ) -> R.StoredLeads:
        """The stored leads created in ``window`` (``unexported``: only those never exported),
        oldest first, with their keys and states."""
        where, params = "source = ?", []
        if window is not None:
            start, end = window
            where += " AND key >= ? AND key < ? AND created >= ? AND created <= ?"
            params = [R.key_prefix(start), R.key_prefix(end + 1), start, end]
        if unexported:
            where += " AND exported IS NULL"
        with self._sql("reading stored leads"):
            source = self._source(self._conn, environment, client_id)
            if source is None:
                return R.StoredLeads([], [], [], [], [])
            sql = f"{_SELECT} WHERE {where} ORDER BY key"
            with building_many_objects():
                rows = self._conn.execute(sql, (source, *params)).fetchall()
        with building_many_objects():
            return R.stored_leads(rows)

    def leads(self, environment: str, client_id: str, window: R.Window = None) -> list[Lead]:
        return self.stored(environment, client_id, window).leads

    def unexported(
        self, environment: str, client_id: str, window: R.Window = None
    ) -> R.StoredLeads:
        return self.stored(environment, client_id, window, unexported=True)

    def statuses(
        self, environment: str, client_id: str, keys: Sequence[bytes], *, worked: bool = False
    ) -> dict[bytes, R.LeadState]:
        """The state of each of ``keys`` that is stored (others are left out); ``worked``: only
        of those with a status, a note or an export (most leads have none)."""
        also = " AND (status IS NOT NULL OR note IS NOT NULL OR exported IS NOT NULL)" * worked
        out: dict[bytes, R.LeadState] = {}
        with self._sql("reading lead statuses"):
            source = self._source(self._conn, environment, client_id)
            if source is None:
                return out
            for chunk in _chunks(keys):
                sql = (
                    "SELECT key, status, note, exported FROM leads "
                    f"WHERE source = ? AND key IN ({_marks(chunk)}){also}"
                )
                for key, status, note, exported in self._conn.execute(sql, (source, *chunk)):
                    out[key] = R.LeadState(R.Status(status or 0), note or "", R.when(exported))
        return out

    def last_fetch(self, environment: str, client_id: str) -> datetime | None:
        with self._sql("reading the lead history"):
            row = self._conn.execute(
                "SELECT last_fetch FROM sources WHERE environment = ? AND client_id = ?",
                (environment, client_id),
            ).fetchone()
        return R.when(row[0]) if row else None

    def info(self) -> StoreInfo:
        """Where the history is, its size, and what it holds per environment and client."""
        with self._sql("reading the lead history"):
            counts = {
                source: rest
                for source, *rest in self._conn.execute(
                    "SELECT source, count(*), count(exported), "
                    "sum(status IS NOT NULL OR note IS NOT NULL) FROM leads GROUP BY source"
                )
            }
            rows = self._conn.execute(
                "SELECT id, environment, client_id, last_fetch FROM sources "
                "ORDER BY environment, client_id"
            ).fetchall()
        sources = [
            SourceInfo(env, client, *counts.get(source, (0, 0, 0)), R.when(fetched))
            for source, env, client, fetched in rows
            if fetched is not None or source in counts
        ]
        files = (self.path, self.path.with_name(self.path.name + "-wal"))
        return StoreInfo(self.path, sum(p.stat().st_size for p in files if p.exists()), sources)

    # --- helpers -------------------------------------------------------------------------

    def _update(
        self,
        environment: str,
        client_id: str,
        keys: Sequence[bytes],
        assign: str,
        values: tuple[object, ...],
        also: str = "1",
    ) -> int:
        changed = 0
        with self._write("saving the lead status") as conn:
            source = self._source(conn, environment, client_id)
            if source is None:
                return 0
            for chunk in _chunks(keys, _UPDATE_CHUNK):
                sql = (
                    f"UPDATE leads SET {assign} "
                    f"WHERE source = ? AND {also} AND key IN ({_marks(chunk)})"
                )
                changed += conn.execute(sql, (*values, source, *chunk)).rowcount
                yield_gil()  # between statements: see _UPDATE_CHUNK
        return changed

    @staticmethod
    def _source(
        conn: sqlite3.Connection, environment: str, client_id: str, create: bool = False
    ) -> int | None:
        which = (environment, client_id)
        if create:
            conn.execute(
                "INSERT OR IGNORE INTO sources (environment, client_id) VALUES (?, ?)", which
            )
        sql = "SELECT id FROM sources WHERE environment = ? AND client_id = ?"
        row = conn.execute(sql, which).fetchone()
        return row[0] if row else None

    def _checkpoint(self) -> None:
        """Empty the WAL, where forgotten leads' old pages would otherwise linger."""
        with self._lock, suppress(sqlite3.Error):
            self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    @contextmanager
    def _sql(self, doing: str) -> Iterator[None]:
        with self._lock:
            try:
                yield
            except sqlite3.Error as exc:
                if getattr(exc, "sqlite_errorcode", None) is None:
                    raise  # a programming error, not the file's: let it show as a bug
                raise from_sqlite(exc, self.path, doing, self.busy_seconds) from None

    @contextmanager
    def _write(self, doing: str) -> Iterator[sqlite3.Connection]:
        """One ``BEGIN IMMEDIATE`` transaction: all of it is stored, or none (also when the
        disk fills up, the process is interrupted, or the body raises)."""
        with self._sql(doing):
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    with suppress(sqlite3.Error):
                        self._conn.execute("ROLLBACK")
                raise


# Errors while opening that say nothing about the file's content: reported, never moved aside.
_NOT_THE_FILE = frozenset(
    {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM}
    | {sqlite3.SQLITE_IOERR, sqlite3.SQLITE_NOMEM}
)


class _Unusable(Exception):
    """The file is damaged or another program's database: it is moved aside."""


def _connect(path: Path, busy: float) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(path, timeout=busy, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as exc:
        raise from_sqlite(exc, path, "opening it", busy) from None
    return conn


def _version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def _check_file(conn: sqlite3.Connection, path: Path) -> bool:
    """True for a new, empty database; raises ``_Unusable`` for a damaged or foreign one and
    ``StoreTooNewError`` for one from a newer app. Reads only: a refused file stays as it is."""
    try:
        app = conn.execute("PRAGMA application_id").fetchone()[0]
        version = _version(conn)
        tables = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if app == APPLICATION_ID and 1 <= version <= SCHEMA_VERSION:  # a newer one may differ
            conn.execute("SELECT count(*) FROM sources").fetchone()  # the schema is readable
    except sqlite3.DatabaseError as exc:
        if getattr(exc, "sqlite_errorcode", 0) & 0xFF in _NOT_THE_FILE:
            raise from_sqlite(exc, path, "opening it", 0) from None
        raise _Unusable(f"it is damaged: {exc}") from None
    if app == 0 and version == 0 and tables == 0:
        return True
    if app != APPLICATION_ID:
        raise _Unusable("it is another program's database")
    if version > SCHEMA_VERSION:
        raise too_new(path, version, SCHEMA_VERSION)
    return False


def _unusable(path: Path, reason: str) -> str:
    return f"The lead history {path} cannot be used ({reason})."


def _moved(path: Path, target: Path, reason: str) -> str:
    return (
        f"The lead history {path} could not be used ({reason}); it was moved to {target} "
        "and a new, empty history was started."
    )


def _delete(conn: sqlite3.Connection, where: str, params: tuple[object, ...]) -> int:
    return conn.execute(f"DELETE FROM leads WHERE {where}", params).rowcount


def _marks(chunk: Sequence[bytes]) -> str:
    return ", ".join("?" * len(chunk))


def _chunks(keys: Sequence[bytes], size: int = _CHUNK) -> Iterator[Sequence[bytes]]:
    for start in range(0, len(keys), size):
        yield keys[start : start + size]
