"""The wheel and sdist (slow): built from a copy, installed from the lock into a fresh venv."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from mymove_viewer import __version__
from tests.packaging_helpers import ICON_SIZES, LOCK, PNG_MAGIC, ROOT, clean_env


@pytest.mark.slow
def test_wheel_installs_into_a_fresh_venv_and_runs(tmp_path: Path) -> None:
    src = tmp_path / "src"  # a copy, so building leaves no build/ or egg-info in the checkout
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "mymove_viewer", src / "mymove_viewer", ignore=shutil.ignore_patterns("__pycache__")
    )
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True, system_site_packages=False).create(env_dir)
    py = str(env_dir / "bin" / "python")
    env = clean_env()

    def run(*cmd: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=600
        )
        assert result.returncode == 0, f"{cmd}:\n{result.stdout}\n{result.stderr}"
        return result

    pip = (py, "-m", "pip", "--disable-pip-version-check")
    # The locked build and setuptools of the suite's own venv: nothing here floats.
    build = (sys.executable, "-m", "build", "--no-isolation")
    run(*build, "--outdir", str(tmp_path / "dist"), str(src))
    wheels = list((tmp_path / "dist").glob("*.whl"))
    sdists = list((tmp_path / "dist").glob("*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1

    expected = {"mymove_viewer/data/icon.svg"} | {
        f"mymove_viewer/data/icon-{size}.png" for size in ICON_SIZES
    }
    # The subpackages too (setuptools finds them through packages.find's "mymove_viewer*").
    expected |= {
        f"mymove_viewer/{sub}/__init__.py" for sub in ("api", "export", "sandbox", "table", "ui")
    }
    with zipfile.ZipFile(wheels[0]) as wheel:
        assert expected <= set(wheel.namelist())
    with tarfile.open(sdists[0]) as sdist:
        in_sdist = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert expected <= in_sdist

    # The locked versions, then the wheel with no index: it installs only if the lock satisfies
    # the wheel's requirements, and nothing newer sneaks in.
    run(*pip, "install", "-q", "--require-hashes", "--no-deps", "-r", str(LOCK))
    run(*pip, "install", "-q", "--no-index", str(wheels[0]))
    exe = str(env_dir / "bin" / "mymove-viewer")
    version = run(exe, "--version")
    assert version.stdout.strip() == f"mymove-viewer {__version__}"
    export_help = run(exe, "export", "--help")
    assert "--hrs" in export_help.stdout and "exit codes" in export_help.stdout
    # The installed copy, not this checkout, answers: its icon is reachable as package data.
    probe = run(
        py,
        "-c",
        "from importlib import resources; import mymove_viewer; "
        "print(mymove_viewer.__file__); "
        "print(resources.files('mymove_viewer').joinpath('data/icon-256.png').read_bytes()[:8])",
    )
    where, magic = probe.stdout.splitlines()
    assert where.startswith(str(env_dir))
    assert magic == repr(PNG_MAGIC)
