"""The state file: tasks, attempts and events in SQLite (see docs/internals.md, "state")."""

from __future__ import annotations

from runner.state.apply import ApplyDiff
from runner.state.rows import (
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    STATUS_TEXT,
    TaskRow,
    task_to_api,
)
from runner.state.store import Store

__all__ = [
    "COMPLETED", "FAILED", "PENDING", "RUNNING", "STATUS_TEXT",
    "ApplyDiff", "Store", "TaskRow", "task_to_api",
]  # fmt: skip
