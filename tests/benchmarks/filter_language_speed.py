"""The filter keystroke at 100k sandbox leads (issue 17): ``run_filter`` over every row on the
worker path, texts built, against a bare substring scan of the same texts; medians of 3 runs.
``first``: the first run on fresh leads (a ``field:value`` term folds its column then).

    PYTHONPATH=<tree> .venv/bin/python tests/benchmarks/filter_language_speed.py
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from itertools import repeat
from operator import contains

from mymove_viewer.api.lead import Lead
from mymove_viewer.sandbox.leads import generate_leads
from mymove_viewer.table.full_scan import positions_of
from mymove_viewer.table.search import FilterPlan, TextSource, run_filter

N = 100_000
NOW = datetime(2026, 11, 27, 17, 41, tzinfo=UTC)


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


def main() -> None:
    leads = [Lead.from_mapping(d) for d in generate_leads(N, seed=7, now=NOW)]
    order = sorted(range(N), key=lambda i: leads[i].created_at, reverse=True)  # newest first
    source = TextSource(leads)
    texts, at, positions = source.texts(), source.instants(), positions_of(order)

    def plan(term: str, src: TextSource = source) -> FilterPlan:
        return FilterPlan(term, leads, order, order, texts, src, False, positions, None, at)

    def noop() -> None:
        pass

    for term in ["smith", "garcia", "state:tx"]:
        bare = statistics.median(
            timed(lambda t=term: bytes(map(contains, texts, repeat(t)))) for _ in range(3)
        )
        first = timed(lambda t=term: run_filter(plan(t, TextSource(leads)), noop))
        warm = statistics.median(timed(lambda t=term: run_filter(plan(t), noop)) for _ in range(3))
        rows = len(run_filter(plan(term), noop).rows)
        print(f"{term:9s} rows={rows:6d} bare={bare:5.1f} ms filter={warm:5.1f} ms "
              f"({warm / bare:.2f}x) first={first:5.1f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
