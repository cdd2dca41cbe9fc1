"""The state file: tasks, attempts and events in SQLite (see docs/internals.md, "state")."""

from __future__ import annotations

from runner.state.apply import ApplyDiff
from runner.state.rows import (
    COMPLETED,
    FAILED,
    PENDING,
    RUNNING,
    TaskRow,
    TaskStatus,
    task_to_api,
)
from runner.state.store import Store

__all__ = [
    "COMPLETED", "FAILED", "PENDING", "RUNNING",
    "ApplyDiff", "Store", "TaskRow", "TaskStatus", "task_to_api",
]  # fmt: skip
