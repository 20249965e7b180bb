"""The fault matrix's rows: each fault, how to make it, and what the user must end up with.

``test_fault_matrix`` drives every row through the real CLI and the real window. A few rows are
malformed *data* the app is designed to accept (wrong types, duplicate keys, huge strings, invalid
UTF-8 in a value, odd numbers, ``{"leads": null}``): for those the right end is a successful fetch
that keeps every value, and the row says which.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from mymove_viewer.api import errors as E
from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import Fault
from tests.calendar_edges import EDGE_STAMPS

from .servers import raw_response

AUTH, NOT_FOUND, NETWORK, SERVER = 3, 4, 5, 6
CREATED = "2026-11-27T10:00:00Z"  # inside the last 24 hours of the sandbox's fixed "now"
TEN_MB = 10 * 1024 * 1024
WRONG_VALUES = {"number": 12345, "object": {"nested": {"x": [1, 2]}}, "boolean": True}
WRONG_TEXT = {"number": "12345", "object": '{"nested":{"x":[1,2]}}', "boolean": "true"}


def record(**values: object) -> dict[str, object]:
    base: dict[str, object] = {f: f"{f}-value" for f in FIELDS}
    base["created_at"] = CREATED
    base.update(values)
    return base


def leads_body(*records: object) -> bytes:
    return json.dumps({"leads": list(records)}).encode()


# -- data faults the app keeps (checked on the leads as dicts, from CSV or from the table) ------


def wrong_types_body() -> bytes:
    return leads_body(
        *(
            record(**{f: value, "probe": f"{f}/{kind}"})
            for f in FIELDS
            for kind, value in WRONG_VALUES.items()
        )
    )


def check_wrong_types(leads: list[dict[str, str]]) -> None:
    by_probe = {lead["probe"]: lead for lead in leads}
    # Every wrongly typed field is kept as its JSON text; a non-text created_at can't be placed
    # in time, so those three records are skipped (and counted).
    assert len(by_probe) == (len(FIELDS) - 1) * len(WRONG_VALUES)
    for f in FIELDS:
        for kind in WRONG_VALUES:
            if f == "created_at":
                assert f"{f}/{kind}" not in by_probe
            else:
                assert by_probe[f"{f}/{kind}"][f] == WRONG_TEXT[kind]


DUPLICATE_BODY = (
    b'{"leads":[{"created_at":"' + CREATED.encode() + b'","first_name":"First",'
    b'"email":"a@example.com","first_name":"Second"}]}'
)


def check_duplicates(leads: list[dict[str, str]]) -> None:
    assert [lead["first_name"] for lead in leads] == ["Second"]  # the last one wins, as in JS


def huge_string_body() -> bytes:
    return leads_body(record(first_name="x" * TEN_MB, probe="huge"), record(probe="small"))


def check_huge_string(leads: list[dict[str, str]]) -> None:
    by_probe = {lead["probe"]: lead for lead in leads}
    assert len(by_probe["huge"]["first_name"]) == TEN_MB
    assert by_probe["small"]["first_name"] == "first_name-value"


def check_no_leads(leads: list[dict[str, str]]) -> None:
    assert leads == []


def calendar_edges_body() -> bytes:
    return leads_body(*(record(created_at=c, probe=c) for c in EDGE_STAMPS))


def check_calendar_edges(leads: list[dict[str, str]]) -> None:
    # Every time is kept exactly as sent, wherever it falls in (or just beyond) the calendar.
    assert sorted(lead["created_at"] for lead in leads) == sorted(EDGE_STAMPS)
    assert all(lead["probe"] == lead["created_at"] for lead in leads)


def check_invalid_utf8(leads: list[dict[str, str]]) -> None:
    # The sandbox's first record has b"Jos\xe9 \xff\xfe" as its first name; the rest are clean.
    names = [lead["first_name"] for lead in leads]
    assert names.count("Jos\ufffd \ufffd\ufffd") == 1
    assert len(leads) == 50 and sum("\ufffd" in "".join(lead.values()) for lead in leads) == 1


BIG = "9" * 4301  # over Python's integer-conversion limit (sys.get_int_max_str_digits)
NUMBERS = {"big": BIG, "minus-big": "-" + BIG, "decimal": "1.50", "over-float": "1e400",
           "nan": "NaN", "infinity": "Infinity", "minus-infinity": "-Infinity"}  # fmt: skip


def numbers_body() -> bytes:
    """Numbers as written, each in a record of its own (json.dumps cannot write them all)."""
    raw = leads_body(*(record(probe=name, offer_id=f"@{name}@") for name in NUMBERS))
    for name, token in NUMBERS.items():
        raw = raw.replace(f'"@{name}@"'.encode(), token.encode())
    return raw


def check_numbers(leads: list[dict[str, str]]) -> None:
    got = {lead["probe"]: lead["offer_id"] for lead in leads}
    assert got.keys() == NUMBERS.keys()
    for name, token in NUMBERS.items():
        # The CLI's CSV guards a leading "-" from spreadsheets with a "'"; the table does not.
        assert got[name] in (token, "'" + token if token.startswith("-") else token), name


# RFC 3339 allows a lowercase "t" and "z" and a space for "T": each a different hour.
CREATED_FORMS = {"2026-11-27t09:00:00Z": "09", "2026-11-27 11:00:00Z": "11",
                 "2026-11-27T08:00:00z": "08", "2026-11-27t10:00:00z": "10",
                 "2026-11-27T12:00:00Z": "12"}  # fmt: skip


def check_created_forms(leads: list[dict[str, str]]) -> None:
    assert {lead["created_at"]: lead["probe"] for lead in leads} == CREATED_FORMS


@dataclass(frozen=True)
class Case:
    name: str
    error: type[E.ApiError] | None  # None: the fetch must succeed
    code: int  # CLI exit code
    text: str  # in the message (failure) or the CLI summary (success)
    fault: Fault | None = None
    target: str = "sandbox"  # or: refused, dns, tls, connect_timeout, other_host, raw
    settings: dict[str, float] = field(default_factory=dict)
    check: Callable[[list[dict[str, str]]], None] | None = None
    skipped: int = 0
    raw: bytes = b""  # the whole answer, for target "raw" (headers the sandbox cannot send)
    replaced: int = 0


def status(code: int, error: type[E.ApiError], exit_code: int, text: str, **kw) -> Case:
    retry_after = kw.pop("retry_after", None)
    name = kw.pop("name", str(code))
    fault = Fault("status", status=code, retry_after=retry_after, times=None)
    return Case(name, error, exit_code, text, fault, **kw)


CASES = [
    status(400, E.UnexpectedStatusError, SERVER, "HTTP 400"),
    status(401, E.AuthenticationError, AUTH, "rejected"),
    status(403, E.AuthenticationError, AUTH, "rejected"),
    status(404, E.ClientNotFoundError, NOT_FOUND, "HTTP 404"),
    status(408, E.TimeoutError, NETWORK, "HTTP 408"),
    status(409, E.UnexpectedStatusError, SERVER, "HTTP 409"),
    status(410, E.UnexpectedStatusError, SERVER, "HTTP 410"),
    status(413, E.UnexpectedStatusError, SERVER, "HTTP 413"),
    status(422, E.UnexpectedStatusError, SERVER, "HTTP 422"),
    status(429, E.RateLimitedError, SERVER, "Try again later", name="429-no-retry-after"),
    status(
        429,
        E.RateLimitedError,
        SERVER,
        "Wait about 2 minutes",
        retry_after="120",
        name="429-retry-after-seconds",
    ),
    status(
        429,
        E.RateLimitedError,
        SERVER,
        "more than a day",
        name="429-retry-after-date",
        retry_after="Wed, 21 Oct 2099 07:28:00 GMT",
    ),
    status(500, E.ServerError, SERVER, "HTTP 500"),
    status(502, E.ServerError, SERVER, "HTTP 502"),
    status(503, E.ServerError, SERVER, "HTTP 503"),
    status(504, E.ServerError, SERVER, "HTTP 504"),
    Case(
        "redirect-same-host",
        E.UnexpectedStatusError,
        SERVER,
        "redirect",
        Fault("redirect", status=302, times=None),
    ),
    Case(
        "redirect-other-host-307", E.UnexpectedStatusError, SERVER, "redirect", target="other_host"
    ),
    Case("connection-refused", E.NetworkError, NETWORK, "Could not connect", target="refused"),
    Case("reset-mid-body", E.NetworkError, NETWORK, "lost", Fault("reset_mid_body")),
    Case(
        "close-before-headers",
        E.NetworkError,
        NETWORK,
        "without answering",
        Fault("close_before_headers", times=None),
    ),
    Case(
        "drop-without-answer",
        E.NetworkError,
        NETWORK,
        "without answering",
        Fault("drop", times=None),
    ),
    Case("dns-failure", E.NetworkError, NETWORK, "could not be found", target="dns"),
    Case("tls-self-signed", E.NetworkError, NETWORK, "could not be verified", target="tls"),
    Case(
        "connect-timeout",
        E.TimeoutError,
        NETWORK,
        "Could not connect to 127.0.0.1 within",
        target="connect_timeout",
        settings={"connect_timeout": 0.5},
    ),
    Case(
        "read-timeout",
        E.TimeoutError,
        NETWORK,
        "did not answer within 0.5 s",
        Fault("delay", delay=5.0),
        settings={"read_timeout": 0.5},
    ),
    # One byte a second never trips a read timeout; the stall check must end it.
    Case(
        "trickle-1-byte-per-second",
        E.TimeoutError,
        NETWORK,
        "too slowly",
        Fault("trickle", delay=1.0),
        settings={"read_timeout": 1.5, "stall_bytes": 1000},
    ),
    Case("truncated-body", E.InvalidResponseError, SERVER, "cut off", Fault("truncate")),
    # Issue 14: an answer that is not the compression it claims is invalid, not a lost link.
    *(
        Case(
            f"{how}-garbage",
            E.InvalidResponseError,
            SERVER,
            "could not be unpacked",
            target="raw",
            raw=raw_response("200 OK", {"Content-Encoding": how}, b"\x07not packed" * 64),
        )
        for how in ("gzip", "deflate")
    ),
    # Issue 14: Retry-After is ASCII digits or an HTTP date; anything else is "later", and an
    # absurd wait is clamped and worded (was ValueError, exit 1, and "inf minutes").
    *(
        Case(
            f"429-retry-after-{name}",
            E.RateLimitedError,
            SERVER,
            text,
            target="raw",
            raw=raw_response("429 Too Many Requests", {"Retry-After": value}, b"{}"),
        )
        for name, value, text in (
            ("arabic-indic-digit", "\u0663".encode(), "Try again later."),
            ("superscript-digit", "\u00b2".encode(), "Try again later."),
            ("10^400-seconds", b"1" + b"0" * 400, "more than a day"),
        )
    ),
    Case("empty-body", E.InvalidResponseError, SERVER, "empty", Fault("raw_body", body=b"")),
    Case("null", E.InvalidResponseError, SERVER, "no list", Fault("raw_body", body=b"null")),
    Case("empty-array", E.InvalidResponseError, SERVER, "no list", Fault("raw_body", body=b"[]")),
    Case(
        "leads-object",
        E.InvalidResponseError,
        SERVER,
        "no list",
        Fault("raw_body", body=b'{"leads": {}}'),
    ),
    Case("html-200", E.InvalidResponseError, SERVER, "not valid JSON", Fault("html", status=200)),
    Case("html-502", E.ServerError, SERVER, "HTTP 502", Fault("html", status=502, times=None)),
    Case("plain-text-200", E.InvalidResponseError, SERVER, "not valid JSON", Fault("non_json")),
    Case(
        "content-length-2GB-never-arrives",
        E.InvalidResponseError,
        SERVER,
        "too large",
        Fault("huge_content_length", delay=5.0),
    ),
    Case(
        "body-over-size-cap",
        E.InvalidResponseError,
        SERVER,
        "too large",
        Fault("raw_body", body=leads_body(*[record()] * 200)),
        settings={"max_bytes": 65536},
    ),
    # Data the app is designed to accept: a successful fetch that keeps what it can.
    Case(
        "leads-null",
        None,
        0,
        "0 leads",
        Fault("raw_body", body=b'{"leads": null}'),
        check=check_no_leads,
    ),
    Case(
        "wrong-types-in-every-field",
        None,
        0,
        "54 leads, 3 skipped",
        Fault("raw_body", body=wrong_types_body()),
        check=check_wrong_types,
        skipped=3,
    ),
    Case(
        "duplicate-keys",
        None,
        0,
        "1 lead",
        Fault("raw_body", body=DUPLICATE_BODY),
        check=check_duplicates,
    ),
    Case(
        "created-in-the-years-1-and-9999",
        None,
        0,
        f"{len(EDGE_STAMPS)} leads",
        Fault("raw_body", body=calendar_edges_body()),
        check=check_calendar_edges,
    ),
    Case(
        "invalid-utf8-in-one-value",
        None,
        0,
        "50 leads, 1 value with invalid characters replaced (U+FFFD)",
        Fault("invalid_utf8"),
        check=check_invalid_utf8,
        replaced=1,
    ),
    Case(
        "huge-nan-and-infinite-numbers",
        None,
        0,
        f"{len(NUMBERS)} leads",
        Fault("raw_body", body=numbers_body()),
        check=check_numbers,
    ),
    Case(
        "created-at-lowercase-and-space",
        None,
        0,
        f"{len(CREATED_FORMS)} leads",
        Fault(
            "raw_body",
            body=leads_body(*(record(created_at=c, probe=h) for c, h in CREATED_FORMS.items())),
        ),
        check=check_created_forms,
    ),
    Case(
        "10MB-string-in-one-field",
        None,
        0,
        "2 leads",
        Fault("raw_body", body=huge_string_body()),
        check=check_huge_string,
    ),
]
IDS = [c.name for c in CASES]
