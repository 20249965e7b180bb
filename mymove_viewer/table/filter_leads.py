"""The filter box's language over a list of leads, for the command line. No Qt."""

from __future__ import annotations

from ..api.lead import Lead
from .search import TextSource, rows_matching
from .work import LeadWork


def filter_rows(
    leads: list[Lead], text: str, work: LeadWork | None = None
) -> tuple[list[int], list[str]]:
    """The indexes of ``leads`` (in their order) that filter ``text`` keeps, as the table does,
    and a message per term that could not be read (left out; the others still filter).
    ``work``: what ``status:``, ``exported:`` and ``note:`` terms read (the history's, made
    with ``LeadWork.take``); none: every lead is New, never exported, without a note."""
    problems = TextSource(leads).query(text).problems if text.strip() else ()
    return rows_matching(leads, text, work=work), list(problems)
