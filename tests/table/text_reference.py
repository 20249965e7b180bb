"""How a person expects names to sort, written out plainly one value at a time (not the code
under test): case and accents ignored first; among values alike, the plain folded form
first, then the others by the value itself, for a fixed order."""

from __future__ import annotations

import unicodedata


def person_key(value: str) -> tuple[str, bool, str]:
    decomposed = unicodedata.normalize("NFKD", value)
    folded = unicodedata.normalize("NFKD", decomposed.casefold())
    bare = "".join(c for c in folded if not unicodedata.combining(c))
    return bare, bare != value, value  # "elodie" itself before "Elodie", then "Élodie"
