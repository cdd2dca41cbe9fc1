"""Records that cross room boundaries: what expansion produces and the state file stores.

A ``TaskSpec`` is the pure result of expanding a campaign file or an API create body. It is
what ``state`` writes (by ``key``), what ``plan`` prints, and what the executor turns into a run.
It holds no runtime objects so the campaign room stays import-free of the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

Source = Literal["file", "api", "ui"]
OnMissed = Literal["run", "skip"]


@dataclass(frozen=True)
class SourceRef:
    """Where a campaign (or one of its values) was written; 1-based line and column."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}" if self.line else self.path


@dataclass(frozen=True)
class RetryPolicy:
    max: int = 3
    delay_min: float = 5.0
    delay_max: float = 60.0


@dataclass(frozen=True)
class TaskSpec:
    """One unit of work on one phone (and account) for one target.

    ``key`` is stable: the same campaign, occurrence, phone, account and target always give the
    same key, so applying a file twice creates nothing new and editing one target changes one
    task. ``script_config`` is fully rendered (templates and spintax resolved, defaults filled).
    ``start_time`` is timezone-aware, or ``None`` for "as soon as possible".
    """

    key: str
    campaign: str
    occurrence: str
    script_name: str
    script_config: dict[str, Any]
    serial: str | None = None
    username: str | None = None
    package: str | None = None
    target: str | None = None
    start_time: datetime | None = None
    timezone: str = "UTC"
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    timeout: float | None = None
    min_interval: float = 0.0
    max_interval: float = 0.0
    random_order: bool = False
    on_missed: OnMissed = "run"
    grace: float | None = None
    source: Source = "file"
    origin: SourceRef | None = None
