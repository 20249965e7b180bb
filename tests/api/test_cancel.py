"""Cancel shuts the connection's socket down at once: a fetch blocked in a read ends within a
moment, not when the read timeout expires. The timeout here is far longer than the wait allowed,
so only the shutdown (the transport's network backend) can end the fetch in time."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest

from mymove_viewer.api import errors as E
from mymove_viewer.api.cancel import CancelToken
from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import DEMO_API_KEY, Fault, Sandbox

from .conftest import CLIENT_ID, FAST

PATIENT = replace(FAST, read_timeout=60.0, max_tries=1)
PROMPT_S = 5.0  # generous for a loaded machine, still far below the 60 s read timeout


@pytest.fixture
def patient(sandbox: Sandbox) -> Iterator[LeadsClient]:
    with LeadsClient(sandbox.base_url, DEMO_API_KEY, settings=PATIENT) as c:
        yield c


def cancelled_promptly(client: LeadsClient, query: Query, when: threading.Event) -> None:
    token = CancelToken()
    errors: list[BaseException] = []

    def run() -> None:
        try:
            client.fetch(CLIENT_ID, query, cancel=token, progress=lambda got, _: got and when.set())
        except BaseException as exc:
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    assert when.wait(10)
    token.cancel()
    worker.join(PROMPT_S)
    assert not worker.is_alive()
    assert len(errors) == 1 and isinstance(errors[0], E.CancelledError)


def cancelled_while_waiting(sandbox: Sandbox, client: LeadsClient) -> None:
    """Cancelled once the server has the request and before it answers (it would in 60 s)."""
    sandbox.inject(Fault("delay", delay=60))
    asked = threading.Event()
    threading.Thread(
        target=lambda: sandbox.wait_for_requests(1, timeout=10) and asked.set(), daemon=True
    ).start()
    cancelled_promptly(client, Query.last_hours(1), asked)


def test_cancel_while_the_server_has_not_answered(sandbox: Sandbox, patient: LeadsClient) -> None:
    cancelled_while_waiting(sandbox, patient)


def test_cancel_while_the_body_pauses(sandbox: Sandbox, patient: LeadsClient) -> None:
    sandbox.inject(Fault("slow_body", delay=60, pieces=4))
    cancelled_promptly(patient, Query.last_days(30), threading.Event())


def test_the_client_fetches_again_after_a_cancel(sandbox: Sandbox, patient: LeadsClient) -> None:
    cancelled_while_waiting(sandbox, patient)
    assert patient.fetch(CLIENT_ID, Query.last_days(30)).leads  # the abort does not linger
