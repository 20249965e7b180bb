"""``LeadSession`` without a window: a fetch from the sandbox over loopback becomes the model's
leads, their index and counts, a summary, and snapshots of the shown rows (what exports and
copies read); a switch of environment forgets them."""

from __future__ import annotations

from PySide6.QtCore import Qt

from mymove_viewer.api.query import Environment, Query
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox
from mymove_viewer.ui.fetch import FetchOutcome, FetchRequest
from mymove_viewer.ui.session import LeadSession

from .conftest import FAST, FIXED_NOW, TIMEOUT_MS


def fetch(qtbot, session: LeadSession, sandbox: Sandbox) -> FetchOutcome:
    request = FetchRequest(
        sandbox.base_url,
        DEMO_API_KEY,
        DEMO_CLIENT_ID,
        Query.last_hours(48),
        client_settings=FAST,
        sort=("created_at", True),
    )
    with qtbot.waitSignal(session.controller.finished, timeout=TIMEOUT_MS) as done:
        session.start(request, Environment.DEMO, FIXED_NOW)
    return done.args[1]


def test_a_session_fetches_indexes_and_snapshots_without_a_window(qtbot, sandbox) -> None:
    session = LeadSession()
    try:
        outcome = fetch(qtbot, session, sandbox)
        events: list[object] = []
        session.replacing.connect(lambda some: events.append(("replacing", some)))
        session.replaced.connect(lambda some: events.append(("replaced", some)))
        session.indexing.connect(lambda: events.append("indexing"))
        session.spanChanged.connect(lambda span, count: events.append(("span", span, count)))
        with qtbot.waitSignal(session.counted, timeout=TIMEOUT_MS) as counted:
            session.take_outcome(outcome, Environment.PRODUCTION)  # the fetch's own env wins
        leads = outcome.result.leads
        start, end = outcome.result.query.covers(FIXED_NOW)
        assert events == [
            ("span", (start, end), False),
            ("replacing", True),
            ("replaced", True),
            "indexing",
        ]
        tally, _volume = counted.args
        assert tally is not None
        model = session.model
        assert model.total_count() == len(leads) > 100
        assert session.info is not None and session.info.environment is Environment.DEMO
        assert session.has_leads()
        assert session.summary().startswith(f"{len(leads):,} leads ({len(leads):,} shown) · Demo")

        every, rows = session.snapshot([])  # no selection: every shown row, in view order
        assert every is model.leads
        assert rows == model.shown_rows() and rows is not model.shown_rows()
        model.sort(model.column_of("created_at"), Qt.SortOrder.DescendingOrder)
        _, rows = session.snapshot([])  # ... in the order the table now shows
        created = [every[r].get("created_at") for r in rows]
        assert created == sorted(created, reverse=True) and created != sorted(created)
        _, some = session.snapshot([(2, 4), (10, 10)])
        assert some == [*model.shown_rows()[2:5], model.shown_rows()[10]]
    finally:
        session.shutdown()


def test_forgetting_clears_the_leads_and_the_summary(qtbot, sandbox) -> None:
    session = LeadSession()
    try:
        session.take_outcome(fetch(qtbot, session, sandbox), Environment.DEMO)
        assert session.has_leads()
        replaced: list[bool] = []
        session.replaced.connect(replaced.append)
        session.forget()
        assert replaced == [False]
        assert session.model.total_count() == 0
        assert session.info is None and not session.has_leads() and session.summary() == ""
    finally:
        session.shutdown()
