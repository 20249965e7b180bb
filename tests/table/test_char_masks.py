"""Each character's mask of the search texts (``table.char_masks``): made with the index, grown
by merges, and a one-character filter's rows taken from it, the same rows a scan finds."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer.slices import SCAN_SLICE
from mymove_viewer.table import table_merge
from mymove_viewer.table.char_masks import CHARS, GROUPS, char_masks
from mymove_viewer.table.display import GROUP_SEPARATOR, SEPARATOR, search_texts
from mymove_viewer.table.filter_query import parse_filter
from mymove_viewer.table.full_scan import order_run, positions_of
from mymove_viewer.table.lead_table import LeadTable
from mymove_viewer.table.merge import plan_merge
from mymove_viewer.table.search import FilterPlan, TextSource, run_filter

from .test_full_scan import _orders
from .test_lead_table import make


class Unread(list):
    """Texts a filter must not scan: iterating them fails the test."""

    def __iter__(self):
        raise AssertionError("the texts were scanned")


def _texts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    alphabet = "abcqe9 \x1f@-"  # folded, as search texts are
    return ["".join(rng.choice(alphabet) for _ in range(rng.randrange(9))) for _ in range(n)]


def _groups_of(text: str) -> list[str]:
    pieces = text.split(GROUP_SEPARATOR, GROUPS - 1)
    return pieces + [""] * (GROUPS - len(pieces))


def _bits(bits: int, n: int) -> list[int]:
    return [bits >> i & 1 for i in range(n)]


TEXT = st.text(alphabet="abz09 ÉéK\x1f\x1d", max_size=9)


@settings(max_examples=80, deadline=None)
@given(st.lists(TEXT, max_size=40), st.integers(0, 40))
def test_each_mask_tells_which_groups_of_which_texts_hold_its_character(
    texts: list[str], cut: int
) -> None:
    made = char_masks(texts)
    assert made.count == len(texts) and set(made.masks) == set(CHARS)
    for c in CHARS:
        assert made.exact(c) == bytes(int(c in t) for t in texts)
        for g in range(GROUPS):
            want = [int(c in _groups_of(t)[g]) for t in texts]
            assert _bits(made.masks[c][g], len(texts)) == want
    # Grown by the masks of texts that came later: the masks of all of them.
    cut = min(cut, len(texts))
    assert char_masks(texts[:cut]).grown(char_masks(texts[cut:])) == made


@settings(max_examples=150, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=40), st.text(alphabet="abz09 \x1f\x1d", max_size=4))
def test_no_text_holding_a_term_is_ruled_out(texts: list[str], term: str) -> None:
    """The texts ``among`` lets in: those with a group holding each of the term's characters,
    so every text holding the term (a term across a separator: not ruled on)."""
    among = char_masks(texts).among(term)
    if among is None:
        return
    assert SEPARATOR not in term and GROUP_SEPARATOR not in term
    chars = set(term) & set(CHARS)
    want = [any(chars <= set(g) for g in _groups_of(t)) for t in texts]
    assert list(among) == want
    assert all(among[i] for i, t in enumerate(texts) if term in t)


def test_a_term_whose_characters_are_in_different_groups_is_not_looked_for() -> None:
    """The letters of "smith" in every text, but all of them in one group in one text only."""
    spread = GROUP_SEPARATOR.join(["sm", "it", "h", "x"])
    texts = [spread] * 40 + [GROUP_SEPARATOR.join(["jo", "blacksmith", "", ""])]
    chars = char_masks(texts)
    assert chars.exact("s") == bytes([1] * 41)
    assert chars.among("smith") == bytes([0] * 40 + [1])
    assert chars.among(f"sm{SEPARATOR}it") is None  # (pasted) could span two fields
    assert chars.among(f"sm{GROUP_SEPARATOR}it") is None


def test_masks_are_made_a_slice_and_character_at_a_time() -> None:
    texts = _texts(2 * SCAN_SLICE + 5, 1)
    paces: list[int] = []
    made = char_masks(texts, lambda: paces.append(1))
    # The GIL offered between passes; a cancel heard there.
    splits = 4 + 4 + 1  # each slice's texts cut into groups a quarter slice at a time
    assert len(paces) == 3 * GROUPS * len(CHARS) + len(CHARS) + splits  # (and packings)
    assert made.exact("q") == bytes(int("q" in t) for t in texts)
    assert made.exact("é") is None and made.exact("qq") is None and made.exact("@") is None
    assert char_masks([]).exact("q") == b""


@pytest.mark.parametrize("kind", ["identity", "reversed", "shuffled", "swapped", "almost reversed"])
@pytest.mark.parametrize("term", ["a", "q", "9", "z", "é", "@"])
@pytest.mark.parametrize("paced", [False, True])
def test_a_one_character_filter_takes_its_mask_in_any_order(kind, term, paced) -> None:
    n = 2 * SCAN_SLICE + 77
    texts = _texts(n, 5)
    order = _orders(n)[kind]
    chars = char_masks(texts)
    value = parse_filter(term).terms[0].value  # "é" is looked for as "e"
    given = Unread(texts) if value in CHARS else texts  # a masked term reads no text
    for positions in (None, positions_of(order)):
        plan = FilterPlan(term, [], order, order, given, TextSource([]), kind == "identity",
                          positions, None, None, None, None, None, chars)  # fmt: skip
        result = run_filter(plan, (lambda: None) if paced else None)
        assert result.rows == [row for row in order if value in texts[row]]
        assert not paced or result.run == order_run(order)


@pytest.mark.parametrize("term", ["ab", "q", "zzz", "nowhere"])
def test_an_order_running_backwards_gets_its_matches_reversed(term: str) -> None:
    """Scanned first to first as the texts lie in memory, whichever way the order runs."""
    n = 2 * SCAN_SLICE + 77
    texts = _texts(n, 9)
    texts[3] += "zzz"
    order = list(range(n - 1, -1, -1))
    plan = FilterPlan(term, [], order, order, texts, TextSource([]), False, None, None, None)
    result = run_filter(plan, lambda: None)
    assert result.rows == [row for row in order if term in texts[row]] and result.run == -1


def _indexed(count: int) -> LeadTable:
    table = LeadTable()
    table.set_leads([make(i, i % 50) for i in range(count)], ())
    texts = search_texts(table.leads)
    assert table.set_index(table.leads, texts, []) and table.set_chars(texts, char_masks(texts))
    return table


def _quince_merged(table: LeadTable, count: int = 5, first: int = 100) -> int | None:
    fresh = [make(first + i, i, name="quince") for i in range(count)]
    return table.apply_merge(plan_merge(table.merge_state(), fresh))


@pytest.mark.parametrize("when", ["before", "between plan and swap", "after the merges"])
def test_a_merge_grows_the_masks_with_the_texts(when: str) -> None:
    """The masks come with the index, or between a merge's plan and its swap, or after the
    index and two merges (made of the texts before them: grown by the merges' masks)."""
    table = _indexed(30) if when == "before" else LeadTable()
    if when != "before":
        table.set_leads([make(i, i % 50) for i in range(30)], ())
    texts = search_texts(table.leads)
    if when == "after the merges":
        assert table.set_index(table.leads, texts, [])
        assert _quince_merged(table, 3) == 3 and _quince_merged(table, 2, 200) == 2
        assert table.plan_filter("q").chars is None  # not yet
        assert table.set_chars(texts, char_masks(texts))
    else:
        plan = plan_merge(table.merge_state(), [make(100 + i, i, name="quince") for i in range(5)])
        if when != "before":  # the index comes between the merge's plan and its swap
            table.set_index(table.leads, texts, []) and table.set_chars(texts, char_masks(texts))
        assert table.apply_merge(plan) == 5
    filtering = table.plan_filter("q")
    assert filtering is not None and filtering.chars == char_masks(search_texts(table.leads))
    table.set_filter("q")
    assert table.rows == list(range(30, 35))  # only the new leads hold a "q"


def test_masks_of_other_texts_are_not_kept(monkeypatch) -> None:
    table = _indexed(12)
    texts = search_texts(table.leads)
    assert table.set_index(table.leads, texts, [])
    assert not table.set_chars(texts, char_masks(texts[:5]))  # of fewer texts
    assert not table.set_chars(search_texts(table.leads), char_masks(texts))  # of another list
    filtering = table.plan_filter("a")
    assert filtering is not None and filtering.texts is texts and filtering.chars is None
    # Masks owed across more merges than the table keeps theirs for are not taken.
    monkeypatch.setattr(table_merge, "OWED_MERGES", 1)
    assert _quince_merged(table, 1) == 1 and _quince_merged(table, 1, 200) == 1
    assert not table.set_chars(texts, char_masks(texts))
    table.set_leads([make(1, 1)], ())  # other leads: the masks go with their texts
    filtering = table.plan_filter("a")
    assert filtering is not None and filtering.chars is None


def _with_rare(n: int, every: int = 2) -> list[str]:
    """Texts without an "x" but for one in ``every``, which ends in "xq"."""
    texts = _texts(n, 13)
    return [t + "xq" if i % every == 1 else t for i, t in enumerate(texts)]


def test_only_texts_holding_every_masked_character_are_worth_reading() -> None:
    texts = _with_rare(3 * SCAN_SLICE)
    chars = char_masks(texts)
    among = chars.among("xq@")  # "@" has no mask: it rules nothing out
    assert among == bytes(int("x" in t and "q" in t) for t in texts)
    common = char_masks(["ba" + t if i % 5 else t for i, t in enumerate(texts)])
    assert common.among("ab") is None  # most texts hold both: each is read anyway
    assert chars.among("@-") is None and char_masks([]).among("xq") is None
    assert chars.among("zz") == bytes(len(texts))  # no text holds a "z"


@pytest.mark.parametrize("kind", ["identity", "reversed", "shuffled", "almost reversed"])
@pytest.mark.parametrize("term", ["xq", "qa", "zz", "q9"])
@pytest.mark.parametrize("by", ["nothing", "positions", "ranks"])
@pytest.mark.parametrize("every", [2, 37])  # many texts to read, or a few (found by ``find``)
def test_a_longer_term_reads_only_the_texts_its_characters_allow(kind, term, by, every) -> None:
    n = 2 * SCAN_SLICE + 77
    texts = _with_rare(n, every)
    order = _orders(n)[kind]
    chars = char_masks(texts)
    among = chars.among(term)
    assert among is not None
    positions = positions_of(order) if by == "positions" else None
    ranks = (positions_of(order), False) if by == "ranks" else None
    plan = FilterPlan(term, [], order, order, texts, TextSource([]), kind == "identity",
                      positions, None, None, None, None, ranks, chars)  # fmt: skip
    result = run_filter(plan, lambda: None)
    assert result.rows == [row for row in order if term in texts[row]]
    # Texts the masks rule out are not read: one made to hold the term, its masks saying not,
    # is not found.
    fooled = [*texts]
    first = among.index(0)
    fooled[first] += term
    assert first not in run_filter(replace(plan, texts=fooled), lambda: None).rows
    assert first in run_filter(replace(plan, texts=fooled, chars=None), lambda: None).rows
