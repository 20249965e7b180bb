"""Window and header state kept in ``Settings.gui``: base64 blobs with a version and signature.

A header state blob is only restored onto the same columns it was saved from: Qt's
``restoreState`` maps sections by position, so a new API field would otherwise shift every
width, hidden flag and sort onto the wrong column.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence

from PySide6.QtCore import QByteArray

HEADER_VERSION = 1
GEOMETRY = "geometry"
HEADER = "header"  # a Qt header blob (earlier versions); read once into COLUMNS
COLUMNS = "column_layout"  # ``table.layout.to_json``: by field name
WATCH_MINUTES = "watch_minutes"


def encode(data: QByteArray) -> str:
    return base64.b64encode(bytes(data.data())).decode("ascii")


def decode(text: object) -> QByteArray | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return QByteArray(base64.b64decode(text.encode("ascii"), validate=True))
    except (binascii.Error, ValueError):
        return None


def columns_signature(fields: Sequence[str]) -> str:
    return ",".join(fields)


def header_entry(state: QByteArray, fields: Sequence[str]) -> dict[str, object]:
    return {"version": HEADER_VERSION, "columns": columns_signature(fields), "state": encode(state)}


def header_state_for(entry: object, fields: Sequence[str]) -> QByteArray | None:
    """The saved header state if it was saved for exactly these columns, else None."""
    if not isinstance(entry, dict) or entry.get("version") != HEADER_VERSION:
        return None
    if entry.get("columns") != columns_signature(fields):
        return None
    return decode(entry.get("state"))
