"""Live progress of a run per phone: a rich Live table on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from typing import Any, Self, TextIO

from runner.errors import StateError
from runner.scheduler.executor import Outcome
from runner.state import COMPLETED, FAILED, PENDING, RUNNING, TaskRow


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


class Progress:
    """Prints outcomes as they come (plain) or refreshes the table (TTY); quiet with --json."""

    def __init__(self, store: Any, fetch: Any, *, mode: str, out: TextIO | None = None) -> None:
        self.store, self.fetch, self.mode = store, fetch, mode
        self.out = out or sys.stdout
        self._print_lock = threading.Lock()
        self._live: Any = None

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
        if self._live is not None:
            self._live.update(phone_table(self.fetch()))
