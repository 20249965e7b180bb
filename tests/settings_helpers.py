"""Sample settings and file helpers shared by the settings tests (fixtures are in conftest.py)."""

from __future__ import annotations

import stat
from pathlib import Path

from mymove_viewer.settings import GUI_SORT_KEY, Settings, SettingsStore


def custom_settings() -> Settings:
    return Settings(
        client_ids={"production": "client-123", "staging": "client-stg"},
        last_environment="staging",
        query_mode="range",
        hours=6,
        days=7,
        range_start="2024-05-01T00:00:00Z",
        range_end="2024-05-02T12:30:00+02:00",
        export_excel=True,
        export_formula_guard=False,
        last_export_dir="/home/ünïcode/Exports",
        gui={
            "window_geometry": "AdnQywADAAAAAAA=",
            "columns": [{"name": "email", "width": 180}],
            "maximized": True,
            GUI_SORT_KEY: "created_at",
        },
    )


def write_file(store: SettingsStore, content: bytes) -> None:
    store.directory.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(content)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def root_can_write_anywhere(tmp_path: Path) -> bool:
    probe_dir = tmp_path / "probe"
    probe_dir.mkdir()
    probe_dir.chmod(0o500)
    try:
        (probe_dir / "x").write_bytes(b"")
    except PermissionError:
        return False
    else:
        return True
    finally:
        probe_dir.chmod(0o700)
