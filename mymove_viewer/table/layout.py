"""The table's column layout kept by field name: the order shown, hidden columns, widths, sort.

A fetch's columns are the documented fields plus whatever extra fields its leads carry, so
positions move from one fetch to the next; names do not. A layout also keeps what it knew of
fields the current leads lack, so an extra field that comes back finds its place, width and
hidden flag again. Stored as plain JSON (``to_json``/``from_json``); read forgivingly, as a hand-
edited settings file may hold anything. No Qt: the CLI can export in a saved layout too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from .filter_query import WORK_STATUS

LAYOUT_VERSION = 1
MIN_WIDTH, MAX_WIDTH = 16, 5000  # a stored width outside these is not one a user made
MAX_COLUMNS = 1000  # more entries than any table has: a runaway file, not a layout


@dataclass(frozen=True)
class ColumnLayout:
    order: tuple[str, ...] = ()  # the fields in the order shown, hidden ones in their place
    hidden: frozenset[str] = frozenset()
    widths: Mapping[str, int] = field(default_factory=dict)
    sort: tuple[str, bool] | None = None  # (field, descending)

    def merged(self, older: ColumnLayout | None) -> ColumnLayout:
        """This layout (of the columns shown now) plus what ``older`` knew of other fields: each
        goes back after the field it followed there."""
        if older is None:
            return self
        order = _with_missing(list(self.order), older.order)
        mine = set(self.order)
        hidden = self.hidden | {f for f in older.hidden if f not in mine}
        widths = {**older.widths, **self.widths}
        return ColumnLayout(tuple(order), frozenset(hidden), widths, self.sort or older.sort)

    def arranged(self, fields: Sequence[str]) -> list[str]:
        """``fields`` in the order to show them: the known ones as kept; a field new to the
        layout after the one it follows in ``fields`` (extra fields after the documented ones);
        the work status, if new to it, first (a layout from before it had none)."""
        present = set(fields)
        if WORK_STATUS in present:  # then no extra field follows it: they follow the documented
            fields = [WORK_STATUS, *(f for f in fields if f != WORK_STATUS)]
        return _with_missing([f for f in self.order if f in present], fields)

    def visible(self, fields: Sequence[str]) -> list[str]:
        """The fields to show, in order; never none (the first stays if all are hidden)."""
        arranged = self.arranged(fields)
        shown = [f for f in arranged if f not in self.hidden]
        return shown or arranged[:1]


def _with_missing(order: list[str], reference: Sequence[str]) -> list[str]:
    """``order`` plus the fields of ``reference`` it lacks, each after its predecessor there."""
    have = set(order)
    for i, name in enumerate(reference):
        if name in have:
            continue
        before = next((p for p in reversed(reference[:i]) if p in have), None)
        order.insert(0 if before is None else order.index(before) + 1, name)
        have.add(name)
    return order


def to_json(layout: ColumnLayout) -> dict[str, object]:
    """As stored in the settings file. Field names are values, never keys: an extra field may
    be named anything, and the settings guard refuses keys that look like secrets."""
    columns: list[dict[str, object]] = []
    for name in layout.order:
        entry: dict[str, object] = {"field": name, "hidden": name in layout.hidden}
        if name in layout.widths:
            entry["width"] = layout.widths[name]
        columns.append(entry)
    sort = None if layout.sort is None else {"field": layout.sort[0], "descending": layout.sort[1]}
    return {"version": LAYOUT_VERSION, "columns": columns, "sort": sort}


def from_json(data: object) -> ColumnLayout | None:
    """The layout stored as ``data``, or None if it is not one. A bad entry is left out (its
    column takes its default place and width); the rest is kept."""
    if not isinstance(data, dict) or data.get("version") != LAYOUT_VERSION:
        return None
    columns = data.get("columns")
    if not isinstance(columns, list) or len(columns) > MAX_COLUMNS:
        return None
    order: list[str] = []
    hidden: set[str] = set()
    widths: dict[str, int] = {}
    seen: set[str] = set()
    for entry in columns:
        name = entry.get("field") if isinstance(entry, dict) else None
        if not isinstance(name, str) or not name or name in seen:
            continue
        seen.add(name)
        order.append(name)
        if entry.get("hidden") is True:
            hidden.add(name)
        width = entry.get("width")
        if _is_int(width) and MIN_WIDTH <= width <= MAX_WIDTH:
            widths[name] = width
    return ColumnLayout(tuple(order), frozenset(hidden), widths, _sort_of(data.get("sort")))


def _sort_of(data: object) -> tuple[str, bool] | None:
    if not isinstance(data, dict):
        return None
    name, descending = data.get("field"), data.get("descending")
    if isinstance(name, str) and name and isinstance(descending, bool):
        return name, descending
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
