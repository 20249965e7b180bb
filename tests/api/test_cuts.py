"""Where a body of leads is cut: its head, its end, and the cuts between records."""

from __future__ import annotations

import pytest

from mymove_viewer.api.cuts import BOUNDARY, HEAD, array_end


@pytest.mark.parametrize(
    ("body", "end"),
    [
        (b'{"leads":[{"a":"b"}]}', 19),
        (b'{"leads":[{"a":"b"}] \n}\r\n ', 19),
        (b'{"leads":[]}', 10),
        (b'{"leads":[{"a":"b"}],"next":"c"}', None),
        (b'{"leads":[{"a":"b"}]', None),
        (b"]}", 0),
        (b"}", None),
        (b"", None),
        (b"   ", None),
    ],
)
def test_the_end_is_the_bracket_closing_the_records(body: bytes, end: int | None) -> None:
    assert array_end(body) == end
    if end is not None:
        assert body[end : end + 1] == b"]"


@pytest.mark.parametrize(
    ("body", "matches"),
    [
        (b'{"leads":[', True),
        (b' \n{ "leads" : [ {', True),
        (b'{"count":1,"leads":[', False),
        (b'{"leads":null}', False),
        (b'["leads"]', False),
    ],
)
def test_the_usual_head(body: bytes, matches: bool) -> None:
    assert (HEAD.match(body) is not None) is matches


def test_a_cut_falls_between_records_whatever_the_spacing() -> None:
    body = b'{"a":"}"},{"b":1} , \n {"c":2}'
    cuts = [(m.start(), m.end()) for m in BOUNDARY.finditer(body)]
    assert [body[a:b] for a, b in cuts] == [b"},{", b"} , \n {"]
