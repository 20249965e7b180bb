"""An independent check for a key in a text: whole, any piece of it, and in the encodings a
server may send it in, undone here with the standard library rather than the app's code."""

from __future__ import annotations

import base64
import html
import logging
import re
import secrets
from urllib.parse import unquote

# Redaction runs before every cut, so not even a short piece may survive; five characters of a
# random key turn up in a few hundred characters of message text about once in 10^5 runs.
PIECE = 5


def new_key() -> str:
    """A key as a vendor issues one: long random text (35 characters)."""
    return "Mmv" + secrets.token_urlsafe(24)


def _json_unescaped(text: str) -> str:
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), text)


def encodings(key: str) -> dict[str, str]:
    """The key as a server might echo it: escaped, encoded, partly escaped, escaped twice."""
    raw = key.encode()
    json_u = "".join(f"\\u{ord(c):04x}" for c in key)
    return {
        "raw": key,
        "json-u": json_u,
        "json-u-some": "".join(f"\\u{ord(c):04X}" if i % 3 else c for i, c in enumerate(key)),
        "percent": "".join(f"%{ord(c):02X}" for c in key),
        "percent-of-json-u": "".join(f"%{ord(c):02x}" for c in json_u),
        "backslash": "".join("\\" + c for c in key),
        "html-dec": "".join(f"&#{ord(c)};" for c in key),
        "html-hex": "".join(f"&#x{ord(c):x};" for c in key),
        "base64": base64.b64encode(raw).decode(),
        "base64-shift1": base64.b64encode(b"a" + raw).decode(),
        "base64-shift2": base64.b64encode(b"ab" + raw).decode(),
        "base64url-basic": base64.urlsafe_b64encode(b"user:" + raw).decode(),
        "hex": raw.hex(),
        "upper": key.upper(),
    }


def _derived(key: str) -> list[str]:
    raw = key.encode()
    out = [raw.hex()]
    for prefix in (b"", b"a", b"ab"):
        for enc in (base64.b64encode, base64.urlsafe_b64encode):
            text = enc(prefix + raw).decode()
            out.append(text[len(prefix) * 2 : -4])  # inner part made of the key's bits only
    return out


def pieces_in(text: str, key: str, n: int = PIECE) -> list[str]:
    """Every ``n``-character piece of ``key`` found in ``text`` (ASCII case ignored), as sent
    or after undoing percent, JSON, HTML or backslash escapes, or as hex or base64."""
    views = {text, unquote(text), html.unescape(text), _json_unescaped(text)}
    views |= {text.replace("\\", ""), _json_unescaped(unquote(text))}
    lowered = [v.lower() for v in views]
    low_key = key.lower()
    found = {
        low_key[i : i + n]
        for i in range(len(key) - n + 1)
        if any(low_key[i : i + n] in v for v in lowered)
    }
    for form in _derived(key):  # as long as n characters of the key (hex: 2 per character)
        m = 2 * n if form == key.encode().hex() else -(-4 * n // 3) + 1
        found |= {form[i : i + m] for i in range(len(form) - m + 1) if form[i : i + m] in text}
    return sorted(found)


def record_texts(records: list[logging.LogRecord]) -> list[str]:
    """Each record as a handler would print it, traceback and stack included."""
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return [formatter.format(r) for r in records]
