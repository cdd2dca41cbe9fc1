"""Live progress of a run per phone: a rich Live table on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Self, TextIO

from runner.errors import StateError
from runner.scheduler.executor import Outcome
from runner.state import COMPLETED, FAILED, PENDING, RUNNING, Store, TaskRow


def clip(text: str, limit: int = 160) -> str:
    """One screen line per event; the full text stays in the state file (`campaign status --json`)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def outcome_line(outcome: Outcome, row: TaskRow | None) -> str:
    what = (
        f"{row.script_name}{' @' + row.username if row and row.username else ''}" if row else "task"
    )
    if outcome.completed:
        return (
            f"{outcome.serial}  task {outcome.task_id} {what}: completed: {clip(outcome.message)}"
        )
    state = "failed" if row is None or row.status == FAILED else "will retry"
    return f"{outcome.serial}  task {outcome.task_id} {what}: {state}: {outcome.failure_class}: {clip(outcome.message)}"


def phone_table(rows: Sequence[TaskRow]) -> Any:
    """One line per phone: what runs now, and the done / failed / waiting counts."""
    from rich.table import Table

    table = Table(title="campaign run", expand=False)
    for column in ("phone", "running", "done", "failed", "waiting"):
        table.add_column(column)
    now = datetime.now(UTC)
    for serial in sorted({r.serial or "-" for r in rows}):
        mine = [r for r in rows if (r.serial or "-") == serial]
        running = next((r for r in mine if r.status == RUNNING), None)
        label = "-"
        if running is not None:
            took = (now - running.started_at).total_seconds() if running.started_at else 0.0
            label = f"#{running.id} {running.script_name} {running.target or running.username or ''} {took:.0f}s"
        table.add_row(
            serial,
            label,
            str(sum(r.status == COMPLETED for r in mine)),
            str(sum(r.status == FAILED for r in mine)),
            str(sum(r.status == PENDING for r in mine)),
        )
    return table


def waiting_line(rows: Sequence[TaskRow], now: datetime) -> str | None:
    """While nothing runs and tasks wait for their start time: how many, and the next start."""
    if any(r.status == RUNNING for r in rows):
        return None
    future = [
        r.next_run_at for r in rows if r.status == PENDING and r.next_run_at and r.next_run_at > now
    ]
    if not future:
        return None
    first = min(future)
    wait = (first - now).total_seconds()
    return (
        f"waiting: {len(future)} task(s) pending, next start "
        f"{first.astimezone().strftime('%Y-%m-%d %H:%M:%S %Z')} (in {_duration(wait)})"
    )


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.999), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


class Progress:
    """Prints outcomes as they come (plain) or refreshes the table (TTY); quiet with --json."""

    def __init__(
        self,
        store: Store,
        fetch: Callable[[], Sequence[TaskRow]],
        *,
        mode: str,
        out: TextIO | None = None,
    ) -> None:
        self.store, self.fetch, self.mode = store, fetch, mode
        self.out = out or sys.stdout
        self._print_lock = threading.Lock()
        self._live: Any = None
        self._said: tuple[int, datetime | None] | None = None  # what the last waiting line said
        self._said_at = self._checked_at = 0.0

    def __enter__(self) -> Self:
        if self.mode == "live":
            from rich.console import Console
            from rich.live import Live

            self._live = Live(
                phone_table(self.fetch()),
                console=Console(file=self.out),
                refresh_per_second=4,
            )
            self._live.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._live is not None:
            with suppress(StateError):  # the state file failed: that error is what is shown
                self._live.update(phone_table(self.fetch()))
            self._live.__exit__(*exc)

    def on_outcome(self, outcome: Outcome) -> None:
        if self.mode != "plain":
            return
        line = outcome_line(outcome, self.store.get(outcome.task_id))
        with self._print_lock:
            print(line, file=self.out, flush=True)

    def tick(self) -> None:
        """Refresh the table; in plain mode, say what the run waits for when that changes (and
        once a minute), so a long wait for a start time is not silence."""
        if self._live is not None:
            rows = self.fetch()
            table = phone_table(rows)
            table.caption = waiting_line(rows, datetime.now(UTC))
            self._live.update(table)
            return
        if self.mode != "plain":
            return
        now = time.monotonic()
        if now - self._checked_at < 1.0:
            return  # reading every task four times a second is not needed for a minute's news
        self._checked_at = now
        rows = self.fetch()
        line = waiting_line(rows, datetime.now(UTC))
        if line is None:
            self._said = None
            return
        pending = [r.next_run_at for r in rows if r.status == PENDING and r.next_run_at]
        what = (len(pending), min(pending) if pending else None)
        if what != self._said or now - self._said_at >= 60:
            self._said, self._said_at = what, now
            with self._print_lock:
                print(line, file=self.out, flush=True)
