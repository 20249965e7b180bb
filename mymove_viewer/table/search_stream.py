"""A filter typed before the search texts are all made: its rows, top first, as they are made.
No Qt.

The texts of 100k leads take ~250 ms to make (1M: ~2.7 s); a filter that waited for all of them
narrowed the rows 0.3-1.3 s after the keystroke. ``TextSource`` makes them in the table's order,
so the rows matching among those made already are the top of the filter's result, in view
order: they are shown at once, and the rest follow as the texts are made (the scan runs on
those made so far, then makes the next slice, and so on). What a partial result shows is never
wrong, only short: every row it shows is in the full result, at the same place.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

from ..slices import SCAN_SLICE, chunks
from .search import FilterPlan, FilterResult, needs_instants, own_fields, run_filter

# After the first rows, more are shown at most this often: each showing relays 100k rows out on
# the GUI thread (a few ms), and the user reads the top rows, which are there already.
PARTIAL_EVERY_S = 0.3


def streams(plan: FilterPlan) -> bool:
    """``plan`` scans every lead for a text, and the texts are still being made in its order."""
    source = plan.source
    return (
        bool(plan.term)
        and plan.texts is None
        and plan.candidates is plan.order
        and source.builds_in(plan.order)
        and source.built < len(plan.leads)
    )


def stream_filter(
    plan: FilterPlan,
    pace: Callable[[], object],
    partial: Callable[[FilterResult], object],
    clock: Callable[[], float] = time.monotonic,
) -> FilterResult:
    """``run_filter(plan)``'s result, the texts made (and scanned) a slice of the table's order
    at a time; ``partial`` gets the rows found so far (a copy, with no texts) before the scan
    must wait for texts still to be made: first as soon as it has any, then every
    ``PARTIAL_EVERY_S``. ``pace`` is called between slices (it may raise to cancel)."""
    source, order, n = plan.source, plan.order, len(plan.leads)
    query = source.query(plan.term)  # lists the extra fields now if a term names one
    for fields in own_fields(query):  # made first, whole: a field term scans them
        source.field_texts(fields, pace)
    if needs_instants(plan, query) and plan.instants is None:
        plan = replace(plan, instants=source.instants(pace))
    rows: list[int] = []
    shown_at: float | None = None
    for span in chunks(range(n), None, SCAN_SLICE):
        if rows and source.built < span.stop:
            now = clock()
            if shown_at is None or now - shown_at >= PARTIAL_EVERY_S:
                partial(FilterResult(list(rows), None, None, None))
                shown_at = now
        texts = source.build(span.stop, pace)
        part = order[span.start : span.stop]
        rows += run_filter(replace(plan, candidates=part, texts=texts, positions=None)).rows
        pace()
    return FilterResult(rows, source.texts(pace), plan.instants, None)
