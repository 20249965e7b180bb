"""Constants and small helpers shared by the sandbox tests (fixtures: tests/conftest.py)."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime

import httpx

from mymove_viewer.api.fields import FIELDS
from mymove_viewer.sandbox import DEMO_API_KEY, Sandbox

NOW = datetime(2026, 6, 1, 12, 0, 0, tzinfo=UTC)
AUTH = {"Authorization": DEMO_API_KEY}
STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
MIDNIGHT = re.compile(r"\d{4}-\d{2}-\d{2}T00:00:00Z")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def lead(created_at: str, name: str = "Ann", **extra: str) -> dict[str, str]:
    record = dict.fromkeys(FIELDS, "")
    record.update(created_at=created_at, first_name=name, **extra)
    return record


def names(response: httpx.Response) -> list[str]:
    return [r["first_name"] for r in response.json()["leads"]]


def raw_request(sb: Sandbox, target: str, headers: dict[str, str] = AUTH) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", sb.port), timeout=5)
    lines = [f"GET {target} HTTP/1.1", "Host: sandbox", *(f"{k}: {v}" for k, v in headers.items())]
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    return sock
