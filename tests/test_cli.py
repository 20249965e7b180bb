"""The command line end to end: a real subprocess against the sandbox over loopback HTTP."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.cli import build_parser, main, parse_args
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Fault, Sandbox
from mymove_viewer.settings import Settings, SettingsStore

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=120, seed=3) as box:
        yield box


def run_cli(
    *args: str, key: str | None = DEMO_API_KEY, stdin: str | None = None, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    environ = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    environ.pop("MYMOVE_API_KEY", None)
    if key is not None:
        environ["MYMOVE_API_KEY"] = key
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "mymove_viewer", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=environ,
        timeout=60,
        check=False,
    )


def export_args(box: Sandbox, *more: str) -> list[str]:
    return ["export", "--base-url", box.base_url, "--client-id", DEMO_CLIENT_ID, *more]


def test_export_to_stdout_is_every_lead_as_served(sandbox: Sandbox) -> None:
    proc = run_cli(*export_args(sandbox, "--days", "30"))
    assert proc.returncode == 0, proc.stderr
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    header, body = rows[0], rows[1:]
    assert header[:19] == list(FIELDS)
    served = sandbox.served_leads({"days": "30"})
    assert len(body) == len(served)
    assert proc.stderr.strip().endswith(f"{len(served):,} leads → stdout")
    created = header.index("created_at")
    assert [r[created] for r in body] == [s["created_at"] for s in served]


def test_export_to_a_file_with_excel_flavour(sandbox: Sandbox, tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    proc = run_cli(*export_args(sandbox, "--hrs", "720", "--excel", "-o", str(out)))
    assert proc.returncode == 0, proc.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    assert proc.stdout == ""
    assert str(out) in proc.stderr


def test_export_with_a_range_sends_start_and_end(sandbox: Sandbox) -> None:
    proc = run_cli(*export_args(sandbox, "--start", "2026-11-01T00:00:00Z", "--end",
                                "2026-11-02T00:00:00+01:00"))  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sandbox.requests[-1].query == {
        "start": "2026-11-01T00:00:00Z",
        "end": "2026-11-01T23:00:00Z",
    }


def test_client_id_defaults_to_the_saved_one(sandbox: Sandbox, tmp_path: Path) -> None:
    config = tmp_path / "cfg"
    SettingsStore(config).save(Settings(client_ids={"staging": DEMO_CLIENT_ID}))
    args = ["export", "--env", "staging", "--base-url", sandbox.base_url, "--hrs", "24"]
    proc = run_cli(*args, env={"MYMOVE_VIEWER_CONFIG_DIR": str(config)})
    assert proc.returncode == 0, proc.stderr
    assert sandbox.requests[-1].path == f"/v2/clients/{DEMO_CLIENT_ID}/leads"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--hrs", "0"], "at least 1"),
        (["--start", "yesterday", "--end", "2026-11-02T00:00:00Z"], "RFC 3339"),
        (["--start", "2026-11-02T00:00:00Z"], "needs --end"),
        (["--start", "2026-11-02T00:00:00Z", "--end", "2026-11-01T00:00:00Z"], "before"),
        (["--start", "9999-01-01T00:00:00Z", "--end", "9999-01-02T00:00:00Z"], "in the future"),
    ],
)
def test_validation_errors_exit_2_without_a_request(sandbox, args, message) -> None:
    proc = run_cli(*export_args(sandbox, *args))
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert sandbox.requests == []


def test_usage_errors_exit_2() -> None:
    assert run_cli("export").returncode == 2
    assert run_cli("export", "--hrs", "1", "--days", "1").returncode == 2


def test_plain_http_to_a_remote_host_is_refused(sandbox) -> None:
    proc = run_cli("export", "--base-url", "http://example.com", "--client-id", "x", "--hrs", "1")
    assert proc.returncode == 2 and "unencrypted" in proc.stderr


def test_wrong_key_exits_3_and_never_prints_the_key(sandbox) -> None:
    marker = "WRONG-KEY-MARKER-42"
    proc = run_cli(*export_args(sandbox, "--hrs", "1"), key=marker)
    assert proc.returncode == 3
    assert "rejected" in proc.stderr
    assert marker not in proc.stderr + proc.stdout
    # In the CLI's words: where the key came from, no window button names.
    assert "MYMOVE_API_KEY environment variable" in proc.stderr and "…" not in proc.stderr


def test_no_key_exits_3_with_what_to_do(sandbox) -> None:
    # A keychain that works but holds nothing (no keychain at all is exit 7: test_cli_errors).
    backend = {"PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring"}
    proc = run_cli(*export_args(sandbox, "--hrs", "1"), key=None, env=backend)
    assert proc.returncode == 3
    assert "mymove-viewer key set" in proc.stderr


def test_unknown_client_exits_4(sandbox) -> None:
    proc = run_cli("export", "--base-url", sandbox.base_url, "--client-id", "nope", "--hrs", "1")
    assert proc.returncode == 4 and "client ID" in proc.stderr


def test_connection_refused_exits_5() -> None:
    box = Sandbox(leads=0).start()
    url = box.base_url
    box.stop()
    proc = run_cli("export", "--base-url", url, "--client-id", "x", "--hrs", "1")
    assert proc.returncode == 5 and "connect" in proc.stderr


@pytest.mark.parametrize(
    "fault", [Fault("status", status=503, times=None), Fault("non_json", times=None)]
)
def test_server_trouble_exits_6(sandbox, fault) -> None:
    sandbox.inject(fault)
    proc = run_cli(*export_args(sandbox, "--hrs", "1"))
    assert proc.returncode == 6
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback(sandbox) -> None:
    sandbox.inject(Fault("status", status=404))
    proc = run_cli("--debug", *export_args(sandbox, "--hrs", "1"))
    assert proc.returncode == 4 and "Traceback" in proc.stderr  # --debug changes no exit code
    assert proc.stderr.strip().splitlines()[-1].startswith("mymove-viewer: No leads endpoint")


def test_failed_export_leaves_the_old_file(sandbox, tmp_path: Path) -> None:
    out = tmp_path / "leads.csv"
    out.write_text("precious")
    sandbox.inject(Fault("status", status=401))
    assert run_cli(*export_args(sandbox, "--hrs", "1", "-o", str(out))).returncode == 3
    assert out.read_text() == "precious"


def test_key_set_without_keychain_exits_7_and_reads_no_argv() -> None:
    proc = run_cli("key", "set", "--env", "staging", key=None, stdin="abc\n",
                   env={"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})  # fmt: skip
    assert proc.returncode == 7
    assert "No usable keychain" in proc.stderr and "abc" not in proc.stderr


def test_key_status_names_the_env_var_override() -> None:
    proc = run_cli("key", "status", "--env", "staging", key="from-env-secret")
    assert proc.returncode == 0
    assert "MYMOVE_API_KEY" in proc.stdout and "from-env-secret" not in proc.stdout


def test_version_and_help() -> None:
    from mymove_viewer import __version__

    assert run_cli("--version").stdout.strip() == f"mymove-viewer {__version__}"
    helptext = run_cli("export", "--help").stdout
    assert "exit codes" in helptext and "--no-formula-guard" in helptext


def test_main_in_process_maps_errors_to_codes(capsys, sandbox) -> None:
    code = main(["export", "--base-url", sandbox.base_url, "--client-id", "nobody", "--hrs", "1"])
    # MYMOVE_API_KEY is removed by the autouse fixture and no keychain has a key here.
    assert code in (3, 7)
    assert "Traceback" not in capsys.readouterr().err


@pytest.mark.keychain
def test_key_set_status_export_delete_with_the_real_keychain(sandbox, tmp_path) -> None:
    if not os.environ.get("MYMOVE_PRIVATE_KEYRING"):
        pytest.skip("writes the real keychain: only in the throwaway one `dev.py test` starts")
    marker = DEMO_API_KEY
    assert run_cli("key", "set", "--env", "staging", key=None, stdin=marker + "\n").returncode == 0
    status = run_cli("key", "status", "--env", "staging", key=None)
    assert status.returncode == 0 and "stored in" in status.stdout
    out = str(tmp_path / "x.csv")
    args = ["export", "--env", "staging", "--base-url", sandbox.base_url,
            "--client-id", DEMO_CLIENT_ID, "--hrs", "24", "-o", out]  # fmt: skip
    assert run_cli(*args, key=None).returncode == 0
    assert run_cli("key", "delete", "--env", "staging", key=None).returncode == 0
    status = run_cli("key", "status", "--env", "staging", key=None)
    assert "no key is stored" in status.stdout
    home = Path.home()
    for path in home.rglob("*"):
        if path.is_file() and path.stat().st_size < 50_000_000:
            assert marker.encode() not in path.read_bytes(), path


def test_no_arguments_skip_the_parser_but_mean_what_it_would() -> None:
    # The window's cold start does not build the parser: its answer must not drift from it.
    assert vars(parse_args([])) == vars(build_parser().parse_args([]))
    assert parse_args(["--demo"]).demo is True


@pytest.mark.parametrize(
    "stdin",
    ["first-line\nsecond-line\n", "first-line\r\nsecond-line\r\n", "key\n\n", "ab\rcd", "k" * 5000],
    ids=["two-lines", "two-crlf-lines", "blank-second-line", "inner-cr", "runaway-input"],
)
def test_key_set_refuses_more_than_one_line_before_touching_the_keychain(stdin: str) -> None:
    """Issue 14: two lines on stdin saved the first. Refused with exit 2 (a usable keychain is
    there: in-memory, per process), and no part of the input is echoed."""
    memory = {"PYTHON_KEYRING_BACKEND": "tests.memory_keyring.MemoryKeyring"}
    proc = run_cli("key", "set", "--env", "staging", key=None, stdin=stdin, env=memory)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip()
    assert "\n" not in line and "nothing was saved" in line
    assert "more than one line" in line or "too long" in line
    assert not any(echo in line for echo in ("first-line", "second-line", "key\n", "ab", "kkkk"))


@pytest.mark.keychain
def test_key_set_with_a_crlf_line_saves_the_exact_key(sandbox) -> None:
    """A key piped from a Windows-made file ends in CRLF: the line ending goes, the key stays
    whole (the sandbox accepts only the exact key); a two-line paste saves nothing."""
    if not os.environ.get("MYMOVE_PRIVATE_KEYRING"):
        pytest.skip("writes the real keychain: only in the throwaway one `dev.py test` starts")
    refused = run_cli("key", "set", "--env", "staging", key=None, stdin=f"{DEMO_API_KEY}\nx\n")
    assert refused.returncode == 2
    assert "no key is stored" in run_cli("key", "status", "--env", "staging", key=None).stdout
    saved = run_cli("key", "set", "--env", "staging", key=None, stdin=f"  {DEMO_API_KEY}\r\n")
    assert saved.returncode == 0, saved.stderr
    try:
        args = ["export", "--env", "staging", "--base-url", sandbox.base_url,
                "--client-id", DEMO_CLIENT_ID, "--hrs", "24"]  # fmt: skip
        fetched = run_cli(*args, key=None)
        assert fetched.returncode == 0, fetched.stderr
    finally:
        run_cli("key", "delete", "--env", "staging", key=None)


def key_set_at_a_terminal(typed: bytes) -> tuple[int, str]:
    """``key set`` with a pseudo-terminal as its controlling terminal, as when a person runs it:
    ``typed`` is sent in one go (a paste) once the hidden prompt shows. Checks that the terminal
    echoes again afterwards."""
    import fcntl
    import select
    import termios

    main_fd, child_fd = os.openpty()
    environ = dict(os.environ, PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    environ.pop("MYMOVE_API_KEY", None)
    environ["PYTHON_KEYRING_BACKEND"] = "tests.memory_keyring.MemoryKeyring"  # per process
    proc = subprocess.Popen(
        [sys.executable, "-m", "mymove_viewer", "key", "set", "--env", "staging"],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        env=environ,
        start_new_session=True,
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    os.close(child_fd)
    shown = b""
    sent = False
    try:
        while True:
            ready, _, _ = select.select([main_fd], [], [], 30)
            assert ready, f"no output for 30 s: {shown!r}"
            try:
                chunk = os.read(main_fd, 4096)
            except OSError:  # EIO: the child has ended and closed the terminal
                break
            if not chunk:
                break
            shown += chunk
            if not sent and b"(input hidden): " in shown:
                os.write(main_fd, typed)
                sent = True
        code = proc.wait(timeout=30)
        assert termios.tcgetattr(main_fd)[3] & termios.ECHO, "echo left off"
        return code, shown.decode("utf-8", "replace")
    finally:
        os.close(main_fd)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="POSIX terminals")
@pytest.mark.parametrize(
    ("typed", "refused"),
    [
        (b"first-half\nsecond-half\n", True),
        (b"first-half\nsecond-half", True),  # an unfinished second line counts too
        (b"whole-key\r", False),  # Enter sends CR; the terminal makes it a line end
        (b"whole-key\n\n", False),  # an extra Enter is not a second line
    ],
    ids=["two-lines", "unfinished-second-line", "one-line", "extra-enter"],
)
def test_key_set_at_the_hidden_prompt_refuses_a_multi_line_paste(
    typed: bytes, refused: bool
) -> None:
    """getpass reads one line: the rest of a pasted key used to stay in the terminal and reach
    the shell as a command. Refused (exit 2) and discarded; a one-line key goes on to the
    keychain (an in-memory one here). Nothing typed is echoed."""
    code, shown = key_set_at_a_terminal(typed)
    if refused:
        assert code == 2 and "more than one line; nothing was saved" in shown, shown
    else:
        assert code == 0 and "Saved the Staging API key" in shown, shown
    assert "half" not in shown and "whole-key" not in shown


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="POSIX terminals")
def test_ctrl_c_at_the_hidden_prompt_exits_130_with_echo_back_on() -> None:
    code, shown = key_set_at_a_terminal(b"\x03")
    assert code == 130 and "mymove-viewer: Interrupted." in shown, shown


def test_an_xlsx_file_name_gets_a_workbook(sandbox: Sandbox, tmp_path: Path) -> None:
    """``-o leads.xlsx`` without ``--format`` wrote CSV text into a file Excel then refused."""
    out = tmp_path / "Leads.XLSX"
    proc = run_cli(*export_args(sandbox, "--days", "30", "-o", str(out)))
    assert proc.returncode == 0, proc.stderr
    assert out.read_bytes()[:2] == b"PK"  # a zip: the workbook format
    as_csv = tmp_path / "leads.xlsx"
    proc = run_cli(*export_args(sandbox, "--days", "30", "--format", "csv", "-o", str(as_csv)))
    assert proc.returncode == 0 and as_csv.read_text().startswith("offer_id,")  # asked for


def test_excel_csv_flavour_with_a_workbook_is_a_usage_error(sandbox: Sandbox, tmp_path) -> None:
    proc = run_cli(*export_args(sandbox, "--hrs", "1", "--excel", "-o", str(tmp_path / "a.xlsx")))
    assert proc.returncode == 2 and "--excel is for CSV files" in proc.stderr
    assert sandbox.requests == [] and not (tmp_path / "a.xlsx").exists()


def test_the_sandbox_command_takes_what_the_readme_shows(monkeypatch) -> None:
    from mymove_viewer import cli, sandbox

    seen: list[list[str]] = []
    monkeypatch.setattr(sandbox, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["sandbox", "--port", "0", "--leads", "7", "--odd", "--days", "3"]) == 0
    argv = seen[0]
    assert "--odd" in argv and argv[argv.index("--leads") + 1] == "7"
    assert argv[argv.index("--days") + 1] == "3"
