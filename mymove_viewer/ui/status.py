"""The status bar: the main status line, a quiet watch line, and one progress bar."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from ..api.query import Environment

IDLE_HINT = "No leads shown. Choose a time window and press Fetch (F5)."


@dataclass(frozen=True)
class FetchInfo:
    environment: Environment
    fetched_at: datetime
    elapsed: float
    skipped: int
    replaced: int = 0  # values with invalid characters, shown as U+FFFD
    stored: bool = False  # from the lead history, not a fetch: ``fetched_at`` is the last fetch


def stored_text(fetched_at: datetime | None) -> str:
    """Where stored leads come from: "Stored leads, fetched 08:12 — press F5 to refresh"."""
    if fetched_at is None:
        return "Stored leads — press F5 to refresh"
    local = fetched_at.astimezone()
    today = datetime.now(local.tzinfo).date() == local.date()
    when = local.strftime("%H:%M" if today else "%Y-%m-%d %H:%M")
    return f"Stored leads, fetched {when} — press F5 to refresh"


def format_bytes(n: int) -> str:
    if n < 1024:
        return f"{n} bytes"
    if n < 1024 * 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n / (1024 * 1024):.1f} MB"


def summary_text(info: FetchInfo | None, total: int, shown: int) -> str:
    if info is None:
        return ""
    if info.stored:
        counts = f"{total:,} lead{'s' * (total != 1)} ({shown:,} shown)"
        return " · ".join((stored_text(info.fetched_at), counts, info.environment.label))
    parts = [
        f"{total:,} lead{'s' * (total != 1)} ({shown:,} shown)",
        info.environment.label,
        info.fetched_at.astimezone().strftime("%H:%M"),
        f"{info.elapsed:.1f} s",
    ]
    if info.skipped:
        parts.append(f"{info.skipped:,} record{'s' * (info.skipped != 1)} skipped")
    if info.replaced:
        n = info.replaced
        parts.append(f"{n:,} value{'s' * (n != 1)} with invalid characters (shown as \ufffd)")
    return " · ".join(parts)


class StatusLine:
    """Owns the status bar's widgets; the window says what to show."""

    def __init__(self, bar: QStatusBar) -> None:
        self.label = QLabel()
        self.label.setObjectName("statusLabel")
        self.label.setAccessibleName("Status")
        self.watch_label = QLabel()
        self.watch_label.setObjectName("watchStatus")
        self.watch_label.setAccessibleName("Watch status")
        # Room from the selection count before it: "1 selected  Watching for new leads" read as
        # one phrase.
        self.watch_label.setContentsMargins(16, 0, 0, 0)
        self.watch_label.hide()
        self.selected_label = QLabel()
        self.selected_label.setObjectName("selectedCount")
        self.selected_label.setAccessibleName("Rows selected")
        self.selected_label.hide()
        self.progress = QProgressBar()
        self.progress.setObjectName("fetchProgress")
        self.progress.setMaximumWidth(180)
        self.progress.setTextVisible(False)
        self.progress.hide()
        bar.addWidget(self.label, 1)
        bar.addPermanentWidget(self.selected_label)
        bar.addPermanentWidget(self.watch_label)
        bar.addPermanentWidget(self.progress)

    def show(self, text: str) -> None:
        self.label.setText(text)

    def text(self) -> str:
        return self.label.text()

    def idle(self, summary: str, prefix: str = "") -> None:
        # A prefix says what happened ("The fetch failed; no leads are shown."): the hint would
        # only repeat it.
        self.label.setText(" ".join(part for part in (prefix, summary) if part) or IDLE_HINT)

    def busy(self, text: str | None = None) -> None:
        self.progress.setRange(0, 0)
        self.progress.show()
        if text is not None:
            self.label.setText(text)

    def download(self, where: str, received: int, total: object) -> None:
        if isinstance(total, int) and total > 0:
            pct = min(100, received * 100 // total)
            self.progress.setRange(0, 100)
            self.progress.setValue(pct)
            text = f"{where} {format_bytes(received)} of {format_bytes(total)} ({pct}%)"
        else:
            self.progress.setRange(0, 0)
            text = f"{where} {format_bytes(received)} received" if received else where
        self.label.setText(text)

    def percent(self, done: object, total: object) -> None:
        if isinstance(done, int) and isinstance(total, int) and total > 0:
            self.progress.setRange(0, 100)
            self.progress.setValue(min(100, done * 100 // total))

    def hide_progress(self) -> None:
        self.progress.hide()

    def set_selected(self, count: int) -> None:
        self.selected_label.setText(f"{count:,} selected")
        self.selected_label.setVisible(count > 0)

    def set_watch(self, text: str, detail: str = "") -> None:
        self.watch_label.setText(text)
        self.watch_label.setToolTip(detail)
        self.watch_label.setVisible(bool(text))
