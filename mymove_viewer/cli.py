"""The ``mymove-viewer`` command: the window by default, plus export, key and sandbox commands.

Exit codes: 0 ok, 1 anything else, 2 usage or validation, 3 authentication (or no key),
4 client not found, 5 network or timeout, 6 server error or invalid response, 7 keychain
unavailable, 130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from . import __version__
from .api import errors as E
from .api.query import BASE_URLS, Environment, Query, parse_rfc3339

if TYPE_CHECKING:
    from .api.client import FetchResult

OK, FAILURE, USAGE, AUTH, NOT_FOUND, NETWORK, SERVER, KEYCHAIN, INTERRUPTED = (
    0, 1, 2, 3, 4, 5, 6, 7, 130,
)  # fmt: skip
EXIT_CODES_HELP = """exit codes:
  0  ok                         5  network problem or timeout
  1  anything else              6  server error, rate limit or invalid response
  2  usage or validation error  7  keychain unavailable
  3  key rejected or missing    130 interrupted
  4  client ID not found"""
ENVIRONMENTS = [Environment.PRODUCTION.value, Environment.STAGING.value]


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code


def exit_code_for(exc: BaseException) -> int:
    from .credentials import InvalidKeyError, KeychainError
    from .export import ExportError

    table: list[tuple[type[BaseException], int]] = [
        (CliError, FAILURE),
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
        (KeyboardInterrupt, INTERRUPTED),
    ]
    if isinstance(exc, CliError):
        return exc.code
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
        help="fetch leads and write them as CSV",
        epilog=EXIT_CODES_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    export.add_argument("--env", choices=ENVIRONMENTS, default="production")
    export.add_argument(
        "--base-url",
        dest="export_base_url",
        metavar="URL",
        help="use this server instead of the environment's",
    )
    export.add_argument("--client-id", help="default: the one saved for this environment")
    window = export.add_mutually_exclusive_group(required=True)
    window.add_argument("--hrs", type=int, metavar="N", help="the last N hours")
    window.add_argument("--days", type=int, metavar="N", help="the last N days")
    window.add_argument("--start", metavar="RFC3339", help="start, e.g. 2026-11-01T00:00:00Z")
    export.add_argument("--end", metavar="RFC3339", help="end (with --start)")
    export.add_argument("-o", "--output", metavar="FILE", help="write here (default: stdout)")
    export.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    export.add_argument("--excel", action="store_true", help="CSV for Excel: BOM and CRLF")
    export.add_argument(
        "--no-formula-guard",
        action="store_true",
        help="do not prefix cells starting with = + - @ (for machine readers)",
    )

    key = sub.add_parser("key", help="store, check or forget the API key in the OS keychain")
    key.add_argument("action", choices=["set", "status", "delete"])
    key.add_argument("--env", choices=ENVIRONMENTS, default="production")

    sandbox = sub.add_parser("sandbox", help="run a local fake Partner API with demo leads")
    sandbox.add_argument("--port", type=int, default=0)
    sandbox.add_argument("--leads", type=int, default=500)
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
    try:
        if args.command == "export":
            return cmd_export(args)
        if args.command == "key":
            return cmd_key(args)
        if args.command == "sandbox":
            from . import sandbox

            return sandbox.main(["--port", str(args.port), "--leads", str(args.leads)])
        from .ui.app import run_gui

        return run_gui(demo=args.demo, base_url=args.base_url, self_test=args.self_test)
    except (Exception, KeyboardInterrupt) as exc:
        if args.debug:
            raise
        message = str(exc) if not isinstance(exc, KeyboardInterrupt) else "Interrupted."
        code = exit_code_for(exc)
        if code == FAILURE and not _is_known(exc):
            message = f"Unexpected error ({type(exc).__name__}): {exc}. Run with --debug."
        print(f"mymove-viewer: {message}", file=sys.stderr)
        return code


def _is_known(exc: BaseException) -> bool:
    from .export import ExportError

    return isinstance(exc, CliError | ExportError | E.ApiError)


# -- export ------------------------------------------------------------------------------------


def _query(args: argparse.Namespace) -> Query:
    if args.hrs is not None:
        return Query.last_hours(args.hrs)
    if args.days is not None:
        return Query.last_days(args.days)
    if not args.end:
        raise E.ValidationError("--start needs --end as well.")
    return Query.between(parse_rfc3339(args.start, "start"), parse_rfc3339(args.end, "end"))


def cmd_export(args: argparse.Namespace) -> int:
    # Imported here, not at the top: the window's cold start does not need httpx and msgspec.
    from .api.cancel import CancelToken
    from .api.client import LeadsClient
    from .credentials import CredentialStore
    from .settings import SettingsStore

    if args.end and args.start is None:
        raise E.ValidationError("--end needs --start as well.")
    query = _query(args)
    env = Environment(args.env)
    client_id = args.client_id
    if not client_id:
        client_id = SettingsStore().load().settings.client_ids.get(env.value, "")
        if not client_id:
            raise E.ValidationError(
                f"No client ID is saved for {env.label}. Pass --client-id, or save one in the app."
            )
    key = CredentialStore().get(env.value)
    if not key:
        raise CliError(
            f"No API key for {env.label}. Run 'mymove-viewer key set --env {env.value}' or set "
            "MYMOVE_API_KEY.",
            AUTH,
        )
    base_url = args.export_base_url or args.base_url or BASE_URLS[env]
    progress = _progress_printer(sys.stderr) if sys.stderr.isatty() else None
    token = CancelToken()
    with LeadsClient(base_url, key, environment=env.label) as client:
        del key
        try:
            result = client.fetch(client_id, query, progress=progress, cancel=token)
        except KeyboardInterrupt:
            token.cancel()
            raise
        finally:
            if progress is not None:
                print(file=sys.stderr)
    written_to = _write(args, result)
    skipped = f", {result.skipped:,} skipped" if result.skipped else ""
    n = result.replaced
    # The file holds U+FFFD where the server sent bytes that are not UTF-8.
    replaced = (
        f", {n:,} value{'s' * (n != 1)} with invalid characters replaced (U+FFFD)" if n else ""
    )
    noun = "lead" if len(result.leads) == 1 else "leads"
    print(f"{len(result.leads):,} {noun}{skipped}{replaced} → {written_to}", file=sys.stderr)
    return OK


def _write(args: argparse.Namespace, result: FetchResult) -> str:
    from . import export

    columns = export.lead_columns(result.leads, result.extra_fields)
    guard = not args.no_formula_guard
    if args.format == "xlsx":
        if not args.output:
            raise E.ValidationError("An Excel workbook needs a file: pass -o FILE.xlsx.")
        from .export_xlsx import write_xlsx

        write_xlsx(Path(args.output), columns, result.leads, formula_guard=guard)
        return args.output
    if args.output:
        export.write_csv(
            Path(args.output), columns, result.leads, excel=args.excel, formula_guard=guard
        )
        return args.output
    export.write_csv_stream(
        sys.stdout, columns, result.leads, excel=args.excel, formula_guard=guard
    )
    sys.stdout.flush()
    return "stdout"


def _progress_printer(stream: TextIO):
    def report(received: int, total: int | None) -> None:
        size = f"{received / 1e6:,.1f} MB"
        if total:
            size += f" of {total / 1e6:,.1f} MB ({100 * received / total:.0f}%)"
        stream.write(f"\rDownloading leads… {size}   ")
        stream.flush()

    return report


# -- key ---------------------------------------------------------------------------------------


def cmd_key(args: argparse.Namespace) -> int:
    from .credentials import ENV_VAR, CredentialStore, KeySource

    store = CredentialStore()
    env = Environment(args.env)
    if args.action == "set":
        key = _read_key(env)
        store.set(env.value, key)
        del key
        print(f"Saved the {env.label} API key in {store.backend_name()}.", file=sys.stderr)
        return OK
    if args.action == "delete":
        store.delete(env.value)
        print(f"Removed the {env.label} API key from {store.backend_name()}.", file=sys.stderr)
        return OK
    status = store.status(env.value)
    if status.source == KeySource.ENVIRONMENT_VARIABLE:
        print(
            f"{env.label}: the {ENV_VAR} environment variable provides the key "
            f"(it overrides the keychain, {status.backend})."
        )
    elif status.has_key:
        print(f"{env.label}: a key is stored in {status.backend}.")
    else:
        print(f"{env.label}: no key is stored (keychain: {status.backend}).")
    if status.problem:
        print(status.problem, file=sys.stderr)
        return KEYCHAIN
    return OK


def _read_key(env: Environment) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        key = getpass.getpass(f"API key for {env.label} (input hidden): ")
    else:
        key = sys.stdin.readline() if sys.stdin is not None else ""
    key = key.strip()
    if not key:
        raise E.ValidationError("No key was entered; nothing was saved.")
    return key


if __name__ == "__main__":
    sys.exit(main())
