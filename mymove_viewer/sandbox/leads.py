"""Deterministic synthetic leads for the sandbox server, fast enough for a million records.

Every column is drawn in bulk from ``random.Random(seed).randbytes`` and mapped through a
precomputed pool with ``map`` (C speed) instead of one ``random`` call per cell. Pool values are
plain text with no quote, backslash or control character, so a record can be serialised with one
``%`` template instead of a general JSON encoder; non-ASCII stays raw UTF-8, as msgspec writes it.
Emails use the reserved ``example.*`` domains so no synthetic address can reach a real person.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from functools import cache

import msgspec

from ..api.fields import FIELDS

EXTRA_FIELD = "old_housing_tenure"
_DAY = 86_400

_OFFERS = ("10000", "10001", "10042", "10107", "10250", "11003", "11030", "12000")
_FIRST = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty",
    "Mark", "Sandra", "Donald", "Ashley", "Steven", "Emily", "Andrew", "Michelle", "Joshua",
    "Amanda", "Kevin", "Melissa", "Brian", "Stephanie", "George", "Rebecca", "Timothy", "Laura",
    "Ryan", "Emma", "Jacob", "Olivia", "Noah", "Ava", "Liam", "Mia", "Ethan", "Harper",
    "José", "Zoë", "Chloé", "Renée", "Héctor", "Sofía", "María", "Jesús", "André", "Noémie",
    "Ángel", "Inés", "Thảo", "Minh", "Priya", "Aarav", "Wei", "Mei", "Kwame", "Aaliyah",
    "DeShawn", "Siobhán", "Mary-Kate", "Jean-Luc",
)  # fmt: skip
_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson",
    "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White", "Harris",
    "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts", "Carter",
    "Phillips", "Evans", "Turner", "Parker", "Collins", "Edwards", "Stewart", "Morris",
    "García", "Rodríguez", "Martínez", "Hernández", "López", "González", "Pérez", "Sánchez",
    "Ramírez", "Muñoz", "Peña", "Núñez", "Nguyễn", "Trần", "Lê", "Phạm", "Kim", "Park", "Chen",
    "Wang", "Patel", "Shah", "O'Brien", "O'Connor", "McDonald", "Smith-Jones", "St. Clair",
    "Van der Berg", "Okafor", "Kowalski", "Søndergaard",
)  # fmt: skip
_STREETS = (
    "Main", "Oak", "Pine", "Maple", "Cedar", "Elm", "Washington", "Lake", "Hill", "Park",
    "Walnut", "Sunset", "Lincoln", "Jefferson", "Madison", "Franklin", "Highland", "Church",
    "Center", "Chestnut", "Spring", "Ridge", "Meadow", "River", "Forest", "Willow", "Mill",
    "Jackson", "Adams", "Dogwood", "Magnolia", "Peachtree", "Martin Luther King Jr", "Broad",
    "Market", "Union", "Prospect", "Railroad", "School", "Valley", "Cherry", "Hickory",
)  # fmt: skip
_SUFFIXES = ("St.", "Ave.", "Rd.", "Blvd.", "Dr.", "Ln.", "Ct.", "Way", "Pl.", "Ter.")
_UNITS = ("Apt.", "Apt", "Unit", "Suite", "#", "Ste.", "Bldg. 2 Apt.")
_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com", "example.us")
# (city, state, ZIP codes): real pairs, with the leading-zero ZIPs of New England, New Jersey
# and Puerto Rico that break naive integer parsing.
_PLACES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("Boston", "MA", ("02134", "02116", "02118", "02127")),
    ("Cambridge", "MA", ("02138", "02139", "02141")),
    ("Worcester", "MA", ("01602", "01605", "01609")),
    ("Springfield", "MA", ("01103", "01108")),
    ("Providence", "RI", ("02903", "02906", "02908")),
    ("Hartford", "CT", ("06103", "06105", "06106")),
    ("New Haven", "CT", ("06510", "06511", "06513")),
    ("Burlington", "VT", ("05401", "05408")),
    ("Portland", "ME", ("04101", "04102", "04103")),
    ("Manchester", "NH", ("03101", "03102", "03104")),
    ("Hoboken", "NJ", ("07030",)),
    ("Jersey City", "NJ", ("07302", "07304", "07306")),
    ("Newark", "NJ", ("07102", "07104", "07105")),
    ("Princeton", "NJ", ("08540", "08542")),
    ("San Juan", "PR", ("00901", "00907", "00909")),
    ("New York", "NY", ("10001", "10011", "10025", "10128")),
    ("Brooklyn", "NY", ("11201", "11215", "11238")),
    ("Buffalo", "NY", ("14201", "14213", "14222")),
    ("Philadelphia", "PA", ("19103", "19104", "19147")),
    ("Pittsburgh", "PA", ("15213", "15217", "15222")),
    ("Baltimore", "MD", ("21201", "21218", "21230")),
    ("Washington", "DC", ("20001", "20009", "20016")),
    ("Arlington", "VA", ("22201", "22203", "22207")),
    ("Richmond", "VA", ("23220", "23223", "23226")),
    ("Charlotte", "NC", ("28203", "28204", "28205", "28277")),
    ("Raleigh", "NC", ("27601", "27603", "27609")),
    ("Charleston", "SC", ("29401", "29403", "29407")),
    ("Atlanta", "GA", ("30303", "30306", "30309", "30318")),
    ("Savannah", "GA", ("31401", "31404", "31405")),
    ("Miami", "FL", ("33101", "33130", "33139")),
    ("Orlando", "FL", ("32801", "32803", "32806")),
    ("Tampa", "FL", ("33602", "33606", "33611")),
    ("Nashville", "TN", ("37203", "37206", "37212")),
    ("Memphis", "TN", ("38103", "38104", "38117")),
    ("Louisville", "KY", ("40202", "40204", "40205")),
    ("Columbus", "OH", ("43201", "43206", "43215")),
    ("Cleveland", "OH", ("44102", "44113", "44114")),
    ("Cincinnati", "OH", ("45202", "45206", "45220")),
    ("Detroit", "MI", ("48201", "48207", "48226")),
    ("Ann Arbor", "MI", ("48103", "48104", "48105")),
    ("Indianapolis", "IN", ("46202", "46204", "46220")),
    ("Chicago", "IL", ("60601", "60614", "60622", "60657")),
    ("Milwaukee", "WI", ("53202", "53204", "53211")),
    ("Minneapolis", "MN", ("55401", "55405", "55408")),
    ("St. Louis", "MO", ("63101", "63104", "63110")),
    ("Kansas City", "MO", ("64105", "64108", "64111")),
    ("Omaha", "NE", ("68102", "68105", "68131")),
    ("Des Moines", "IA", ("50309", "50310", "50312")),
    ("New Orleans", "LA", ("70112", "70115", "70130")),
    ("Houston", "TX", ("77002", "77006", "77019", "77098")),
    ("Dallas", "TX", ("75201", "75204", "75206")),
    ("Austin", "TX", ("78701", "78704", "78745")),
    ("San Antonio", "TX", ("78205", "78209", "78212")),
    ("Oklahoma City", "OK", ("73102", "73103", "73112")),
    ("Denver", "CO", ("80202", "80205", "80210")),
    ("Boulder", "CO", ("80302", "80303", "80304")),
    ("Salt Lake City", "UT", ("84101", "84102", "84105")),
    ("Albuquerque", "NM", ("87102", "87106", "87110")),
    ("Phoenix", "AZ", ("85003", "85004", "85016")),
    ("Tucson", "AZ", ("85701", "85705", "85719")),
    ("Las Vegas", "NV", ("89101", "89104", "89109")),
    ("Los Angeles", "CA", ("90012", "90026", "90034", "90046")),
    ("San Diego", "CA", ("92101", "92103", "92104")),
    ("San Francisco", "CA", ("94103", "94110", "94117")),
    ("San José", "CA", ("95110", "95112", "95126")),
    ("Sacramento", "CA", ("95814", "95816", "95818")),
    ("Portland", "OR", ("97201", "97205", "97214")),
    ("Seattle", "WA", ("98101", "98103", "98122")),
    ("Spokane", "WA", ("99201", "99203", "99205")),
    ("Boise", "ID", ("83702", "83705", "83706")),
    ("Anchorage", "AK", ("99501", "99503", "99508")),
    ("Honolulu", "HI", ("96813", "96814", "96815")),
)


def _frag(key: str, value: str) -> str:
    return f',"{key}":"{value}"'


def _utf8(values: list[str]) -> list[bytes]:
    return [v.encode() for v in values]


def _pool(values: list[str], size: int = 256) -> list[str]:
    """``values`` repeated to exactly ``size`` entries, so a random byte indexes it directly."""
    return [values[i % len(values)] for i in range(size)]


def _with_blanks(values: list[str], blank: str, blank_share: float) -> list[str]:
    """A 256-entry pool where about ``blank_share`` of the entries are ``blank``."""
    blanks = round(256 * blank_share)
    return _pool(values, 256 - blanks) + [blank] * blanks


def _slug(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def _check_plain(*groups: tuple[str, ...]) -> None:
    for group in groups:
        for value in group:
            if any(c in value for c in '"\\') or any(ord(c) < 0x20 for c in value):
                raise AssertionError(f"pool value needs JSON escaping: {value!r}")


_check_plain(_OFFERS, _FIRST, _LAST, _STREETS, _SUFFIXES, _UNITS, _DOMAINS)
_check_plain(*((city, state, *zips) for city, state, zips in _PLACES))

# Every pool holds ready JSON fragments: a record is the concatenation of one entry per column.
_OFFER = _utf8(_pool(['{"offer_id":"' + o + '"' for o in _OFFERS]))
_FIRST_NAME = _utf8(_pool([_frag("first_name", n) for n in _FIRST]))
_FIRST_SLUG = _utf8(_pool([_slug(n) for n in _FIRST]))
_LAST_NAME = _utf8(_pool([_frag("last_name", n) for n in _LAST]))
_LAST_SLUG = _utf8(_pool([_slug(n) for n in _LAST]))
_EMAIL_SEP = _utf8(_pool([".", ".", "_", "", "."]))
_EMAIL_NUM = _utf8(_pool(["", "", "", *(str(n) for n in (1, 7, 12, 21, 77, 88, 99, 1987, 2001))]))
_EMAIL_ON = [bool(v) for v in _with_blanks(["1"], "", 0.07)]
_DOMAIN = _utf8(_pool(["@" + d + '"' for d in _DOMAINS]))
_EMAIL_KEY = _frag("email", "")[:-1].encode()
_NO_EMAIL = _frag("email", "").encode()
_TENURE = _utf8(
    _pool([_frag("new_housing_tenure", t) for t in ("own", "own", "own", "rent", "rent")])
)
_HOUSES = [str(1 + (i * 7919) % 9_999) for i in range(256)]
_STREET = _utf8(
    _pool([f' {_STREETS[i % len(_STREETS)]} {_SUFFIXES[i % len(_SUFFIXES)]}"' for i in range(420)])
)
_UNIT_VALUES = [f"{u} {n}" for n in (1, 2, 3, 4, 5, 12, 101, 204, 3, 7, 9) for u in _UNITS]
_PLACE_ROWS = [(city, state, z) for city, state, zips in _PLACES for z in zips]
_PLUS4_VALUES = [f"{(i * 6007) % 10_000:04d}" for i in range(256)]
_EXTRA = _utf8(
    _with_blanks(
        [
            _frag(EXTRA_FIELD, "own") + "}",
            _frag(EXTRA_FIELD, "rent") + "}",
            _frag(EXTRA_FIELD, "") + "}",
        ],
        "}",
        0.96,
    )
)


_Pools = tuple[list[bytes], list[bytes], list[bytes], list[bytes]]


def _address_pools(side: str) -> _Pools:
    houses = [_frag(f"{side}_address_1", h) for h in _HOUSES]
    houses = [h[:-1] for h in houses]  # the street entry closes the quote
    units = _with_blanks(
        [_frag(f"{side}_address_2", u) for u in _UNIT_VALUES], _frag(f"{side}_address_2", ""), 0.65
    )
    places = _pool(
        [
            _frag(f"{side}_city", c) + _frag(f"{side}_state", s) + _frag(f"{side}_postal_code", z)
            for c, s, z in _PLACE_ROWS
        ]
    )
    plus4 = _with_blanks(
        [_frag(f"{side}_postal_code_plus4", v) for v in _PLUS4_VALUES],
        _frag(f"{side}_postal_code_plus4", ""),
        0.25,
    )
    return _utf8(houses), _utf8(units), _utf8(places), _utf8(plus4)


_NEW = _address_pools("new")
_OLD = _address_pools("old")


@cache
def _clock_table() -> list[bytes]:
    """``HH:MM:SSZ"`` for every second of a day: one list index beats ``strftime`` per record."""
    return [f'{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}Z"'.encode() for s in range(_DAY)]


def _epoch(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def now_utc() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def _day_text(day: int) -> str:
    return (datetime(1970, 1, 1, tzinfo=UTC) + timedelta(days=day)).strftime("%Y-%m-%d")


def generate_json(
    count: int, rng: random.Random, now: datetime, days: float
) -> tuple[list[int], list[bytes]]:
    """Epoch seconds and compact JSON records, sorted by ``created_at``.

    ``created_at`` covers ``[now - days, now]`` evenly with random jitter (stratified, so the
    records come out already sorted without a sort). Each record is byte-identical to
    ``msgspec.json.encode`` of its dict.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if count == 0:
        return [], []
    end = _epoch(now)
    span = max(0, int(days * _DAY))
    start = end - span
    scale = count << 8
    stamps = [start + ((i << 8) + b) * span // scale for i, b in enumerate(rng.randbytes(count))]
    base = start // _DAY - 40
    texts = [_day_text(d) for d in range(base, end // _DAY + 130)]
    created_day = [(_frag("created_at", t)[:-1] + "T").encode() for t in texts]
    move_day = [_frag("move_date", t + "T00:00:00Z").encode() for t in texts]
    clock = _clock_table()
    created = [created_day[t // _DAY - base] + clock[t % _DAY] for t in stamps]
    # move_date: a calendar day from 30 days before to 119 days after the opt-in
    moves = [
        move_day[t // _DAY - base - 30 + b % 150]
        for t, b in zip(stamps, rng.randbytes(count), strict=True)
    ]
    fi = rng.randbytes(count)
    li = rng.randbytes(count)
    first_slug, last_slug, sep, num, dom, on = (
        _FIRST_SLUG,
        _LAST_SLUG,
        _EMAIL_SEP,
        _EMAIL_NUM,
        _DOMAIN,
        _EMAIL_ON,
    )
    email_key = _EMAIL_KEY
    emails = [
        (email_key + first_slug[a] + sep[s] + last_slug[b] + num[k] + dom[d])
        if on[e]
        else _NO_EMAIL
        for a, b, s, k, d, e in zip(fi, li, *(rng.randbytes(count) for _ in range(4)), strict=True)
    ]

    # Lazy columns: each draws its random bytes now (fixing the order), then zip streams them.
    def col(pool: list[bytes]) -> Iterator[bytes]:
        return map(pool.__getitem__, rng.randbytes(count))

    def address(pools: _Pools) -> list[Iterator[bytes]]:
        houses, units, places, plus4 = pools
        return [map(bytes.__add__, col(houses), col(_STREET)), col(units), col(places), col(plus4)]

    columns = [
        col(_OFFER),
        created,
        map(_FIRST_NAME.__getitem__, fi),
        map(_LAST_NAME.__getitem__, li),
        emails,
        moves,
        col(_TENURE),
        *address(_NEW),
        *address(_OLD),
        col(_EXTRA),
    ]
    return stamps, list(map(b"".join, zip(*columns, strict=True)))


def decode_records(records: list[bytes]) -> list[dict[str, str]]:
    """The dicts for encoded records, in order."""
    if not records:
        return []
    return msgspec.json.decode(b"[" + b",".join(records) + b"]")


def generate_leads(
    count: int, *, seed: int = 1, now: datetime | None = None, days: int = 30
) -> list[dict[str, str]]:
    """``count`` synthetic leads, sorted by ``created_at``, spread over ``days`` before ``now``.

    The same ``count``, ``seed``, ``now`` and ``days`` always give the same leads.
    """
    _, records = generate_json(count, random.Random(seed), now or now_utc(), days)
    return decode_records(records)


def _check_layout() -> None:
    # The fragment pools hard-code the field order; fail at import if it drifts from FIELDS.
    _, records = generate_json(1, random.Random(0), datetime(2020, 1, 1, tzinfo=UTC), 1)
    names = list(msgspec.json.decode(records[0]))
    if names[: len(FIELDS)] != list(FIELDS):
        raise AssertionError(f"synthetic lead fields out of order: {names}")


_check_layout()


# -- an odd body -----------------------------------------------------------------------------

ODD_FIELD = "lead_source"  # not on the vendor's page: the client must keep it as an extra column
ODD_KINDS = ("undocumented field", "null", "number", "offset timestamp")
ODD_RECORDS = 8  # "a few": two of each kind


def _oddity(record: dict[str, object], kind: str, stamp: int) -> None:
    if kind == "undocumented field":
        record[ODD_FIELD] = "partner-web"
    elif kind == "null":
        record["new_address_2"] = None
    elif kind == "number":
        record["new_postal_code_plus4"] = int(str(record["new_postal_code_plus4"]) or "0")
    else:  # the same instant in a New York winter offset, as some proxies rewrite it
        local = datetime.fromtimestamp(stamp, timezone(timedelta(hours=-5)))
        record["created_at"] = local.isoformat()


def make_odd(stamps: list[int], records: list[bytes], count: int = ODD_RECORDS) -> list[int]:
    """Make ``count`` records, spread evenly through ``records`` (in place), odd in turn: an
    undocumented field, a null, a number, an offset timestamp (the same instant, so the order
    by ``created_at`` holds). The positions changed, in order."""
    n = min(count, len(records))
    where = [(i * 2 + 1) * len(records) // (n * 2) for i in range(n)]
    for i, at in enumerate(where):
        record = msgspec.json.decode(records[at])
        _oddity(record, ODD_KINDS[i % len(ODD_KINDS)], stamps[at])
        records[at] = msgspec.json.encode(record)
    return where
