"""``python -m mymove_viewer.sandbox``: the same as ``mymove-viewer sandbox``, with every option."""

from __future__ import annotations

from .server import main

if __name__ == "__main__":
    raise SystemExit(main())
