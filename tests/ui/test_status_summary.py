"""The status line's fetch summary: what was skipped and what was mended, counted in words."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from mymove_viewer.api.query import Environment
from mymove_viewer.ui.status import FetchInfo, summary_text

AT = datetime(2026, 11, 27, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("skipped", "replaced", "tail"),
    [
        (0, 0, " · 0.5 s"),
        (0, 1, " · 0.5 s · 1 value with invalid characters (shown as \ufffd)"),
        (2, 1_200, " · 2 records skipped · 1,200 values with invalid characters (shown as \ufffd)"),
    ],
)
def test_summary_counts_skipped_records_and_replaced_values(skipped, replaced, tail) -> None:
    info = FetchInfo(Environment.PRODUCTION, AT, 0.5, skipped, replaced)
    text = summary_text(info, 3, 3)
    assert text.startswith("3 leads (3 shown) · Production · ")
    assert text.endswith(tail)
