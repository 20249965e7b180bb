"""``mymove-viewer key set|status|delete``: the API key in the OS keychain. A key is read from a
hidden prompt or stdin, never from the command line (argv is visible to every user)."""

from __future__ import annotations

import argparse
import os
import sys
from typing import TYPE_CHECKING

from ..api import errors as E
from ..api.query import Environment
from .codes import KEYCHAIN, OK, USAGE

if TYPE_CHECKING:
    from ..credentials import CredentialStore


def cmd_key(args: argparse.Namespace) -> int:
    from ..credentials import ENV_VAR, CredentialStore

    store = CredentialStore()
    env = Environment(args.env)
    overridden = (
        f" The {ENV_VAR} environment variable is set, and it overrides the keychain."
        if os.environ.get(ENV_VAR, "").strip()
        else ""
    )
    if args.action == "status":
        return _key_status(store, env)
    # Before asking for a key (it could not be kept anywhere) or claiming one is gone (a
    # keychain we cannot reach may still hold it): exit 7 with what to do.
    store.check_keychain()
    name = store.backend_name()
    if args.action == "set":
        key = _read_key(env)
        store.set(env.value, key)
        del key
        done = f"Saved the {env.label} API key in {name}."
    else:
        if store.delete(env.value):
            done = f"Removed the {env.label} API key from {name}."
        else:
            done = f"No {env.label} API key was stored in {name}; nothing was removed."
    print(done + overridden, file=sys.stderr)
    return OK


def _key_status(store: CredentialStore, env: Environment) -> int:
    """One line on stdout that is true in every keychain state; the problem, if any, on
    stderr. Exit 0 when the keychain could be asked (key or no key), 7 when it could not, 2
    when the key found cannot be used."""
    from ..credentials import ENV_VAR, KeySource, command_line_wording

    status = store.status(env.value)
    where = status.backend
    if status.source == KeySource.ENVIRONMENT_VARIABLE:
        if status.has_key:
            over = "there is no usable keychain"
            if store.keychain_available():
                over = f"it overrides the keychain, {where}"
            line = f"the {ENV_VAR} environment variable provides the key ({over})."
        else:
            line = f"the {ENV_VAR} environment variable is set, but not to a usable key."
    elif status.has_key:
        line = f"a key is stored in {where}."
    elif not status.problem:
        line = f"no key is stored in {where}."
    elif not status.keychain_failed:
        line = f"the key stored in {where} cannot be used."
    elif store.keychain_available():
        line = f"could not check whether a key is stored in {where}."
    else:
        line = "no key is available: there is no usable keychain to store one in."
    print(f"{env.label}: {line}")
    if not status.problem:
        return OK
    # Prefixed as every other error is, so a script's log says which program wrote it.
    print(f"mymove-viewer: {command_line_wording(status.problem)}", file=sys.stderr)
    return KEYCHAIN if status.keychain_failed else USAGE


def _read_key(env: Environment) -> str:
    if sys.stdin is not None and sys.stdin.isatty():
        key = _prompt_hidden(f"API key for {env.label} (input hidden): ")
    else:
        key = _single_line(sys.stdin.read(_MAX_KEY_INPUT + 1) if sys.stdin is not None else "")
    key = key.strip()
    if not key:
        raise E.ValidationError("No key was entered; nothing was saved.")
    return key


def _prompt_hidden(prompt: str) -> str:
    """``getpass``, except that a paste of more than one line is refused: getpass keeps the
    first line and silently drops the rest, so a wrapped key was saved cut short."""
    try:
        import termios

        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except (ImportError, OSError):  # Windows, or no terminal to control: getpass copes
        import getpass

        return getpass.getpass(prompt)
    try:
        saved = termios.tcgetattr(fd)
        quiet = list(saved)
        quiet[3] &= ~termios.ECHO
        termios.tcsetattr(fd, termios.TCSAFLUSH, quiet)
        try:
            os.write(fd, prompt.encode())
            line = b""
            while not line.endswith(b"\n"):
                chunk = os.read(fd, _MAX_KEY_INPUT)  # a line at a time; b"" at Ctrl+D
                if not chunk:
                    break
                line += chunk
            # Whatever else is there (an unfinished line too, once not canonical) came with it.
            quiet[3] &= ~termios.ICANON
            quiet[6] = list(quiet[6])
            quiet[6][termios.VMIN], quiet[6][termios.VTIME] = 0, 0
            termios.tcsetattr(fd, termios.TCSANOW, quiet)
            rest = os.read(fd, _MAX_KEY_INPUT)
        finally:
            termios.tcsetattr(fd, termios.TCSAFLUSH, saved)  # and drop anything left over
            os.write(fd, b"\n")
    finally:
        os.close(fd)
    if rest.strip():
        raise E.ValidationError(
            "The pasted key has more than one line; nothing was saved. Copy the key as a single "
            "line and paste it again."
        )
    return line.decode("utf-8", "replace").rstrip("\r\n")


_MAX_KEY_INPUT = 4096  # far longer than any API key; a runaway pipe is not read to its end


def _single_line(text: str) -> str:
    """The key from standard input: one line, its line ending (LF or CRLF) dropped. Anything
    more is refused: saving only the first line would store a key that does not work."""
    if len(text) > _MAX_KEY_INPUT:
        raise E.ValidationError(
            "The input is too long to be an API key; nothing was saved. Pass only the key."
        )
    text = text.removesuffix("\n").removesuffix("\r")
    if "\n" in text or "\r" in text:
        raise E.ValidationError(
            "The input has more than one line; nothing was saved. Pass only the key, on a "
            "single line."
        )
    return text
