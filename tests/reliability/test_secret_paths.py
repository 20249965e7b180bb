"""Every way an answer can carry the key back (body, header, reason phrase, redirect, a broken
header line), whole, cut at every position and escaped: no error text, repr or log record the
client makes may hold any piece of it. The server is real (``EchoServer``, loopback HTTP) and
echoes the key the client sent, as the issue's error page did."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query

from .conftest import FAST
from .secret_scan import encodings, new_key, pieces_in, record_texts
from .servers import EchoServer, http_answer

EXCERPT_CUT = 160  # parse.excerpt: the body shown in an error's detail
MESSAGE_CUT = 200  # client._server_message: the server's own words in the message


@pytest.fixture
def key() -> str:
    return new_key()


def fail(answer: Callable[[str], bytes], key: str) -> E.ApiError:
    with EchoServer(answer) as server, LeadsClient(server.url, key, settings=FAST) as client:
        with pytest.raises(E.ApiError) as caught:
            client.fetch("1", Query.last_hours(1))
    return caught.value


def texts_of(error: E.ApiError) -> list[str]:
    return [str(error), error.message, error.detail, repr(error), str(error.args)]


def assert_clean(texts: list[str], key: str) -> None:
    for text in texts:
        assert pieces_in(text, key) == [], text


def test_the_scan_finds_every_encoding_and_piece(key: str) -> None:
    """Control: the check below would see the key in each shape the server sends it."""
    for name, form in encodings(key).items():
        assert pieces_in(f"body: '{form}'", key), name
    assert pieces_in("…" + key[10:16] + "…", key) and not pieces_in("nothing here", key)


def test_the_retry_log_line_never_shows_the_echoed_key(key: str, caplog) -> None:
    """Issue 14, item 1: with --debug the whole key was in 'retrying in … s after: … body'."""
    caplog.set_level(logging.DEBUG)
    body = lambda k: json.dumps({"error": f"bad Authorization: {k}"}).encode()  # noqa: E731
    error = fail(lambda k: http_answer(503, body(k), reason="Unavailable"), key)
    assert isinstance(error, E.ServerError)
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == FAST.max_tries - 1 and "***" in retries[0], retries
    assert_clean(texts_of(error) + record_texts(caplog.records), key)


@pytest.mark.parametrize("name", list(encodings("k")))
def test_a_key_across_the_excerpt_cut_goes_whole(key: str, name: str, caplog) -> None:
    """Issue 14, item 2: a key crossing the excerpt's cut left its first characters behind.
    Here the encoded key starts at every position (raw) or every few positions (encodings)
    before the cut, up to wholly before it."""
    caplog.set_level(logging.DEBUG)
    form = encodings(key)[name]
    step = 1 if name == "raw" else max(1, len(form) // 12)
    for shown in [*range(0, len(form), step), len(form)]:
        body = ("x" * (EXCERPT_CUT - shown) + form + " end").encode()
        error = fail(lambda _k, body=body: http_answer(401, body), key)
        assert isinstance(error, E.AuthenticationError)
        assert_clean(texts_of(error), key)
        if shown == len(form) or (name == "raw" and shown):
            assert "***" in error.detail, (shown, error.detail)  # redacted, not merely cut off
    assert_clean(record_texts(caplog.records), key)


def test_a_key_across_the_server_message_cut_goes_whole(key: str) -> None:
    """The server's own words are quoted in the message, cut at 200 characters; the key in
    them is removed before the cut, wherever it falls, plain or JSON-escaped."""
    for shown in range(len(key) + 1):
        for said in (key, encodings(key)["json-u"]):
            text = "y" * (MESSAGE_CUT - shown) + said + " tail"
            body = ('{"error": "' + text + '"}').encode()
            error = fail(lambda _k, body=body: http_answer(400, body), key)
            assert isinstance(error, E.UnexpectedStatusError)
            assert "The server said" in error.message
            assert_clean(texts_of(error), key)
            assert ("***" in error.message) == (shown > 0), (shown, error.message)


def test_a_piece_of_the_key_is_redacted_and_words_are_not(key: str) -> None:
    """A server that echoes only part of the key (ten characters, the issue's leftover)."""
    error = fail(lambda k: http_answer(401, f"got {k[3:13]}…".encode()), key)
    assert_clean(texts_of(error), key)
    assert error.detail.endswith("body: 'got ***…'"), error.detail
    assert "API key was rejected" in error.message  # ordinary words stay


@pytest.mark.parametrize(
    "answer",
    [
        lambda k: http_answer(401, b"no", reason=f"Bad key {k}", headers=(f"X-Echo: {k}",)),
        lambda k: http_answer(302, headers=(f"Location: https://{k}.example.com/x?k={k}",)),
        lambda k: b"HTTP/1.1 200 OK\r\n" + k.encode() + b"\r\n\r\n",  # not a header line
        lambda k: http_answer(200, f"<html>{k}</html>".encode()),  # not JSON
        lambda k: http_answer(404, json.dumps({"message": k}).encode()),
        lambda k: http_answer(429, k.encode(), headers=("Retry-After: 3600",)),
    ],
    ids=["header-and-reason", "redirect", "bad-header-line", "not-json", "404", "429"],
)
def test_every_error_path_and_its_logs_are_clean(key: str, answer, caplog) -> None:
    """Headers and the reason phrase reach only httpcore's DEBUG trace and httpx's INFO line;
    the redirect's host is lower-cased by urlsplit (the check ignores case too)."""
    caplog.set_level(logging.DEBUG)
    error = fail(answer, key)
    logs = record_texts(caplog.records)
    assert any(r.name.startswith("httpcore") for r in caplog.records)  # the trace was on
    assert_clean([*texts_of(error), *logs], key)
    assert "***" in " ".join([error.message, error.detail, *logs])


def test_short_keys_go_only_whole_and_alone() -> None:
    """A short key is no random text: its pieces are ordinary words and stay."""
    E.register_secret("demo-key-0000")
    assert E.redact("key demo-key-0000, demo-key") == "key ***, demo-key"
    assert E.redact("xdemo-key-00001") == "xdemo-key-00001"


def test_every_app_logger_redacts() -> None:
    """A logger's filter sees only its own records: each module's logger needs it."""
    import importlib
    import pkgutil

    import mymove_viewer

    for info in pkgutil.walk_packages(mymove_viewer.__path__, "mymove_viewer."):
        if not info.name.endswith(("__main__", ".screenshot")):
            importlib.import_module(info.name)
    ours = ("mymove_viewer", "httpx", "httpcore")
    loggers = {
        name: logger
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger) and name.startswith(ours)
    }
    assert "mymove_viewer.api.client" in loggers
    assert [n for n, lg in loggers.items() if E.REDACT_LOGS not in lg.filters] == []
