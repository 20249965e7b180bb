"""The benchmark's sandbox process: ``mymove-viewer sandbox`` (same arguments) that also takes
commands on stdin, so a benchmark can make new leads appear while it runs, as the real API does.

``add N`` adds N leads created now and answers ``added N`` on stdout; end of stdin stops it.
"""

from __future__ import annotations

import sys
import threading

from mymove_viewer.sandbox import Sandbox, main


def _commands(sandbox: Sandbox, stop: threading.Event) -> None:
    try:
        for line in sys.stdin:
            word, _, arg = line.strip().partition(" ")
            if word == "add":
                sandbox.add_leads(int(arg))
                print(f"added {int(arg)}", flush=True)
            elif word:
                print(f"unknown command {word!r}", flush=True)
    finally:
        stop.set()


def serve(argv: list[str]) -> int:
    stop = threading.Event()

    def on_ready(sandbox: Sandbox) -> None:
        threading.Thread(target=_commands, args=(sandbox, stop), daemon=True).start()

    return main(argv, stop=stop, on_ready=on_ready)


if __name__ == "__main__":
    sys.exit(serve(sys.argv[1:]))
