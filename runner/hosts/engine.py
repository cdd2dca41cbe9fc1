"""The procrastinate side of several hosts: one job per attempt, routed to the phone's host.

- ``run_task`` (queue ``host-<id>``, lock ``phone:<hardware serial>``, queueing lock
  ``task:<id>``): one attempt of one task on this host's phone. The lock is what the database
  enforces: one running job per phone, across hosts. A job that starts on a host that no
  longer holds the phone re-defers itself to the right queue.
- ``dispatch`` (queue ``control``, every second, run by whichever host takes it): defers the
  jobs of pending tasks **when they are due**, never earlier: a future-dated job holding the
  phone lock would block every newer job of that phone (procrastinate's lock trap).
- ``janitor`` (queue ``control``, every second): jobs of hosts whose heartbeat stopped are
  ended (their phone locks freed) and their tasks recorded as interrupted, counted as an
  attempt and queued again under their retry policy; queued jobs of a phone that moved are
  moved to its new host's queue (procrastinate has no API for that: an UPDATE of its table,
  version pinned in pyproject.toml); phones of silent hosts are attached nowhere.

The task records (tasks, attempts, events) are the Store's, on the same database: the API,
`campaign status` and the executor read and write them exactly as with one SQLite file.
"""

from __future__ import annotations

import asyncio
import logging
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from procrastinate import App, JobContext, PsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued

from runner.hosts import tables
from runner.state.rows import PENDING, iso, utcnow

log = logging.getLogger("runner.hosts")
CONTROL = "control"
SKIP_GRACE = 60.0  # on_missed: skip without a grace: this late is still on time (RunnerOptions)
app = App(connector=PsycopgConnector())


@dataclass
class Settings:
    """Failure detection: a host is dead after ``stall`` seconds without a heartbeat."""

    heartbeat: float = 10.0
    stall: float = 30.0
    polling: float = 1.0


@dataclass
class Host:
    """What the jobs of this worker process run with (set by runner.hosts.worker)."""

    host_id: str
    store: Any
    pool: Any
    settings: Settings
    artifacts_root: Path
    repo_root: Path | None = None
    running: dict[int, Any] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


HOST: Host | None = None


def _host() -> Host:
    if HOST is None:
        raise RuntimeError("run_task runs only inside `campaign worker`")
    return HOST


# -- one attempt ---------------------------------------------------------------------------------
@app.task(name="run_task", pass_context=True)
def run_task(context: JobContext, task_id: int, serial: str) -> str:
    """One attempt of task ``task_id`` on phone ``serial`` (runs in a worker thread)."""
    host = _host()
    with host.store.connection() as raw:  # one round trip: the phone's host, the daily caps
        where, caps, zone = raw.execute(HOST_AND_CAPS, (serial,)).fetchone()
    if where != host.host_id:
        if where is None:
            return f"phone {serial} is attached to no host: the dispatcher defers it again"
        defer_run(task_id, serial, where)
        return f"phone {serial} is on host {where}: re-deferred there"
    row = host.store.get(task_id)
    if row is None or row.status != PENDING or row.stop_requested:
        return "nothing to do: the task is no longer pending"
    if _over_cap(host, row, caps, zone):
        return "deferred: daily cap"
    # which host ran which attempt (for status and tests): written with the claim
    attempt = host.store.claim_on_host(task_id, serial=serial, host_id=host.host_id)
    if attempt is None:
        return "claimed elsewhere"
    return _execute(host, task_id, attempt)


HOST_AND_CAPS = (
    "SELECT (SELECT host FROM phones WHERE serial = %s), "
    "(SELECT value FROM meta WHERE key = 'daily_caps'), "
    "(SELECT value FROM meta WHERE key = 'cap_zone')"
)


def _execute(host: Host, task_id: int, attempt: int) -> str:
    from runner.scheduler.executor import Job, execute
    from runner.scheduler.queue import Claim

    row = host.store.get(task_id)
    job = Job(
        store=host.store,
        pool=host.pool,
        artifacts_root=host.artifacts_root,
        repo_root=host.repo_root,
        lease_timeout=10.0,
    )
    with host.lock:
        host.running[task_id] = job
    try:
        outcome = execute(Claim(row=row, attempt=attempt), job)
    finally:
        with host.lock:
            host.running.pop(task_id, None)
    if not outcome.completed:  # its artifacts, for `serve` on any machine
        _keep_artifacts(host, task_id)
    low = row.min_interval
    time.sleep(random.uniform(low, max(low, row.max_interval)))  # the phone's pause, lock held
    return f"{'completed' if outcome.completed else outcome.failure_class}: {outcome.message}"


def _keep_artifacts(host: Host, task_id: int) -> None:
    from runner.hosts import artifacts

    try:
        artifacts.keep(host.store, task_id, host.artifacts_root / str(task_id))
    except Exception:  # noqa: BLE001 - the outcome is recorded; the files stay on this host
        log.exception("task %s: its artifacts could not be copied into the database", task_id)


def _over_cap(host: Host, row: Any, caps_text: str | None, zone_name: str | None) -> bool:
    """Per-account daily cap per script, from the files' inventory (written by apply;
    ``caps_text`` is its JSON and ``zone_name`` its time zone, read with the phone's host)."""
    import json

    from runner.scheduler.queue import cap_reached

    caps = json.loads(caps_text or "{}")
    over = cap_reached(host.store, row, utcnow(), caps, ZoneInfo(zone_name or "UTC"))
    if over is None:
        return False
    host.store.defer(row.id, until=over[0], reason=over[1])
    return True


def defer_run(task_id: int, serial: str, host_id: str) -> int | None:
    """Queue one attempt on ``host_id``; None when the task already has a queued job."""
    try:
        return run_task.configure(
            queue=tables.queue_of(host_id),
            lock=tables.phone_lock(serial),
            queueing_lock=tables.task_lock(task_id),
        ).defer(task_id=task_id, serial=serial)
    except AlreadyEnqueued:
        return None


# -- the control queue ---------------------------------------------------------------------------
DUE = """
SELECT t.id, t.serial, p.host, t.random_order FROM tasks t LEFT JOIN phones p ON p.serial = t.serial
WHERE t.status = 0 AND t.stop_requested = 0 AND t.retired IS NULL
  AND (t.next_run_at IS NULL OR t.next_run_at <= %s)
  AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.queueing_lock = 'task:' || t.id
                  AND j.status IN ('todo', 'doing'))
ORDER BY t.serial, t.next_run_at NULLS FIRST, t.id LIMIT 5000
"""
WAITING = (
    "UPDATE tasks SET remark = %s WHERE status = 0 AND serial = %s AND remark <> %s "
    "AND deferred = 0"
)


@app.periodic(cron="* * * * * *", periodic_id="dispatch")
@app.task(name="dispatch", queue=CONTROL)
async def dispatch(timestamp: int) -> int:
    """Defer the jobs of every due pending task to its phone's host; note phones attached nowhere."""
    host = _host()
    due = in_run_order(await asyncio.to_thread(_due, host.store, timestamp), RNG)
    jobs = []
    waiting: set[str] = set()
    for task_id, serial, where, _ in due:
        if not serial:
            continue
        if where is None:
            waiting.add(serial)
            continue
        deferrer = run_task.configure(
            queue=tables.queue_of(where),
            lock=tables.phone_lock(serial),
            queueing_lock=tables.task_lock(task_id),
        )
        jobs.append(deferrer.make_new_job(task_id=task_id, serial=serial))
    count = 0
    manager = app.job_manager
    for start in range(0, len(jobs), BATCH):
        # one INSERT per batch: deferring 1,000 jobs one by one delayed the last phones' first
        # tasks by seconds under load
        chunk = jobs[start : start + BATCH]
        try:
            count += len(await manager.batch_defer_jobs_async(chunk))
        except AlreadyEnqueued:  # a job of the batch is queued already (a re-defer): one by one
            for job in chunk:
                try:
                    await manager.defer_job_async(job)
                    count += 1
                except AlreadyEnqueued:
                    pass
    if waiting:
        await asyncio.to_thread(_note_waiting, host.store, waiting)
    return count


Due = tuple[int, str | None, str | None, int]
RNG = random.Random()
BATCH = 200  # jobs per INSERT when the dispatcher defers


def in_run_order(due: list[Due], rng: random.Random) -> list[Due]:
    """The order a phone's jobs are deferred in is the order they run (procrastinate runs the
    jobs of one lock by id): start-time order, or shuffled when the phone's first due task is
    ``random_order``, as the SQLite queue picks a random due task."""
    by_phone: dict[str | None, list[Due]] = {}
    for row in due:
        by_phone.setdefault(row[1], []).append(row)
    ordered: list[Due] = []
    for rows in by_phone.values():
        if rows[0][3]:
            rng.shuffle(rows)  # lists of this call's own
        ordered += rows
    return ordered


def _due(store: Any, timestamp: int) -> list[Due]:
    """Fire the recurring campaigns whose time came, mark what is too late missed (on_missed,
    grace: as the SQLite runner does), then the tasks to defer."""
    from runner.hosts import recurring
    from runner.scheduler import jobs

    moment = max(utcnow(), datetime.fromtimestamp(timestamp, UTC))
    recurring.fire(store, moment, skip_grace=SKIP_GRACE)
    jobs.mark_missed(store, store.never_started_before(moment), moment, skip_grace=SKIP_GRACE)
    with store.connection() as raw:
        return [tuple(r) for r in raw.execute(DUE, (iso(moment),)).fetchall()]


def _note_waiting(store: Any, serials: set[str]) -> None:
    with store.connection() as raw:
        for serial in sorted(serials):
            reason = (
                f"waiting: phone {serial} is attached to no host (no worker's adb server shows it)"
            )
            raw.execute(WAITING, (reason, serial, reason))


ORPHANS = """
SELECT t.id FROM tasks t WHERE t.status = 1
  AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.queueing_lock = 'task:' || t.id
                  AND j.status = 'doing')
ORDER BY t.id
"""
REROUTE = """
UPDATE procrastinate_jobs j SET queue_name = 'host-' || p.host FROM phones p
WHERE j.status = 'todo' AND j.task_name = 'run_task' AND j.lock = 'phone:' || p.serial
  AND p.host IS NOT NULL AND j.queue_name <> 'host-' || p.host
"""


@app.periodic(cron="* * * * * *", periodic_id="janitor")
@app.task(name="janitor", queue=CONTROL, pass_context=True)
async def janitor(context: JobContext, timestamp: int) -> str:
    """End the jobs of dead hosts, re-queue their tasks, re-route a moved phone's jobs."""
    from procrastinate.jobs import Status

    host = _host()
    manager = context.app.job_manager
    stalled = list(
        await manager.get_stalled_jobs(
            task_name="run_task", seconds_since_heartbeat=host.settings.stall
        )
    )
    for job in stalled:
        if job.id is not None:  # a stored job always has one
            await manager.finish_job_by_id_async(job.id, status=Status.FAILED, delete_job=False)
    requeued = await asyncio.to_thread(_janitor_sql, host.store, host.settings.stall)
    return f"{len(stalled)} stalled job(s) ended; {requeued}"


def _janitor_sql(store: Any, stall: float) -> str:
    with store.connection() as raw:
        released = tables.release_stale(raw, stall)
        orphans = [r[0] for r in raw.execute(ORPHANS).fetchall()]
    for task_id in orphans:
        _interrupted(store, task_id, stall)
    with store.connection() as raw:
        moved = raw.execute(REROUTE).rowcount
    return f"{len(orphans)} task(s) re-queued, {moved} job(s) re-routed, {released} phone(s) let go"


def _interrupted(store: Any, task_id: int, stall: float) -> None:
    """A task whose host died: the attempt counts, the retry policy decides what comes next."""
    from runner.errors import StateError

    row = store.get(task_id)
    if row is None or row.status != 1:
        return
    retry_at = utcnow() if row.retry_count < row.retry_max and not row.stop_requested else None
    try:
        store.mark_failed(
            task_id,
            failure_class="cancelled" if row.stop_requested else "interrupted",
            message=f"its host stopped answering (no heartbeat for {stall:g} s) while it ran "
            f"on {row.serial}",
            retry_at=retry_at,
            count_retry=True,
            outcome="interrupted",
        )
    except StateError:  # it ended meanwhile
        log.debug("task %s ended before the janitor re-queued it", task_id)
