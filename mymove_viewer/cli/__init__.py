"""The ``mymove-viewer`` command: the window by default, plus export, key and sandbox commands.

Exit codes: 0 ok, 1 anything else, 2 usage or validation, 3 authentication (or no key),
4 client not found, 5 network or timeout, 6 server error or invalid response, 7 keychain
unavailable, 8 lead history unusable, 130 interrupted (Ctrl+C); 129 and 143 stopped by SIGHUP
and SIGTERM (128 + the signal's number, as a shell reports it).
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from .. import __version__
from ..api import errors as E
from ..api.query import BASE_URLS, Environment, Query, parse_rfc3339

if TYPE_CHECKING:
    from ..api.client import FetchResult
    from ..settings import LoadResult
    from ..table.views import SavedView
    from ..table.work import LeadWork

from . import history
from .codes import (
    AUTH,
    FAILURE,
    INTERRUPTED,
    KEYCHAIN,
    NETWORK,
    NOT_FOUND,
    OK,
    READER_GONE,
    SERVER,
    STORE,
    USAGE,
    CliError,
    Stopped,
)

EXIT_CODES_HELP = """exit codes:
  0  ok                         5  network problem or timeout
  1  anything else              6  server error, rate limit or invalid response
  2  usage or validation error  7  keychain unavailable
  3  key rejected or missing    8  lead history unusable (busy, disk full, newer app)
  4  client ID not found        130 interrupted; 129, 143 stopped by SIGHUP, SIGTERM
                                141 the reading program stopped early (| head)"""
ENVIRONMENTS = [Environment.PRODUCTION.value, Environment.STAGING.value]


def exit_code_for(exc: BaseException) -> int:
    from ..credentials import InvalidKeyError, KeychainError
    from ..export import ExportError
    from ..store.errors import StoreError

    table: list[tuple[type[BaseException], int]] = [
        (E.ValidationError, USAGE),
        (InvalidKeyError, USAGE),
        (E.AuthenticationError, AUTH),
        (E.ClientNotFoundError, NOT_FOUND),
        (E.NetworkError, NETWORK),
        (E.TimeoutError, NETWORK),
        (E.RateLimitedError, SERVER),
        (E.ServerError, SERVER),
        (E.InvalidResponseError, SERVER),
        (E.UnexpectedStatusError, SERVER),
        (E.CancelledError, INTERRUPTED),
        (KeychainError, KEYCHAIN),
        (ExportError, FAILURE),
        (StoreError, STORE),
        (KeyboardInterrupt, INTERRUPTED),
    ]
    if isinstance(exc, CliError):
        return exc.code
    if isinstance(exc, Stopped):
        return 128 + exc.signum  # what a shell reports for a command the signal ended
    for kind, code in table:
        if isinstance(exc, kind):
            return code
    return FAILURE


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mymove-viewer",
        description="View and export leads from the MYMOVE Partner API. "
        "With no command, opens the window.",
        epilog=EXIT_CODES_HELP
        + "\n\nThe API key is never taken from the command line. Set it with "
        "'mymove-viewer key set', or put it in the MYMOVE_API_KEY environment variable.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks and debug logs")
    parser.add_argument("--demo", action="store_true", help="open the window on built-in demo data")
    parser.add_argument("--base-url", help="use this server (https, or http to localhost only)")
    parser.add_argument("--self-test", action="store_true", help=argparse.SUPPRESS)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("gui", help="open the window (the default)")

    export = sub.add_parser(
        "export",
        help="fetch leads and write them as CSV or an Excel workbook",
        description="Fetch the leads of one time window and write them as CSV (to standard "
        "output, or to -o FILE) or as an Excel workbook (-o FILE.xlsx).",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument(
        "--env", choices=ENVIRONMENTS, default="production", help="default: production"
    )
    export.add_argument(
        "--base-url",
        dest="export_base_url",
        metavar="URL",
        help="use this server instead of the environment's",
    )
    export.add_argument("--client-id", help="default: the one saved for this environment")
    # Required unless --view brings one (checked in cmd_export, still before anything is sent).
    window = export.add_mutually_exclusive_group()
    window.add_argument("--hrs", type=int, metavar="N", help="the last N hours")
    window.add_argument("--days", type=int, metavar="N", help="the last N days")
    window.add_argument("--start", metavar="RFC3339", help="start, e.g. 2026-11-01T00:00:00Z")
    export.add_argument("--end", metavar="RFC3339", help="end (with --start)")
    export.add_argument(
        "--view",
        metavar="NAME",
        help="a view saved in the app for this environment: its filter, columns, sort and "
        "window (--hrs, --days or --start/--end override the window)",
    )
    replaces = "write here, replacing the file if it exists (default: stdout)"
    export.add_argument("-o", "--output", metavar="FILE", help=replaces)
    export.add_argument(
        "--format",
        choices=["csv", "xlsx"],
        default=None,
        help="csv or xlsx (default: xlsx when -o names a .xlsx file, else csv)",
    )
    export.add_argument("--excel", action="store_true", help="CSV for Excel: BOM and CRLF")
    export.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="do not prefix cells starting with = + - @, tab, CR or NUL (for machine readers)",
    )
    history.add_export_options(export)

    key = sub.add_parser(
        "key",
        help="store, check or forget the API key in the OS keychain",
        description="set: save the key, read from a hidden prompt or one line on stdin (never "
        "from the command line); status: say where the key is, never the key; delete: remove "
        "it from the keychain.",
    )
    key.add_argument("action", choices=["set", "status", "delete"])
    key.add_argument(
        "--env", choices=ENVIRONMENTS, default="production", help="default: production"
    )

    history.add_store_command(sub)

    sandbox = sub.add_parser(
        "sandbox",
        help="run a local fake Partner API with demo leads",
        description="Serve synthetic leads on this computer the way the Partner API does, until "
        "Ctrl+C. It prints its base URL, client ID, demo key and an export command to try.",
    )
    sandbox.add_argument("--port", type=int, default=0, help="port (0: any free port)")
    sandbox.add_argument("--leads", type=int, default=500, help="how many leads to serve")
    sandbox.add_argument("--days", type=int, default=30, help="leads spread over this many days")
    sandbox.add_argument("--seed", type=int, default=1, help="seed for the synthetic leads")
    sandbox.add_argument(
        "--odd", action="store_true", help="a few leads carry fields and values the API's page "
        "does not promise (an extra field, a null, a number, an offset time)"
    )  # fmt: skip
    for command in sub.choices.values():  # also after the command: `export --days 1 --debug`
        command.add_argument(
            "--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS
        )
    return parser


GUI_DEFAULTS: dict[str, object] = {
    "command": None, "debug": False, "demo": False, "base_url": None, "self_test": False,
}  # fmt: skip


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    if argv is None:
        argv = sys.argv[1:]
    if not argv:
        # The plain start (a double-click): building the full parser costs ~7 ms of cold start
        # for nothing to parse. test_cli checks these equal the parser's defaults.
        return argparse.Namespace(**GUI_DEFAULTS)
    return build_parser().parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.debug else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    for handler in logging.getLogger().handlers:  # also other libraries' records (--debug)
        handler.addFilter(E.REDACT_LOGS)
    try:
        if args.command in ("export", "key", "store"):
            with _stop_on_signals():
                if args.command == "export":
                    return cmd_export(args)
                if args.command == "store":
                    return history.cmd_store(args)
                from .key import cmd_key

                return cmd_key(args)
        if args.command == "sandbox":
            from .. import sandbox

            options = ["--port", args.port, "--leads", args.leads, "--days", args.days]
            options += ["--seed", args.seed, *(["--odd"] if args.odd else [])]
            return sandbox.main([str(o) for o in options])
        from ..ui.app import run_gui

        return run_gui(demo=args.demo, base_url=args.base_url, self_test=args.self_test)
    except (Exception, KeyboardInterrupt) as exc:
        if args.command == "export" and args.output is None and _reader_went_away(exc):
            return READER_GONE
        if args.debug:  # more to read, never another outcome: the exit code stays the same
            import traceback

            # Not every exception passed through redact: a library's own text may hold the key.
            print(E.redact(traceback.format_exc()), end="", file=sys.stderr)
        code = exit_code_for(exc)
        print(f"mymove-viewer: {E.redact(_message(exc, code, args.debug))}", file=sys.stderr)
        return code


def _reader_went_away(exc: BaseException) -> bool:
    """The program reading the export on standard output closed it (``export | head -1``): as
    for other command-line tools, that is no error to report. Later writes to stdout (Python's
    own flush at exit) go nowhere instead of failing again."""
    cause = exc.__cause__ if exc.__cause__ is not None else exc
    if not isinstance(cause, BrokenPipeError):
        return False
    with suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return True


def _message(exc: BaseException, code: int, debug: bool) -> str:
    from ..credentials import KeychainError, command_line_wording

    if isinstance(exc, Stopped):
        return f"Stopped by {signal.Signals(exc.signum).name}."
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted."
    if isinstance(exc, KeychainError):
        return command_line_wording(str(exc))
    if code == FAILURE and not _is_known(exc):
        more = "" if debug else " Run with --debug."
        return f"Unexpected error ({type(exc).__name__}): {exc}.{more}"
    return str(exc)


@contextmanager
def _stop_on_signals() -> Iterator[None]:
    """Make SIGTERM and SIGHUP (a closed terminal) end the command as Ctrl+C does, instead of
    killing the process with its temporary file left behind; the old handlers come back after."""
    kinds = [getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)]
    if threading.current_thread() is not threading.main_thread():
        kinds = []  # only the main thread may set handlers (main() called from a test thread)
    previous = {kind: signal.getsignal(kind) for kind in kinds}

    def stop(signum: int, _frame: object) -> None:
        raise Stopped(signum)

    for kind in kinds:
        signal.signal(kind, stop)
    try:
        yield
    finally:
        for kind, handler in previous.items():
            signal.signal(kind, handler)


def _is_known(exc: BaseException) -> bool:
    from ..export import ExportError
    from ..store.errors import StoreError

    return isinstance(exc, CliError | ExportError | E.ApiError | StoreError)


# -- export ------------------------------------------------------------------------------------


def _query(args: argparse.Namespace) -> Query | None:
    """The window the arguments ask for; None for a saved view's own."""
    if args.hrs is None and args.days is None and args.start is None:
        if args.view is not None:
            return None
        raise E.ValidationError(
            "Choose a window: --hrs N, --days N, or --start and --end (or a saved --view)."
        )
    if args.hrs is not None:
        return Query.last_hours(args.hrs)
    if args.days is not None:
        return Query.last_days(args.days)
    if not args.end:
        raise E.ValidationError("--start needs --end as well.")
    query = Query.between(parse_rfc3339(args.start, "start"), parse_rfc3339(args.end, "end"))
    if query.seconds_until_start(datetime.now(UTC)) is not None:
        raise E.ValidationError(
            "--start is in the future, where there are no leads yet: give a start before now."
        )
    return query


def cmd_export(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the window's cold start does not need httpx and msgspec.
    from ..api.query import check_base_url, clean_client_id

    # Every argument is checked before the keychain or the network is touched (exit 2).
    if args.end and args.start is None:
        raise E.ValidationError("--end needs --start as well.")
    if args.output is not None and not args.output.strip():
        # `-o "$FILE"` with FILE unset: the leads must not land on stdout (a log, a terminal).
        raise E.ValidationError("-o needs a file name; leave -o out to write to stdout.")
    if args.client_id is not None and not args.client_id.strip():
        # Not "no client ID is saved … pass --client-id": it was passed, empty.
        raise E.ValidationError(
            "--client-id is empty: give the client ID MYMOVE sent you, or leave --client-id out "
            "to use the one saved in the app."
        )
    if args.format is None:  # the file's name says what it is
        named_xlsx = bool(args.output) and args.output.lower().endswith(".xlsx")
        args.format = "xlsx" if named_xlsx else "csv"
    if args.format == "xlsx" and not args.output:
        raise E.ValidationError("An Excel workbook needs a file: pass -o FILE.xlsx.")
    if args.format == "xlsx" and args.excel:
        raise E.ValidationError(
            "--excel is for CSV files; a workbook (--format xlsx) opens in Excel as it is."
        )
    query = _query(args)
    env = Environment(args.env)
    base_url = check_base_url(args.export_base_url or args.base_url or BASE_URLS[env])
    # Read only when needed: an export with everything on the command line needs no settings.
    loaded = _load_settings() if args.view is not None or not args.client_id else None
    view = None
    if args.view is not None and loaded is not None:
        from .views import saved_view

        view = saved_view(loaded.settings.views, env, args.view)
        query = query or view.window.query()
    assert query is not None  # _query returns None only with --view
    history.check_export_options(args)
    client_id = clean_client_id(args.client_id or _saved_client_id(env, loaded or _load_settings()))
    # Before the key and the network: --only-new must not fetch what it cannot keep track of.
    kept = history.ExportHistory.open(args, env.value, client_id)
    try:
        if kept is not None and args.offline:
            result = kept.stored(query, env.label)
        else:
            result = _fetch(env, base_url, client_id, query)
            if kept is not None:
                result = kept.after_fetch(result)
        work = kept.work(result.leads) if kept is not None and view is not None else None
        written_to, rows = _write(args, result, view, work)
        if kept is not None:
            kept.after_write(rows)
    finally:
        if kept is not None:
            kept.close()
    skipped = f", {result.skipped:,} skipped" if result.skipped else ""
    n = result.replaced
    # The file holds U+FFFD where the server sent bytes that are not UTF-8.
    replaced = (
        f", {n:,} value{'s' * (n != 1)} with invalid characters replaced (U+FFFD)" if n else ""
    )
    total = len(result.leads)
    noun, more = kept.noun(total) if kept is not None else ("lead" + "s" * (total != 1), "")
    count = f"{total:,} {noun}"
    if view is not None and rows is not None:  # "14 of 500 new leads (view "TX"; …)"
        count = f"{len(rows):,} of {count}"
        more = "; ".join(part for part in (f'view "{view.name}"', more) if part)
    count += f" ({more})" if more else ""
    print(f"{count}{skipped}{replaced} → {written_to}", file=sys.stderr)
    return OK


def _fetch(env: Environment, base_url: str, client_id: str, query: Query) -> FetchResult:
    from ..api.cancel import CancelToken
    from ..api.client import LeadsClient
    from ..credentials import ENV_VAR, CredentialStore

    store = CredentialStore()
    key = store.get(env.value)
    if not key:
        store.check_keychain()  # no keychain at all: say so (exit 7), not "no key"
        raise CliError(
            f"No API key for {env.label}. Run 'mymove-viewer key set --env {env.value}' or set "
            "MYMOVE_API_KEY.",
            AUTH,
        )
    progress = _progress_printer(sys.stderr) if sys.stderr.isatty() else None
    token = CancelToken()
    with LeadsClient(base_url, key, environment=env.label) as client:
        del key
        try:
            result = client.fetch(client_id, query, progress=progress, cancel=token)
        except E.AuthenticationError as exc:  # say where this key came from, in CLI words
            from_env = os.environ.get(ENV_VAR, "").strip()
            exc.message += (
                f" The key came from the {ENV_VAR} environment variable."
                if from_env
                else f" To replace it: mymove-viewer key set --env {env.value}"
            )
            raise
        except KeyboardInterrupt:
            token.cancel()
            raise
        finally:
            if progress is not None:
                print(file=sys.stderr)
    return result


def _load_settings() -> LoadResult:
    """The saved settings; damage found is reported (a moved-aside file: only this once)."""
    from ..settings import SettingsStore

    loaded = SettingsStore().load()
    if loaded.damaged and loaded.warning:
        print(f"mymove-viewer: {loaded.warning}", file=sys.stderr)
    return loaded


def _saved_client_id(env: Environment, loaded: LoadResult) -> str:
    client_id = loaded.settings.client_ids.get(env.value, "")
    if not client_id:
        raise E.ValidationError(
            f"No client ID is saved for {env.label}. Pass --client-id, or save one in the app."
        )
    return client_id


def _write(
    args: argparse.Namespace,
    result: FetchResult,
    view: SavedView | None,
    work: LeadWork | None = None,
) -> tuple[str, list[int] | None]:
    """Where the leads went, and which of ``result.leads`` a view wrote (None: all)."""
    from .. import export

    columns = export.lead_columns(result.leads, result.extra_fields)
    leads, rows = result.leads, None
    if view is not None:
        from .views import apply_view

        columns, rows = apply_view(view, result, columns, work)
        leads = [result.leads[i] for i in rows]
    guard = not args.no_formula_guard
    if args.format == "xlsx":
        from ..export import write_xlsx

        write_xlsx(Path(args.output), columns, leads, formula_guard=guard)
        return args.output, rows
    if args.output:
        export.write_csv(Path(args.output), columns, leads, excel=args.excel, formula_guard=guard)
        return args.output, rows
    export.write_csv_stream(sys.stdout, columns, leads, excel=args.excel, formula_guard=guard)
    sys.stdout.flush()
    return "stdout", rows


def _progress_printer(stream: TextIO):
    def report(received: int, total: int | None) -> None:
        size = f"{received / 1e6:,.1f} MB"
        if total:
            size += f" of {total / 1e6:,.1f} MB ({100 * received / total:.0f}%)"
        stream.write(f"\rDownloading leads… {size}   ")
        stream.flush()

    return report


# -- key ---------------------------------------------------------------------------------------
