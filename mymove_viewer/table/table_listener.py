"""How a ``LeadTable`` tells a view of its changes. No Qt."""

from __future__ import annotations


class TableListener:
    """Told of each change of a ``LeadTable``, before and after it, so a view keeps its state
    (selection, current row) through it. This one ignores them; the Qt model relays them."""

    def resetting(self) -> None:
        """Everything is about to be replaced (new leads)."""

    def reset(self) -> None: ...

    def moving(self, sorting: bool) -> None:
        """The shown rows are about to be reordered (``sorting``: the same rows, moved) or
        narrowed or widened by a filter."""

    def moved(self, old_rows: list[int], sorting: bool) -> None:
        """They are: ``old_rows`` were shown before (lead indexes), ``LeadTable.rows`` now."""

    def inserting_columns(self, first: int, last: int) -> None: ...

    def inserted_columns(self) -> None: ...

    def inserting_rows(self, first: int, last: int) -> None: ...

    def inserted_rows(self) -> None: ...

    def counted(self, shown: int, total: int) -> None:
        """How many rows are shown, of how many leads, after any change."""
