"""A non-modal banner above the table: a message, one fitting action, and a close button."""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from ..api import errors as E
from ..api.errors import redact
from .fetch import UnexpectedFetchError

_STYLES = {
    "error": "background: #fdecea; border: 1px solid #e0a5a0; color: #5f1712;",
    "info": "background: #e8f1fd; border: 1px solid #9cbbe6; color: #0b3a75;",
    "demo": "background: #fff4d6; border: 1px solid #e6c46e; color: #5c4300;",
}

_RETRYABLE = (
    UnexpectedFetchError,
    E.NetworkError,
    E.TimeoutError,
    E.ServerError,
    E.RateLimitedError,
    E.InvalidResponseError,
)


class Banner(QFrame):
    """Hidden until ``show_message``; the action button runs the callback it was given."""

    actionTriggered = Signal()

    def __init__(
        self,
        name: str = "errorBanner",
        accessible: str = "Error message",
        kind: str = "error",
        *,
        closable: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setAccessibleName(accessible)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.message_label = QLabel()
        self.message_label.setObjectName(f"{name}Message")
        self.message_label.setWordWrap(True)
        self.message_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.action_button = QPushButton()
        self.action_button.setObjectName(f"{name}Action")
        self.action_button.clicked.connect(self._run_action)
        self.action_button.setAutoDefault(True)  # Enter presses it once focused (Retry…)
        self.close_button = QToolButton()
        self.close_button.setObjectName(f"{name}Close")
        self.close_button.setText("✕")
        self.close_button.setAccessibleName("Dismiss message")
        self.close_button.setToolTip("Dismiss")
        self.close_button.setAutoRaise(True)
        self.close_button.clicked.connect(self.clear)
        self.close_button.setVisible(closable)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addWidget(self.message_label, 1)
        row.addWidget(self.action_button)
        row.addWidget(self.close_button)
        self._action: Callable[[], None] | None = None
        # A held action (``hold_action``): seconds left, and the button's text for them.
        self._held: tuple[Callable[[], float], Callable[[int], str]] | None = None
        self._base_text = ""  # the button's text when not held
        self._countdown = QTimer(self)
        self._countdown.setSingleShot(True)
        self._countdown.timeout.connect(self._tick)
        self._kind = ""
        self.set_kind(kind)
        self.hide()

    def set_kind(self, kind: str) -> None:
        self._kind = kind
        self.setStyleSheet(f"#{self.objectName()} {{ {_STYLES.get(kind, _STYLES['info'])} }}")

    @property
    def kind(self) -> str:
        return self._kind

    def show_message(
        self,
        message: str,
        action_text: str | None = None,
        action: Callable[[], None] | None = None,
        *,
        kind: str | None = None,
        detail: str = "",
    ) -> None:
        if kind is not None:
            self.set_kind(kind)
        # The last stop before the screen: whatever built the text, no key gets past here.
        self.message_label.setText(redact(message))
        self.message_label.setToolTip(redact(detail))
        self._action = action
        self._release()
        self.action_button.setText(action_text or "")
        self.action_button.setVisible(bool(action_text and action))
        self.show()

    def hold_action(self, left: Callable[[], float], text: Callable[[int], str]) -> None:
        """Keep the action button disabled while ``left()`` seconds remain, its text
        ``text(whole seconds left)`` updated each second; then it turns back as it was."""
        self._held = (left, text)
        self._base_text = self.action_button.text()
        # As wide as its longest text from the start: the message would reflow at each tick.
        self.action_button.setText(text(math.ceil(left())))
        self.action_button.setMinimumWidth(self.action_button.sizeHint().width())
        self._tick()

    @property
    def holding(self) -> bool:
        """The action button waits (``hold_action``)."""
        return self._held is not None

    @property
    def counting(self) -> bool:
        """The countdown's timer runs: only while held and shown."""
        return self._countdown.isActive()

    def release_action(self) -> None:
        """End a ``hold_action`` now: the button is enabled with its own text."""
        if self._held is not None:
            self._release()
            self.action_button.setText(self._base_text)

    def _release(self) -> None:
        self._held = None
        self._countdown.stop()
        self.action_button.setEnabled(True)
        self.action_button.setMinimumWidth(0)

    def _tick(self) -> None:
        if self._held is None:
            return
        left, text = self._held
        seconds = left()
        if seconds <= 0:
            self.release_action()
            return
        whole = math.ceil(seconds)
        self.action_button.setEnabled(False)
        self.action_button.setText(text(whole))
        if self.isVisible():  # a hidden banner needs no ticks: it catches up when shown
            # The next tick when the whole seconds left drop by one, not a drifting 1 s.
            self._countdown.start(max(1, math.ceil((seconds - (whole - 1)) * 1000)))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._tick()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)  # dismissed, or the window closed: the countdown stops
        self._countdown.stop()

    def message(self) -> str:
        return "" if self.isHidden() else self.message_label.text()

    def action_text(self) -> str:
        return "" if self.action_button.isHidden() else self.action_button.text()

    def clear(self) -> None:
        self._action = None
        self.release_action()
        self.message_label.clear()
        self.hide()

    def _run_action(self) -> None:
        action = self._action
        self.actionTriggered.emit()
        if action is not None:
            action()


def show_fetch_error(
    banner: Banner,
    error: E.ApiError,
    set_key: Callable[[], object],
    check_client_id: Callable[[], object],
    retry: Callable[[], object],
) -> None:
    """Show a failed fetch with the one action that may fix it."""
    message = error.message or "The fetch failed."
    action: Callable[[], object] | None
    if isinstance(error, E.AuthenticationError):
        action, text = set_key, "Set API key…"
    elif isinstance(error, E.ClientNotFoundError):
        action, text = check_client_id, "Check client ID"
    elif isinstance(error, _RETRYABLE):
        action, text = retry, "Retry"
    else:  # validation, redirects, 4xx: repeating the same request would not help
        action, text = None, None
    banner.show_message(message, text, action, kind="error", detail=error.detail)
