"""The command's exit codes and the two exceptions that carry one (see the README's table)."""

from __future__ import annotations

OK, FAILURE, USAGE, AUTH, NOT_FOUND, NETWORK, SERVER, KEYCHAIN, INTERRUPTED = (
    0, 1, 2, 3, 4, 5, 6, 7, 130,
)  # fmt: skip
STORE = 8  # the lead history cannot be used (busy, disk full, damaged, from a newer app)
READER_GONE = 141  # 128 + SIGPIPE: what a shell shows for a tool whose reader stopped early


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: unwinds like Ctrl+C, so a half-written export is removed."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


class CliError(Exception):
    def __init__(self, message: str, code: int) -> None:
        super().__init__(message)
        self.code = code
