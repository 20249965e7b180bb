"""A second program using the lead history, for the kill and concurrency tests.

``python -m tests.store.store_child PATH merge-forever SIZE CLIENT`` merges batches of SIZE new
leads into CLIENT one after another, printing ``committed`` after each commit, until killed.
``python -m tests.store.store_child PATH write SEED BATCHES SIZE`` merges BATCHES batches and
sets a status on each, then prints ``done``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mymove_viewer.store import LeadStore, Status

from .helpers import make_leads


def main(argv: list[str]) -> int:
    path, mode = Path(argv[0]), argv[1]
    with LeadStore.open(path) as store:
        if mode == "merge-forever":
            size, client = int(argv[2]), argv[3]
            seed = 1000
            while True:
                leads = make_leads(size, seed=seed)
                print("merging", flush=True)
                store.merge("production", client, leads)
                print("committed", flush=True)
                seed += 1
        seed, batches, size = (int(a) for a in argv[2:5])
        for n in range(batches):
            report = store.merge("production", "client", make_leads(size, seed=seed * 100 + n))
            store.set_status("production", "client", report.keys[:5], Status.CONTACTED)
        print("done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
