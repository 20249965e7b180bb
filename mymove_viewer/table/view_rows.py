"""The rows a saved view shows of some leads, in its order, for the command line's export. No Qt.

The same filter language as the window's filter box (``filter_leads``) and the same sort
(``sort``), so an export of a view holds exactly the rows the window shows for it, in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import compress

from ..api.lead import Lead
from .display import columns_for, status_column
from .filter_leads import filter_rows
from .sort import rank_column, rows_for
from .views import SavedView
from .work import LeadWork


def rows_for_view(
    leads: list[Lead],
    view: SavedView,
    extra_fields: Sequence[str] = (),
    work: LeadWork | None = None,
) -> list[int]:
    """Indexes into ``leads`` of the rows ``view`` shows: filtered by its text, in its sort
    (stable: equal keys keep the order the API sent them in; unsorted if the leads lack the
    sort's column). ``work``: the leads' statuses, notes and exports, for a view that filters
    or sorts by them (none: all New, never exported)."""
    order = list(range(len(leads)))
    column = None
    if view.sort is not None:
        status = status_column((work or LeadWork()).status_codes)
        columns = columns_for(extra_fields, status)
        column = next((c for c in columns if c.field == view.sort[0]), None)
    if column is not None:
        descending = view.sort is not None and view.sort[1]
        order = rows_for(rank_column(leads, column, descending=descending), descending)
    if not view.filter.strip():
        return order
    keep = bytearray(len(leads))
    for row in _matching(leads, view.filter, work):
        keep[row] = 1
    return list(compress(order, map(keep.__getitem__, order)))


def _matching(leads: list[Lead], text: str, work: LeadWork | None = None) -> list[int]:
    """Indexes of the leads ``text`` keeps, as the window's filter box reads and matches it."""
    return filter_rows(leads, text, work)[0]


def filter_problems(leads: list[Lead], text: str) -> list[str]:
    """What the filter box would show under itself for ``text``: terms it cannot read."""
    return filter_rows(leads, text)[1] if text.strip() else []
