"""Running an export in a child process whose file-size limit is tiny: a real "disk full"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def export_over_size_limit(
    module: str, function: str, target: Path, count: int, *, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``module.function(target, FIELDS, leads)`` under RLIMIT_FSIZE = 64 KiB; the child exits 3
    and prints the ``ExportError`` message when the export fails as it should."""
    code = (
        "import resource, signal, sys\n"
        "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        f"from mymove_viewer.{module} import {function}, ExportError\n"
        "from mymove_viewer.api.fields import FIELDS\n"
        "from mymove_viewer.api.lead import Lead\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))\n"
        f"leads = [Lead.build([f'{{f}} {{i}}' for f in FIELDS]) for i in range({count})]\n"
        "try:\n"
        f"    {function}({str(target)!r}, FIELDS, leads)\n"
        "except ExportError as e:\n"
        "    print(e)\n"
        "    sys.exit(3)\n"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def refuse_temp_files(monkeypatch, code: int, suffix: str = ".part") -> None:  # type: ignore[no-untyped-def]
    """Make creating a temporary file (an export's ``.part``; ``.tmp`` for settings) fail with
    ``code`` (root, which the tests may run as, ignores permissions); every other ``os.open``
    works as usual."""
    real_open = os.open

    def refusing(path, flags, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
        if str(path).endswith(suffix):
            raise OSError(code, os.strerror(code), str(Path(path).parent))
        return real_open(path, flags, mode, *args, **kwargs)

    monkeypatch.setattr(os, "open", refusing)
