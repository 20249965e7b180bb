"""Text columns sort as a person reads them: accents beside their base letter, case ignored,
and one fixed order among values that differ only in those."""

from __future__ import annotations

import random
import unicodedata
from unittest import mock

from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer import slices
from mymove_viewer.api.lead import Lead
from mymove_viewer.slices import yield_gil
from mymove_viewer.table.display import columns_for, fold_texts, text_key, text_keys
from mymove_viewer.table.merge import extend_ranking
from mymove_viewer.table.sort import rank_column, rows_for
from tests.table.text_reference import person_key

NAMES = ["Zoe", "Élodie", "elodie", "Straße", "Ángel", "zoë", "Elodie", "adams", "Strasse"]
# In the order a person expects; "elodie" / "Elodie" / "Élodie": the plain form, then by value.
EXPECTED = ["adams", "Ángel", "elodie", "Elodie", "Élodie", "Strasse", "Straße", "Zoe", "zoë"]
# Precomposed and decomposed accents, case pairs, a ligature, ß, Greek with breathing marks,
# Cyrillic, CJK and a Vietnamese double accent: whatever the sandbox and real names hold.
LETTERS = "aAeEéÉèzZ\u0301\u0308ßﬁİıᾈἀΙЁёеЕ王ệ -'"


def leads_named(names: list[str]) -> list[Lead]:
    return [Lead.from_mapping({"first_name": n, "email": f"{n}{i}"}) for i, n in enumerate(names)]


def column(field: str = "first_name"):
    return next(c for c in columns_for() if c.field == field)


def shown(leads: list[Lead], rows: list[int]) -> list[str]:
    return [leads[i].get("first_name") for i in rows]


def test_accented_names_sort_beside_their_base_letter() -> None:
    leads = leads_named(NAMES)
    for pace in (None, yield_gil):
        ranking = rank_column(leads, column(), pace=pace)
        assert shown(leads, rows_for(ranking, False, pace=pace)) == EXPECTED
        assert shown(leads, rows_for(ranking, True, pace=pace)) == EXPECTED[::-1]


def test_the_order_does_not_depend_on_the_fetched_order() -> None:
    rng = random.Random(4)
    for _ in range(20):
        names = NAMES * 3
        rng.shuffle(names)
        leads = leads_named(names)
        rows = rows_for(rank_column(leads, column()), False)
        assert shown(leads, rows) == sorted(EXPECTED * 3, key=EXPECTED.index)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet=LETTERS, max_size=5), max_size=60)
    | st.lists(st.sampled_from([*NAMES, "", "ZOE", "e\u0301lodie"]), max_size=60),
    st.booleans(),
)
def test_text_orders_match_a_plain_per_value_reference(names: list[str], descending) -> None:
    leads = leads_named(names)
    keys = [person_key(n) for n in names]
    want = sorted(range(len(names)), key=keys.__getitem__, reverse=descending)
    assert rows_for(rank_column(leads, column()), descending) == want
    # On a worker the keys are made slice by slice (tiny slices here): the same order.
    with mock.patch.object(slices, "SLICE", 5):
        paced = rank_column(leads, column(), pace=yield_gil)
    assert rows_for(paced, descending, pace=yield_gil) == want
    # One value's key (used to place new leads) is the column's key.
    assert list(map(text_key, names)) == text_keys(names)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=LETTERS + "abcxyz", max_size=12))
def test_folding_drops_case_and_accents_only(text: str) -> None:
    (folded,) = fold_texts([text])
    assert folded == person_key(text)[0]
    # However the accents are written (composed or not), and whatever the case.
    variants = [unicodedata.normalize(form, text) for form in ("NFC", "NFD")] + [text.casefold()]
    assert fold_texts(variants) == [folded] * 3
    assert fold_texts(["Élodie", "ÉLODIE", "e\u0301lodie", "Ǽ", "ﬁ"]) == ["elodie"] * 3 + [
        "æ",
        "fi",
    ]


def test_new_leads_are_placed_among_ranked_ones_by_the_same_key() -> None:
    first = leads_named(["Zoe", "adams", "Elodie", "Mia", "Zoe"])
    more = leads_named(["Élodie", "zoë", "Ángel", "elodie", "Émile"])
    leads = first + more
    old = rank_column(first, column())
    grown = extend_ranking(old, leads, len(first), column())
    assert list(grown.ranks) == list(rank_column(leads, column()).ranks)
    assert shown(leads, rows_for(grown, False)) == [
        "adams", "Ángel", "elodie", "Elodie", "Élodie", "Émile", "Mia", "Zoe", "Zoe", "zoë",
    ]  # fmt: skip


def test_a_mostly_distinct_column_sorts_by_the_same_rule() -> None:
    """Emails, addresses: the keys of every value are sorted, not the distinct ones."""
    names = [f"{n}{i:03d}" for i, n in enumerate(NAMES * 30)]
    leads = [Lead.from_mapping({"email": n}) for n in names]
    ranking = rank_column(leads, column("email"))
    assert ranking.ascending is not None  # the full-sort path
    keys = [person_key(n) for n in names]
    assert rows_for(ranking, False) == sorted(range(len(names)), key=keys.__getitem__)
