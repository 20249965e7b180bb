"""XLSX export: read back with openpyxl and check every cell's type, value and format."""

from __future__ import annotations

import errno
import sys
import time
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.utils.escape import unescape

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.export import (
    BAD_PREFIXES,
    ExportCancelled,
    ExportError,
    lead_columns,
    output_file,
    write_xlsx,
)
from mymove_viewer.export import xlsx as export_xlsx
from tests.export.helpers import export_over_size_limit

EST = timezone(timedelta(hours=-5))


def make_lead(**fields: str) -> Lead:
    base = {f: f"{f}-value" for f in FIELDS}
    base.update(created_at="2024-05-01T12:30:00Z", move_date="2024-06-15T00:00:00Z")
    base.update(fields)
    return Lead.from_mapping(base)


LEADS = [
    make_lead(
        offer_id="000123",
        new_postal_code="02134",
        new_postal_code_plus4="0001",
        old_postal_code="00501",
        old_postal_code_plus4="0000",
        first_name="Zoë 李",
        new_address_1='12 "Main" St, Apt 4',
    ),
    # 03:15 UTC is the previous evening in EST; the move date must still be June 1st.
    make_lead(created_at="2024-03-10T03:15:00Z", move_date="2024-06-01T00:00:00Z"),
    make_lead(created_at="2024-05-01T12:30:00.123+02:00", move_date="2024-06-15"),
    make_lead(created_at="not a date", move_date="", last_name="=1+1", email="@cmd"),
    make_lead(move_date="2024-13-45T00:00:00Z", first_name="-Bob", old_housing_tenure="own"),
    make_lead(move_date="1899-12-31T00:00:00Z", old_address_1="line one\r\nline two\ttab"),
]


def expected_cell(column: str, text: str, tz: timezone) -> tuple[object, str]:
    """What openpyxl should read for one cell: (value, number format). The guard changes no
    value, only the cell's format (see ``test_xlsx_quote_prefix``)."""
    if column == "created_at" and text[:4].isdigit():
        stamp = datetime.fromisoformat(text).astimezone(tz).replace(tzinfo=None)
        return stamp, "yyyy-mm-dd hh:mm"
    if column == "move_date" and text[:4].isdigit() and not text.startswith(("2024-13", "1899")):
        return datetime.strptime(text[:10], "%Y-%m-%d"), "yyyy-mm-dd"
    return text, "General"


def read(path: Path) -> list[list[object]]:
    book = openpyxl.load_workbook(path)
    try:
        return [[c.value for c in row] for row in book["Leads"].iter_rows()]
    finally:
        book.close()


def sheet_xml(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


@pytest.mark.parametrize("guard", [True, False])
def test_every_cell_type_and_value(tmp_path: Path, guard: bool) -> None:
    columns = lead_columns(LEADS)
    target = tmp_path / "leads.xlsx"

    assert write_xlsx(target, columns, LEADS, tz=EST, formula_guard=guard) == len(LEADS)

    book = openpyxl.load_workbook(target)
    sheet = book["Leads"]
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == columns
    assert all(c.data_type == "s" and c.font.b for c in rows[0])
    for lead, cells in zip(LEADS, rows[1:], strict=True):
        for column, cell in zip(columns, cells, strict=True):
            value, fmt = expected_cell(column, lead.get(column), EST)
            got = unescape(cell.value) if isinstance(cell.value, str) else cell.value
            assert (got, cell.number_format) == (value, fmt), (column, cell.coordinate)
            risky = guard and lead.get(column)[:1] in BAD_PREFIXES
            assert cell.quotePrefix == risky, (column, cell.coordinate)
            assert cell.data_type == ("d" if isinstance(value, datetime) else "s")
    book.close()
    xml = sheet_xml(target)
    assert "<f>" not in xml  # text, never a formula, whatever the guard says
    assert '<ignoredError sqref="A1:XFD1048576" numberStoredAsText="1"/>' in xml


def test_dates_follow_the_zone_but_move_date_never_shifts(tmp_path: Path) -> None:
    target = tmp_path / "leads.xlsx"
    write_xlsx(target, ["created_at", "move_date"], LEADS[1:3], tz=EST)
    assert read(target)[1:] == [
        [datetime(2024, 3, 9, 22, 15), datetime(2024, 6, 1)],
        [datetime(2024, 5, 1, 5, 30, 0, 123000), datetime(2024, 6, 15)],
    ]


def test_default_zone_is_the_computers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not hasattr(time, "tzset"):
        pytest.skip("time.tzset is POSIX only")
    monkeypatch.setenv("TZ", "XYZ-3")  # POSIX notation: three hours east of UTC
    time.tzset()
    try:
        target = tmp_path / "leads.xlsx"
        write_xlsx(target, ["created_at"], LEADS[:1])
    finally:
        monkeypatch.undo()
        time.tzset()
    assert read(target)[1] == [datetime(2024, 5, 1, 15, 30)]


def test_leading_zeros_survive_as_text(tmp_path: Path) -> None:
    columns = ["offer_id", "new_postal_code", "new_postal_code_plus4", "old_postal_code"]
    target = tmp_path / "zips.xlsx"
    write_xlsx(target, columns, LEADS[:1])
    assert read(target)[1] == ["000123", "02134", "0001", "00501"]


def test_header_frozen_filtered_and_widths(tmp_path: Path) -> None:
    leads = [*LEADS, make_lead(new_address_1="x" * 80)]
    columns = lead_columns(leads)
    target = tmp_path / "leads.xlsx"
    write_xlsx(target, columns, leads, tz=EST)

    book = openpyxl.load_workbook(target)
    sheet = book["Leads"]
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(columns))}{len(leads) + 1}"
    widths = {
        c: sheet.column_dimensions[get_column_letter(i + 1)].width for i, c in enumerate(columns)
    }
    book.close()
    assert 50 <= widths["new_address_1"] < 52  # capped
    assert widths["created_at"] >= len("yyyy-mm-dd hh:mm")


def test_widths_follow_the_content(tmp_path: Path) -> None:
    leads = [
        make_lead(
            new_state="NC", new_city="Charlotte, Mecklenburg County", email="someone@example.com"
        )
    ] * 3
    target = tmp_path / "w.xlsx"
    write_xlsx(target, ["new_state", "email", "new_city"], leads)
    book = openpyxl.load_workbook(target)
    state, email, city = (book["Leads"].column_dimensions[c].width for c in "ABC")
    book.close()
    assert state < email < city  # the header (with its filter arrow) sets the state width


def test_empty_export_still_has_header_and_filter(tmp_path: Path) -> None:
    target = tmp_path / "none.xlsx"
    assert write_xlsx(target, FIELDS, []) == 0
    book = openpyxl.load_workbook(target)
    sheet = book["Leads"]
    assert [c.value for c in next(sheet.iter_rows())] == list(FIELDS)
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(FIELDS))}1"
    book.close()


def test_control_characters_and_surrogates(tmp_path: Path) -> None:
    lead = make_lead(first_name="a\x01b\x1fc", last_name="x\ud800y", email="_x0041_ literal")
    target = tmp_path / "odd.xlsx"
    write_xlsx(target, ["first_name", "last_name", "email"], [lead])
    assert [unescape(v) for v in read(target)[1]] == ["a\x01b\x1fc", "x\ufffdy", "_x0041_ literal"]


def test_result_is_user_only_and_leaves_nothing_else(tmp_path: Path) -> None:
    target = tmp_path / "leads.xlsx"
    target.write_text("old")
    target.chmod(0o644)
    write_xlsx(target, FIELDS, LEADS)
    assert target.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.xlsx"]


def test_progress_and_cancel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_xlsx, "POLL_ROWS", 4)
    leads = [make_lead(offer_id=str(i)) for i in range(10)]
    target = tmp_path / "leads.xlsx"
    seen: list[int] = []
    assert write_xlsx(target, FIELDS, leads, progress=seen.append) == 10
    assert seen == [4, 8, 10]
    old = target.read_bytes()

    polls: list[None] = []

    def cancel() -> bool:
        polls.append(None)
        return len(polls) > 2

    with pytest.raises(ExportCancelled) as info:
        write_xlsx(target, FIELDS, leads, cancel=cancel)
    assert str(target) in str(info.value)
    assert target.read_bytes() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.xlsx"]


def test_too_many_rows_for_a_worksheet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(export_xlsx, "MAX_ROWS", 5)
    with pytest.raises(ExportError) as info:
        write_xlsx(tmp_path / "big.xlsx", FIELDS, LEADS)
    assert "at most 5 leads" in str(info.value) and "CSV" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_directory_target(tmp_path: Path) -> None:
    with pytest.raises(ExportError) as info:
        write_xlsx(tmp_path, FIELDS, LEADS)
    assert "is a folder" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_disk_full(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "leads.xlsx"
    target.write_text("old")

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output_file.os, "fsync", full)
    with pytest.raises(ExportError) as info:
        write_xlsx(target, FIELDS, LEADS)
    monkeypatch.undo()
    assert "drive is full" in str(info.value)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.xlsx"]


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE is POSIX")
def test_file_size_limit_hit_mid_export(tmp_path: Path) -> None:
    """A real write failure inside XlsxWriter's scratch file, in a child limited to 64 KiB."""
    target = tmp_path / "leads.xlsx"
    target.write_text("old")
    result = export_over_size_limit("export.xlsx", "write_xlsx", target, 5000, timeout=120)
    assert result.returncode == 3, result.stderr
    assert "larger than this drive or system allows" in result.stdout
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.xlsx"]


@pytest.mark.parametrize("writes_before", [0, 3, 8, 300, 500])
def test_cancel_during_the_final_save_stops_it_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, writes_before: int
) -> None:
    """Issue 14: the save after the last row (zipping the sheet) took seconds and ignored cancel,
    so closing the window then finished the file anyway or was cut short by the app's exit. Cancel
    now lands at the zip writer's next write, and the abandoned zip writer, collected later,
    touches nothing (no unraisable-exception warning, which pytest here turns into a failure)."""
    import gc

    import xlsxwriter

    saving = []
    real_close = xlsxwriter.Workbook.close

    def close(self: xlsxwriter.Workbook) -> None:
        saving.append(True)
        real_close(self)

    monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
    polls_while_saving = []

    def cancel() -> bool:
        # Later in the save the zip holds entries: its end record then subtracts positions.
        if saving:
            polls_while_saving.append(1)
        return len(polls_while_saving) > writes_before

    target = tmp_path / "leads.xlsx"
    target.write_text("old\n")
    leads = [Lead.build([f"{f} {i}" for f in FIELDS]) for i in range(3000)]
    with pytest.raises(ExportCancelled, match="was not changed"):
        write_xlsx(target, FIELDS, leads, cancel=cancel)
    gc.collect()
    assert len(polls_while_saving) == writes_before + 1  # stopped at the first write asked
    assert target.read_text() == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["leads.xlsx"]
