"""Status changes, each called inside one transaction together with its event row.

These are the only writers of ``status``. Every function checks the status it expects in its
WHERE clause, so two processes (or a future distributed queue) can never both move one task:
claiming a task is ``UPDATE ... WHERE id=? AND status=0``.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any

from runner.errors import StateError
from runner.state.rows import COMPLETED, FAILED, PENDING, RUNNING, TaskStatus, iso


def event(
    conn: sqlite3.Connection,
    task_id: int,
    kind: str,
    old: int | None,
    new: int | None,
    message: str,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO events (task_id, at, kind, from_status, to_status, message) VALUES (?, ?, ?, ?, ?, ?)",
        (task_id, now, kind, old, new, message),
    )


def status_of(conn: sqlite3.Connection, task_id: int) -> TaskStatus:
    row = conn.execute("SELECT status FROM tasks WHERE id = ?", (task_id,)).fetchone()
    if row is None:
        raise StateError(f"task {task_id} does not exist", hint="list tasks with `campaign status`")
    return TaskStatus(row[0])


def claim(
    conn: sqlite3.Connection,
    task_id: int,
    serial: str,
    now: str,
    spec_hash: str | None = None,
    *,
    check_hash: bool = False,
) -> int | None:
    """pending -> running and a new attempt; None when someone else moved the task first, or
    (``check_hash``) when an apply rewrote it after it was read: the caller re-reads it rather
    than run a stale config."""
    same = " AND spec_hash IS ?" if check_hash else ""
    cur = conn.execute(
        "UPDATE tasks SET status = 1, started_at = ?, ended_at = NULL, serial = ?, deferred = 0, updated_at = ? "
        f"WHERE id = ? AND status = 0 AND stop_requested = 0{same}",
        (now, serial, now, task_id, *((spec_hash,) if check_hash else ())),
    )
    if cur.rowcount != 1:
        return None
    n = conn.execute(
        "SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE task_id = ?", (task_id,)
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO attempts (task_id, n, serial, started_at) VALUES (?, ?, ?, ?)",
        (task_id, n, serial, now),
    )
    event(conn, task_id, "started", PENDING, RUNNING, f"attempt {n} on {serial}", now)
    return int(n)


def _close_attempt(
    conn: sqlite3.Connection,
    task_id: int,
    outcome: str,
    failure_class: str | None,
    message: str,
    now: str,
) -> None:
    conn.execute(
        "UPDATE attempts SET ended_at = ?, outcome = ?, failure_class = ?, message = ? "
        "WHERE task_id = ? AND n = (SELECT MAX(n) FROM attempts WHERE task_id = ?) AND ended_at IS NULL",
        (now, outcome, failure_class, message, task_id, task_id),
    )


def require_running(conn: sqlite3.Connection, task_id: int, action: str) -> None:
    status = status_of(conn, task_id)
    if status != RUNNING:
        raise StateError(f"task {task_id} cannot be {action}: it is {status.text}, not running")


def complete(
    conn: sqlite3.Connection, task_id: int, result: dict[str, Any], summary: str, now: str
) -> None:
    require_running(conn, task_id, "completed")
    conn.execute(
        "UPDATE tasks SET status = 2, ended_at = ?, remark = ?, result = ?, failure_class = NULL, "
        "stop_requested = 0, updated_at = ? WHERE id = ?",
        (
            now,
            summary,
            json.dumps(result, ensure_ascii=False, default=str),
            now,
            task_id,
        ),
    )
    _close_attempt(conn, task_id, "completed", None, summary, now)
    event(conn, task_id, "completed", RUNNING, COMPLETED, summary, now)


def fail(
    conn: sqlite3.Connection,
    task_id: int,
    *,
    failure_class: str,
    message: str,
    retry_at: datetime | None,
    count_retry: bool,
    now: str,
    outcome: str = "failed",
) -> None:
    """running -> failed, or back to pending at ``retry_at`` (the attempt is recorded either way)."""
    require_running(conn, task_id, "failed")
    _close_attempt(conn, task_id, outcome, failure_class, message, now)
    if retry_at is not None:  # a retired task (its campaign left the files) is not queued again
        retired = conn.execute("SELECT retired FROM tasks WHERE id = ?", (task_id,)).fetchone()[0]
        if retired:
            retry_at, message = None, f"{message}; not queued again: {retired}"
    if retry_at is None:
        conn.execute(
            "UPDATE tasks SET status = 3, ended_at = ?, remark = ?, failure_class = ?, stop_requested = 0, "
            "updated_at = ? WHERE id = ?",
            (now, message, failure_class, now, task_id),
        )
        event(conn, task_id, "failed", RUNNING, FAILED, f"{failure_class}: {message}", now)
        return
    bump = 1 if count_retry else 0
    remark = f"{failure_class}: {message}; retrying at {retry_at.astimezone().strftime('%H:%M:%S')}"
    conn.execute(
        "UPDATE tasks SET status = 0, next_run_at = ?, remark = ?, failure_class = ?, started_at = NULL, "
        "retry_count = retry_count + ?, updated_at = ? WHERE id = ?",
        (iso(retry_at), remark, failure_class, bump, now, task_id),
    )
    event(conn, task_id, "retry", RUNNING, PENDING, remark, now)


def fail_pending(
    conn: sqlite3.Connection,
    task_id: int,
    *,
    failure_class: str,
    message: str,
    now: str,
) -> bool:
    """pending -> failed without running (missed, stopped before start)."""
    cur = conn.execute(
        "UPDATE tasks SET status = 3, ended_at = ?, remark = ?, failure_class = ?, stop_requested = 0, "
        "updated_at = ? WHERE id = ? AND status = 0",
        (now, message, failure_class, now, task_id),
    )
    if cur.rowcount == 1:
        event(conn, task_id, "failed", PENDING, FAILED, f"{failure_class}: {message}", now)
    return cur.rowcount == 1


def requeue(conn: sqlite3.Connection, task_id: int, *, message: str, now: str) -> bool:
    """failed -> pending, due now (a manual retry)."""
    cur = conn.execute(
        "UPDATE tasks SET status = 0, next_run_at = ?, remark = ?, ended_at = NULL, started_at = NULL, "
        "stop_requested = 0, retry_count = retry_count + 1, updated_at = ? WHERE id = ? AND status = 3",
        (now, message, now, task_id),
    )
    if cur.rowcount == 1:
        event(conn, task_id, "retry", FAILED, PENDING, message, now)
    return cur.rowcount == 1


def defer(
    conn: sqlite3.Connection, task_id: int, *, until: datetime, reason: str, now: str
) -> bool:
    """Keep a pending task waiting (daily cap reached): the reason is its remark."""
    cur = conn.execute(
        "UPDATE tasks SET next_run_at = ?, remark = ?, deferred = 1, updated_at = ? WHERE id = ? AND status = 0",
        (iso(until), reason, now, task_id),
    )
    if cur.rowcount == 1:
        event(conn, task_id, "deferred", PENDING, PENDING, reason, now)
    return cur.rowcount == 1
