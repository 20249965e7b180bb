"""Dates at the edges of the calendar (years 1 and 9999, every UTC offset, several zones) in
everything that is not a widget: the query sent to the API, the cells and search texts, the
chart's buckets, sorting, XLSX cells and the saved settings."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mymove_viewer.api.errors import ValidationError
from mymove_viewer.api.lead import Lead, parse_timestamp
from mymove_viewer.api.moments import local_aware, posix, wall_clock
from mymove_viewer.api.query import MAX_DAYS, MAX_HOURS, Query, parse_rfc3339
from mymove_viewer.export import write_xlsx
from mymove_viewer.settings import Settings, SettingsStore
from mymove_viewer.table.display import CREATED, SEPARATOR, display, key_function, search_texts
from mymove_viewer.table.overview import DAY, HOUR, MONTH, YEAR, extended, instants, volume
from tests.calendar_edges import (
    EDGE_STAMPS,
    ZONES,
    local_zone,
    micros,
    moments,
    rfc3339_text,
    stamps,
    utc_can_hold,
)

SENT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]*[1-9])?Z")
SHOWN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}")
MAX_BARS = 10_001  # a bar a year from 0001 to 9999, and one to close the range
zones = st.sampled_from(ZONES)


# -- what is sent to the API ---------------------------------------------------------------------


@given(a=moments, b=moments)
def test_a_range_is_sent_as_rfc3339_or_refused_with_a_clear_error(a, b) -> None:
    start, end = sorted((a, b))
    if start == end:
        end = end + timedelta(microseconds=1) if end.year < 9999 else end
        start = start - timedelta(microseconds=1) if start.year > 1 else start
    if start == end:
        return
    if utc_can_hold(start) and utc_can_hold(end):
        params = Query.between(start, end).params()
        for name, moment in (("start", start), ("end", end)):
            assert SENT.fullmatch(params[name]), params[name]
            assert parse_rfc3339(params[name]) == moment  # the same instant, to the microsecond
    else:
        with pytest.raises(ValidationError, match="outside the years 1 to 9999 in UTC"):
            Query.between(start, end)


@pytest.mark.parametrize(
    ("start", "end", "sent"),
    [
        ("0999-01-01T00:00:00Z", "0999-01-02T00:00:00Z", ("0999-01-01T00:00:00Z",)),
        ("0001-01-01T05:00:00+05:00", "0010-01-01T00:00:00Z", ("0001-01-01T00:00:00Z",)),
        ("9999-12-31T00:00:00Z", "9999-12-31T23:59:59.999999Z", ("9999-12-31T23:59:59.999999Z",)),
    ],
)
def test_years_keep_four_digits_on_the_wire(start: str, end: str, sent: tuple[str]) -> None:
    query = Query.between(parse_rfc3339(start), parse_rfc3339(end))
    assert sent[0] in query.params().values()


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:00:00-05:00"])
def test_a_range_beyond_the_calendar_is_a_validation_error(text: str) -> None:
    moment = parse_rfc3339(text)
    other = parse_rfc3339("2026-01-01T00:00:00Z")
    with pytest.raises(ValidationError) as caught:
        Query.between(*sorted((moment, other)))
    assert text in caught.value.message and "0001-01-01T00:00:00Z" in caught.value.message


# -- cells, search texts and sorting -----------------------------------------------------------


def expected_cell(text: str, zone: str) -> str:
    """The oracle: the local time from the zone database (not the C library) when the local
    time is within years 1-9999, else the text as sent."""
    moment = parse_timestamp(text)
    assert moment is not None
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except OverflowError:
        return text
    return f"{local.year:04d}-{local:%m-%d %H:%M}"


@given(sent=st.lists(stamps, min_size=1, max_size=12), zone=zones)
def test_cells_and_search_texts_show_every_time_in_any_zone(sent: list[str], zone: str) -> None:
    leads = [Lead.from_mapping({"created_at": s, "first_name": s[:4]}) for s in sent]
    with local_zone(zone):
        cells = [display(CREATED, s) for s in sent]
        texts = search_texts(leads)
    for text, cell, searched in zip(sent, cells, texts, strict=True):
        assert cell == expected_cell(text, zone)
        assert cell == text or SHOWN.fullmatch(cell)
        assert searched.endswith(SEPARATOR + cell.lower())  # the filter finds what it shows


def test_the_edge_stamps_show_in_local_time_where_it_exists() -> None:
    with local_zone("America/New_York"):
        assert display(CREATED, "9999-12-31T23:59:59Z") == "9999-12-31 18:59"
        assert display(CREATED, "0001-01-01T00:00:00Z") == "0001-01-01T00:00:00Z"  # year 0 here
        assert display(CREATED, "0999-06-01T12:00:00Z") == "0999-06-01 07:03"  # LMT, -4:56:02
    with local_zone("Asia/Kolkata"):
        assert display(CREATED, "0001-01-01T00:00:00Z") == "0001-01-01 05:53"
        assert display(CREATED, "9999-12-31T23:59:59Z") == "9999-12-31T23:59:59Z"


@given(sent=st.lists(stamps, min_size=2, max_size=12))
def test_created_sorts_by_instant(sent: list[str]) -> None:
    key = key_function(CREATED, sent)
    exact = {s: micros(parse_timestamp(s)) for s in sent}  # type: ignore[arg-type]
    ordered = sorted(sent, key=key)
    for earlier, later in pairwise(ordered):
        # Float seconds: instants within a few microseconds of each other may tie.
        assert exact[earlier] <= exact[later] + 100


# -- the chart -------------------------------------------------------------------------------------


def check_volume(at: list[float], window: tuple[float, float] | None, tz) -> None:
    data = volume(at, window, tz)
    real = [v for v in at if not math.isnan(v)]
    assert 0 < len(data) <= MAX_BARS
    assert all(a < b for a, b in pairwise(data.edges))
    assert sum(data.counts) == len(real)
    span = [*real, *(window or ())]
    assert data.edges[0] <= min(span) and max(span) < data.edges[-1]
    for i, n in enumerate(data.counts):
        if n:
            label = data.label(i, tz)
            assert label.endswith(f" · {n:,} lead{'s' * (n != 1)}")
            if data.unit in (MONTH, YEAR):
                assert re.search(r"\b[0-9]{4} ·", label), label
    grown = extended(data, real[:1], window, tz)
    if grown is not None:
        assert sum(grown.counts) == len(real) + 1 and grown.unit == data.unit


@settings(max_examples=60)  # a span of 9,999 years costs ~0.1 s: each year's edge is looked up
@given(
    sent=st.lists(stamps, min_size=1, max_size=10),
    window_from=st.sampled_from([None, 0, -1]),
    zone=zones,
    explicit=st.booleans(),
)
def test_chart_buckets_are_few_and_count_every_lead(sent, window_from, zone, explicit) -> None:
    leads = [Lead.from_mapping({"created_at": s}) for s in sent]
    at = instants(leads)
    window = None if window_from is None else (at[window_from] - 86_400, at[window_from])
    with local_zone(zone):
        check_volume(at, window, ZoneInfo(zone) if explicit else None)


def test_leads_at_year_1_and_9999_make_a_bar_per_year_not_per_day() -> None:
    now = datetime(2026, 11, 27, 17, tzinfo=UTC).timestamp()
    at = [parse_timestamp(s).timestamp() for s in EDGE_STAMPS] + [now]  # type: ignore[union-attr]
    with local_zone("America/New_York"):
        data = volume(at, (now - 86_400, now))
        assert data.unit == YEAR and len(data) <= MAX_BARS
        assert data.label(0).startswith("0001 · ") and data.label(len(data) - 1).startswith("9999")
        two_years = volume([now - 400 * 86_400, now])
        assert two_years.label(0).startswith("Oct 23 2025 · ")  # over a year: with the year
        century = volume([now - 90 * 366 * 86_400, now])
    assert (two_years.unit, century.unit) == (DAY, MONTH)
    assert century.label(0).startswith("Sep 1936 · ")  # a bar a month: 90 years, ~1,080 bars
    assert volume([now - 3600, now]).unit == HOUR


@pytest.mark.parametrize("zone", ZONES)
def test_wall_clock_and_posix_hold_at_the_edges(zone: str) -> None:
    with local_zone(zone):
        for at in (-62_135_596_800 - 86_400.0, -62_135_596_800.0, 253_402_300_799.0, 3e11):
            wall = wall_clock(at)
            assert datetime.min <= wall <= datetime.max
            assert abs(posix(wall) - min(max(at, -62_135_596_800), 253_402_300_800)) <= 86_400
        for wall in (datetime.min, datetime.max, datetime(1, 1, 2), datetime(9999, 12, 30)):
            aware = local_aware(wall)
            assert aware.replace(tzinfo=None) == wall and aware.utcoffset() is not None


# -- XLSX ----------------------------------------------------------------------------------------


@settings(max_examples=25)
@given(sent=st.lists(stamps, min_size=1, max_size=8), zone=zones)
def test_xlsx_writes_real_dates_where_excel_has_them_and_text_elsewhere(
    tmp_path_factory: pytest.TempPathFactory, sent: list[str], zone: str
) -> None:
    path = tmp_path_factory.mktemp("xlsx") / "edges.xlsx"
    leads = [Lead.from_mapping({"created_at": s}) for s in sent]
    with local_zone(zone):
        assert write_xlsx(path, ["created_at"], leads) == len(leads)
    sheet = openpyxl.load_workbook(path).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    for text, cell in zip(sent, cells, strict=True):
        moment = parse_timestamp(text)
        assert moment is not None
        try:
            local = moment.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        except OverflowError:
            local = None
        if local is not None and local >= datetime(1900, 1, 2):  # 1900-01-01 is day 0 there
            assert isinstance(cell, datetime)
            assert abs(cell - local) < timedelta(milliseconds=1)  # Excel keeps milliseconds
        else:
            assert cell == text  # as sent, so nothing is lost


# -- saved settings -----------------------------------------------------------------------------


@given(
    hours=st.integers(-(2**70), 2**70) | st.sampled_from([0, 1, MAX_HOURS, MAX_HOURS + 1]),
    days=st.integers(-(2**70), 2**70) | st.sampled_from([0, 1, MAX_DAYS, MAX_DAYS + 1]),
    edge=moments,
)
def test_saved_numbers_out_of_range_fall_back_to_defaults(
    tmp_path_factory: pytest.TempPathFactory, hours: int, days: int, edge: datetime
) -> None:
    folder = tmp_path_factory.mktemp("config")
    text = (
        f'{{"schema": 1, "query_mode": "range", "hours": {hours}, "days": {days}, '
        f'"range_start": "{rfc3339_text(edge)}", "range_end": "{edge.isoformat()}"}}'
    )
    (folder / "settings.json").write_text(text)
    loaded = SettingsStore(folder).load()
    s = loaded.settings
    assert s.hours == (hours if 1 <= hours <= MAX_HOURS else Settings().hours)
    assert s.days == (days if 1 <= days <= MAX_DAYS else Settings().days)
    assert s.range_end == edge.isoformat()  # any real date and time is kept; the editor clamps
    if not (1 <= hours <= MAX_HOURS and 1 <= days <= MAX_DAYS):
        assert loaded.warning and "reset to their defaults" in loaded.warning
