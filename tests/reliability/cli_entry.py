"""Run the real ``mymove-viewer`` CLI in a child process with test timings.

The CLI has no flags for timeouts or retries (users never need them), so the fault matrix would
wait the real 10 s connect timeout and 0.5 s back-off on every retried fault. This entry point only
changes the *defaults* of the client ``Settings`` (from the JSON in ``MYMOVE_TEST_CLIENT_SETTINGS``)
and then runs ``mymove_viewer.cli.main`` unchanged: parsing, key lookup, error mapping, exit codes
and messages are the real ones.
"""

from __future__ import annotations

import functools
import json
import os
import sys

from mymove_viewer.api import client

overrides = json.loads(os.environ.get("MYMOVE_TEST_CLIENT_SETTINGS") or "{}")
client.Settings = functools.partial(client.Settings, **overrides)  # type: ignore[misc]

from mymove_viewer.cli import main  # noqa: E402  (after the patch, on purpose)

sys.exit(main(sys.argv[1:]))
