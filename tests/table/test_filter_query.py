"""The filter box's language (``table.filter_query``) and its matching (``table.search``): words
ANDed, phrases, ``field:value``, negation, dates, accents, and terms that cannot be read."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from mymove_viewer.api.lead import Lead
from mymove_viewer.slices import SLICE
from mymove_viewer.table.display import search_texts
from mymove_viewer.table.filter_leads import filter_rows
from mymove_viewer.table.filter_query import fold, narrows, parse_filter, without_dates
from mymove_viewer.table.full_scan import positions_of
from mymove_viewer.table.search import FilterPlan, TextSource, run_filter

PEOPLE = [
    # Maria Garcia moving to Austin TX, owner; created late on Nov 30 in New York (Dec 1 in UTC).
    {"first_name": "Maria", "last_name": "García", "email": "maria.g@example.com",
     "new_city": "Austin", "new_state": "TX", "new_housing_tenure": "own",
     "new_address_1": "12 Oak Street", "new_address_2": "Apt 4", "new_postal_code": "78701",
     "old_city": "Denver", "old_state": "CO", "offer_id": "OFF-1",
     "created_at": "2026-12-01T03:30:00Z", "move_date": "2027-03-01T00:00:00Z",
     "lead_source": "Partner-Web"},
    {"first_name": "Jörg", "last_name": "Müller", "email": "jm@example.de",
     "new_city": "Denver", "new_state": "CO", "new_housing_tenure": "rent",
     "new_address_1": "5 Elm Road", "old_city": "Austin", "old_state": "TX",
     "offer_id": "OFF-2", "created_at": "2026-11-30T15:00:00Z", "move_date": "2027-02-28",
     "lead_source": "phone"},
    {"first_name": "François", "last_name": "Smith", "email": "fs@example.com",
     "new_city": "San José", "new_state": "CA", "new_housing_tenure": "Rent",
     "new_address_1": "9 Pine Ave", "new_postal_code": "95110", "old_city": "Łódź",
     "offer_id": "OFF-3", "created_at": "2026-11-29T12:00:00Z", "move_date": "soon",
     "old_housing_tenure": "own"},
    {"first_name": "Garcia", "last_name": "Maria", "email": "gm@example.com",
     "new_city": "Straße", "new_state": "TX", "new_housing_tenure": "",
     "offer_id": "OFF-4", "created_at": "2026-12-31T23:59:00-05:00",
     "move_date": "2026-12-31"},
]  # fmt: skip
LEADS = [Lead.from_mapping(p) for p in PEOPLE]


@pytest.fixture(autouse=True)
def new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The Created column shows New York time (UTC-5 in these months)."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def names(text: str, leads: list[Lead] = LEADS) -> list[str]:
    rows, _problems = filter_rows(leads, text)
    return [leads[i].get("first_name") for i in rows]


def problems(text: str) -> list[str]:
    return filter_rows(LEADS, text)[1]


def test_words_are_anded_across_columns_and_a_quoted_phrase_is_one_piece() -> None:
    assert names("maria garcia") == ["Maria", "Garcia"]  # in either name, any order
    assert names("garcia austin") == ["Maria"]  # a name and a city
    assert names("maria denver") == ["Maria"]  # old city
    assert names("maria smith") == []
    assert names('"oak street"') == ["Maria"]
    assert names('"street oak"') == [] and names("street oak") == ["Maria"]
    assert names('"maria garcia"') == []  # two cells: no phrase spans them
    assert names('name:"maria garcia"') == ["Maria"]  # first and last, as one name
    assert names('"12 oak') == ["Maria"]  # a quote still open: typed on, it runs to the end
    assert names("   ") == ["Maria", "Jörg", "François", "Garcia"]


def test_case_and_accents_are_ignored_both_ways() -> None:
    assert names("muller") == ["Jörg"]
    assert names("MÜLLER") == names("jorg") == ["Jörg"]
    assert names("francois") == ["François"]
    assert names("san jose") == names("JOSÉ") == ["François"]
    assert names("lodz") == ["François"]  # ł is a letter of its own to NFKD
    assert names("strasse") == names("straße") == ["Garcia"]
    assert fold("İstanbul Æsir Øre") == "istanbul aesir ore"
    # Folded once, in the texts the filter scans, not per keystroke.
    assert "muller" in search_texts([LEADS[1]])[0]


def test_field_value_matches_one_column() -> None:
    assert names("new_state:TX") == ["Maria", "Garcia"]
    assert names("old_city:denver") == ["Maria"]  # not Jörg, who moves *to* Denver
    assert names("city:denver") == ["Jörg"]  # the short names are the destination
    assert names("state:co") == ["Jörg"] and names("old_state:co") == ["Maria"]
    assert names("zip:787") == ["Maria"]
    assert names("tenure:rent") == ["Jörg", "François"]
    assert names("address:apt") == ["Maria"]  # either address line
    assert names("name:garcia") == ["Maria", "Garcia"]  # first or last
    assert names("email:.de") == ["Jörg"]
    assert names("offer:off-3") == ["François"]
    assert names("CITY:austin") == ["Maria"]  # field names ignore case too
    assert names("city:austin denver") == ["Maria"]  # "denver" is a word of its own: any column
    assert names('city:"san jose"') == ["François"]


def test_extra_fields_by_name_and_unknown_names_are_problems() -> None:
    assert names("lead_source:web") == ["Maria"]  # undocumented, sent by the API
    assert names("Lead_Source:PHONE") == ["Jörg"]
    assert names("old_housing_tenure:own") == ["François"]
    assert names("lead_source:partner") == ["Maria"]
    assert names("stat:tx maria") == ["Maria", "Garcia"]  # the rest still filters
    assert problems("stat:tx maria") == [
        'stat:tx: no field is named “stat” (to find the text itself, put it in quotes: "stat:tx")'
    ]
    assert names('"stat:tx"') == []  # quoted: text to find
    assert names("09:00") == []  # a time is a word, not a field (digits first)
    assert names("23:59") == ["Garcia"]  # 23:59-05:00 shows as 2026-12-31 23:59 in New York
    assert names("2026-12-31 23:59") == ["Garcia"]
    # Without the leads' names at hand, a name is taken on trust and reported as such.
    query = parse_filter("lead_source:web")
    assert query.unchecked == {"lead_source"} and not query.problems
    assert parse_filter("lead_source:web", ["lead_source"]).terms[0].fields == ("lead_source",)


def test_negation_turns_any_term_around() -> None:
    assert names("-state:TX") == ["Jörg", "François"]
    assert names("-tenure:rent") == ["Maria", "Garcia"]
    assert names("maria -austin") == ["Garcia"]
    assert names('-"oak street" -muller') == ["François", "Garcia"]
    assert names("-move:2027") == ["François", "Garcia"]  # "soon" is no date in 2027
    assert names("-created:2026-11-30") == ["François", "Garcia"]
    assert names("- maria") == ["Maria", "Garcia"]  # a lone "-" is nothing yet


def test_created_dates_are_local_days_as_shown() -> None:
    # Maria: 2026-12-01T03:30Z is Nov 30, 22:30 in New York; Jörg: Nov 30, 10:00.
    assert names("created:2026-11-30") == ["Maria", "Jörg"]
    assert names("created:2026-12-01") == []
    assert names("created:2026-11-30T22") == ["Maria"]  # an hour
    assert names("created:2026-11-30T10:00") == ["Jörg"]  # a minute
    assert names('created:"2026-11-30 22:30"') == ["Maria"]  # as the cell writes it
    assert names("created:2026-11-29..2026-11-30") == ["Maria", "Jörg", "François"]
    assert names("created:2026-11") == ["Maria", "Jörg", "François"]  # a month
    assert names("created:2026") == ["Maria", "Jörg", "François", "Garcia"]
    assert names("created:2026-12-31") == ["Garcia"]  # sent with its own offset
    # Open ends and their bounds: >= and <= hold the day, > and < leave it out.
    assert names("created:>=2026-11-30") == ["Maria", "Jörg", "Garcia"]
    assert names("created:>2026-11-30") == ["Garcia"]
    assert names("created:<=2026-11-30") == ["Maria", "Jörg", "François"]
    assert names("created:<2026-11-30") == ["François"]
    assert names("created:2026-11-30..") == ["Maria", "Jörg", "Garcia"]
    assert names("created:..2026-11-29") == ["François"]


def test_created_dates_follow_the_computer_zone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Asia/Tokyo")  # UTC+9: Maria's lead is Dec 1, 12:30 here
    time.tzset()
    assert names("created:2026-12-01") == ["Maria", "Jörg"]  # Jörg: Dec 1, 00:00
    assert names("created:2026-11-30") == []


@pytest.mark.parametrize("zone", ["America/Los_Angeles", "Pacific/Kiritimati", "UTC"])
def test_move_dates_are_the_date_as_sent_in_any_zone(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    # Maria's "2027-03-01T00:00:00Z" is March 1 wherever the computer is.
    assert names("move:2027-03-01") == ["Maria"]
    assert names("move:2027-02-28") == ["Jörg"]
    assert names("move:2027-02-28..2027-03-01") == ["Maria", "Jörg"]
    assert names("move:2026-12-01..2026-12-31") == ["Garcia"]
    assert names("move:2027-03") == ["Maria"] and names("move:2027") == ["Maria", "Jörg"]
    assert names("move:>=2027-03-01") == ["Maria"] and names("move:>2027-03-01") == []
    assert names("move:<=2027-02-28") == ["Jörg", "Garcia"]
    assert names("move:<2027-02-28") == ["Garcia"]  # "soon" is on no side of a date
    assert names("move:>9999") == [] and names("move:<=9999") == ["Maria", "Jörg", "Garcia"]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("move:31/31", "move:31/31: not a date: write 2027-03-01, 2027-03-01..2027-03-31 or"),
        ("move:2027-02-30", "move:2027-02-30: not a date"),
        ("move:2027-03-01T10", "move:2027-03-01T10: not a date"),  # a move has no time
        ("created:2026-13", "created:2026-13: not a date: write 2026-11-30, 2026-11-30T14,"),
        ("created:>=yesterday", "created:>=yesterday: not a date"),
        ("created:..", "created:..: not a date"),
        ("move:2027-03..2027-01", "move:2027-03..2027-01: the range ends before it starts"),
    ],
)
def test_a_term_that_cannot_be_read_is_named_and_the_rest_still_filters(
    text: str, why: str
) -> None:
    found = problems(f"{text} garcia")
    assert len(found) == 1 and found[0].startswith(why)
    assert names(f"{text} garcia") == names("garcia") == ["Maria", "Garcia"]
    assert names(f"-{text} garcia") == ["Maria", "Garcia"]  # negated: left out all the same


def test_terms_being_typed_are_no_problem() -> None:
    for text in ("state:", "-", '"', 'name:"', "created:"):
        assert problems(text) == [] and len(names(text)) == len(LEADS)


def test_typing_on_narrows_only_when_every_row_left_could_still_match() -> None:
    assert narrows("mar", "mari") and narrows("maria", "maria ga")
    assert narrows("state:t", "state:tx") and narrows("", "x")
    assert not narrows("-a", "-ab")  # "not ab" keeps rows that "not a" left out
    assert not narrows("move:2027", "move:2027-1")  # unreadable: the rows grow back
    assert not narrows("maria", "mari")
    assert not narrows("state:tx", "tx")


def test_chart_text_leaves_out_created_terms_only() -> None:
    assert without_dates('maria created:2026-11-30 "a b" -Created:2026 move:2027') == (
        'maria "a b" move:2027'
    )


def big(n: int) -> list[Lead]:
    return [LEADS[i % len(LEADS)] for i in range(n)]


@pytest.mark.parametrize(
    "text",
    ["maria garcia", "state:tx -maria", "-state:tx", "created:>=2026-11-30 tenure:rent",
     "move:2027 name:garcia", "lead_source:web", "stat:x", "muller"],
)  # fmt: skip
def test_the_worker_scan_in_slices_finds_what_one_pass_finds(text: str) -> None:
    """Every path of ``run_filter``: one pass here, slices on a worker, a sorted order (the
    positions shortcut), and narrowing a part of the rows."""
    leads = big(3 * SLICE + 5)
    order = list(range(len(leads)))[::-1]  # sorted: not memory order
    kept = set(filter_rows(leads, text)[0])
    expected = [i for i in order if i in kept]
    slices = 0

    def pace() -> None:
        nonlocal slices
        slices += 1

    source = TextSource(leads)
    texts, at = source.texts(), source.instants()
    plan = FilterPlan(text, leads, order, order, texts, source, False, None, None, at)
    assert run_filter(plan).rows == expected
    assert run_filter(plan, pace).rows == expected and slices >= (text != "stat:x")
    positioned = FilterPlan(text, leads, order, order, texts, source, False, positions_of(order),
                            None, at)  # fmt: skip
    assert run_filter(positioned, pace).rows == expected
    part = order[::3]
    narrowed = FilterPlan(text, leads, order, part, texts, source, False, None, None, at)
    some = set(part)
    assert run_filter(narrowed, pace).rows == [i for i in expected if i in some]


def test_a_field_term_runs_at_once_only_once_its_texts_are_built() -> None:
    leads = big(100)
    source = TextSource(leads)
    texts, at = source.texts(), source.instants()
    order = list(range(len(leads)))

    def plan(text: str, instants: list[float] | None = at) -> FilterPlan:
        return FilterPlan(text, leads, order, order, texts, source, True, None, None, instants)

    assert plan("maria").cheap
    assert not plan("state:tx").cheap  # 100k values to fold first: not on the GUI thread
    assert len(run_filter(plan("state:tx"), lambda: None).rows) == 50
    assert plan("state:tx").cheap  # built, kept
    assert not plan("created:2026", None).cheap and plan("created:2026").cheap
    assert not plan("lead_source:web").cheap  # an extra field: its names listed on a worker
    assert len(run_filter(plan("lead_source:web"), lambda: None).rows) == 25
    assert plan("lead_source:web").cheap
    # Each distinct value folded once: one string for every lead in Texas.
    built = source.field_texts(("new_state",))
    assert len({id(t) for t in built}) == 3
    assert built in source.built_besides([])
