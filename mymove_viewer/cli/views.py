"""``export --view NAME``: a view saved in the app, looked up and applied to the fetched leads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from ..api import errors as E
from ..api.query import Environment
from ..table.views import SavedView, find_view, quoted_names

if TYPE_CHECKING:
    from ..api.client import FetchResult
    from ..table.work import LeadWork


def saved_view(views: Mapping[str, Sequence[SavedView]], env: Environment, name: str) -> SavedView:
    """The view called ``name`` (case and outer spaces ignored) saved for ``env``; a usage
    error naming the saved ones otherwise."""
    mine = views.get(env.value, [])
    view = find_view(mine, name)
    if view is not None:
        return view
    asked = f'No view named "{name.strip()}" is saved for {env.label}.'
    elsewhere = [
        other for other in (Environment.PRODUCTION, Environment.STAGING)
        if other is not env and find_view(views.get(other.value, []), name) is not None
    ]  # fmt: skip
    hint = (
        f" It is saved for {elsewhere[0].label}: pass --env {elsewhere[0].value}."
        if elsewhere
        else ""
    )
    if mine:
        raise E.ValidationError(f"{asked}{hint} Saved views: {quoted_names(mine)}.")
    raise E.ValidationError(
        f"{asked}{hint} There are no saved views for {env.label}; views are saved in the app's "
        "window."
    )


def apply_view(
    view: SavedView, result: FetchResult, columns: list[str], work: LeadWork | None = None
) -> tuple[list[str], list[int]]:
    """The columns (field names, in the view's order) and rows of ``result.leads`` (filtered,
    sorted) the view shows; ``columns``: every column the export would have without it;
    ``work``: the history's statuses of those leads (None: every lead New)."""
    from ..table.view_rows import filter_problems, rows_for_view
    from ..table.views import view_fields

    problems = filter_problems(result.leads, view.filter)
    if problems:
        # The window names such a term under its filter box and filters by the rest; a script
        # reading the file cannot see that, and would get more leads than the view shows.
        raise E.ValidationError(
            f'The filter of view "{view.name}" has terms that cannot be used with these leads: '
            + "; ".join(problems)
            + ". Nothing was exported. Correct the view's filter in the app, or export "
            "without --view."
        )
    rows = rows_for_view(result.leads, view, result.extra_fields, work)
    return view_fields(view, columns), rows
