"""Saved views: a filter, a time window, the visible columns and the sort, under a name. No Qt.

Columns are kept by field name, never by position: a fetch may bring extra fields the API does
not document, or stop bringing them, and a view must still show the same columns. A view is
stored as a JSON object in the settings file (``views_to_json``/``views_from_json``); keys this
version does not know (written by a newer one) are kept as they are, so a round trip through an
older app loses nothing of a view it could read.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..api.query import MAX_DAYS, MAX_HOURS, Query

MAX_NAME = 80  # a menu entry, a --view argument: longer is a mistake (a paste)
MAX_FILTER = 10_000
MAX_WIDTH = 10_000  # pixels
WINDOW_MODES = ("hours", "days", "range")
_KNOWN = frozenset({"name", "filter", "window", "columns", "hidden", "sort"})


class ViewError(ValueError):
    """A view (or a name for one) that cannot be used; the message says why."""


@dataclass(frozen=True)
class ViewWindow:
    """Last N hours, last N days, or a range (ISO 8601 with its UTC offset)."""

    mode: str
    count: int = 0  # hours or days
    start: str = ""
    end: str = ""

    def query(self) -> Query:
        """The query this window asks (raises the query's ``ValidationError`` if invalid)."""
        if self.mode == "hours":
            return Query.last_hours(self.count)
        if self.mode == "days":
            return Query.last_days(self.count)
        return Query.between(datetime.fromisoformat(self.start), datetime.fromisoformat(self.end))

    def describe(self) -> str:
        if self.mode == "range":  # local wall clock as saved, to the minute (as the panel shows)
            return f"{self.start[:16].replace('T', ' ')} to {self.end[:16].replace('T', ' ')}"
        unit = "hour" if self.mode == "hours" else "day"
        return f"the last {self.count} {unit}{'s' * (self.count != 1)}"

    def to_json(self) -> dict[str, Any]:
        if self.mode == "range":
            return {"mode": "range", "start": self.start, "end": self.end}
        return {"mode": self.mode, self.mode: self.count}


@dataclass(frozen=True)
class ViewColumn:
    field: str
    width: int | None = None


@dataclass(frozen=True)
class SavedView:
    name: str
    window: ViewWindow
    filter: str = ""
    columns: tuple[ViewColumn, ...] = ()  # the visible ones, in order; () = the default layout
    hidden: tuple[str, ...] = ()
    sort: tuple[str, bool] | None = None  # (field, descending)
    extra: Mapping[str, Any] = field(default_factory=dict)  # keys of a newer version, kept

    def renamed(self, name: str) -> SavedView:
        return SavedView(name, self.window, self.filter, self.columns, self.hidden, self.sort,
                         self.extra)  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = dict(self.extra)
        data.update(name=self.name, filter=self.filter, window=self.window.to_json())
        data["columns"] = [
            {"field": c.field, **({"width": c.width} if c.width is not None else {})}
            for c in self.columns
        ]
        data["hidden"] = list(self.hidden)
        data["sort"] = None if self.sort is None else {"field": self.sort[0],
                                                        "descending": self.sort[1]}  # fmt: skip
        return data


# -- names -----------------------------------------------------------------------------------


def name_key(name: str) -> str:
    """Names that differ only in case, accents' encoding or outer spaces are one name."""
    return unicodedata.normalize("NFC", name.strip()).casefold()


def check_name(name: str) -> str:
    """The name as it will be kept (trimmed); raises ``ViewError`` with what is wrong."""
    name = unicodedata.normalize("NFC", name.strip())
    if not name:
        raise ViewError("A view needs a name.")
    if len(name) > MAX_NAME:
        raise ViewError(f"A view's name can have at most {MAX_NAME} characters.")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise ViewError("A view's name cannot hold control characters (a tab or a new line).")
    return name


def find_view(views: Iterable[SavedView], name: str) -> SavedView | None:
    key = name_key(name)
    return next((v for v in views if name_key(v.name) == key), None)


def quoted_names(views: Iterable[SavedView]) -> str:
    return ", ".join(f'"{v.name}"' for v in views)


# -- what a view shows -----------------------------------------------------------------------


def view_fields(view: SavedView, available: Sequence[str]) -> list[str]:
    """The fields ``view`` shows, in its order, out of ``available`` (a fetch's columns): its
    visible columns that the fetch has, then fields the view has never seen (an extra field
    new since it was saved), which are shown rather than silently left out. Every field if
    that would be none (a table cannot show no column)."""
    have = set(available)
    shown = [c.field for c in view.columns if c.field in have]
    known = {c.field for c in view.columns} | set(view.hidden)
    return shown + [f for f in available if f not in known] or list(available)


# -- JSON ------------------------------------------------------------------------------------


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _aware(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise ViewError(f"its {what} is missing")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ViewError(f"its {what} is not a date and time") from None
    if moment.utcoffset() is None:
        raise ViewError(f"its {what} has no time zone")
    return moment


def window_from_json(data: object) -> ViewWindow:
    if not isinstance(data, dict) or data.get("mode") not in WINDOW_MODES:
        raise ViewError("its time window is missing or of an unknown kind")
    mode = data["mode"]
    if mode == "range":
        start, end = _aware(data.get("start"), "start"), _aware(data.get("end"), "end")
        if start >= end:
            raise ViewError("its range starts after it ends")
        return ViewWindow("range", start=data["start"], end=data["end"])
    count, top = data.get(mode), MAX_HOURS if mode == "hours" else MAX_DAYS
    if not _is_int(count) or not 1 <= count <= top:
        raise ViewError(f"its number of {mode} is not between 1 and {top:,}")
    return ViewWindow(mode, count)


def _columns(data: object) -> tuple[ViewColumn, ...]:
    if not isinstance(data, list):
        raise ViewError("its columns are not a list")
    out, seen = [], set()
    for item in data:
        name = item.get("field") if isinstance(item, dict) else None
        width = item.get("width") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or name in seen:
            raise ViewError("a column has no field name, or one listed twice")
        if width is not None and not (_is_int(width) and 1 <= width <= MAX_WIDTH):
            raise ViewError(f"the width of column {name} is not a number of pixels")
        seen.add(name)
        out.append(ViewColumn(name, width))
    return tuple(out)


def view_from_json(data: object) -> SavedView:
    """A view from its stored form; raises ``ViewError`` saying what is wrong."""
    if not isinstance(data, dict):
        raise ViewError("it is not a view")
    raw_name = data.get("name")
    if not isinstance(raw_name, str):
        raise ViewError("it has no name")
    try:
        name = check_name(raw_name)
    except ViewError as exc:
        raise ViewError(f"its name cannot be used ({str(exc).rstrip('.')})") from None
    text = data.get("filter", "")
    if not isinstance(text, str) or len(text) > MAX_FILTER:
        raise ViewError("its filter is not text")
    hidden = data.get("hidden", [])
    if not isinstance(hidden, list) or not all(isinstance(h, str) and h for h in hidden):
        raise ViewError("its hidden columns are not a list of field names")
    sort = data.get("sort")
    if sort is not None:
        field_, down = (sort.get("field"), sort.get("descending")) if isinstance(sort, dict) else (
            None, None)  # fmt: skip
        if not isinstance(field_, str) or not field_ or not isinstance(down, bool):
            raise ViewError("its sort is not a field name and a direction")
        sort = (field_, down)
    return SavedView(
        name, window_from_json(data.get("window")), text, _columns(data.get("columns", [])),
        tuple(hidden), sort, {k: v for k, v in data.items() if k not in _KNOWN},
    )  # fmt: skip


def views_to_json(views: Mapping[str, Sequence[SavedView]]) -> dict[str, list[dict[str, Any]]]:
    return {env: [v.to_json() for v in items] for env, items in views.items() if items}


def views_from_json(data: object) -> tuple[dict[str, list[SavedView]], list[str]]:
    """The views per environment that can be read, and a note for each that could not (it is
    dropped: one damaged view never takes the others, or any other setting, down)."""
    if not isinstance(data, dict):
        return {}, ["the saved views are not in a form this app can read"]
    views: dict[str, list[SavedView]] = {}
    dropped: list[str] = []
    for env, items in data.items():
        if not isinstance(items, list):
            dropped.append(f"the views of {env} (not a list)")
            continue
        kept: list[SavedView] = []
        for index, item in enumerate(items, 1):
            label = _label(item, index, env)
            try:
                view = view_from_json(item)
            except ViewError as exc:
                dropped.append(f"{label}: {exc}")
                continue
            if find_view(kept, view.name) is not None:
                dropped.append(f"{label}: another view has that name")
                continue
            kept.append(view)
        if kept:
            views[env] = kept
    return views, dropped


def _label(item: object, index: int, env: str) -> str:
    name = item.get("name") if isinstance(item, dict) else None
    if isinstance(name, str) and name.strip():
        return f'"{name.strip()[:MAX_NAME]}" ({env})'
    return f"view {index} of {env}"


def views_valid(value: object) -> bool:
    """The in-memory form the settings keep: environment -> list of ``SavedView``."""
    return isinstance(value, dict) and all(
        isinstance(env, str) and isinstance(items, list)
        and all(isinstance(v, SavedView) for v in items)
        for env, items in value.items()
    )  # fmt: skip
