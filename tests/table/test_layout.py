"""The column layout by field name (table.layout): merging, arranging, storing, validating."""

from __future__ import annotations

from mymove_viewer.settings import Settings, SettingsStore
from mymove_viewer.table.layout import ColumnLayout, from_json, to_json

FIELDS = ["offer_id", "created_at", "first_name", "email"]


def test_arranged_keeps_known_order_and_places_new_fields_after_their_neighbour() -> None:
    layout = ColumnLayout(("email", "offer_id", "created_at", "first_name"))
    assert layout.arranged(FIELDS) == ["email", "offer_id", "created_at", "first_name"]
    # "lead_source" follows "email" in the API's order, so it follows it on screen.
    assert layout.arranged([*FIELDS, "lead_source"])[:2] == ["email", "lead_source"]
    assert layout.arranged(["created_at", "offer_id"]) == ["offer_id", "created_at"]


def test_visible_never_empty() -> None:
    layout = ColumnLayout(tuple(FIELDS), hidden=frozenset(FIELDS))
    assert layout.visible(FIELDS) == ["offer_id"]
    assert ColumnLayout((), frozenset({"email"})).visible(FIELDS) == FIELDS[:3]


def test_merged_keeps_what_the_older_layout_knew_of_absent_fields() -> None:
    older = ColumnLayout(
        ("email", "lead_source", "offer_id", "created_at", "first_name"),
        hidden=frozenset({"lead_source", "offer_id"}),
        widths={"lead_source": 90, "email": 200},
        sort=("lead_source", True),
    )
    now = ColumnLayout(  # a fetch without lead_source; the user showed offer_id again
        ("email", "created_at", "offer_id", "first_name"),
        hidden=frozenset(),
        widths={"email": 230},
        sort=("created_at", False),
    )
    merged = now.merged(older)
    assert merged.order == ("email", "lead_source", "created_at", "offer_id", "first_name")
    assert merged.hidden == {"lead_source"}
    assert merged.widths == {"lead_source": 90, "email": 230}
    assert merged.sort == ("created_at", False)
    assert now.merged(None) is now


def test_round_trip_through_the_settings_file_with_any_field_name(tmp_path) -> None:
    # An extra field may be called anything, even a word the secret guard refuses as a key.
    layout = ColumnLayout(
        ("email", "api_key_hint", "offer_id"),
        hidden=frozenset({"offer_id"}),
        widths={"email": 240, "api_key_hint": 80},
        sort=("email", False),
    )
    store = SettingsStore(tmp_path / "config")
    store.save(Settings(gui={"column_layout": to_json(layout)}))
    loaded = store.load().settings.gui["column_layout"]
    assert from_json(loaded) == layout


def test_from_json_rejects_what_is_not_a_layout_and_drops_bad_entries() -> None:
    for bad in (None, [], "x", {"version": 2, "columns": []}, {"version": 1, "columns": {}}):
        assert from_json(bad) is None
    assert from_json({"version": 1, "columns": [{"field": "a"}] * 1001}) is None
    layout = from_json(
        {
            "version": 1,
            "columns": [
                {"field": "a", "width": 100, "hidden": "yes"},
                {"field": "a", "width": 300},  # a duplicate: the first counts
                {"field": "", "width": 50},
                {"field": "b", "width": True},
                {"field": "c", "width": 3},
                None,
            ],
            "sort": {"field": "b", "descending": 1},
        }
    )
    assert layout == ColumnLayout(("a", "b", "c"), frozenset(), {"a": 100}, None)
