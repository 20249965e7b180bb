"""The sandbox's synthetic leads (leads.py): seeded, realistic, encoded as msgspec does."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import httpx
import msgspec

from mymove_viewer.sandbox import Sandbox, generate_leads
from tests.sandbox.helpers import AUTH, MIDNIGHT, NOW, STAMP, iso


def test_generation_is_deterministic_by_seed() -> None:
    first = generate_leads(200, seed=5, now=NOW)
    assert first == generate_leads(200, seed=5, now=NOW)
    assert first != generate_leads(200, seed=6, now=NOW)
    assert Sandbox(leads=200, seed=5, now=NOW).leads == first
    assert generate_leads(0) == []


def test_generated_leads_look_real() -> None:
    leads = generate_leads(3000, seed=2, now=NOW, days=10)
    created = [r["created_at"] for r in leads]
    assert created == sorted(created)
    assert all(STAMP.fullmatch(t) for t in created)
    assert iso(NOW - timedelta(days=10)) <= created[0] and created[-1] <= iso(NOW)
    assert all(MIDNIGHT.fullmatch(r["move_date"]) for r in leads)
    everything = " ".join(r["first_name"] + " " + r["last_name"] for r in leads)
    assert all(name in everything for name in ("José", "Zoë", "Nguyễn"))
    share = {
        f: sum(1 for r in leads if r[f] == "") / len(leads)
        for f in ("email", "new_address_2", "old_postal_code_plus4")
    }
    assert 0.02 < share["email"] < 0.15
    assert 0.4 < share["new_address_2"] < 0.9
    assert 0.1 < share["old_postal_code_plus4"] < 0.4
    zips = {r["new_postal_code"] for r in leads} | {r["old_postal_code"] for r in leads}
    assert {"02134", "07030"} <= zips and all(re.fullmatch(r"\d{5}", z) for z in zips)
    assert {r["new_housing_tenure"] for r in leads} == {"own", "rent"}
    offers = [r["offer_id"] for r in leads]
    assert 2 <= len(set(offers)) <= 12
    assert all(r["new_state"] == "MA" for r in leads if r["new_city"] == "Boston")
    assert 30 < sum("old_housing_tenure" in r for r in leads) < 300
    assert all(re.search(r"@([a-z]+\.)?example\.[a-z]+$", r["email"]) for r in leads if r["email"])
    size = sum(len(msgspec.json.encode(r)) for r in leads) / len(leads)
    assert 470 < size < 560


def test_generated_records_encode_like_msgspec() -> None:
    with Sandbox(leads=500, seed=9, now=NOW) as sb, httpx.Client() as c:
        body = c.get(sb.leads_url, params={"days": 30}, headers=AUTH).content
    leads = generate_leads(500, seed=9, now=NOW)
    assert body == b'{"leads":[' + b",".join(msgspec.json.encode(r) for r in leads) + b"]}"
    assert json.loads(body)["leads"] == leads  # the stdlib agrees too
