"""What the table and the overview need beyond the leads themselves, built off the GUI thread
after the leads are shown. No Qt.

At 100k leads the filter's search texts, the ``created_at`` instants and the overview's counts
cost ~250 ms together: more than a third of a fetch. Built before the table was shown, they made
the user wait for work the first screen does not need; built after, the table appears first and
the filter and chart are ready a moment later (the model builds what it needs itself if asked
sooner).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from . import reaper
from .api.errors import CancelledError
from .api.lead import Lead
from .leadtable import in_slices, search_texts
from .overview_data import Volume, instants, tally_in_slices, volume


@dataclass(frozen=True, slots=True)
class LeadIndex:
    leads: list[Lead]  # the very list indexed: a result for other leads is ignored
    texts: list[str]
    instants: list[float]
    tally: tuple[Counter[str], Counter[str]]
    volume: Volume | None  # bars of all the leads over the chart window, local time


def build_index(
    leads: list[Lead],
    chart_window: tuple[float, float] | None,
    cancelled: Callable[[], bool] = lambda: False,
    pace: Callable[[], object] | None = None,
) -> LeadIndex:
    """Every piece in slices (see ``in_slices``), calling ``pace`` between them: this runs while
    the user already works with the table, and must not hold the GIL long enough to be felt."""

    def check() -> None:
        if cancelled():
            raise CancelledError("Indexing was cancelled.")

    with reaper.holding():  # freeing old leads meanwhile would slow this down
        at = in_slices(instants, leads, pace)
        check()
        texts = search_texts(leads, pace, at)
        check()
        counts = tally_in_slices(leads, pace=pace)
        check()
        bars = volume(at, chart_window, pace=pace) if chart_window is not None else None
    return LeadIndex(leads, texts, at, counts, bars)
