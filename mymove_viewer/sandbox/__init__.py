"""A local HTTP server that speaks the MYMOVE Partner API contract, with injectable faults.

Its one job is to stand in for the real API: the client and GUI tests, the app's ``--demo`` mode,
``mymove-viewer sandbox`` (``python -m mymove_viewer.sandbox``) and the benchmarks talk to it
over real loopback HTTP. No Qt.

``server`` holds the lead store (``Sandbox``) and the command line, ``http_layer`` the sockets
and the faults, ``query`` the RFC 3339 and window rules, ``leads`` the synthetic leads.
"""

from __future__ import annotations

from .http_layer import FAULT_KINDS, Fault, Headers, RecordedRequest
from .leads import generate_leads
from .query import parse_rfc3339
from .server import DEMO_API_KEY, DEMO_CLIENT_ID, Sandbox, main

__all__ = [
    "DEMO_API_KEY",
    "DEMO_CLIENT_ID",
    "FAULT_KINDS",
    "Fault",
    "Headers",
    "RecordedRequest",
    "Sandbox",
    "generate_leads",
    "main",
    "parse_rfc3339",
]
