"""Leads for the store tests: the sandbox's synthetic ones, each made unique by its offer_id."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from mymove_viewer.api.lead import Lead
from mymove_viewer.api.parse import parse_leads
from mymove_viewer.sandbox.leads import generate_json

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def make_leads(count: int, seed: int = 1, now: datetime = NOW, days: float = 30) -> list[Lead]:
    """``count`` leads over ``days`` before ``now``, as parsing makes them (some with an extra
    field, most without). The offer ID holds ``seed`` and the index, so no two calls with
    different seeds share a lead."""
    _, records = generate_json(count, random.Random(seed), now, days)
    body = b'{"leads":[' + b",".join(records) + b"]}"
    leads = parse_leads(body, status=200).leads
    return [
        Lead.build((f"{seed}-{i}", *lead[1:19]), lead[19], lead[20:])
        for i, lead in enumerate(leads)
    ]
