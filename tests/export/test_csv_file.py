"""CSV export: round trips through the csv module, the formula guard, atomic replace, failures."""

from __future__ import annotations

import csv
import errno
import io
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.export import (
    BAD_PREFIXES,
    ExportCancelled,
    ExportError,
    atomic_output,
    csv_file,
    guard_cell,
    lead_columns,
    output_file,
    row_getter,
    write_csv,
    write_csv_stream,
)
from tests.export.helpers import export_over_size_limit, refuse_temp_files

REPO = Path(__file__).resolve().parents[2]


def make_lead(**fields: str) -> Lead:
    base = {f: f"{f}-value" for f in FIELDS}
    base.update(created_at="2024-05-01T12:30:00Z", move_date="2024-06-15T00:00:00Z")
    base.update(fields)
    return Lead.from_mapping(base)


TRICKY = [
    make_lead(first_name="Zoë", last_name="Ñúñez 李 🚚", email="zoe@example.com"),
    make_lead(new_address_1='12 "Main" St, Apt 4', new_address_2="c/o Smith, Jones"),
    make_lead(old_address_1="line one\r\nline two", old_address_2="bare\nLF", new_city="bare\rCR"),
    make_lead(new_postal_code="02134", new_postal_code_plus4="0001", old_postal_code="00501"),
    make_lead(new_address_2="", old_address_2="", new_housing_tenure=""),
    make_lead(offer_id="000123", old_housing_tenure="own", custom_note="extra, with comma"),
    make_lead(first_name="  padded  ", last_name="'quoted'", email='"'),
]


def read_back(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def temp_leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


# --- round trips ------------------------------------------------------------------------------


def test_round_trip_keeps_every_value(tmp_path: Path) -> None:
    columns = lead_columns(TRICKY)
    target = tmp_path / "leads.csv"

    rows = write_csv(target, columns, TRICKY, formula_guard=False)

    assert rows == len(TRICKY)
    got = read_back(target)
    assert got[0] == columns
    assert got[1:] == [lead.values(columns) for lead in TRICKY]
    # spot checks a reader of the file would care about
    assert columns[-2:] == ["old_housing_tenure", "custom_note"]
    assert got[4][columns.index("new_postal_code")] == "02134"
    assert got[3][columns.index("old_address_1")] == "line one\r\nline two"
    assert got[1][columns.index("old_housing_tenure")] == ""  # lead without that extra


def test_visible_columns_in_visible_order(tmp_path: Path) -> None:
    columns = ["email", "custom_note", "offer_id", "not_sent_by_api"]
    target = tmp_path / "subset.csv"

    write_csv(target, columns, TRICKY[-2:])

    assert read_back(target) == [
        columns,
        ["email-value", "extra, with comma", "000123", ""],
        ['"', "", "offer_id-value", ""],
    ]


def test_no_leads_gives_header_only(tmp_path: Path) -> None:
    target = tmp_path / "empty.csv"
    assert write_csv(target, FIELDS, []) == 0
    assert read_back(target) == [list(FIELDS)]


def test_no_columns_is_a_programming_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_csv(tmp_path / "x.csv", [], TRICKY)
    assert temp_leftovers(tmp_path) == []


def test_lead_columns_orders_documented_then_extras() -> None:
    leads = [make_lead(zeta="1"), make_lead(), make_lead(alpha="2", zeta="3")]
    assert lead_columns() == list(FIELDS)
    assert lead_columns(leads) == [*FIELDS, "zeta", "alpha"]
    assert lead_columns(leads, ["old_housing_tenure", "email"]) == [
        *FIELDS,
        "old_housing_tenure",
        "zeta",
        "alpha",
    ]


# --- formula guard ----------------------------------------------------------------------------

BAD_CELLS = ["=1+1", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "\0x", "＝1", "＋1", "－1", "＠x"]
GOOD_CELLS = ["ok", "", "'already", " =spaced", "1-2", "a=b"]


@pytest.mark.parametrize("cell", BAD_CELLS)
def test_guard_prefixes_dangerous_cells(cell: str) -> None:
    assert guard_cell(cell) == "'" + cell


@pytest.mark.parametrize("cell", GOOD_CELLS)
def test_guard_leaves_safe_cells(cell: str) -> None:
    assert guard_cell(cell) == cell


def test_guard_in_file_changes_only_dangerous_cells(tmp_path: Path) -> None:
    cells = BAD_CELLS + GOOD_CELLS
    leads = [make_lead(first_name=c, last_name=f"name {i}") for i, c in enumerate(cells)]
    leads.append(make_lead(**{"=HYPERLINK(x)": "extra"}))  # a hostile extra-field name
    columns = lead_columns(leads)
    on, off = tmp_path / "on.csv", tmp_path / "off.csv"

    write_csv(on, columns, leads)
    write_csv(off, columns, leads, formula_guard=False)

    guarded, raw = read_back(on), read_back(off)
    assert raw[0] == columns and raw[1:] == [lead.values(columns) for lead in leads]
    changed = 0
    for g_row, r_row in zip(guarded, raw, strict=True):
        for g, r in zip(g_row, r_row, strict=True):
            if r[:1] in BAD_PREFIXES:
                assert g == "'" + r
                changed += 1
            else:
                assert g == r
    assert changed == len(BAD_CELLS) + 1  # + the header cell


# --- property tests ---------------------------------------------------------------------------

cell_text = st.text(max_size=30)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.lists(cell_text, min_size=2, max_size=2), max_size=6))
def test_round_trip_of_arbitrary_text(tmp_path: Path, rows: list[list[str]]) -> None:
    leads = [make_lead(first_name=a, custom=b) for a, b in rows]
    columns = ["first_name", "custom", "offer_id"]
    target = tmp_path / "prop.csv"

    write_csv(target, columns, leads, formula_guard=False)
    assert read_back(target)[1:] == [[a, b, "offer_id-value"] for a, b in rows]

    write_csv(target, columns, leads)
    for got, (a, b) in zip(read_back(target)[1:], rows, strict=True):
        assert got == [("'" + v if v[:1] in BAD_PREFIXES else v) for v in (a, b, "offer_id-value")]


extra_name = st.sampled_from(["old_housing_tenure", "x", "y", "z"])


@given(
    leads=st.lists(
        st.dictionaries(extra_name, st.text(max_size=5), max_size=3).map(
            lambda extras: make_lead(**extras)
        ),
        max_size=8,
    ),
    columns=st.lists(st.sampled_from([*FIELDS, "x", "y", "z", "old_housing_tenure"]), min_size=1),
)
def test_row_getter_matches_lead_values(leads: list[Lead], columns: list[str]) -> None:
    get = row_getter(columns)
    assert [list(get(lead)) for lead in leads] == [lead.values(columns) for lead in leads]


# --- encodings, flavours, surrogates ----------------------------------------------------------


def test_excel_flavour_has_bom_and_crlf(tmp_path: Path) -> None:
    target = tmp_path / "excel.csv"
    write_csv(target, ["first_name", "email"], TRICKY[:1], excel=True)
    assert target.read_bytes() == (
        b"\xef\xbb\xbffirst_name,email\r\n" + "Zoë,zoe@example.com\r\n".encode()
    )


def test_plain_flavour_has_no_bom_and_crlf(tmp_path: Path) -> None:
    target = tmp_path / "plain.csv"
    write_csv(target, ["first_name", "old_address_1"], TRICKY[2:3])
    assert target.read_bytes() == (
        b'first_name,old_address_1\r\nfirst_name-value,"line one\r\nline two"\r\n'
    )


def test_lone_surrogates_become_replacement_characters(tmp_path: Path) -> None:
    leads = [make_lead(first_name="a\ud800b", last_name="\udfff", email="ok 😀")]
    columns = ["first_name", "last_name", "email"]
    expected = [columns, ["a\ufffdb", "\ufffd", "ok 😀"]]
    target = tmp_path / "s.csv"

    write_csv(target, columns, leads)
    assert read_back(target) == expected

    binary = io.BytesIO()
    write_csv_stream(binary, columns, leads)
    assert list(csv.reader(io.StringIO(binary.getvalue().decode("utf-8"), newline=""))) == expected

    text = io.StringIO(newline="")
    write_csv_stream(text, columns, leads)
    assert list(csv.reader(io.StringIO(text.getvalue(), newline=""))) == expected


def test_stream_to_stdout_like_text_stream_writes_utf8_in_order() -> None:
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="cp1252", errors="strict")  # a legacy console
    stdout.write("before\n")

    rows = write_csv_stream(stdout, ["first_name"], TRICKY[:2], excel=True)
    stdout.write("after\n")
    stdout.flush()

    assert rows == 2
    assert raw.getvalue() == (
        b"before\n\xef\xbb\xbffirst_name\r\n" + "Zoë\r\nfirst_name-value\r\n".encode() + b"after\n"
    )
    stdout.detach()


def test_stream_to_full_device_raises_export_error() -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full on this platform")
    with open("/dev/full", "wb", buffering=0) as full, pytest.raises(ExportError) as info:
        write_csv_stream(full, FIELDS, TRICKY * 10)
    assert "drive is full" in str(info.value)


# --- atomic replace, cancel, progress, mode --------------------------------------------------


def test_result_is_user_only_and_replaces_old_file(tmp_path: Path) -> None:
    target = tmp_path / "leads.csv"
    target.write_text("old\n")
    target.chmod(0o644)

    write_csv(target, FIELDS, TRICKY)

    assert target.stat().st_mode & 0o777 == 0o600
    assert read_back(target)[0] == list(FIELDS)
    assert temp_leftovers(tmp_path) == []


def test_progress_and_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(csv_file, "POLL_ROWS", 10)
    leads = [make_lead(offer_id=str(i)) for i in range(95)]
    target = tmp_path / "leads.csv"
    seen: list[int] = []

    assert write_csv(target, ["offer_id"], leads, progress=seen.append) == 95
    assert seen == [10, 20, 30, 40, 50, 60, 70, 80, 90, 95]

    old = target.read_bytes()
    polls: list[int] = []

    def cancel() -> bool:
        polls.append(len(polls))
        return len(polls) > 3  # let three chunks reach the temp file first

    with pytest.raises(ExportCancelled) as info:
        write_csv(target, ["offer_id"], leads[::-1], cancel=cancel)
    assert str(target) in str(info.value)
    assert len(polls) == 4
    assert target.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv"]


def test_cancel_before_first_row_leaves_no_file(tmp_path: Path) -> None:
    target = tmp_path / "new.csv"
    with pytest.raises(ExportCancelled):
        write_csv(target, FIELDS, TRICKY, cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []


def test_failure_of_the_lead_source_removes_temp_file(tmp_path: Path) -> None:
    def broken():
        yield TRICKY[0]
        raise RuntimeError("source failed")

    with pytest.raises(RuntimeError):
        write_csv(tmp_path / "x.csv", FIELDS, broken())
    assert list(tmp_path.iterdir()) == []


# --- failure modes ----------------------------------------------------------------------------


def test_directory_target(tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    with pytest.raises(ExportError) as info:
        write_csv(folder, FIELDS, TRICKY)
    assert str(folder) in str(info.value) and "is a folder" in str(info.value)
    assert list(folder.iterdir()) == []


def test_missing_parent_folder(tmp_path: Path) -> None:
    target = tmp_path / "nope" / "leads.csv"
    with pytest.raises(ExportError) as info:
        write_csv(target, FIELDS, TRICKY)
    message = str(info.value)
    assert str(target) in message and "does not exist" in message
    assert info.value.path == target


def test_parent_is_a_file(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError) as info:
        write_csv(tmp_path / "file" / "leads.csv", FIELDS, TRICKY)
    assert "is not a folder" in str(info.value)


@pytest.mark.skipif(not hasattr(os, "geteuid"), reason="POSIX permissions")
def test_permission_denied_for_real() -> None:
    """Root bypasses permission checks, so as root the child drops to ``nobody`` first."""
    folder = Path(tempfile.mkdtemp(prefix="mymove-ro-"))  # in /tmp, so nobody can reach it
    try:
        (folder / "leads.csv").write_text("old\n")
        folder.chmod(0o555)
        code = (
            "import os, sys\n"
            "from mymove_viewer.export import write_csv, ExportError\n"
            "from mymove_viewer.api.fields import FIELDS\n"
            "if os.geteuid() == 0:\n"
            "    try:\n"
            "        os.setgroups([])\n"
            "        os.setgid(65534)\n"
            "        os.setuid(65534)\n"
            "    except OSError:\n"
            "        sys.exit(4)\n"
            "try:\n"
            f"    write_csv({str(folder / 'leads.csv')!r}, FIELDS, [])\n"
            "except ExportError as e:\n"
            "    print(e)\n"
            "    sys.exit(3)\n"
        )
        result = subprocess.run(
            [sys.executable, "-c", code],
            cwd=REPO,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode == 4:
            pytest.skip("this sandbox does not let root drop privileges")
        assert result.returncode == 3, result.stderr
        assert "do not have permission" in result.stdout and str(folder) in result.stdout
        assert (folder / "leads.csv").read_text() == "old\n"
        assert sorted(p.name for p in folder.iterdir()) == ["leads.csv"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_permission_denied_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_temp_files(monkeypatch, errno.EACCES)
    with pytest.raises(ExportError) as info:
        write_csv(tmp_path / "leads.csv", FIELDS, TRICKY)
    assert "do not have permission to save in" in str(info.value)
    assert str(tmp_path) in str(info.value)


def test_read_only_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    refuse_temp_files(monkeypatch, errno.EROFS)
    with pytest.raises(ExportError) as info:
        write_csv(tmp_path / "leads.csv", FIELDS, TRICKY)
    assert "read-only" in str(info.value) and "Choose another folder" in str(info.value)


def test_file_open_elsewhere_cannot_be_replaced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On Windows, replacing a file that Excel has open fails with a permission error."""
    target = tmp_path / "leads.csv"
    target.write_text("old\n")

    def locked(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "Access is denied", str(dst))

    monkeypatch.setattr(output_file.os, "replace", locked)
    with pytest.raises(ExportError) as info:
        write_csv(target, FIELDS, TRICKY)
    assert "open in another program, such as Excel" in str(info.value)
    monkeypatch.undo()
    assert target.read_text() == "old\n"
    assert temp_leftovers(tmp_path) == []


def test_disk_full_while_syncing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "leads.csv"
    target.write_text("old\n")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output_file.os, "fsync", full)
    with pytest.raises(ExportError) as info:
        write_csv(target, FIELDS, TRICKY)
    monkeypatch.undo()
    assert "drive is full" in str(info.value) and str(target) in str(info.value)
    assert target.read_text() == "old\n"
    assert temp_leftovers(tmp_path) == []


def test_disk_full_inside_atomic_output(tmp_path: Path) -> None:
    target = tmp_path / "book.xlsx"
    with pytest.raises(ExportError) as info, atomic_output(target) as f:
        f.write(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")
    assert "drive is full" in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_hit_mid_export(tmp_path: Path) -> None:
    """A real write failure: the child may write at most 64 KiB per file."""
    target = tmp_path / "leads.csv"
    target.write_text("old\n")
    result = export_over_size_limit("export", "write_csv", target, 20000)
    assert result.returncode == 3, result.stderr
    assert "larger than this drive or system allows" in result.stdout
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.csv"]
