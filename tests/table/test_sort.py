"""Sort orders over ranks, and the filter's shortcuts, against plain reference versions."""

from __future__ import annotations

import random
from array import array
from datetime import datetime
from itertools import pairwise, product
from unittest import mock

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer import slices
from mymove_viewer.api import lead as lead_module
from mymove_viewer.api.lead import Lead, calendar_date, parse_timestamp, sorts_as_text
from mymove_viewer.slices import yield_gil
from mymove_viewer.table import display, sort
from mymove_viewer.table.char_masks import char_masks
from mymove_viewer.table.display import columns_for
from mymove_viewer.table.full_scan import order_run, positions_of, scan_every_row
from mymove_viewer.table.overview import instants
from mymove_viewer.table.sort import presort, rank_column, rows_for, sorted_order
from tests.table.text_reference import person_key

# Few values with case variants (the distinct-values path, ties across case), or many.
FEW = st.sampled_from(["smith", "Smith", "SMITH", "adams", "", "Zed", "äb", "Ab"])
MANY = st.text(alphabet="abAB0-", max_size=6)
CREATED = st.sampled_from(
    [
        "2026-11-27T09:41:05Z",
        "2026-11-27T09:41:06Z",
        "2026-11-27T10:41:05.5+01:00",  # the same instant as 09:41:05.5Z
        "2026-11-27T09:41:05.500Z",
        # RFC 3339 also allows these; as text they sort apart from the instants they name.
        "2026-11-27t09:41:07Z",
        "2026-11-27 09:41:04Z",
        "2026-11-27T09:41:03z",
        "yesterday",
        "",
    ]
)
# Forms of the canonical text's length and end ("…Z") that do not sort as text: with no other
# value beside them, a check on length and end alone takes the text for the key.
TEXT_LIKE = st.sampled_from(
    [
        "2026-11-27T09:41:05Z",
        "2026-11-27T09:41:06Z",
        "2026-11-27t09:41:07Z",
        "2026-11-27 09:41:04Z",
        "2026-W48-5T09:41:02Z",  # an ISO week date (Friday of week 48): 2026-11-27
    ]
)
MOVE = st.sampled_from(["2026-12-01T00:00:00Z", "2026-12-01", "2026-11-30T00:00:00Z", "soon", ""])


def make(names: list[str], created: list[str], moves: list[str], extra: bool) -> list[Lead]:
    out = []
    for i, (name, at, move) in enumerate(zip(names, created, moves, strict=False)):
        data = {"last_name": name, "created_at": at, "move_date": move, "email": f"{name}{i}"}
        if extra:
            data["old_housing_tenure"] = name.upper()
        out.append(Lead.from_mapping(data))
    return out


def reference_keys(values: list[str], field: str) -> list:
    """The sort key of each value, written out plainly (not the code under test)."""
    if field == "move_date":
        return [d.isoformat() if (d := calendar_date(v)) else "" for v in values]
    if field == "created_at":
        epoch = datetime.fromtimestamp(0).astimezone()
        return [(parse_timestamp(v) or epoch).timestamp() for v in values]
    return [person_key(v) for v in values]


def reference(leads: list[Lead], field: str, descending: bool) -> list[int]:
    keys = reference_keys([lead.get(field) for lead in leads], field)
    # Stable in both directions: equal keys keep their fetched order.
    return sorted(range(len(leads)), key=keys.__getitem__, reverse=descending)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(FEW, min_size=0, max_size=40) | st.lists(MANY, min_size=0, max_size=40),
    st.lists(CREATED, min_size=40, max_size=40) | st.lists(TEXT_LIKE, min_size=40, max_size=40),
    st.lists(MOVE, min_size=40, max_size=40),
    st.booleans(),
)
def test_rank_orders_match_a_plain_stable_sort(names, created, moves, descending) -> None:
    leads = make(names, created, moves, extra=True)
    for column in columns_for(("old_housing_tenure",)):
        if column.field not in ("last_name", "created_at", "move_date", "email",
                                "old_housing_tenure", "new_state"):  # fmt: skip
            continue
        both = rank_column(leads, column)
        assert rows_for(both, descending) == reference(leads, column.field, descending)
        # Asked for one direction, a path that sorts makes only that one: same rows, same ranks.
        wished = rank_column(leads, column, descending=descending)
        assert rows_for(wished, descending) == reference(leads, column.field, descending)
        assert list(wished.ranks) == list(both.ranks), column.field
        # On a worker, in slices (tiny ones here, so every pass is cut): the same again.
        with (
            mock.patch.object(sort, "SORT_SLICE", 7),
            mock.patch.object(slices, "SLICE", 5),
        ):
            paced = rank_column(leads, column, pace=yield_gil, descending=descending)
        assert rows_for(paced, descending) == reference(leads, column.field, descending)
        assert list(paced.ranks) == list(both.ranks), column.field


def test_both_paths_are_taken_and_agree() -> None:
    rng = random.Random(5)
    few = make(
        [rng.choice(["b", "B", "a", "c"]) for _ in range(500)], ["x"] * 500, [""] * 500, False
    )
    many = make([f"n{rng.random()}" for _ in range(500)], ["x"] * 500, [""] * 500, False)
    column = next(c for c in columns_for() if c.field == "last_name")
    assert rank_column(few, column).ascending is None  # ranked by distinct values
    assert rank_column(many, column).ascending is not None  # ranked from a full sort
    for leads in (few, many):
        for descending in (False, True):
            want = reference(leads, "last_name", descending)
            assert rows_for(rank_column(leads, column), descending) == want


def test_worker_slices_give_the_same_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sort, "SORT_SLICE", 7)
    monkeypatch.setattr(slices, "SLICE", 5)
    rng = random.Random(9)
    names = [rng.choice(["b", "B", "a", "c", "d"]) for _ in range(200)]
    leads = make(names, ["2026-11-27T09:41:05Z"] * 200, [""] * 200, False)
    for descending in (False, True):
        ahead = presort(leads, (), "last_name", descending)
        assert ahead is not None and ahead.rows == reference(leads, "last_name", descending)
        assert ahead.ranking is not None and len(ahead.ranking.ranks) == 200
        keys = [rng.random() for _ in range(200)]
        plain = sorted_order(keys, descending)
        assert sorted_order(keys, descending, pace=yield_gil) == plain


def test_sorting_back_to_the_fetch_order_copies_the_order_the_presort_made(monkeypatch) -> None:
    # created_at, newest first, as fetched: a sort by another column and back to it reuses the
    # order made on the fetch's worker (kept as an array), with no order computed again.
    from mymove_viewer.table import sort_plan
    from mymove_viewer.table.lead_table import LeadTable

    rng = random.Random(3)
    stamps = sorted(
        f"2026-11-27T09:{rng.randrange(60):02d}:{rng.randrange(60):02d}Z" for _ in range(300)
    )
    leads = make([rng.choice("abc") for _ in stamps], stamps, [""] * 300, False)
    fields = [c.field for c in columns_for()]
    created, name = fields.index("created_at"), fields.index("last_name")
    ahead = presort(leads, (), "created_at", True, canonical=True)
    assert ahead is not None and list(ahead.ranking.descending) == ahead.rows
    table = LeadTable()
    table.sort(created, True)
    table.set_leads(leads, (), ahead, canonical_created=True)
    table.sort(name, False)
    for unwanted in ("order_in_place", "ranked_order", "rank_column"):
        monkeypatch.setattr(sort_plan, unwanted, None)  # calling any of them would fail
    table.sort(created, True)
    assert table.rows == reference(leads, "created_at", True)


def test_a_ranking_made_ahead_is_kept_only_when_it_brings_an_order_the_table_lacks() -> None:
    from mymove_viewer.table.lead_table import LeadTable

    stamps = [f"2026-11-27T09:41:{s:02d}Z" for s in range(40)]
    leads = make(["a"] * 40, stamps, [""] * 40, False)
    created = [c.field for c in columns_for()].index("created_at")
    ahead = presort(leads, (), "created_at", True, canonical=True)
    table = LeadTable()
    table.sort(created, True)
    table.set_leads(leads, (), ahead, canonical_created=True)
    column = columns_for()[created]
    both = rank_column(leads, column)  # keys in order: both orders on the way
    assert both.ascending is not None and both.descending is not None
    assert not table.add_ranking(leads, "created_at", sort.Ranking(both.ranks, None, array("I")))
    assert table.add_ranking(leads, "created_at", both)  # brings the ascending order
    assert not table.add_ranking(leads, "created_at", both)  # nothing new any more
    table.sort(created, False)
    assert table.rows == list(range(40))


def test_presort_of_a_missing_column_is_none() -> None:
    leads = make(["a"], ["x"], [""], False)
    assert presort(leads, (), "old_housing_tenure", False) is None


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.text(alphabet="smithé\ud800\x1f\n", max_size=8), max_size=120),
    st.text(alphabet="smithé\ud800", min_size=1, max_size=3),
    st.randoms(use_true_random=False),
    st.integers(min_value=0, max_value=3),
)
def test_filter_shortcuts_match_a_plain_scan(texts, term, rnd, mode) -> None:
    order = list(range(len(texts)))
    if mode == 2:
        order.reverse()
    elif mode != 1:
        rnd.shuffle(order)
    want = [c for c in order if term in texts[c]]
    chars = char_masks(texts)
    known = {"mask": chars.exact(term), "among": chars.among(term)}
    for pace in (None, lambda: None):
        for hints in (
            {},
            {"positions": positions_of(order)},
            {"ranks": (positions_of(order), False)},
        ):
            got, _positions, run = scan_every_row(texts, term, order, pace, **hints)
            assert got == want and run == order_run(order)
            if known["mask"] is not None or known["among"] is not None:
                assert scan_every_row(texts, term, order, pace, **hints, **known)[0] == want


def test_positions_invert_the_order() -> None:
    order = [3, 0, 2, 1]
    positions = positions_of(order)
    assert [order[p] for p in positions] == [0, 1, 2, 3]
    assert list(positions) == [1, 3, 2, 0]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=30), min_size=0, max_size=60),
    st.sampled_from(["rising", "falling", "shuffled"]),
    st.booleans(),
)
def test_created_at_in_fetched_order_needs_no_sort(seconds, shape, on_worker) -> None:
    stamps = [f"2026-11-27T09:41:{s:02d}Z" for s in seconds]  # canonical; repeats are ties
    if shape == "rising":
        stamps.sort()
    elif shape == "falling":
        stamps.sort(reverse=True)
    leads = make([""] * len(stamps), stamps, [""] * len(stamps), False)
    column = next(c for c in columns_for() if c.field == "created_at")
    with mock.patch.object(sort, "SORT_SLICE", 7), mock.patch.object(slices, "SLICE", 5):
        ranking = rank_column(leads, column, canonical=True, pace=yield_gil if on_worker else None)
    monotonic = shape != "shuffled" or stamps in (sorted(stamps), sorted(stamps, reverse=True))
    if monotonic and len(stamps) > 1:
        # Both orders come with the ranks, without comparing a single key.
        assert ranking.ascending is not None and ranking.descending is not None
    dense = sorted(set(stamps))
    for descending in (False, True):
        assert rows_for(ranking, descending) == reference(leads, "created_at", descending)
        wished = rank_column(leads, column, canonical=True, descending=descending)
        assert rows_for(wished, descending) == reference(leads, "created_at", descending)
        assert list(wished.ranks) == [dense.index(s) for s in stamps]
        at = instants(leads)  # the same ranks and orders from the instants as keys
        timed = rank_column(leads, column, canonical=True, descending=descending, instants=at)
        assert rows_for(timed, descending) == reference(leads, "created_at", descending)
        assert timed.ranks == wished.ranks
    assert list(ranking.ranks) == [dense.index(s) for s in stamps]


@pytest.mark.parametrize(
    "dense",
    [
        [0] * 20,  # one run of ties to the end
        [0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 3, 3],  # a run across a block's nominal end
        list(range(23)),
        [0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2],
    ],
)
def test_runs_last_to_first_in_blocks_is_a_stable_descending_sort(dense: list[int]) -> None:
    changed = [b != a for a, b in pairwise(dense)]
    want = sorted(range(len(dense)), key=lambda i: -dense[i])  # stable: ties in fetched order
    paced: list[int] = []
    with mock.patch.object(sort, "SORT_SLICE", 4):
        got = sort._runs_last_to_first(dense, changed, pace=lambda: paced.append(1))
    assert got == want
    assert paced  # sorted in blocks, the GIL offered between them
    assert sort._runs_last_to_first(dense, changed) == want


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=6), max_size=50), st.booleans())
def test_reversed_stably_is_the_stable_order_the_other_way(values, on_worker) -> None:
    ranks = array("I", values)
    up = sorted(range(len(values)), key=values.__getitem__)
    down = sorted(range(len(values)), key=lambda i: -values[i])  # ties in fetched order
    with (
        mock.patch.object(sort, "SORT_SLICE", 4),
        mock.patch.object(slices, "SLICE", 3),
    ):
        got = sort.reversed_stably(up, ranks, yield_gil if on_worker else None)
    assert got == down


# Every form ``parse_timestamp`` reads, and values it does not: a slice holding one of these is
# converted value by value, the others in C.
ANY_CREATED = CREATED | TEXT_LIKE | st.sampled_from(
    ["2026-11-27T04:41:05-05:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00",
     "2026-11-27", "2026-11-27T09:41:05", "2026-11-27X09:41:05Z", "2026-11-27T25:00:00Z"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(ANY_CREATED, max_size=40), st.integers(1, 8))
def test_posix_times_are_parse_timestamps_instants_in_any_form(stamps, slice_size) -> None:
    with mock.patch.object(slices, "SLICE", slice_size):
        times = lead_module.posix_times(stamps)
        keys = lead_module.posix_times(stamps, 0.0)
    wanted = [(m.timestamp() if (m := parse_timestamp(s)) else None) for s in stamps]
    assert [None if t != t else t for t in times] == wanted  # NaN where it is not a time
    assert keys == reference_keys(stamps, "created_at")


FRACTIONS = st.sampled_from(
    ["2026-11-27T09:41:05.25Z", "2026-11-27T09:41:05.5Z", "2026-11-27T09:41:05.05+00:00",
     "2026-11-27T10:41:05.250+01:00", "2026-11-27T09:41:04.999999Z", "1970-01-01T00:00:00Z",
     "0001-01-01T00:00:00.5+02:00", "9999-12-31T23:59:58.5-02:00", "not a time"]
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(ANY_CREATED | FRACTIONS, max_size=40), st.integers(1, 8))
def test_instant_keys_order_and_tie_as_the_instants_do(stamps, slice_size) -> None:
    # Two stamps compare as their instants do (unreadable ones as the epoch), ties included;
    # a value in the canonical form is its own key even if no time (a parsed lead has none).
    stamps = [s for s in stamps if parse_timestamp(s) or not sorts_as_text([s])]
    with mock.patch.object(slices, "SLICE", slice_size):
        keys = lead_module.instant_keys(stamps)
    wanted = reference_keys(stamps, "created_at")
    for a, b in product(range(len(stamps)), repeat=2):
        assert (keys[a] < keys[b], keys[a] == keys[b]) == (
            wanted[a] < wanted[b],
            wanted[a] == wanted[b],
        )
    assert all(k == s for k, s in zip(keys, stamps, strict=True) if sorts_as_text([s]))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 40), max_size=60), st.lists(st.integers(0, 59), max_size=5))
def test_an_offset_timestamp_among_canonical_ones_sorts_by_instant_from_the_instants(
    seconds, offset_at
) -> None:
    # A proxy rewrote a few stamps to New York time: the instants still order every lead.
    stamps = [f"2026-11-27T09:41:{s:02d}Z" for s in seconds]
    for i in offset_at:
        if i < len(stamps):
            stamps[i] = f"2026-11-27T04:41:{seconds[i]:02d}-05:00"
    leads = make([""] * len(stamps), stamps, [""] * len(stamps), False)
    column = next(c for c in columns_for() if c.field == "created_at")
    at = instants(leads)
    for descending in (False, True):
        wanted = reference(leads, "created_at", descending)
        with mock.patch.object(sort, "key_function", side_effect=AssertionError):
            timed = rank_column(leads, column, descending=descending, instants=at)
        assert rows_for(timed, descending) == wanted
        # Without them, the canonical stamps are their own keys: only the others are read.
        with (
            mock.patch.object(
                lead_module, "parse_timestamp", wraps=lead_module.parse_timestamp
            ) as read,
            mock.patch.object(display, "parse_timestamp", side_effect=AssertionError),
        ):
            keyed = rank_column(leads, column, descending=descending)
        assert rows_for(keyed, descending) == wanted
        assert read.call_count <= sum(s.endswith("-05:00") for s in stamps)
    if any(s.endswith("-05:00") for s in stamps):  # no text key: offset and Z stamps tie
        assert len(set(rank_column(leads, column, instants=at).ranks)) == len(set(seconds))


def test_instants_with_a_nan_are_not_the_keys() -> None:
    # "yesterday" has no instant (NaN): NaN would break any order, the key's epoch does not.
    leads = make(["", "", ""], ["2026-11-27T09:41:05Z", "yesterday", "1970-01-01T00:00:00Z"],
                 ["", "", ""], False)  # fmt: skip
    column = next(c for c in columns_for() if c.field == "created_at")
    ranking = rank_column(leads, column, instants=instants(leads))
    assert list(ranking.ranks) == [1, 0, 0]
