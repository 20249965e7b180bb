"""Fuzzing: the parser and the CSV export round trip (what a user types: ``test_fuzz_input``).

Example counts come from the hypothesis profile (``tests/conftest.py``): ``ci`` by default,
``--hypothesis-profile=thorough`` for the ≥10,000-example run. The window tests build one window
per test and feed it every example (hence the suppressed function-scoped-fixture check).
"""

from __future__ import annotations

import csv
import io
import json
import random
import re
from contextlib import suppress
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mymove_viewer.api import parse as parse_module
from mymove_viewer.api.errors import InvalidResponseError
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.api.lead import Lead, instant_keys, parse_timestamp
from mymove_viewer.api.parse import parse_leads
from mymove_viewer.api.parse_stream import LeadStream
from mymove_viewer.export import BAD_PREFIXES, lead_columns, write_csv
from mymove_viewer.table.display import display
from tests.api.odd_records import ODD, sandbox_records, whole_body_decode
from tests.calendar_edges import ZONES, local_zone
from tests.calendar_edges import stamps as edge_stamps

from .fuzz_strategies import nasty_text

CREATED = "2026-11-27T10:00:00Z"

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()  # json.dumps writes NaN and Infinity, as some servers do
    | nasty_text
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(nasty_text, inner, max_size=4),
    max_leaves=25,
)
_SURROGATE = re.compile("[\ud800-\udfff]")
edge_zones = st.sampled_from(ZONES)
chunk_sizes = st.sampled_from([parse_module.CHUNK_BYTES, 1, 64])  # 1 and 64: split everywhere


def without_surrogates(text: str) -> str:
    return "".join("\ufffd" if "\ud800" <= c <= "\udfff" else c for c in text)


def dumps(value: object, ascii_only: bool) -> bytes:
    """JSON as a server would send it: UTF-8, with a lone surrogate always escaped (raw, it
    would not be UTF-8 at all, and the whole body is rightly refused; another test covers it)."""
    text = json.dumps(value, ensure_ascii=ascii_only)
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", text).encode()


def as_received(value: str | None) -> str:
    """What a JSON decoder makes of ``value`` (escaped surrogate pairs combine), then the
    parser's policy for lone surrogates."""
    return without_surrogates(json.loads(dumps(value, True).decode()) or "")


def parse_with_chunks(body: bytes, chunk: int):
    """``parse_leads``' result with the body cut into slices of about ``chunk`` bytes; and the
    same result (or error) when the body is parsed as it downloads, in reads of any size."""
    try:
        with mock.patch.object(parse_module, "CHUNK_BYTES", chunk):
            whole = parse_leads(body)
    except InvalidResponseError as error:
        with pytest.raises(InvalidResponseError) as raised:
            streamed(body, chunk)
        assert str(raised.value) == str(error)
        raise
    result = streamed(body, chunk)
    assert result == whole
    assert_created_keys(result)  # the keys may come where the whole body's parse had none
    return whole


def streamed(body: bytes, chunk: int):
    stream = LeadStream(chunk=chunk)
    rnd = random.Random(len(body))
    at = 0
    while at < len(body):
        size = rnd.randint(1, max(2, 3 * chunk))
        stream.feed(body[at : at + size])
        at += size
    return stream.finish()


def assert_created_keys(result) -> None:
    """The sort keys the parse gathers for the presort are those of the leads it kept."""
    if result.created_keys is not None:
        assert result.created_keys == instant_keys([lead.created_at for lead in result.leads])


# -- the parser --------------------------------------------------------------------------------


@given(
    value=json_values | st.fixed_dictionaries({"leads": st.lists(json_values, max_size=6)}),
    ascii_only=st.booleans(),
    chunk=chunk_sizes,
)
def test_any_json_value_yields_leads_or_the_documented_error(value, ascii_only, chunk) -> None:
    try:
        result = parse_with_chunks(dumps(value, ascii_only), chunk)
    except InvalidResponseError:
        return
    records = value["leads"] or []
    assert len(result.leads) + result.skipped == len(records)


valid_lead = st.fixed_dictionaries(
    {"created_at": st.just(CREATED)},
    optional={f: nasty_text | st.none() for f in FIELDS if f != "created_at"}
    | {"extra_" + c: nasty_text for c in "ab"},
)
junk = (
    json_scalars
    | st.lists(json_scalars, max_size=3)
    | st.dictionaries(nasty_text, json_scalars, max_size=3).filter(
        lambda d: not isinstance(d.get("created_at"), str) or not parse_timestamp(d["created_at"])
    )
)


@given(
    items=st.lists(st.tuples(st.booleans(), valid_lead, junk), max_size=10),
    ascii_only=st.booleans(),
    chunk=chunk_sizes,
)
def test_every_valid_lead_in_a_mixed_body_survives(items, ascii_only, chunk) -> None:
    records, valid = [], []
    for is_valid, lead, other in items:
        records.append(lead if is_valid else other)
        if is_valid:
            valid.append(lead)
    result = parse_with_chunks(dumps({"leads": records}, ascii_only), chunk)
    assert len(result.leads) == len(valid)
    assert result.skipped == len(records) - len(valid)
    for lead, record in zip(result.leads, valid, strict=True):
        for name, value in record.items():
            assert lead.get(name) == as_received(value)
    assert_created_keys(result)


@st.composite
def damaged_bodies(draw) -> bytes:
    records = draw(st.lists(valid_lead, min_size=1, max_size=4))
    body = bytearray(dumps({"leads": records}, draw(st.booleans())))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["cut", "flip", "insert"]))
        at = draw(st.integers(0, max(len(body) - 1, 0)))
        if action == "cut":
            del body[at:]
        elif action == "flip" and body:
            body[at] = draw(st.integers(0, 255))
        else:
            body[at:at] = draw(st.binary(min_size=1, max_size=8))
    return bytes(body)


@given(raw=st.binary(max_size=300) | damaged_bodies(), chunk=chunk_sizes)
def test_arbitrary_and_damaged_bytes_raise_only_the_documented_error(raw, chunk) -> None:
    with suppress(InvalidResponseError):
        result = parse_with_chunks(raw, chunk)
        assert all(isinstance(lead, Lead) for lead in result.leads)


# Values msgspec refuses or cannot keep exactly, written into the body as raw bytes: numbers
# as written (too long to convert, beyond a float, NaN), invalid UTF-8 in a value or a name, and
# the created_at forms RFC 3339 allows besides the canonical one.
BIG_DIGITS = 4301  # one over sys.get_int_max_str_digits()
number_tokens = (
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1.50", "1e400", "-1E-400", "-0", "0.0"])
    | st.integers(BIG_DIGITS - 2, BIG_DIGITS + 50).map(lambda n: "9" * n)
    | st.integers(min_value=-(2**80), max_value=2**80).map(str)
    | st.floats(allow_nan=False, allow_infinity=False).map(repr)
)
invalid_utf8 = st.sampled_from(
    [b"\xff", b"\xfe\xff", b"\x80", b"\xe9", b"\xc3", b"\xf0\x9f\x98", b"\xed\xa0\x80", b"\xc0\xaf"]
)
plain = st.text(alphabet="ab \u00e9\u20ac", max_size=4)
created_forms = st.sampled_from(
    ["2026-11-27T10:00:00Z", "2026-11-27t10:00:00Z", "2026-11-27 10:00:00Z",
     "2026-11-27T10:00:00z", "2026-11-27t10:00:00.5z", "2026-11-27 11:00:00+01:00"]
)  # fmt: skip


@st.composite
def exotic_bodies(draw) -> tuple[bytes, list[dict[str, str]], int, int]:
    """A body, the leads it must give (name -> text), how many values get a U+FFFD, and how
    many records are skipped."""
    holes: dict[str, bytes] = {}

    def hole(raw: bytes) -> str:
        name = f"@hole{len(holes)}@"
        holes[name] = raw
        return name

    def broken() -> tuple[bytes, str]:
        raw = draw(plain).encode() + draw(invalid_utf8) + f"{len(holes)}".encode()
        return b'"' + raw + b'"', raw.decode("utf-8", "replace")

    records, wanted, replaced, skipped = [], [], 0, 0
    for _ in range(draw(st.integers(0, 6))):
        keep = draw(st.integers(0, 4)) > 0
        created = draw(created_forms)
        record: dict[str, object] = {"created_at": created if keep else "not a time"}
        want, bad = {"created_at": created}, 0
        for name in draw(st.lists(st.sampled_from([*FIELDS[2:8], "extra_a"]), unique=True,
                                  max_size=4)):  # fmt: skip
            kind = draw(st.sampled_from(["number", "invalid", "invalid-name", "text"]))
            if kind == "number":
                token = draw(number_tokens)
                record[name], want[name] = hole(token.encode()), token
            elif kind == "invalid":
                raw, text = broken()
                record[name], want[name], bad = hole(raw), text, bad + 1
            elif kind == "invalid-name":
                raw, text = broken()
                record[hole(raw)], want[text], bad = "v", "v", bad + 1
            else:
                value = draw(nasty_text)
                record[name], want[name] = value, as_received(value)
                bad += want[name] != json.loads(dumps(value, True).decode())
        records.append(record)
        if keep:
            wanted.append(want)
            replaced += bad
        else:
            skipped += 1
    body = dumps({"leads": records}, draw(st.booleans()))
    for name, raw in holes.items():
        body = body.replace(json.dumps(name).encode(), raw)
    return body, wanted, replaced, skipped


@given(case=exotic_bodies(), chunk=chunk_sizes)
def test_values_msgspec_refuses_keep_every_lead_as_sent(case, chunk) -> None:
    body, wanted, replaced, skipped = case
    result = parse_with_chunks(body, chunk)
    assert (result.replaced, result.skipped, len(result.leads)) == (replaced, skipped, len(wanted))
    for lead, want in zip(result.leads, wanted, strict=True):
        for name, text in want.items():
            assert lead.get(name) == text, name
        assert parse_timestamp(lead.created_at) is not None
    assert_created_keys(result)


# -- export round trip -------------------------------------------------------------------------

extra_names = st.sampled_from(["old_housing_tenure", "note", "=cmd", "a,b", 'q"uote'])
leads_strategy = st.lists(
    st.tuples(
        st.fixed_dictionaries({f: nasty_text for f in FIELDS}),
        st.dictionaries(extra_names, nasty_text, max_size=3),
    ).map(lambda pair: Lead.from_mapping({**pair[0], **pair[1]})),
    max_size=6,
)


def read_back(path: Path, excel: bool) -> list[list[str]]:
    text = path.read_bytes().decode("utf-8-sig" if excel else "utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(leads=leads_strategy, excel=st.booleans())
def test_export_round_trip(tmp_path: Path, leads: list[Lead], excel: bool) -> None:
    columns = lead_columns(leads)
    plain, guarded = tmp_path / "plain.csv", tmp_path / "guarded.csv"
    write_csv(plain, columns, leads, excel=excel, formula_guard=False)
    write_csv(guarded, columns, leads, excel=excel, formula_guard=True)
    expected = [columns] + [[without_surrogates(v) for v in lead.values(columns)] for lead in leads]
    raw, safe = read_back(plain, excel), read_back(guarded, excel)
    assert raw == expected
    assert len(safe) == len(raw)
    for safe_row, raw_row in zip(safe, raw, strict=True):
        for g, r in zip(safe_row, raw_row, strict=True):
            assert g == ("'" + r if r[:1] in BAD_PREFIXES else r)


# -- dates at the edges of the calendar (years 1 and 9999, every offset, several zones) -------


@given(created=st.lists(edge_stamps, min_size=1, max_size=8), chunk=chunk_sizes, zone=edge_zones)
def test_leads_created_anywhere_in_the_calendar_are_kept_and_shown(created, chunk, zone) -> None:
    from mymove_viewer.table.display import CREATED as CREATED_KIND
    from mymove_viewer.table.display import search_texts
    from mymove_viewer.table.overview import instants, volume

    records = [{"created_at": c, "first_name": f"n{i}"} for i, c in enumerate(created)]
    result = parse_with_chunks(dumps({"leads": records}, True), chunk)
    assert [lead.created_at for lead in result.leads] == created and result.skipped == 0
    with local_zone(zone):
        cells = [display(CREATED_KIND, c) for c in created]
        texts = search_texts(result.leads)
        bars = volume(instants(result.leads))
    for cell, text in zip(cells, texts, strict=True):
        assert cell.lower() in text
        assert re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[ Tt].*", cell)  # never "999-…"
    assert sum(bars.counts) == len(created) and len(bars) <= 10_001


# -- records in any shape, anywhere in a body of many slices ----------------------------------

SANDBOX_RECORDS = sandbox_records(40)
odd_change = st.sampled_from(list(ODD)) | st.tuples(
    st.sampled_from(FIELDS) | nasty_text, json_values
)


@given(
    changes=st.lists(st.tuples(st.integers(0, len(SANDBOX_RECORDS) - 1), odd_change), max_size=6),
    ascii_only=st.booleans(),
    chunk=chunk_sizes | st.sampled_from([1500, 4000]),
)
@example(changes=[(0, "undocumented field")], ascii_only=False, chunk=1500)
@example(changes=[(39, "number")], ascii_only=False, chunk=1500)
def test_odd_records_anywhere_give_what_the_whole_body_decode_gives(
    changes, ascii_only, chunk
) -> None:
    records = list(SANDBOX_RECORDS)
    for at, change in changes:
        record = json.loads(SANDBOX_RECORDS[at])  # a later change at ``at`` replaces it
        if isinstance(change, str):
            records[at] = ODD[change](record)
        else:
            record[change[0]] = change[1]
            records[at] = dumps(record, ascii_only)
    body = b'{"leads":[' + b",".join(records) + b"]}"
    assert parse_with_chunks(body, chunk) == whole_body_decode(body)


added_name = st.sampled_from(["lead_source", "lead_id", "old_housing_tenure", "a b"]) | nasty_text
added_value = st.sampled_from(["web", "", None]) | json_values


@given(
    added=st.lists(st.tuples(added_name, added_value), min_size=1, max_size=4),
    picks=st.lists(st.permutations(range(4)), min_size=40, max_size=40),
    ascii_only=st.booleans(),
    chunk=st.sampled_from([1500, 4000, 64]),
)
def test_fields_an_api_adds_in_any_order_give_what_the_whole_body_decode_gives(
    added, picks, ascii_only, chunk
) -> None:
    # Each record gets the added fields in its own order (some left out): the typed structs
    # learn them, and a lead's extra names still follow its record.
    records = []
    for raw, order in zip(SANDBOX_RECORDS, picks, strict=True):
        record = json.loads(raw)
        for i in order[: len(order) - (len(raw) % 3)]:
            if i < len(added):
                record.pop(added[i][0], None)
                record[added[i][0]] = added[i][1]
        records.append(dumps(record, ascii_only))
    body = b'{"leads":[' + b",".join(records) + b"]}"
    assert parse_with_chunks(body, chunk) == whole_body_decode(body)
