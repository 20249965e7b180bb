"""The window is what ``build_actions`` expects of it: every slot and action of ``ActionsHost``."""

from __future__ import annotations

from PySide6.QtGui import QAction

from mymove_viewer.ui.window_actions import ActionsHost


def test_the_window_is_an_actions_host_holding_each_action_it_declares(make_window) -> None:
    window = make_window()
    assert isinstance(window, ActionsHost)  # every slot and attribute the protocol names
    declared = {name for name, kind in ActionsHost.__annotations__.items() if kind == "QAction"}
    assert len(declared) == 11
    kept = {name for name in declared if isinstance(getattr(window, name), QAction)}
    assert kept == declared
    # Those with shortcuts are the window's own: the keys work wherever the focus is.
    keyed = {action for name in declared if (action := getattr(window, name)).shortcuts()}
    assert len(keyed) == 10 and keyed <= set(window.actions())
