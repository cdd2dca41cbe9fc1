"""The state file: tasks, attempts and events in SQLite (see docs/internals.md, "state").

The names below load on first use (PEP 562), so `validate` can ask ``runner.state.location``
where the state is and ``runner.state.seen`` what phones it has seen without importing the
Store and its write paths.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_HOMES = {
    "ApplyDiff": "runner.state.apply",
    "Store": "runner.state.store",
    **dict.fromkeys(
        ("COMPLETED", "FAILED", "PENDING", "RUNNING", "TaskRow", "TaskStatus", "task_to_api"),
        "runner.state.rows",
    ),
}

__all__ = [
    "COMPLETED", "FAILED", "PENDING", "RUNNING",
    "ApplyDiff", "Store", "TaskRow", "TaskStatus", "task_to_api",
]  # fmt: skip


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'runner.state' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
