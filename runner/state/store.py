"""The state file handle: a path and one method per operation, each its own transaction."""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from runner.campaign.model import TaskSpec
from runner.errors import StateError, StorageError
from runner.state import lock as locking
from runner.state import transitions as tr
from runner.state.apply import (
    ApplyDiff,
    Comparison,
    existing_tasks,
    insert_specs,
    plan_apply,
    write_apply,
)
from runner.state.db import migrate, write
from runner.state.queries import QueryMixin
from runner.state.rows import (
    FAILED,
    PENDING,
    RUNNING,
    TaskRow,
    iso,
    utcnow,
)


class Store(QueryMixin):
    """A thin handle: no connection outlives a call, so threads and processes share the file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        locking.check_before_open(self.path)
        migrate(self.path)
        with self._read() as conn:
            self.db_id = locking.db_id(conn)
        locking.check_identity(self.path, self.db_id)
        self._held_inode: int | None = None  # set while this handle holds the runner lock

    def _write(self) -> AbstractContextManager[sqlite3.Connection]:
        if self._held_inode is not None and locking.inode(self.path) != self._held_inode:
            raise StorageError(
                f"{self.path}: the state file was deleted or replaced while this runner had it",
                hint="restore it from a backup; it is not re-created (the lock record beside "
                "it names the file that was there)",
            )
        return write(self.path)

    # -- phones the pool has seen -----------------------------------------------------------
    def note_seen_phones(self, phones: Sequence[tuple[str, str]]) -> None:
        """The pool saw these phones (adb serial, hardware serial) come online
        (``DevicePool.watch_seen``): keep their serials, when each was first seen and when
        last. One transaction: a runner starting on 1,000 phones writes them with one fsync."""
        now = iso(utcnow()) or ""
        with self._write() as conn:
            conn.executemany(
                "INSERT INTO seen_phones (adb_serial, hw_serial, first_seen, last_seen) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (adb_serial) DO UPDATE SET "
                "hw_serial = excluded.hw_serial, last_seen = excluded.last_seen",
                [(adb_serial, hw_serial, now, now) for adb_serial, hw_serial in phones],
            )

    def seen_identities(self) -> dict[str, str]:
        """Every serial a seen phone answered to (adb and hardware) -> its hardware serial."""
        out: dict[str, str] = {}
        for row in self.seen_phones():
            out[row["adb_serial"]] = out[row["hw_serial"]] = row["hw_serial"]
        return out

    def seen_phones(self) -> list[dict[str, str]]:
        """Every phone the pool has seen: adb serial, hardware serial, first and last seen."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT adb_serial, hw_serial, first_seen, last_seen FROM seen_phones "
                "ORDER BY hw_serial, adb_serial"
            ).fetchall()
        return [dict(zip(row.keys(), row, strict=True)) for row in rows]

    # -- campaign files and the API door ---------------------------------------------------
    def apply(
        self,
        specs: Iterable[TaskSpec],
        *,
        campaigns: Iterable[str],
        gone: Mapping[str, str] | None = None,
        identity: Callable[[str], str] | None = None,
    ) -> ApplyDiff:
        """Write file tasks by key; pending ones follow the files, the rest is history.

        ``gone``: campaigns that left the files or were disabled (name -> why): their pending
        tasks are removed, their running ones retired. ``identity``: a serial's phone identity."""
        with self._write() as conn:
            work = plan_apply(conn, specs, campaigns, gone, identity)
            write_apply(conn, work, iso(utcnow()) or "")
        return work.diff

    def note_applied(self) -> None:
        """One more apply of the files: the generation `serve --executor child`'s runner follows
        (runner/cli/worker.py), as the API process applies and the child runs the scripts."""
        with self._write() as conn:
            conn.execute(
                "INSERT INTO meta (key, value) VALUES ('apply_generation', '1') "
                "ON CONFLICT (key) DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 "
                "AS TEXT)"
            )

    def applied_generation(self) -> int:
        """How many applies of the files this state has seen (0: none since this was added)."""
        with self._read() as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'apply_generation'").fetchone()
        return int(row[0]) if row else 0

    def diff(
        self,
        specs: Iterable[TaskSpec],
        *,
        campaigns: Iterable[str],
        gone: Mapping[str, str] | None = None,
    ) -> ApplyDiff:
        """What `apply` would do, without writing (for `campaign plan`)."""
        comparison = self.comparison(campaigns=campaigns, gone=gone)
        for spec in specs:
            comparison.add(spec)
        return comparison.finish().diff

    def comparison(
        self, *, campaigns: Iterable[str], gone: Mapping[str, str] | None = None
    ) -> Comparison:
        """`diff` for specs made elsewhere: the file's tasks are read now; feed the specs to
        ``add`` (or through ``passing``) as they are made, then ``finish().diff``."""
        with self._read() as conn:
            if isinstance(conn, sqlite3.Connection):  # (PostgreSQL caches on its server)
                # one scan, each page read once: the 64 MiB cache an apply needs would only
                # hold a copy of the table (100,000 tasks: 60 MB more for `plan`)
                conn.execute("PRAGMA cache_size=-2048")
            existing = existing_tasks(conn)
        return Comparison(existing, campaigns, gone, keep_rows=False)

    def insert(self, specs: Sequence[TaskSpec]) -> list[int]:
        with self._write() as conn:
            return insert_specs(conn, specs, iso(utcnow()) or "")

    def delete(self, task_ids: Sequence[int]) -> list[int]:
        """Remove rows (the event log keeps a 'deleted' record); returns the ids that existed."""
        now = iso(utcnow()) or ""
        deleted = []
        with self._write() as conn:
            for task_id in task_ids:
                row = conn.execute("SELECT status FROM tasks WHERE id = ?", (task_id,)).fetchone()
                if row is None:
                    continue
                conn.execute("DELETE FROM tasks WHERE id = ?", (task_id,))
                tr.event(conn, task_id, "deleted", row[0], None, "deleted by request", now)
                deleted.append(task_id)
        return deleted

    # -- requests from users (no lock needed: the runner polls) -----------------------------
    def request_stop(self, task_id: int) -> bool:
        """A pending task fails as cancelled now; a running one is cancelled by its runner."""
        now = iso(utcnow()) or ""
        with self._write() as conn:
            status = tr.status_of(conn, task_id)
            if status == PENDING:
                return tr.fail_pending(
                    conn,
                    task_id,
                    failure_class="cancelled",
                    message="stopped by request",
                    now=now,
                )
            if status != RUNNING:
                return False
            conn.execute(
                "UPDATE tasks SET stop_requested = 1, updated_at = ? WHERE id = ?",
                (now, task_id),
            )
            tr.event(conn, task_id, "stop_requested", RUNNING, RUNNING, "stop requested", now)
            return True

    def retry(self, task_id: int) -> TaskRow:
        with self._write() as conn:
            status = tr.status_of(conn, task_id)
            if status != FAILED:
                raise StateError(
                    f"task {task_id} is {status.text}, only failed tasks can be retried"
                )
            tr.requeue(conn, task_id, message="retry requested", now=iso(utcnow()) or "")
        return self._must_get(task_id)

    def retry_all(self, *, include_cancelled: bool = False) -> int:
        """Every failed task back to pending; stopped ones (failure class ``cancelled``) stay
        stopped unless ``include_cancelled``: someone meant them not to run."""
        now = iso(utcnow()) or ""
        with self._write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM tasks WHERE status = 3 "
                    "AND (? OR failure_class IS NOT 'cancelled')",
                    (int(include_cancelled),),
                )
            ]
            return sum(tr.requeue(conn, i, message="retry requested", now=now) for i in ids)

    # -- executor-side transitions ----------------------------------------------------------
    def claim(self, task_id: int, *, serial: str) -> int | None:
        """pending -> running atomically; None if it was no longer pending (or stop asked)."""
        with self._write() as conn:
            return tr.claim(conn, task_id, serial, iso(utcnow()) or "")

    def claim_many(self, claims: Sequence[tuple[int, str] | TaskRow]) -> dict[int, int]:
        """Claim several tasks in one transaction: task id -> attempt number.

        A TaskRow is claimed only while it still holds the content it was read with (an apply
        in between changed it: it is left for the next wave, which reads the new config); a
        (task id, serial) pair is claimed whatever its content. One fsync for a whole wave of
        phones keeps the start lag flat at 1,000 phones."""
        now = iso(utcnow()) or ""
        out: dict[int, int | None] = {}
        with self._write() as conn:
            for claim in claims:
                if isinstance(claim, TaskRow):
                    out[claim.id] = tr.claim(
                        conn, claim.id, claim.serial or "", now, claim.spec_hash, check_hash=True
                    )
                else:
                    out[claim[0]] = tr.claim(conn, claim[0], claim[1], now)
        return {task_id: n for task_id, n in out.items() if n is not None}

    def mark_running(self, task_id: int, *, serial: str) -> int:
        attempt = self.claim(task_id, serial=serial)
        if attempt is None:
            raise StateError(f"task {task_id} cannot start on {serial}: it is no longer pending")
        return attempt

    def mark_completed(self, task_id: int, *, result: dict[str, Any], summary: str) -> None:
        with self._write() as conn:
            tr.complete(conn, task_id, result, summary, iso(utcnow()) or "")

    def mark_failed(
        self,
        task_id: int,
        *,
        failure_class: str,
        message: str,
        retry_at: datetime | None,
        count_retry: bool = True,
        outcome: str = "failed",
    ) -> None:
        """running -> failed, or pending again at ``retry_at``; ``outcome`` names the attempt's end."""
        with self._write() as conn:
            tr.fail(
                conn,
                task_id,
                failure_class=str(failure_class),
                message=message,
                retry_at=retry_at,
                count_retry=count_retry,
                now=iso(utcnow()) or "",
                outcome=outcome,
            )

    def mark_missed(self, task_id: int, *, message: str = "missed") -> bool:
        with self._write() as conn:
            return tr.fail_pending(
                conn,
                task_id,
                failure_class="missed",
                message=message,
                now=iso(utcnow()) or "",
            )

    def defer(self, task_id: int, *, until: datetime, reason: str) -> bool:
        with self._write() as conn:
            return tr.defer(conn, task_id, until=until, reason=reason, now=iso(utcnow()) or "")

    # -- at most once ------------------------------------------------------------------------
    def mark_commit(self, task_id: int, *, action: str, detail: dict[str, Any]) -> None:
        """Durably record that the tap which cannot be undone comes next (for this attempt).

        Committed (fsync) before it returns; if it raises, the tap must not happen."""
        now = iso(utcnow()) or ""
        with self._write() as conn:
            tr.require_running(conn, task_id, "marked at its commit point")
            attempt = conn.execute(
                "SELECT COALESCE(MAX(n), 0) FROM attempts WHERE task_id = ?", (task_id,)
            ).fetchone()[0]
            conn.execute(
                "INSERT OR REPLACE INTO commit_marks (task_id, attempt, action, detail, marked_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (task_id, attempt, action, json.dumps(detail, ensure_ascii=False), now),
            )
            tr.event(
                conn, task_id, "commit_point", RUNNING, RUNNING, f"{action}, attempt {attempt}", now
            )

    def commit_mark(self, task_id: int) -> dict[str, Any] | None:
        """The last commit mark of the task: {attempt, action, detail, marked_at}, or None."""
        with self._read() as conn:
            row = conn.execute(
                "SELECT attempt, action, detail, marked_at FROM commit_marks WHERE task_id = ?",
                (task_id,),
            ).fetchone()
        if row is None:
            return None
        return {
            "attempt": row[0],
            "action": row[1],
            "detail": json.loads(row[2]),
            "marked_at": row[3],
        }

    def note_waiting(self, serial: str, reason: str) -> list[int]:
        """Say on each pending task of ``serial`` that it waits for its phone, and why (once
        per reason: an event on the first note). Returns the ids that got the remark."""
        remark = f"waiting for phone {serial}: {reason}"
        now = iso(utcnow()) or ""
        with self._write() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "UPDATE tasks SET remark = ?, updated_at = ? "
                    "WHERE serial = ? AND status = 0 AND remark != ? RETURNING id",
                    (remark, now, serial, remark),
                )
            ]
            for task_id in ids:
                tr.event(conn, task_id, "waiting", PENDING, PENDING, remark, now)
        return ids

    def recover_interrupted(self) -> list[int]:
        """After a crash: running tasks get an 'interrupted' attempt and go back to the queue
        under their retry policy (or fail as interrupted when it is spent; cancelled if a stop
        was asked). Completed tasks are untouched, so they never run again."""
        now_dt = utcnow()
        now = iso(now_dt) or ""
        with self._write() as conn:
            rows = conn.execute(
                "SELECT id, retry_count, retry_max, retry_delay_min, retry_delay_max, stop_requested "
                "FROM tasks WHERE status = 1 ORDER BY id"
            ).fetchall()
            for task_id, count, limit, low, high, stop in rows:
                cls, msg, retry_at = (
                    "interrupted",
                    "the runner stopped while the task was running",
                    None,
                )
                if stop:
                    cls, msg = (
                        "cancelled",
                        "stopped by request (runner stopped meanwhile)",
                    )
                elif count < limit:
                    retry_at = now_dt + timedelta(seconds=random.uniform(low, max(low, high)))
                tr.fail(
                    conn,
                    task_id,
                    failure_class=cls,
                    message=msg,
                    retry_at=retry_at,
                    count_retry=True,
                    now=now,
                    outcome="interrupted",
                )
        return [r[0] for r in rows]

    # -- the one-runner lock ----------------------------------------------------------------
    def acquire_lock(self, *, force: bool = False) -> tuple[str, str | None]:
        """(token, warning): raises LockHeldError naming the live holder."""
        with self._write() as conn:
            token, warning = locking.acquire(conn, self.path, force=force)
        locking.write_record(self.path, token, self.db_id)
        self._held_inode = locking.inode(self.path)
        return token, warning

    def release_lock(self, token: str) -> bool:
        with self._write() as conn:
            released = locking.release(conn, token)
        locking.remove_record(self.path, token)
        self._held_inode = None
        return released

    def lock_holder(self) -> locking.LockInfo | None:
        with self._read() as conn:
            return locking.holder(conn)
