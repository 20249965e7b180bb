"""The sandbox's odd body (``--odd``): a few records carry what the vendor's page does not
promise, spread through otherwise clean leads; the client reads every lead of it."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import httpx
import msgspec
import pytest

from mymove_viewer.api.client import LeadsClient
from mymove_viewer.api.query import Query
from mymove_viewer.sandbox import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox, main, parse_rfc3339
from mymove_viewer.sandbox.leads import ODD_FIELD, ODD_RECORDS

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
AUTH = {"Authorization": DEMO_API_KEY}


def served(sb: Sandbox) -> bytes:
    with httpx.Client() as c:
        return c.get(sb.leads_url, params={"days": 30}, headers=AUTH).content


def test_a_few_odd_records_spread_through_the_clean_ones() -> None:
    with (
        Sandbox(leads=1000, seed=3, now=NOW) as clean,
        Sandbox(leads=1000, seed=3, now=NOW, odd=True) as odd,
    ):
        plain = msgspec.json.decode(served(clean))["leads"]
        mixed = msgspec.json.decode(served(odd))["leads"]
    assert len(mixed) == len(plain) == 1000
    changed = [i for i, (a, b) in enumerate(zip(plain, mixed, strict=True)) if a != b]
    assert len(changed) == ODD_RECORDS
    assert changed[0] < 100 and changed[-1] > 900  # spread, not bunched at one end
    odd_ones = [mixed[i] for i in changed]
    assert sum(ODD_FIELD in r for r in odd_ones) == 2
    assert sum(r["new_address_2"] is None for r in odd_ones) == 2
    assert sum(isinstance(r["new_postal_code_plus4"], int) for r in odd_ones) == 2
    offset = [r["created_at"] for r in odd_ones if not r["created_at"].endswith("Z")]
    assert len(offset) == 2 and all(t.endswith("-05:00") for t in offset)
    # The same instants as the clean body: the answer stays in created_at order.
    assert [parse_rfc3339(r["created_at"]) for r in mixed] == [
        parse_rfc3339(r["created_at"]) for r in plain
    ]


def test_the_client_keeps_every_odd_lead() -> None:
    with Sandbox(leads=3000, seed=4, odd=True, days=2) as sb:
        with LeadsClient(sb.base_url, DEMO_API_KEY, environment="Demo") as client:
            result = client.fetch(DEMO_CLIENT_ID, Query.last_days(3))
    assert len(result.leads) == 3000 and result.skipped == 0
    assert ODD_FIELD in result.extra_fields


def test_odd_is_for_generated_leads_only() -> None:
    with pytest.raises(ValueError, match="generated leads"):
        Sandbox(leads=[{"created_at": "2026-01-01T00:00:00Z"}], odd=True)


def test_command_line_switch(capsys: pytest.CaptureFixture[str]) -> None:
    stop = threading.Event()
    bodies: list[bytes] = []

    def on_ready(sb: Sandbox) -> None:
        bodies.append(served(sb))
        stop.set()

    assert main(["--port", "0", "--leads", "40", "--odd"], stop=stop, on_ready=on_ready) == 0
    assert ODD_FIELD.encode() in bodies[0] and b"null" in bodies[0]
    assert "8 of them odd: undocumented field, null, number, offset timestamp" in (
        capsys.readouterr().out
    )
