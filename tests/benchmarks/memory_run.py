"""One size, one process: peak RSS and live heap per lead after a real fetch into the model.

``python -m tests.benchmarks.memory_run --url URL --size N`` prints a JSON list of rows. The
peak RSS is read before tracemalloc starts (tracing costs memory of its own); the live heap is a
second fetch under tracemalloc: what stays alive once the leads are in the model (the parse
result, the search index, the sort order and cached sort keys), per lead.
"""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import argparse
import gc
import resource
import sys
import tracemalloc

from PySide6.QtCore import QCoreApplication, Qt

from mymove_viewer import reaper
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID
from mymove_viewer.table.char_masks import char_masks
from mymove_viewer.table.index import build_index, rank_ahead
from mymove_viewer.ui.model import LeadTableModel

from .common import QUERY_DAYS, Row, emit

TARGET_BYTES = 1.3 * 1024


def fetch_into(model: LeadTableModel, url: str) -> int:
    """Fetch like the app does (worker: fetch, then the index and the ranks made ahead; GUI:
    set_leads); bytes received."""
    with LeadsClient(url, DEMO_API_KEY, environment="Demo") as client:
        result = client.fetch(DEMO_CLIENT_ID, Query.last_days(QUERY_DAYS))
    index = build_index(result.leads, None)
    model.sort(model.column_of("created_at"), Qt.SortOrder.DescendingOrder)
    model.set_leads(result.leads, result.extra_fields)
    model.table.set_index(index.leads, index.texts, index.instants)
    model.table.set_chars(index.texts, char_masks(index.texts))
    for ranked in rank_ahead(result.leads, model.columns):  # kept while the leads are shown
        model.add_ranking(ranked.leads, ranked.field, ranked.ranking)
    if not reaper.wait_idle(600):  # what ranking ahead handed over to be freed
        raise RuntimeError("the reaper did not finish")
    return result.bytes_received


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--size", type=int, required=True)
    args = parser.parse_args(argv)
    app = QCoreApplication.instance() or QCoreApplication(sys.argv[:1])
    model = LeadTableModel()
    gc.collect()
    before = rss_mb()
    received = fetch_into(model, args.url)
    peak = rss_mb()
    model.clear()
    gc.collect()

    tracemalloc.start()
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    fetch_into(model, args.url)
    gc.collect()
    live, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    n = max(1, model.total_count())
    if model.total_count() != args.size:
        raise SystemExit(f"fetched {model.total_count():,} leads, expected {args.size:,}")
    per_lead = (live - base) / n
    raw = received / n
    ok = per_lead <= TARGET_BYTES
    rows = [
        Row("memory", "live heap per lead (leads + model)", args.size, "B/lead", per_lead, raw,
            "≤ 1.3 KB", ok),
        Row("memory", "traced peak per lead during fetch", args.size, "B/lead",
            (traced_peak - base) / n, raw, "—", None),
        Row("memory", "peak RSS of the process", args.size, "MB", peak, None,
            f"— (before fetch {before:.0f} MB)", None),
    ]  # fmt: skip
    model.clear()
    del app
    emit(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
