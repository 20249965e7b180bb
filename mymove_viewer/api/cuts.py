"""Where a body of leads is cut between records. No Qt.

A cut is only ever made at ``}`` ``,`` ``{``. If that text sits inside a string, the slice before
it leaves the string unterminated and its decode fails, so a wrong cut can never yield wrong
leads: the caller parses the body another way (``parse``).
"""

from __future__ import annotations

import re

HEAD = re.compile(rb'\s*\{\s*"leads"\s*:\s*\[')
BOUNDARY = re.compile(rb"\}\s*,\s*\{")
WS = b" \t\r\n"


def array_end(body: bytes | bytearray | memoryview) -> int | None:
    """Index of the ``]`` closing the records when ``body`` ends ``]}`` (spacing allowed)."""
    end = len(body)
    while end and body[end - 1] in WS:
        end -= 1
    if not end or body[end - 1] != 0x7D:  # "}"
        return None
    end -= 1
    while end and body[end - 1] in WS:
        end -= 1
    if not end or body[end - 1] != 0x5D:  # "]"
        return None
    return end - 1
