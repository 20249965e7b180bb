"""The lead fields the vendor documents, in the vendor's order, with readable headers."""

from __future__ import annotations

FIELDS: tuple[str, ...] = (
    "offer_id",
    "created_at",
    "first_name",
    "last_name",
    "email",
    "move_date",
    "new_housing_tenure",
    "new_address_1",
    "new_address_2",
    "new_city",
    "new_state",
    "new_postal_code",
    "new_postal_code_plus4",
    "old_address_1",
    "old_address_2",
    "old_city",
    "old_state",
    "old_postal_code",
    "old_postal_code_plus4",
)
FIELD_INDEX: dict[str, int] = {name: i for i, name in enumerate(FIELDS)}
CREATED_AT = FIELD_INDEX["created_at"]
MOVE_DATE = FIELD_INDEX["move_date"]

# Fields seen from the real API although the vendor's page does not list them. Naming them
# lets the fast decoder keep them; any other unknown field still survives via the slow path.
KNOWN_EXTRA_FIELDS: tuple[str, ...] = ("old_housing_tenure",)

_HEADERS = {
    "offer_id": "Offer ID",
    "created_at": "Created",
    "first_name": "First name",
    "last_name": "Last name",
    "email": "Email",
    "move_date": "Move date",
    "new_housing_tenure": "New tenure",
    "new_address_1": "New address 1",
    "new_address_2": "New address 2",
    "new_city": "New city",
    "new_state": "New state",
    "new_postal_code": "New ZIP",
    "new_postal_code_plus4": "New ZIP+4",
    "old_address_1": "Old address 1",
    "old_address_2": "Old address 2",
    "old_city": "Old city",
    "old_state": "Old state",
    "old_postal_code": "Old ZIP",
    "old_postal_code_plus4": "Old ZIP+4",
    "old_housing_tenure": "Old tenure",
}


# The columns whose values repeat across many leads, as indexes into ``FIELDS``: parsed or read
# back from the history, each distinct value is one string object. Interning all 15 repeating
# columns measured 490 B/lead but cost 45% more parse time than none (1,228 B). The first 9 gave
# 756 B for 18% more. Names and ZIP codes then cost ~5% more CPU (A/B, 12 runs at 100k) for
# 525 B, and sorting by them got twice as fast: a sort reads every lead's value, and one shared
# string object per value stays in cache where 100k separate ones each cost a miss. Each column
# costs about the same (a hash and a lookup per lead, ~5% of a slice's decode) until its values
# stop growing, when the parse decodes it as a literal of those values (``parse_share``) and it
# costs nothing. ZIP+4 codes are left out: they name a block or a building, so real answers
# hardly repeat them and interning would pay for no sharing (the sandbox's few hundred codes
# repeat: ~110 B/lead more there).
REPEATING = tuple(
    FIELDS.index(f)
    for f in (
        "offer_id",
        "first_name",
        "last_name",
        "move_date",
        "new_housing_tenure",
        "new_city",
        "new_state",
        "new_postal_code",
        "old_city",
        "old_state",
        "old_postal_code",
    )
)


def header_for(field: str) -> str:
    """A readable column header; unknown fields get a title-cased version of their name."""
    known = _HEADERS.get(field)
    if known is not None:
        return known
    text = field.replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else "(unnamed)"
