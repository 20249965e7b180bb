"""The reproducible set-up: requirements.lock pins every dependency pyproject.toml names (all
extras, transitively, with hashes), dev.py installs from it and nothing else, and the venv the
suite runs in holds exactly what the lock says.

These fail when someone adds, drops or narrows a dependency without `python3 dev.py lock`.
"""

from __future__ import annotations

import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement

import dev

ROOT = Path(__file__).resolve().parent.parent
LOCK_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;\\]+)(?:\s*;\s*([^\\]+?))?\s*\\?$")


def lock_entries(text: str) -> dict[str, tuple[str, Marker | None]]:
    """Name -> (version, marker) of every pin in a lock file."""
    entries = {}
    for line in text.splitlines():
        if match := LOCK_LINE.match(line):
            name, version, marker = match.groups()
            entries[dev.normalize(name)] = (version, Marker(marker) if marker else None)
    return entries


def applies(marker: Marker | None, extras: set[str]) -> bool:
    return marker is None or any(marker.evaluate({"extra": extra}) for extra in extras | {""})


def top_level(pyproject_text: str) -> list[tuple[Requirement, set[str]]]:
    """Every requirement pyproject.toml names: runtime, each extra, and the build backend."""
    data = tomllib.loads(pyproject_text)
    project = data["project"]
    found = [(Requirement(spec), set()) for spec in project["dependencies"]]
    for extra, specs in project["optional-dependencies"].items():
        found += [(Requirement(spec), {extra}) for spec in specs]
    found += [(Requirement(spec), set()) for spec in data["build-system"]["requires"]]
    return found


def check_coverage(pyproject_text: str, lock_text: str) -> tuple[list[str], set[str]]:
    """Walk pyproject's requirements and, through the installed metadata, theirs. Returns the
    problems (requirements the lock lacks or pins outside their range) and the names reached."""
    pins = lock_entries(lock_text)
    problems: list[str] = []
    reached: set[str] = set()
    todo = top_level(pyproject_text)
    while todo:
        req, extras = todo.pop()
        if not applies(req.marker, extras):
            continue
        name = dev.normalize(req.name)
        if name not in pins:
            problems.append(f"{req} is not in requirements.lock")
            continue
        if not req.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{req} does not allow the locked {name}=={pins[name][0]}")
        key = f"{name}[{','.join(sorted(req.extras))}]"
        if key in reached:
            continue
        reached.add(key)
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            problems.append(f"{name} is locked but not installed (python3 dev.py sync)")
            continue
        todo += [(Requirement(spec), set(req.extras)) for spec in requires]
    return problems, {key.split("[")[0] for key in reached}


def test_the_lock_covers_every_dependency_of_every_extra_transitively() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    problems, reached = check_coverage(pyproject, dev.LOCK.read_text())
    assert not problems, "re-lock with `python3 dev.py lock`:\n" + "\n".join(problems)
    # Everything the project needs at run time is in the walk, not only the names in pyproject.
    assert {"pyside6-essentials", "shiboken6", "httpx", "httpcore", "pyinstaller"} <= reached


def test_the_lock_holds_nothing_the_project_no_longer_needs() -> None:
    _, reached = check_coverage((ROOT / "pyproject.toml").read_text(), dev.LOCK.read_text())
    here = {
        name
        for name, (_, marker) in lock_entries(dev.LOCK.read_text()).items()
        if applies(marker, set())
    }
    orphans = here - reached - set(dev.LOCK_TOOLS)
    assert not orphans, f"in requirements.lock but needed by nothing: {sorted(orphans)}"


def test_a_dependency_added_without_relocking_is_caught() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    added = pyproject.replace('"httpx>=0.27",', '"httpx>=0.27",\n    "requests>=2",', 1)
    narrowed = re.sub(r'"msgspec>=[^"]*"', '"msgspec>=99"', pyproject)
    assert added != pyproject and narrowed != pyproject
    lock = dev.LOCK.read_text()
    assert check_coverage(added, lock)[0] == ["requests>=2 is not in requirements.lock"]
    assert any("msgspec>=99 does not allow" in p for p in check_coverage(narrowed, lock)[0])


def test_every_pin_is_exact_and_hashed() -> None:
    blocks = re.split(r"\n(?=\S)", dev.LOCK.read_text())
    pins = [block for block in blocks if not block.startswith("#")]
    assert len(pins) == len(lock_entries(dev.LOCK.read_text())) > 30
    for block in pins:
        assert LOCK_LINE.match(block.splitlines()[0]), block.splitlines()[0]
        assert re.search(r"--hash=sha256:[0-9a-f]{64}", block), f"no hash: {block.splitlines()[0]}"
    locked = set(lock_entries(dev.LOCK.read_text()))
    assert {*dev.LOCK_TOOLS, "setuptools"} <= locked  # the installer and backend are pinned too


def test_dev_py_installs_only_the_lock_then_the_project_without_resolving() -> None:
    first, second = dev.install_commands(Path("/venv/bin/python"))
    for cmd in (first, second):
        assert cmd[:4] == ["/venv/bin/python", "-m", "pip", "install"]
        assert "--no-deps" in cmd and "-U" not in cmd and "--upgrade" not in cmd
    assert "--require-hashes" in first
    assert first[first.index("-r") + 1] == str(dev.LOCK)
    assert second[second.index("-e") + 1] == str(ROOT)
    # Nothing is fetched for the project itself: the locked setuptools builds it.
    assert {"--no-index", "--no-build-isolation"} <= set(second)
    options_with_values = {"-r", "-e"}
    positional = [
        arg
        for cmd in (first, second)
        for i, arg in enumerate(cmd[4:], 4)
        if not arg.startswith("-") and cmd[i - 1] not in options_with_values
    ]
    assert positional == [], "a requirement outside the lock would float"


def test_the_install_stamp_changes_with_the_lock_and_with_pyproject(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("pyproject.toml", dev.LOCK.name):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    monkeypatch.setattr(dev, "ROOT", tmp_path)
    monkeypatch.setattr(dev, "LOCK", tmp_path / dev.LOCK.name)
    original = dev.install_stamp()
    (tmp_path / dev.LOCK.name).write_text(dev.LOCK.read_text().replace("==", "===", 1))
    relocked = dev.install_stamp()
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + "\n")
    assert len({original, relocked, dev.install_stamp()}) == 3


@pytest.mark.skipif(
    Path(sys.prefix).resolve() != dev.VENV.resolve(),
    reason="only the project's .venv is installed from the lock (not `dev.py test --latest`)",
)
def test_the_venv_holds_exactly_the_locked_versions() -> None:
    installed = {
        dev.normalize(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    wanted = {
        name: version
        for name, (version, marker) in lock_entries(dev.LOCK.read_text()).items()
        if applies(marker, set())
    }
    assert {name: installed.get(name) for name in wanted} == wanted
    assert set(installed) - set(wanted) == {dev.PROJECT}


def test_ci_runs_the_readme_test_command_and_the_build_installs_through_dev_py() -> None:
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.strip()]
    assert ci[-1] == "python3 dev.py test"
    assert "python3 dev.py test     # the whole test suite" in (ROOT / "README.md").read_text()
    build = (ROOT / "packaging" / "build.sh").read_text()
    code = "\n".join(line.split("#")[0] for line in build.splitlines())
    assert not re.search(r"\bpip3?\b|\buv\b", code), "build.sh installs outside the lock"
    assert 'python3 "$ROOT/dev.py" sync "$VENV"' in build
