"""The overview's clickable counts: new counts reuse the widgets (a rebuild on every recount
made the window lay itself out again: 57-76 ms of GUI thread at 100k leads)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton

from mymove_viewer.ui.counts_bar import CountsBar


def test_new_counts_reuse_the_widgets_and_clicks_give_the_new_terms(qtbot) -> None:
    bar = CountsBar("statesLabel", "Leads by destination state")
    qtbot.addWidget(bar)
    bar.show()
    bar.set_parts("To: ", [("TX 10", "state:TX"), ("CA 9", "state:CA"), ("others 3", None)])
    made = set(bar.findChildren(QToolButton))
    assert bar.text() == "To: TX 10 · CA 9 · others 3"
    bar.set_parts("To: ", [("NY 12", "state:NY"), ("others 20", None)])
    assert set(bar.findChildren(QToolButton)) == made  # none made, none deleted
    assert bar.text() == "To: NY 12 · others 20"
    assert set(bar.buttons) == {"state:NY"}
    visible = [b for b in made if b.isVisible()]
    assert [b.text() for b in visible] == ["NY 12"]
    with qtbot.waitSignal(bar.picked) as picked:
        qtbot.mouseClick(bar.buttons["state:NY"], Qt.MouseButton.LeftButton)
    assert picked.args == ["state:NY"]
    bar.setText("Counting…")
    assert bar.text() == "Counting…" and not bar.buttons
    assert not any(b.isVisible() for b in made)
