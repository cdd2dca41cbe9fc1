"""Read-only questions to the state file: listing, counting, history, and what is due."""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.state.db import connect
from runner.state.rows import TaskRow, iso

if TYPE_CHECKING:
    from runner.campaign.records import Repo

# aliases: inside QueryMixin the name `list` is the method, not the builtin
Rows = list[TaskRow]
Dicts = list[dict[str, Any]]
Ids = list[int]


def _where(filters: dict[str, object | None]) -> tuple[str, list[object]]:
    parts, args = [], []
    for column, value in filters.items():
        if value is not None:
            parts.append(f"{column} = ?")
            args.append(value)
    return (" WHERE " + " AND ".join(parts)) if parts else "", args


def list_query(
    filters: dict[str, object | None], page: int, page_size: int | None
) -> tuple[str, str, list[object]]:
    """The SQL of one page of tasks (the total matching as its first column; its arguments
    twice), the SQL of the total alone, and the arguments."""
    where, args = _where(filters)
    limit = (
        ""
        if page_size is None
        else f" LIMIT {int(page_size)} OFFSET {max(0, (page - 1) * int(page_size))}"
    )
    count = f"SELECT COUNT(*) FROM tasks{where}"
    return (
        f"SELECT ({count}) AS total_matching, * FROM tasks{where} ORDER BY id{limit}",
        count,
        args,
    )


def _scope(campaigns: Collection[str] | None) -> tuple[str, list[object]]:
    """The SQL that keeps only file tasks of ``campaigns`` (None: every task)."""
    if campaigns is None:
        return "", []
    clause = " AND source = 'file' AND campaign IN (SELECT value FROM json_each(?))"
    return clause, [json.dumps(sorted(campaigns))]


class QueryMixin:
    """Reads shared by the API, `campaign status` and the scheduler."""

    path: Path

    def _read(self) -> AbstractContextManager[Any]:
        """A connection for one read (the PostgreSQL store gives its own: runner/state/pg.py)."""
        return connect(self.path)

    def get(self, task_id: int) -> TaskRow | None:
        with self._read() as conn:
            row = conn.execute("SELECT * FROM tasks WHERE id = ?", (task_id,)).fetchone()
        return TaskRow.from_sql(row) if row else None

    def _must_get(self, task_id: int) -> TaskRow:
        row = self.get(task_id)
        if row is None:
            from runner.errors import StateError

            raise StateError(
                f"task {task_id} does not exist",
                hint="list tasks with `campaign status`",
            )
        return row

    def list(
        self,
        *,
        status: int | None = None,
        serial: str | None = None,
        script_name: str | None = None,
        source: str | None = None,
        campaign: str | None = None,
        page: int = 1,
        page_size: int | None = 20,
    ) -> tuple[Rows, int]:
        """One page of tasks in id order, and the total matching; page_size None: all."""
        page_sql, count_sql, args = list_query(
            {
                "status": status,
                "serial": serial,
                "script_name": script_name,
                "source": source,
                "campaign": campaign,
            },
            page,
            page_size,
        )
        with self._read() as conn:  # the page and the total in one round trip (the API's list)
            rows = conn.execute(page_sql, [*args, *args]).fetchall()
            total = rows[0][0] if rows else conn.execute(count_sql, args).fetchone()[0]
        return [TaskRow.from_sql(r, skip=1) for r in rows], int(total)

    def stats(self, **filters: object | None) -> dict[str, int]:
        """Counts like `/task/stats`: total, pending, running, completed, failed."""
        where, args = _where(filters)
        with self._read() as conn:
            counts = dict(
                conn.execute(
                    f"SELECT status, COUNT(*) FROM tasks{where} GROUP BY status", args
                ).fetchall()
            )
        names = ("pending", "running", "completed", "failed")
        out = {name: int(counts.get(code, 0)) for code, name in enumerate(names)}
        return {"total": sum(out.values()), **out}

    def events(self, task_id: int) -> Dicts:
        with self._read() as conn:
            rows = conn.execute(
                "SELECT at, kind, from_status, to_status, message FROM events WHERE task_id = ? ORDER BY id",
                (task_id,),
            ).fetchall()
        return [dict(r) for r in rows]

    def attempts(self, task_id: int | None = None) -> Dicts:
        """Every attempt (of one task, or all), oldest first: the executor's ground truth."""
        where, args = ("WHERE task_id = ?", [task_id]) if task_id is not None else ("", [])
        with self._read() as conn:
            rows = conn.execute(
                f"SELECT * FROM attempts {where} ORDER BY task_id, n", args
            ).fetchall()
        return [dict(r) for r in rows]

    def due(
        self,
        now: datetime,
        *,
        per_phone: int = 3,
        exclude: Collection[str] = (),
        campaigns: Collection[str] | None = None,
    ) -> Rows:
        """Pending tasks whose time has come (next_run_at NULL: as soon as possible): the first
        ``per_phone`` of each phone not in ``exclude`` (busy ones), in start order, or random
        order for `random_order` tasks; ``campaigns``: only file tasks of these campaigns.
        The dispatcher asks at every wake, so a backlog of 100,000 tasks on 1,000 busy phones
        must cost next to nothing."""
        scope, args = _scope(campaigns)
        with self._read() as conn:
            ids = [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM (SELECT id, ROW_NUMBER() OVER (PARTITION BY serial ORDER BY "
                    "CASE WHEN random_order = 1 THEN abs(random()) ELSE 0 END, next_run_at, id) AS rn "
                    "FROM tasks WHERE status = 0 AND stop_requested = 0 AND (next_run_at IS NULL OR next_run_at <= ?) "
                    f"AND COALESCE(serial, '') NOT IN (SELECT value FROM json_each(?)){scope}) WHERE rn <= ?",
                    (iso(now), json.dumps(sorted(exclude)), *args, per_phone),
                )
            ]
            rows = conn.execute(
                "SELECT * FROM tasks WHERE id IN (SELECT value FROM json_each(?)) ORDER BY next_run_at, id",
                (json.dumps(ids),),
            ).fetchall()
        return [TaskRow.from_sql(r) for r in rows]

    def next_due_at(self) -> datetime | None:
        """The earliest future time a pending task becomes due (None: nothing waits)."""
        with self._read() as conn:
            value = conn.execute(
                "SELECT MIN(next_run_at) FROM tasks WHERE status = 0 AND next_run_at IS NOT NULL"
            ).fetchone()[0]
        return datetime.fromisoformat(value) if value else None

    def stop_requested_ids(self) -> Ids:
        with self._read() as conn:
            return [
                r[0]
                for r in conn.execute(
                    "SELECT id FROM tasks WHERE status = 1 AND stop_requested = 1"
                )
            ]

    def count_done(
        self, *, username: str, script_name: str, since: datetime, until: datetime
    ) -> int:
        """Tasks of one account and script that ran (completed, or running) in [since, until):
        the daily cap counts across every campaign and the API."""
        with self._read() as conn:
            return int(
                conn.execute(
                    "SELECT COUNT(*) FROM tasks WHERE username = ? AND script_name = ? AND status IN (1, 2) "
                    "AND started_at >= ? AND started_at < ?",
                    (username, script_name, iso(since), iso(until)),
                ).fetchone()[0]
            )

    def outstanding(
        self,
        now: datetime,
        *,
        include_future: bool,
        campaigns: Collection[str] | None = None,
        waiting: Collection[str] = (),
    ) -> int:
        """Tasks `campaign run` still waits for: running, or pending and due by their start time
        (retries of due tasks included, daily-cap deferrals not); with include_future, all.
        ``campaigns``: only file tasks of these; ``waiting``: phones whose pending tasks cannot
        start (unknown, quarantined, gone): not waited for."""
        clause = (
            ""
            if include_future
            else " AND (start_time IS NULL OR start_time <= ?) AND deferred = 0"
        )
        args: list[object] = [] if include_future else [iso(now)]
        scope, scope_args = _scope(campaigns)
        with self._read() as conn:
            return int(
                conn.execute(
                    f"SELECT COUNT(*) FROM tasks WHERE (status = 1 OR (status = 0{clause} AND "
                    f"COALESCE(serial, '') NOT IN (SELECT value FROM json_each(?)))){scope}",
                    [*args, json.dumps(sorted(waiting)), *scope_args],
                ).fetchone()[0]
            )

    def left_campaigns(self, present: Collection[str], read: Collection[Path]) -> dict[str, str]:
        """Campaigns with pending or running file tasks that the files no longer define, with why.

        A campaign has left when the file it came from was read (``read``: resolved paths) and
        no longer defines it, or when that file is gone. Campaigns of files that were simply not
        given (``campaign run one.yaml``) stay: running part of a repo must not delete the rest.
        """
        with self._read() as conn:
            rows = conn.execute(
                "SELECT DISTINCT campaign, origin FROM tasks WHERE key IS NOT NULL AND status IN (0, 1)"
            ).fetchall()
        out: dict[str, str] = {}
        for campaign, origin in rows:
            if campaign in present or campaign in out or not origin:
                continue
            file = Path(re.sub(r":\d+:\d+$", "", origin))
            if not file.exists():
                out[campaign] = f"campaign {campaign}: {file} no longer exists"
            elif file.resolve() in read:
                out[campaign] = f"campaign {campaign} is no longer in {file}"
        return out

    def gone_campaigns(self, repo: Repo) -> dict[str, str]:
        """What an apply of ``repo`` retires: campaigns that left the files, and disabled ones."""
        read = {Path(f).resolve() for f in repo.files}
        gone = self.left_campaigns({c.name for c in repo.campaigns}, read)
        for c in repo.campaigns:
            if not c.enabled:
                gone[c.name] = f"campaign {c.name} is disabled (enabled: false, {c.origin})"
        return gone

    def never_started_before(self, moment: datetime) -> Rows:
        """Pending tasks whose start time passed with no attempt at all: candidates for on_missed."""
        with self._read() as conn:
            rows = conn.execute(
                "SELECT * FROM tasks WHERE status = 0 AND start_time IS NOT NULL AND start_time < ? "
                "AND NOT EXISTS (SELECT 1 FROM attempts WHERE attempts.task_id = tasks.id) ORDER BY id",
                (iso(moment),),
            ).fetchall()
        return [TaskRow.from_sql(r) for r in rows]
