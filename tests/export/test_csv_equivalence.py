"""The fast CSV paths write exactly what ``csv.writer`` after the guard writes, byte for byte.

``write_csv`` joins rows itself when no cell needs quoting and guards column by column; each test
compares its output with a plain reference: ``csv.writer`` over ``Lead.values`` and a per-cell
guard, encoded as the module documents.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.export import (
    BAD_PREFIXES,
    csv_file,
    lead_columns,
    rows_getter,
    write_csv,
    write_csv_stream,
)
from mymove_viewer.export.csv_encode import ENCODING_ERRORS
from mymove_viewer.export.csv_file import UTF8_BOM, iter_chunks
from mymove_viewer.sandbox import generate_leads

EXTRA = "old_housing_tenure"


def reference(
    columns: Sequence[str], leads: Sequence[Lead], *, guard: bool = True, excel: bool = False
) -> bytes:
    def guarded(row: Sequence[str]) -> list[str]:
        return [("'" + c if guard and c[:1] in BAD_PREFIXES else c) for c in row]

    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(guarded(columns))
    writer.writerows(guarded(lead.values(columns)) for lead in leads)
    return (UTF8_BOM if excel else b"") + out.getvalue().encode("utf-8", ENCODING_ERRORS)


def exported(
    tmp_path: Path, columns: Sequence[str], leads: Sequence[Lead], **options: bool
) -> bytes:
    target = tmp_path / "out.csv"
    write_csv(target, columns, leads, **options)
    return target.read_bytes()


def sandbox(count: int) -> list[Lead]:
    now = datetime(2024, 6, 1, tzinfo=UTC)
    return [Lead.from_mapping(d) for d in generate_leads(count, seed=7, now=now)]


def with_cell(lead: Lead, field: str, value: str) -> Lead:
    return Lead.from_mapping({**lead.as_dict(), field: value})


# --- realistic data, several chunks of the default size ----------------------------------------


@pytest.fixture(scope="module")
def leads() -> list[Lead]:
    return sandbox(3500)


def test_clean_sandbox_leads(tmp_path: Path, leads: list[Lead]) -> None:
    columns = lead_columns(leads, [EXTRA])
    assert EXTRA in columns and any(lead.extra for lead in leads)
    for guard in (True, False):
        expected = reference(columns, leads, guard=guard)
        assert exported(tmp_path, columns, leads, formula_guard=guard) == expected


def test_one_dangerous_cell_deep_inside(tmp_path: Path, leads: list[Lead]) -> None:
    changed = list(leads)
    changed[1537] = with_cell(changed[1537], "new_postal_code_plus4", "-0001")
    columns = lead_columns(changed, [EXTRA])
    expected = reference(columns, changed)
    assert b",'-0001," in expected
    assert exported(tmp_path, columns, changed) == expected
    assert exported(tmp_path, columns, changed, formula_guard=False) == reference(
        columns, changed, guard=False
    )


def test_extra_field_column_needing_the_guard(tmp_path: Path, leads: list[Lead]) -> None:
    changed = list(leads)
    for i in (5, 1999, 3499):  # the last cell of the last row, too
        changed[i] = with_cell(changed[i], EXTRA, '=HYPERLINK("http://x")')
    changed[2500] = with_cell(changed[2500], "=cmd|' /C calc'!A0", "x")  # a hostile extra name
    columns = lead_columns(changed, [EXTRA])
    assert exported(tmp_path, columns, changed) == reference(columns, changed)


def test_quoting_and_guard_in_the_same_chunk(tmp_path: Path, leads: list[Lead]) -> None:
    changed = list(leads[:1000])
    changed[10] = with_cell(changed[10], "new_address_1", '12 "Main" St, Apt 4')
    changed[11] = with_cell(changed[11], "old_address_2", "line\r\nbreak")
    changed[700] = with_cell(changed[700], "first_name", "+1 555 0100")  # a plain row
    changed[10] = with_cell(changed[10], "last_name", "@mention")  # a quoted row
    columns = lead_columns(changed, [EXTRA])
    assert exported(tmp_path, columns, changed) == reference(columns, changed)
    # the same chunk with no dangerous cell in the plain rows
    changed[700] = leads[700]
    assert exported(tmp_path, columns, changed) == reference(columns, changed)


def test_chunk_mostly_needing_quotes(tmp_path: Path, leads: list[Lead]) -> None:
    changed = [
        with_cell(lead, "new_address_2", f"Apt {i}, rear") if i % 3 else lead
        for i, lead in enumerate(leads[:2000])
    ]
    changed[1500] = with_cell(changed[1500], "new_city", "-x")
    columns = lead_columns(changed, [EXTRA])
    for guard in (True, False):
        expected = reference(columns, changed, guard=guard)
        assert exported(tmp_path, columns, changed, formula_guard=guard) == expected


def test_every_cell_of_a_column_needs_the_guard(tmp_path: Path, leads: list[Lead]) -> None:
    changed = [with_cell(lead, "offer_id", "-" + lead.offer_id) for lead in leads[:1500]]
    columns = ["email", "offer_id", "new_city"]
    assert exported(tmp_path, columns, changed) == reference(columns, changed)


# --- small cases ---------------------------------------------------------------------------------


def lead_with(**fields: str) -> Lead:
    return Lead.from_mapping({"offer_id": "100", "created_at": "2024-05-01T00:00:00Z", **fields})


@pytest.mark.parametrize("bad", sorted(BAD_PREFIXES))
@pytest.mark.parametrize("where", ["first_name", "offer_id", "old_postal_code_plus4", "custom"])
def test_each_dangerous_character_in_each_position(tmp_path: Path, bad: str, where: str) -> None:
    leads = [lead_with(first_name="Ann"), lead_with(**{where: bad + "1"}), lead_with(last_name="Z")]
    columns = lead_columns(leads)
    assert exported(tmp_path, columns, leads) == reference(columns, leads)
    assert exported(tmp_path, columns, leads, formula_guard=False) == reference(
        columns, leads, guard=False
    )


@pytest.mark.parametrize(
    "cell",
    ["=1", "", "plain", "a,b", 'say "hi"', "tab\tin", "\tlead", "cr\r", "\rlead", "lf\n", "\ufffd",
     "Ａ full-width letter", "\ud800 lone", "＠x", "'=already"],
)  # fmt: skip
def test_one_row_exports(tmp_path: Path, cell: str) -> None:
    leads = [lead_with(first_name=cell)]
    for columns in (["first_name"], ["first_name", "offer_id"], ["offer_id", "first_name"]):
        for guard in (True, False):
            expected = reference(columns, leads, guard=guard)
            assert exported(tmp_path, columns, leads, formula_guard=guard) == expected


def test_single_column_with_empty_cells(tmp_path: Path) -> None:
    leads = [lead_with(first_name=v) for v in ["a", "", "-b", "", "c"]]
    assert exported(tmp_path, ["first_name"], leads) == reference(["first_name"], leads)
    assert b'\r\n""\r\n' in reference(["first_name"], leads)


def test_false_alarms_leave_cells_alone(tmp_path: Path) -> None:
    # Characters whose UTF-8 starts like a full-width operator's, but that are safe.
    leads = [lead_with(first_name="Ａlice", last_name="\uf8ff", new_city="\ufffd")]
    columns = ["first_name", "last_name", "new_city"]
    assert exported(tmp_path, columns, leads) == reference(columns, leads)
    assert "Ａlice".encode() in exported(tmp_path, columns, leads)


def test_excel_flavour_and_streams_match(tmp_path: Path) -> None:
    leads = [lead_with(first_name="=x", last_name="Zoë 李"), lead_with(new_city="a,b\u00e9")]
    columns = lead_columns(leads)
    expected = reference(columns, leads, excel=True)
    assert exported(tmp_path, columns, leads, excel=True) == expected
    binary = io.BytesIO()
    write_csv_stream(binary, columns, leads, excel=True)
    assert binary.getvalue() == expected
    text = io.StringIO(newline="")
    write_csv_stream(text, columns, leads, excel=True)
    assert text.getvalue() == expected.decode("utf-8")


# --- arbitrary input -----------------------------------------------------------------------------

SPECIAL = [
    ",",
    '"',
    "\r",
    "\n",
    "\t",
    "'",
    " ",
    "a",
    "é",
    "李",
    "🚚",
    "\ud800",
    "Ａ",
    *BAD_PREFIXES,
]
cells = st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(), max_size=5)
names = st.sampled_from(["first_name", "email", "offer_id", EXTRA, "x", "=y"])


@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    data=st.lists(st.dictionaries(names, cells, max_size=4), max_size=12),
    columns=st.lists(names, min_size=1, max_size=5),
    guard=st.booleans(),
    excel=st.booleans(),
)
def test_arbitrary_leads_in_small_chunks(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    data: list[dict[str, str]],
    columns: list[str],
    guard: bool,
    excel: bool,
) -> None:
    monkeypatch.setattr(csv_file, "POLL_ROWS", 3)  # several chunks, some of one row
    leads = [Lead.from_mapping(d) for d in data]
    expected = reference(columns, leads, guard=guard, excel=excel)
    assert exported(tmp_path, columns, leads, formula_guard=guard, excel=excel) == expected


# --- the chunked row helpers ---------------------------------------------------------------------


@given(
    leads=st.lists(
        st.dictionaries(st.sampled_from([EXTRA, "x", "y"]), st.text(max_size=3), max_size=3).map(
            lambda extras: lead_with(**extras)
        ),
        max_size=8,
    ),
    columns=st.lists(st.sampled_from([*FIELDS, "x", "y", "z", EXTRA]), min_size=1, max_size=6),
)
def test_rows_getter_matches_lead_values(leads: list[Lead], columns: list[str]) -> None:
    rows_of = rows_getter(columns)
    assert [list(row) for row in rows_of(leads)] == [lead.values(columns) for lead in leads]


def test_iter_chunks_guards_every_row() -> None:
    rng = random.Random(3)
    leads = [lead_with(first_name=rng.choice(["=a", "b", "-c", ""])) for _ in range(25)]
    columns = ["first_name", "offer_id"]
    chunks = list(iter_chunks(leads, columns, formula_guard=True, every=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    rows = [list(row) for chunk in chunks for row in chunk]
    assert rows == [[("'" + v if v[:1] in BAD_PREFIXES else v) for v in lead.values(columns)]
                    for lead in leads]  # fmt: skip


def test_cells_that_are_not_text_go_through_the_writer(tmp_path: Path) -> None:
    # Only hand-built leads can hold these; csv.writer writes None as "" and numbers as str().
    values: list[object] = [f"{f}-value" for f in FIELDS]
    values[0], values[2] = 42, None
    leads = [lead_with(first_name="a"), Lead.build(values)]
    columns = ["offer_id", "first_name", "last_name"]
    assert exported(tmp_path, columns, leads, formula_guard=False) == reference(
        columns, leads, guard=False
    )
    with pytest.raises(TypeError):  # the guard needs text, as it always did
        write_csv(tmp_path / "guarded.csv", columns, leads)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
