"""Saved views in the settings file: kept per environment, read view by view (one damaged view is
dropped with a warning, never the others or any other setting), readable by other versions."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mymove_viewer.settings import SCHEMA, Settings, SettingsStore
from mymove_viewer.table.views import (
    SavedView,
    ViewColumn,
    ViewError,
    ViewWindow,
    check_name,
    find_view,
    view_fields,
    view_from_json,
)
from tests.settings_helpers import write_file

AUSTIN = SavedView(
    "Austin owners",
    ViewWindow("days", 7),
    "austin own",
    (ViewColumn("email", 240), ViewColumn("first_name", 90), ViewColumn("new_city")),
    ("offer_id",),
    ("last_name", True),
)
NOVEMBER = SavedView(
    "November",
    ViewWindow("range", start="2026-11-01T00:00:00-06:00", end="2026-12-01T00:00:00-06:00"),
)
RANGE = {"mode": "range", "start": "2026-11-01T00:00:00Z", "end": "2026-11-02T00:00:00Z"}


def view_json(**changes: object) -> dict[str, object]:
    data = AUSTIN.to_json()
    data.update(changes)
    return data


def file_with(views: object, **more: object) -> bytes:
    data = {"schema": SCHEMA, "client_ids": {"production": "c-1"}, "hours": 6, **more}
    data["views"] = views
    return json.dumps(data).encode()


def test_views_round_trip_per_environment(store: SettingsStore, directory: Path) -> None:
    settings = Settings(views={"production": [AUSTIN, NOVEMBER], "staging": [NOVEMBER]})
    store.save(settings)
    loaded = SettingsStore(directory).load()
    assert loaded.settings.views == settings.views
    assert (loaded.warning, loaded.damaged) == (None, False)
    on_disk = json.loads(store.path.read_text(encoding="utf-8"))
    assert on_disk["views"]["production"][0] == {
        "name": "Austin owners",
        "filter": "austin own",
        "window": {"mode": "days", "days": 7},
        "columns": [
            {"field": "email", "width": 240},
            {"field": "first_name", "width": 90},
            {"field": "new_city"},
        ],
        "hidden": ["offer_id"],
        "sort": {"field": "last_name", "descending": True},
    }


def test_a_file_without_views_reads_as_none(store: SettingsStore) -> None:
    write_file(store, json.dumps({"schema": SCHEMA, "hours": 6}).encode())
    loaded = store.load()
    assert loaded.settings.views == {} and loaded.settings.hours == 6
    assert loaded.warning is None


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ({"window": {"mode": "weeks", "weeks": 2}}, "time window"),
        ({"window": {"mode": "hours", "hours": 0}}, "number of hours"),
        ({"window": RANGE | {"end": "2026-10-31T00:00:00Z"}}, "starts after it ends"),
        ({"window": RANGE | {"start": "2026-11-01T00:00:00"}}, "no time zone"),
        ({"columns": [{"field": "email"}, {"field": "email"}]}, "listed twice"),
        ({"columns": [{"field": "email", "width": -3}]}, "width of column email"),
        ({"columns": "email,phone"}, "not a list"),
        ({"sort": {"field": "email", "descending": "yes"}}, "its sort"),
        ({"filter": 42}, "filter"),
        ({"name": "   "}, "name"),
    ],
)
def test_a_damaged_view_is_dropped_alone(store: SettingsStore, damage, reason) -> None:
    good = NOVEMBER.to_json()
    write_file(store, file_with({"production": [view_json(**damage), good]}))
    loaded = store.load()
    assert loaded.settings.views == {"production": [NOVEMBER]}
    assert loaded.settings.client_ids == {"production": "c-1"} and loaded.settings.hours == 6
    assert loaded.damaged and not loaded.read_only
    assert loaded.warning is not None and "Saved views that could not be read" in loaded.warning
    assert reason in loaded.warning
    assert store.path.exists()  # the file is not moved aside for one view


@pytest.mark.parametrize("views", ["Austin owners", ["not a dict"], {"production": {"a": 1}}, 3])
def test_views_in_another_shape_cost_only_the_views(store: SettingsStore, views) -> None:
    write_file(store, file_with(views, days=3))
    loaded = store.load()
    assert loaded.settings.views == {}
    assert (loaded.settings.hours, loaded.settings.days) == (6, 3)
    assert loaded.settings.client_ids == {"production": "c-1"}
    assert loaded.warning is not None and "views" in loaded.warning


def test_a_name_saved_twice_keeps_the_first(store: SettingsStore) -> None:
    twin = view_json(name="AUSTIN OWNERS ", filter="other")
    write_file(store, file_with({"production": [AUSTIN.to_json(), twin]}))
    loaded = store.load()
    assert loaded.settings.views == {"production": [AUSTIN]}
    assert loaded.warning is not None and "another view has that name" in loaded.warning


def test_keys_of_a_newer_version_survive_a_round_trip(store: SettingsStore, directory) -> None:
    newer = view_json(pinned=["email"], colour="#ffcc00")
    write_file(store, file_with({"production": [newer]}))
    loaded = store.load()
    assert loaded.warning is None
    assert loaded.settings.views["production"][0].filter == "austin own"
    store.save(loaded.settings)
    on_disk = json.loads((directory / "settings.json").read_text(encoding="utf-8"))
    assert on_disk["views"]["production"][0]["pinned"] == ["email"]
    assert on_disk["views"]["production"][0]["colour"] == "#ffcc00"


def test_an_older_reader_sees_the_rest_unchanged(store: SettingsStore) -> None:
    # What an older version does with the file: it reads the keys it knows and ignores others.
    store.save(Settings(hours=5, views={"production": [AUSTIN]}))
    data = json.loads(store.path.read_text(encoding="utf-8"))
    assert data["schema"] == SCHEMA == 1 and data["hours"] == 5
    assert isinstance(data["views"], dict)


def test_names_are_trimmed_and_matched_ignoring_case() -> None:
    assert check_name("  Austin owners ") == "Austin owners"
    assert find_view([AUSTIN, NOVEMBER], "austin OWNERS") is AUSTIN
    assert find_view([AUSTIN], "Austin") is None
    for bad in ("", "   ", "a\tb", "x" * 81):
        with pytest.raises(ViewError):
            check_name(bad)


def test_columns_by_name_whatever_extra_fields_come() -> None:
    view = view_from_json(view_json(columns=[{"field": "email"}, {"field": "promo_code"}]))
    # The extra field the view showed is gone from this fetch; a new one is shown at the end.
    available = ["first_name", "email", "offer_id", "new_city", "referrer"]
    assert view_fields(view, available) == ["email", "first_name", "new_city", "referrer"]
    assert view_fields(view_from_json(view_json(columns=[])), available) == [
        "first_name", "email", "new_city", "referrer",
    ]  # fmt: skip
