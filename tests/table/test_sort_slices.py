"""A worker's sort, in slices merged afterwards: the same stable order as one ``sorted``, both
ways, whatever the ties and however the keys fall."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer.table import sort
from mymove_viewer.table.sort import sorted_order

_KEYS = st.one_of(
    st.lists(st.integers(0, 6), max_size=300),  # long runs of ties across every slice
    st.lists(st.text("abAB", max_size=3), max_size=300),
    st.lists(st.floats(-5, 5, allow_nan=False), max_size=300),
)


@settings(max_examples=300, deadline=None)
@given(keys=_KEYS, slice_size=st.integers(1, 40), descending=st.booleans())
def test_the_merged_slices_give_one_sorts_order(
    keys: list[object], slice_size: int, descending: bool
) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sort, "SORT_SLICE", slice_size)
        paces: list[int] = []
        got = sorted_order(keys, descending, pace=lambda: paces.append(1))
    assert got == sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)
    if len(keys) > 2 * slice_size:
        assert paces  # the GIL is offered between pieces
