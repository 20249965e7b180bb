"""``mymove-viewer export --view NAME``: a child process against the sandbox exports what a view
saved in the app shows (its filter, columns in its order, sort), over its window unless the
command line gives one; an unknown name is a usage error that lists the saved views."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import pytest

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import DEMO_CLIENT_ID, Sandbox
from mymove_viewer.settings import Settings, SettingsStore
from mymove_viewer.table.views import SavedView, ViewColumn, ViewWindow
from tests.test_cli import export_args, run_cli

COLUMNS = ("email", "new_postal_code", "last_name", "new_city")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(leads=120, seed=3) as box:
        yield box


def city_view(box: Sandbox, name: str = "Austin owners") -> SavedView:
    """A view filtered to the city of one of the sandbox's leads."""
    served = box.served_leads({"days": "30"})
    city = served[0]["new_city"]
    every = dict.fromkeys([*FIELDS, *(k for lead in served for k in lead)])
    return SavedView(
        name,
        ViewWindow("days", 30),
        f"  {city.upper()} ",  # as typed: case and outer spaces do not matter
        tuple(ViewColumn(f, 120) for f in COLUMNS),
        tuple(f for f in every if f not in COLUMNS),  # the window lists every column it has
        ("new_postal_code", True),
    )


def saved(tmp_path: Path, views: dict[str, list[SavedView]]) -> dict[str, str]:
    config = tmp_path / "cfg"
    SettingsStore(config).save(Settings(client_ids={"production": DEMO_CLIENT_ID}, views=views))
    return {"MYMOVE_VIEWER_CONFIG_DIR": str(config)}


def read_csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def test_a_view_exports_its_filter_columns_and_sort(sandbox: Sandbox, tmp_path: Path) -> None:
    view = city_view(sandbox)
    env = saved(tmp_path, {"production": [view]})
    out = tmp_path / "out.csv"
    proc = run_cli("export", "--base-url", sandbox.base_url, "--view", "austin OWNERS",
                   "-o", str(out), env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert sandbox.requests[-1].query == {"days": "30"}  # the view's window
    rows = read_csv(out.read_text(encoding="utf-8"))
    assert rows[0] == list(COLUMNS)
    term = view.filter.strip().lower()
    served = sandbox.served_leads({"days": "30"})
    expected = [
        lead for lead in served
        if any(term in str(v).lower() for k, v in lead.items() if k != "created_at")
    ]  # fmt: skip
    assert 0 < len(expected) < len(served)
    assert sorted(rows[1:]) == sorted([str(lead[c]) for c in COLUMNS] for lead in expected)
    zips = [r[1] for r in rows[1:]]
    assert zips == sorted(zips, reverse=True)
    # Equal ZIPs keep the order the API sent them in (as the window's sort does).
    position = {lead["email"]: i for i, lead in enumerate(served)}
    for a, b in pairwise(rows[1:]):
        if a[1] == b[1]:
            assert position[a[0]] < position[b[0]]
    summary = f'{len(expected):,} of {len(served):,} leads (view "Austin owners") → {out}'
    assert summary in proc.stderr


def test_the_command_line_window_overrides_the_views(sandbox: Sandbox, tmp_path: Path) -> None:
    env = saved(tmp_path, {"production": [city_view(sandbox)]})
    for window, sent in (
        (["--hrs", "5"], {"hrs": "5"}),
        (["--days", "2"], {"days": "2"}),
        (["--start", "2026-11-01T00:00:00Z", "--end", "2026-11-02T00:00:00Z"],
         {"start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"}),
    ):  # fmt: skip
        proc = run_cli(*export_args(sandbox, "--view", "Austin owners", *window), env=env)
        assert proc.returncode == 0, proc.stderr
        assert sandbox.requests[-1].query == sent
        assert read_csv(proc.stdout)[0] == list(COLUMNS)


def test_an_unknown_view_is_a_usage_error_naming_the_saved_ones(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    views = {
        "production": [city_view(sandbox), city_view(sandbox, "Texas renters")],
        "staging": [city_view(sandbox, "Staging only")],
    }
    env = saved(tmp_path, views)
    proc = run_cli(*export_args(sandbox, "--view", "Denver"), env=env)
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        'mymove-viewer: No view named "Denver" is saved for Production. '
        'Saved views: "Austin owners", "Texas renters".'
    )
    proc = run_cli(*export_args(sandbox, "--view", "staging ONLY"), env=env)
    assert proc.returncode == 2
    assert "It is saved for Staging: pass --env staging." in proc.stderr
    assert sandbox.requests == []  # checked before anything was sent


def test_no_saved_views_says_so(sandbox: Sandbox, tmp_path: Path) -> None:
    proc = run_cli(*export_args(sandbox, "--view", "Austin owners"), env=saved(tmp_path, {}))
    assert proc.returncode == 2
    assert "There are no saved views for Production" in proc.stderr
    assert "Views menu" not in proc.stderr and "Traceback" not in proc.stderr
    assert sandbox.requests == []


def test_without_view_a_window_is_still_required(sandbox: Sandbox) -> None:
    proc = run_cli(*export_args(sandbox))
    assert proc.returncode == 2
    assert "Choose a window: --hrs N, --days N, or --start and --end" in proc.stderr
    assert sandbox.requests == []


def test_a_damaged_view_is_reported_and_the_others_work(sandbox: Sandbox, tmp_path) -> None:
    env = saved(tmp_path, {"production": [city_view(sandbox)]})
    path = Path(env["MYMOVE_VIEWER_CONFIG_DIR"]) / "settings.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["views"]["production"].append({"name": "Broken", "window": {"mode": "weeks"}})
    path.write_text(json.dumps(data), encoding="utf-8")
    proc = run_cli(*export_args(sandbox, "--view", "Austin owners"), env=env)
    assert proc.returncode == 0, proc.stderr
    assert 'Saved views that could not be read were dropped: "Broken" (production)' in proc.stderr
    proc = run_cli(*export_args(sandbox, "--view", "Broken"), env=env)
    assert proc.returncode == 2 and 'Saved views: "Austin owners".' in proc.stderr


def test_a_field_new_since_the_view_was_saved_comes_last(sandbox: Sandbox, tmp_path) -> None:
    view = city_view(sandbox)
    extra = [f for f in view.hidden if f not in FIELDS]
    assert extra, "the sandbox sends an undocumented field"
    documented = tuple(f for f in FIELDS if f not in COLUMNS)
    older = SavedView(view.name, view.window, view.filter, view.columns, documented, view.sort)
    env = saved(tmp_path, {"production": [older]})
    proc = run_cli(*export_args(sandbox, "--view", "Austin owners"), env=env)
    assert proc.returncode == 0, proc.stderr
    # Shown after the view's columns, not silently left out.
    assert read_csv(proc.stdout)[0] == [*COLUMNS, *extra]


def test_only_new_through_a_view_marks_only_the_leads_the_view_wrote(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """Leads a view filtered out were not exported: a later ``--only-new`` still writes them."""
    view = city_view(sandbox)
    env = saved(tmp_path, {"production": [view]})
    first, rest = tmp_path / "view.csv", tmp_path / "rest.csv"
    proc = run_cli("export", "--base-url", sandbox.base_url, "--view", view.name,
                   "--only-new", "-o", str(first), env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    in_view = {row[0] for row in read_csv(first.read_text(encoding="utf-8"))[1:]}  # emails
    served = sandbox.served_leads({"days": "30"})
    assert 0 < len(in_view) < len(served)
    proc = run_cli("export", "--base-url", sandbox.base_url, "--days", "30", "--only-new",
                   "-o", str(rest), env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    header, *rows = read_csv(rest.read_text(encoding="utf-8"))
    emails = {row[header.index("email")] for row in rows}
    assert len(rows) == len(served) - len(in_view)
    assert not emails & in_view


def test_a_view_filter_in_the_language_exports_its_rows(sandbox: Sandbox, tmp_path: Path) -> None:
    served = sandbox.served_leads({"days": "30"})
    state = served[0]["new_state"]
    view = SavedView("Out of state", ViewWindow("days", 30), f"-state:{state} move:>=2000-01-01")
    env = saved(tmp_path, {"production": [view]})
    out = tmp_path / "out.csv"
    proc = run_cli("export", "--base-url", sandbox.base_url, "--view", view.name,
                   "-o", str(out), env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    header, *rows = read_csv(out.read_text(encoding="utf-8"))
    expected = [lead for lead in served if lead["new_state"] != state]
    assert 0 < len(expected) < len(served)
    assert sorted(r[header.index("email")] for r in rows) == sorted(x["email"] for x in expected)


@pytest.mark.parametrize("bad", ["move:31/31", "lead_source:partner"])
def test_a_view_term_that_cannot_be_used_exports_nothing(
    sandbox: Sandbox, tmp_path: Path, bad: str
) -> None:
    """The window names such a term under its box and filters by the rest; a file written that
    way would hold more leads than the view shows, so the command line refuses (exit 2)."""
    view = SavedView("Partners", ViewWindow("days", 30), f"state:TX {bad}")
    env = saved(tmp_path, {"production": [view]})
    out = tmp_path / "out.csv"
    proc = run_cli("export", "--base-url", sandbox.base_url, "--view", view.name, "--only-new",
                   "-o", str(out), env=env)  # fmt: skip
    assert proc.returncode == 2, proc.stderr
    assert bad.split(":")[0] in proc.stderr and "Nothing was exported" in proc.stderr
    assert not out.exists()
    again = run_cli("export", "--base-url", sandbox.base_url, "--days", "30", "--only-new",
                    env=env)  # fmt: skip
    assert len(read_csv(again.stdout)) == 1 + len(sandbox.served_leads({"days": "30"}))


def test_a_view_filtering_by_status_reads_the_history(sandbox: Sandbox, tmp_path: Path) -> None:
    """Statuses set in the window (here straight in the history) decide what ``status:`` keeps
    on the command line too: without them every lead would read as New and the file be empty."""
    from mymove_viewer.store import LeadStore, Status

    first = run_cli(*export_args(sandbox, "--days", "30"))  # the history now holds the leads
    assert first.returncode == 0, first.stderr
    with LeadStore.open() as store:
        found = store.stored("production", DEMO_CLIENT_ID)
        contacted = found.keys[3:5]
        store.set_status("production", DEMO_CLIENT_ID, contacted, Status.CONTACTED)
    emails = sorted(lead.email for lead in found.leads[3:5])
    view = replace(city_view(sandbox, "Called"), filter="status:contacted", sort=None)
    env = saved(tmp_path, {"production": [view]})
    proc = run_cli(*export_args(sandbox, "--view", "called"), env=env)
    assert proc.returncode == 0, proc.stderr
    rows = read_csv(proc.stdout)
    assert sorted(r[0] for r in rows[1:]) == emails  # email is the view's first column
    assert f'2 of {len(found):,} leads (view "Called")' in proc.stderr
    negated = replace(view, name="Not called", filter="-status:contacted")
    env = saved(tmp_path, {"production": [negated]})
    proc = run_cli(*export_args(sandbox, "--view", "not called"), env=env)
    assert len(read_csv(proc.stdout)) == 1 + len(found) - 2
