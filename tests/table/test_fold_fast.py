"""The fast folding of many texts (``fold_all``) and the minute instants of ``TextSource`` give
exactly what the plain, one-by-one definitions give."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mymove_viewer.api.lead import Lead
from mymove_viewer.table.display import CREATED, SEPARATOR, ShownTimes, display, search_texts
from mymove_viewer.table.filter_query import _LETTERS, fold, fold_all
from mymove_viewer.table.text_source import TextSource, _Minutes


def reference_fold(text: str) -> str:
    """The definition, as it was written before it was made fast: casefold, NFKD, drop the
    Basic Multilingual Plane's combining marks, replace ``_LETTERS``."""
    folded = text.casefold()
    if folded.isascii():
        return folded
    return unicodedata.normalize("NFKD", folded).translate(_TABLE)


_TABLE: dict[int, str | None] = {c: None for c in range(0x10000) if unicodedata.combining(chr(c))}
_TABLE.update((ord(k), v) for k, v in _LETTERS.items())


# Accented Latin, Greek with marks that casefold composes again, ligatures, letters NFKD keeps
# whole, marks alone and outside the BMP, the joiner the fast path uses, and surrogates.
_TRICKY = (
    "aAzZéÉüÜñÑßẞİıæÆøØłŁþÞᾈﬁǼℌKϒΥ\u0301\u0327\u0345"
    "\U0001d165\U0001d16d\U0001d167\x1e\x1f \ud800\udc00"
)
texts = st.lists(st.text(alphabet=st.sampled_from(_TRICKY) | st.characters(), max_size=12))


@settings(max_examples=400, deadline=None)
@given(texts)
@example(["Müller", "STRASSE", "Straße", "plain", "x\x1ey", "ᾈ"])
@example(["e\u0301\U0001d165\u0327", "Ø"])
@example(["\ud800", "a\udc00b"])
@example(["Υ ϒ"])  # fold("ϒ") is "Υ", which is folded again: once only
@example(["a\U0001d16d\U0001d167"])  # marks kept beyond the BMP, which NFKD reorders
def test_fold_all_is_fold_of_each(values: list[str]) -> None:
    expected = [reference_fold(v) for v in values]
    assert fold_all(values) == expected
    assert [fold(v) for v in values] == expected


def test_fold_all_of_many_accented_texts() -> None:
    # Long enough that the joined path (not a fallback) folds every one of them.
    values = [f"Zoë Müller{i}\x1fSão Paulo\x1fØRE" for i in range(500)] + ["ASCII ONLY"]
    assert fold_all(values) == [reference_fold(v) for v in values]
    assert fold_all(values)[0] == "zoe muller0\x1fsao paulo\x1fore"


def reference_minutes(values: list[str]) -> list[float] | None:
    try:
        return [datetime.fromisoformat(v[:16] + ":00+00:00").timestamp() for v in values]
    except ValueError:
        return None


stamps = st.builds(
    "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format,
    st.integers(1, 9999),
    st.integers(1, 13),
    st.integers(1, 31),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 59),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(stamps, max_size=6), max_size=4))
def test_minutes_by_hour_are_the_parsed_minutes(slices: list[list[str]]) -> None:
    minutes = _Minutes()  # one across the slices, as ``TextSource`` keeps it
    for values in slices:
        assert minutes.of(values) == reference_minutes(values)


# Around clock changes and half-hour zones' edges, the calendar's ends and far from 1970.
near = st.sampled_from(
    [
        "2026-03-08T06:",
        "2026-03-08T07:",
        "2026-11-01T05:",
        "2026-11-01T06:",
        "2026-04-05T14:",
        "2026-10-04T15:",
        "0001-01-01T00:",
        "9999-12-31T23:",
        "2300-06-01T12:",
        "1883-11-18T16:",
    ]
)
hour_stamps = st.builds("{}{:02d}:{:02d}Z".format, near, st.integers(0, 61), st.integers(0, 61))


# The zone is set once per test, not per example: what it changes is the same for each.
@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(stamps | hour_stamps, max_size=8), max_size=4))
def test_times_shown_by_hour_are_those_shown_by_instant(zone: str, slices: list[list[str]]) -> None:
    by_hour, by_instant = ShownTimes(SEPARATOR), ShownTimes(SEPARATOR)  # kept across slices
    for values in slices:
        got = by_hour.of_canonical(values)
        at = _Minutes().of(values)
        if at is not None and all(v[17:19] < "60" for v in values):
            expected = by_instant.of(at, values)
            assert got is None or got == expected
        else:
            assert got is None


def test_times_by_hour_are_taken_for_whole_hour_zones(zone: str) -> None:
    values = ["2026-11-30T14:05:09Z", "2026-11-30T14:59:59Z", "2026-12-01T00:00:00Z"]
    got = ShownTimes(SEPARATOR).of_canonical(values)
    assert (got is None) == (zone == "Asia/Kolkata")  # +05:30; Lord Howe: +11:00 (summer)
    if got is not None:
        assert got == [SEPARATOR + display(CREATED, v) for v in values]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.lists(stamps | hour_stamps, min_size=1, max_size=5), max_size=3))
def test_text_source_texts_are_the_search_texts(zone: str, slices: list[list[str]]) -> None:
    leads = [
        Lead.from_mapping({"created_at": v, "first_name": "Zoë", "email": f"X{i}@Ex.com"})
        for i, v in enumerate(v for part in slices for v in part)
    ]
    assert TextSource(leads).texts() == search_texts(leads)
