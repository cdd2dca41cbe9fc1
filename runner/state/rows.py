"""Task records as read from the state file, and the API's task object built from them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import Any


class TaskStatus(IntEnum):
    """A task's status: the TikMatrix API's numbers, stored as they are in the state file."""

    PENDING = 0
    RUNNING = 1
    COMPLETED = 2
    FAILED = 3  # also a stopped or missed task (``failure_class`` says which)

    @property
    def text(self) -> str:
        """The API's ``status_text``."""
        return self.name.lower()


# The members by their short names, for comparisons that read as prose (``row.status == FAILED``).
PENDING, RUNNING, COMPLETED, FAILED = TaskStatus


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime | None) -> str | None:
    """The one stored time format: UTC, microseconds, so text order is time order."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


@dataclass(frozen=True)
class TaskRow:
    """One row of the tasks table; times are aware UTC datetimes (or None)."""

    id: int
    key: str | None
    campaign: str | None
    occurrence: str | None
    serial: str | None
    username: str | None
    package: str | None
    script_name: str
    target: str | None
    script_config: dict[str, Any]
    status: TaskStatus
    failure_class: str | None
    remark: str
    result: dict[str, Any] | None
    start_time: datetime | None
    timezone: str
    next_run_at: datetime | None
    started_at: datetime | None
    ended_at: datetime | None
    retry_count: int
    retry_max: int
    retry_delay_min: float
    retry_delay_max: float
    timeout: float | None
    min_interval: float
    max_interval: float
    random_order: bool
    on_missed: str
    grace: float | None
    source: str
    origin: str | None
    stop_requested: bool
    deferred: bool
    created_at: datetime
    updated_at: datetime
    spec_hash: str | None = None  # the applied content: a claim must match what was read
    retired: str | None = None  # why this task is never queued again (its campaign left)

    @property
    def status_text(self) -> str:
        return self.status.text

    @property
    def end_time(self) -> datetime | None:
        return self.ended_at

    @classmethod
    def from_sql(cls, row: sqlite3.Row, *, skip: int = 0) -> TaskRow:
        """``skip``: leading columns that are not the task's (a total read with the page)."""
        names, values = row.keys()[skip:], tuple(row)[skip:]
        data = dict(zip(names, values, strict=True))  # not dict(row): no lookups by name
        data["script_config"] = json.loads(data["script_config"])
        data["result"] = json.loads(data["result"]) if data["result"] else None
        for name in (
            "start_time",
            "next_run_at",
            "started_at",
            "ended_at",
            "created_at",
            "updated_at",
        ):
            data[name] = parse(data[name])
        data["status"] = TaskStatus(data["status"])
        data["random_order"] = bool(data["random_order"])
        data["stop_requested"] = bool(data["stop_requested"])
        data["deferred"] = bool(data["deferred"])
        return cls(**data)


def local_text(moment: datetime | None) -> str | None:
    """The API's time format: "YYYY-MM-DD HH:MM:SS" in the runner's local time."""
    return moment.astimezone().isoformat(" ", "seconds")[:19] if moment else None


def task_to_api(row: TaskRow) -> dict[str, Any]:
    """The TikMatrix task object (plus our additions); the API and `status --json` share it.

    ``start_time`` is when the task actually started, or, while it waits, when it is due to
    start (its next run: a retry or a back-off moves it; null: as soon as a phone is free); a
    task that ended without starting (stopped or missed) has none, so ``start_time`` is never
    after ``end_time``. ``scheduled_time`` always says when it was first scheduled.
    """
    waiting = (row.next_run_at or row.start_time) if row.status == TaskStatus.PENDING else None
    return {
        "id": row.id,
        "serial": row.serial,
        "username": row.username,
        "script_name": row.script_name,
        "script_config": row.script_config,
        "script_args": json.dumps(row.script_config, ensure_ascii=False),
        "status": int(row.status),
        "status_text": row.status_text,
        "start_time": local_text(row.started_at or waiting),
        "end_time": local_text(row.ended_at),
        "scheduled_time": local_text(row.start_time),
        "retry_count": row.retry_count,
        "remark": row.remark,
        "source": row.source,
        "campaign": row.campaign,
        "failure_class": row.failure_class,
        "created_at": local_text(row.created_at),
    }
