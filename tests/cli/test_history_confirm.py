"""The `store forget` question at a terminal: Ctrl+D (end of input) is a "no", never a crash."""

from __future__ import annotations

import builtins
import io

import pytest

from mymove_viewer.cli import history


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(("typed", "agreed"), [(None, False), ("", False), ("n", False),
                                               ("y", True), (" YES ", True)])  # fmt: skip
def test_the_answer_and_end_of_input(monkeypatch, capsys, typed: str | None, agreed: bool) -> None:
    monkeypatch.setattr("sys.stdin", _Terminal())

    def answer(_prompt: str) -> str:
        if typed is None:
            raise EOFError  # what input() raises on Ctrl+D
        return typed

    monkeypatch.setattr(builtins, "input", answer)
    assert history._confirm("Forget 3 stored leads?") is agreed
