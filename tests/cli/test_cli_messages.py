"""What the command line tells a user, in its own words (issue 17): the key's source named
(the MYMOVE_API_KEY variable or ``key set``), never the window's session-only key or buttons,
and a proxy that fails named as the proxy. Each case is a real child process."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from mymove_viewer.sandbox import Sandbox
from tests.cli.keyrings import STALE_KEY
from tests.reliability.servers import EchoServer, RecordingProxy, http_answer, refused_url
from tests.test_cli import export_args, run_cli

KEY = "mmv-CLI-" + "0d9e8f7a6b5c-key"
HOST = "leads.proxy-test.invalid"  # never resolved: only a proxy is ever asked for it
REMOTE = ["export", "--base-url", f"https://{HOST}", "--client-id", "c1", "--hrs", "1"]
# The machine's own proxy settings kept out (an empty variable is no proxy).
PROXY_VARS = [f"{v}_proxy" for v in ("http", "https", "all", "no")]
NO_PROXY_VARS = dict.fromkeys(PROXY_VARS + [v.upper() for v in PROXY_VARS], "")
WINDOW_WORDS = ("session", "…", "Set API key", "button")


def backend(name: str) -> dict[str, str]:
    return {"PYTHON_KEYRING_BACKEND": name, **NO_PROXY_VARS}


def in_cli_words(stderr: str) -> None:
    for words in WINDOW_WORDS:
        assert words.lower() not in stderr.lower(), (words, stderr)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=5, seed=3) as box:
        yield box


def test_a_rejected_key_from_the_variable_names_the_variable(sandbox: Sandbox) -> None:
    proc = run_cli(*export_args(sandbox, "--hrs", "1"), key=KEY, env=NO_PROXY_VARS)
    assert proc.returncode == 3
    assert "rejected" in proc.stderr and "MYMOVE_API_KEY environment variable" in proc.stderr
    assert KEY not in proc.stderr + proc.stdout
    in_cli_words(proc.stderr)


def test_a_rejected_key_from_the_keychain_says_how_to_replace_it(sandbox: Sandbox) -> None:
    proc = run_cli(*export_args(sandbox, "--hrs", "1"), key=None,
                   env=backend("tests.cli.keyrings.StaleKeyring"))  # fmt: skip
    assert proc.returncode == 3
    assert "mymove-viewer key set --env production" in proc.stderr
    assert "MYMOVE_API_KEY" not in proc.stderr and STALE_KEY not in proc.stderr
    in_cli_words(proc.stderr)


@pytest.mark.parametrize(
    ("keychain", "command", "code"),
    [
        ("keyring.backends.fail.Keyring", ["key", "set"], 7),
        ("keyring.backends.fail.Keyring", ["key", "status"], 7),
        ("keyring.backends.fail.Keyring", REMOTE, 7),
        ("tests.cli.keyrings.LockedKeyring", ["key", "status"], 7),
        ("tests.cli.keyrings.LockedKeyring", REMOTE, 7),
        ("tests.cli.keyrings.UnsavingKeyring", ["key", "set"], 7),
    ],
    ids=["none-set", "none-status", "none-export", "locked-status", "locked-export", "unsaving"],
)
def test_keychain_trouble_offers_the_variable_not_a_session_key(keychain, command, code) -> None:
    """The window can keep a key for the session; a command ends with its process, so it
    offers the environment variable instead, and says nothing of a session."""
    proc = run_cli(*command, key=None, stdin=KEY + "\n", env=backend(keychain))
    assert proc.returncode == code, proc.stderr
    assert "keychain" in proc.stderr and "MYMOVE_API_KEY environment variable" in proc.stderr
    assert KEY not in proc.stderr + proc.stdout
    in_cli_words(proc.stderr)


def proxied(url: str, variable: str = "https_proxy") -> dict[str, str]:
    """Only ``variable`` set: its other-case twin, set but empty, would switch it off."""
    env = {k: v for k, v in NO_PROXY_VARS.items() if k.lower() != variable.lower()}
    return {**env, variable: url}


def test_a_proxy_refusing_connections_is_named() -> None:
    """Nothing listens where https_proxy points: the proxy is named, not the server."""
    proxy = refused_url().replace("://", "://alice:s3cret@")
    proc = run_cli(*REMOTE, key=KEY, env=proxied(proxy))
    assert proc.returncode == 5
    shown = proxy.replace("alice:s3cret@", "")
    assert f"The proxy {shown} (set in the https_proxy environment variable)" in proc.stderr
    assert "could not be reached" in proc.stderr and "unset https_proxy" in proc.stderr
    assert "s3cret" not in proc.stderr and KEY not in proc.stderr
    assert f"Could not connect to {HOST}" not in proc.stderr


@pytest.mark.parametrize(
    ("answer", "said"),
    [
        (http_answer(403, reason="Forbidden"), f"refused the connection to {HOST} (403 Forbidden)"),
        (http_answer(407, reason="Proxy Authentication Required"), "a user name and password"),
        (b"", "closed the connection without answering"),
    ],
    ids=["403", "407", "hang-up"],
)
def test_a_proxy_refusing_the_tunnel_is_named_not_the_server(answer: bytes, said: str) -> None:
    """The proxy answers the CONNECT itself (or hangs up): before, this read as the server
    closing the connection."""
    with EchoServer(lambda _key: answer) as proxy:
        proc = run_cli(*REMOTE, key=KEY, env=proxied(proxy.url, "HTTPS_PROXY"))
    assert proc.returncode == 5
    assert f"The proxy {proxy.url} (set in the HTTPS_PROXY environment variable)" in proc.stderr
    assert said in proc.stderr and "HTTPS_PROXY" in proc.stderr
    assert f"{HOST} closed the connection" not in proc.stderr and KEY not in proc.stderr
    assert proxy.requests == 1  # refused or hung up on: not asked again


def test_a_server_failing_behind_a_working_proxy_is_not_blamed_on_it() -> None:
    """The proxy opens the tunnel, then the far end hangs up during TLS: the server's or the
    network's failure, reported as before, without the proxy in it."""
    with (
        socket.create_server(("127.0.0.1", 0)) as far_end,
        RecordingProxy(tunnel_to=far_end.getsockname()) as proxy,
    ):
        hang_up = threading.Thread(target=lambda: far_end.accept()[0].close(), daemon=True)
        hang_up.start()
        proc = run_cli(*REMOTE, key=KEY, env=proxied(proxy.url))
        hang_up.join(timeout=10)
    assert proc.returncode == 5, proc.stderr
    assert "The proxy" not in proc.stderr and HOST in proc.stderr
    assert proxy.received.startswith(b"CONNECT " + HOST.encode())
