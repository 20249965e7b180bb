"""The workbook's formula guard: a risky cell keeps its exact text (no ``'`` Excel would show)
and gets Excel's quote-prefix format, read back from the file's own XML."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
from openpyxl.utils.escape import unescape

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead
from mymove_viewer.export import write_xlsx

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
RISKY = {
    "first_name": '=HYPERLINK("http://evil.example","Click")',
    "last_name": "+1 555 0100",
    "email": "@SUM(A1)",
    "new_city": "-Bob",
    "new_state": "\tTX",
    "old_city": "＝1+1",  # the full-width form
    "created_at": "+2024-05-01T12:30:00Z",  # risky before it is a date: stays text
}
PLAIN = {"old_state": "CA", "offer_id": "000123", "new_address_1": "it's = fine"}


def cells(path: Path) -> dict[str, tuple[str, bool, bool]]:
    """Cell reference -> (its text, quote-prefixed, bold), from the workbook's XML."""
    with zipfile.ZipFile(path) as z:
        sheet = ElementTree.fromstring(z.read("xl/worksheets/sheet1.xml"))
        styles = ElementTree.fromstring(z.read("xl/styles.xml"))
    fonts = styles.findall("m:fonts/m:font", NS)
    xfs = styles.findall("m:cellXfs/m:xf", NS)
    out = {}
    for c in sheet.iterfind(".//m:sheetData/m:row/m:c", NS):
        # An inline string (the streaming writer's kind): never a formula or a number.
        assert c.get("t") == "inlineStr", c.get("r")
        assert c.find("m:f", NS) is None and c.find("m:v", NS) is None
        xf = xfs[int(c.get("s", "0"))]
        bold = fonts[int(xf.get("fontId", "0"))].find("m:b", NS) is not None
        text = unescape("".join(t.text or "" for t in c.iterfind("m:is//m:t", NS)))
        out[c.get("r")] = (text, xf.get("quotePrefix") == "1", bold)
    return out


def column_letter(columns: list[str], field: str) -> str:
    return chr(ord("A") + columns.index(field))


@pytest.mark.parametrize("guard", [True, False])
def test_risky_cells_keep_their_exact_text_with_the_quote_prefix(tmp_path: Path, guard) -> None:
    lead = Lead.from_mapping({**dict.fromkeys(FIELDS, "x"), **RISKY, **PLAIN})
    columns = [*RISKY, *PLAIN]
    target = tmp_path / "risky.xlsx"
    assert write_xlsx(target, columns, [lead], formula_guard=guard) == 1
    got = cells(target)
    for field, text in {**RISKY, **PLAIN}.items():
        ref = f"{column_letter(columns, field)}2"
        assert got[ref] == (text, guard and field in RISKY, False), field
        header = f"{column_letter(columns, field)}1"
        assert got[header] == (field, False, True)


def test_a_risky_header_is_bold_and_quote_prefixed(tmp_path: Path) -> None:
    """An extra field the API names ``=cmd`` heads its column as that exact text."""
    lead = Lead.from_mapping({**dict.fromkeys(FIELDS, "x"), "=cmd": "-1"})
    target = tmp_path / "header.xlsx"
    write_xlsx(target, ["first_name", "=cmd"], [lead])
    got = cells(target)
    assert got["B1"] == ("=cmd", True, True)
    assert got["B2"] == ("-1", True, False)
    assert got["A1"] == ("first_name", False, True)
