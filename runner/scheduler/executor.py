"""Running one claimed task on its phone: lease, script, timeout, stop, retry decision.

Each call runs in its own worker thread (one per busy phone). The outcome is always written
to the store before the phone is handed back, so a crash leaves at most the task that was
running in `running`, which `recover_interrupted` puts back in the queue.
"""

from __future__ import annotations

import logging
import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import (
    CampaignRunnerError,
    FailureClass,
    StorageError,
    TaskFailed,
    as_task_failure,
)
from runner.scheduler.queue import Claim
from runner.state import Store, TaskRow

if TYPE_CHECKING:
    from runner.scheduler.phones import PhonePool

log = logging.getLogger(__name__)
NEVER_RETRIED = {FailureClass.CONFIG_ERROR, FailureClass.CANCELLED, FailureClass.MISSED}


@dataclass(frozen=True)
class Outcome:
    task_id: int
    serial: str
    completed: bool
    failure_class: str | None
    message: str


class Stop(IntEnum):
    """Why a running task is asked to end; a stronger reason replaces a weaker one."""

    TIMEOUT = 1  # its own timeout passed: failed as timeout (retried by its policy)
    REQUESTED = 2  # `campaign stop` / the API: failed as cancelled, never retried
    INTERRUPTED = 3  # the runner shuts down: queued again, no attempt burnt


@dataclass
class Job:
    """What the executor needs beyond the task: where things go and how to stop it.

    One state says whether and why the task is being stopped (``stop_reason``); ``cancel`` is
    the signal the script waits on between its steps, set by ``stop`` and nothing else."""

    store: Store
    pool: PhonePool | None
    artifacts_root: Path
    repo_root: Path | None
    lease_timeout: float
    cancel: threading.Event = field(default_factory=threading.Event)
    stop_reason: Stop | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stop(self, reason: Stop) -> None:
        """Ask the task to end (at the script's next step) for ``reason``."""
        with self._lock:
            if self.stop_reason is None or reason > self.stop_reason:
                self.stop_reason = reason
        self.cancel.set()


def retry_time(
    row: TaskRow,
    failure: FailureClass,
    now: datetime,
    *,
    rng: random.Random | None = None,
) -> datetime | None:
    """When to try again under the task's policy, or None when it fails for good."""
    if failure in NEVER_RETRIED or row.retry_count >= row.retry_max:
        return None
    low, high = row.retry_delay_min, max(row.retry_delay_min, row.retry_delay_max)
    return now + timedelta(seconds=(rng or random).uniform(low, high))


def execute(claim: Claim, job: Job) -> Outcome:
    """Run the task and record its end; never raises for a task's own failure."""
    row, serial = claim.row, claim.row.serial or ""
    timer = _timeout_timer(row, job)
    try:
        result = _run(row, job)
    except StorageError:  # e.g. the commit mark could not be written: the runner stops
        raise
    except Exception as exc:  # a bug in a script must not take the runner down either
        if not isinstance(exc, CampaignRunnerError):
            log.exception("task %s on %s crashed", row.id, serial)
        failure = as_task_failure(exc, serial=serial, task_id=row.id)
    else:
        job.store.mark_completed(row.id, result=dict(result.details), summary=result.summary)
        return Outcome(row.id, serial, True, None, result.summary)
    finally:
        if timer is not None:
            timer.cancel()
    return _record_failure(row, _reclassify(failure, row, job), job)


def _run(row: TaskRow, job: Job) -> Any:
    from runner.scripts import ScriptTask, run_script

    if not row.serial:
        raise TaskFailed(
            FailureClass.CONFIG_ERROR,
            "the task names no phone",
            task_id=row.id,
            hint="give the campaign `serials`, a group, or an account from the inventory",
        )
    task = ScriptTask(
        task_id=row.id,
        script_name=row.script_name,
        script_config=row.script_config,
        serial=row.serial,
        username=row.username,
        package=row.package,
        target=row.target,
        campaign=row.campaign,
        commit_mark=job.store.commit_mark(row.id),
    )

    def on_commit(action: str, detail: dict[str, Any]) -> None:
        job.store.mark_commit(row.id, action=action, detail=detail)

    if job.pool is None:  # a runner over a bare state file (the API without phones) runs nothing
        raise TaskFailed(FailureClass.INTERNAL, "this runner has no phones", task_id=row.id)
    with job.pool.lease(row.serial, timeout=job.lease_timeout) as device:
        return run_script(
            device,
            task,
            cancel=job.cancel,
            artifacts_dir=job.artifacts_root / str(row.id),
            repo_root=job.repo_root,
            on_commit=on_commit,
        )


def _timeout_timer(row: TaskRow, job: Job) -> threading.Timer | None:
    if not row.timeout:
        return None
    timer = threading.Timer(row.timeout, job.stop, args=(Stop.TIMEOUT,))
    timer.daemon = True
    timer.start()
    return timer


def _reclassify(failure: TaskFailed, row: TaskRow, job: Job) -> TaskFailed:
    """A task we stopped failed for the reason we stopped it (a cancel by the clock is a
    timeout, not a user's stop)."""
    reason = job.stop_reason
    if reason is Stop.INTERRUPTED:
        return TaskFailed(
            FailureClass.INTERRUPTED,
            "the runner was stopped while the task ran",
            serial=row.serial,
            task_id=row.id,
        )
    if reason is Stop.TIMEOUT:
        return TaskFailed(
            FailureClass.TIMEOUT,
            f"took longer than its timeout of {row.timeout:g} s",
            serial=row.serial,
            task_id=row.id,
        )
    if reason is Stop.REQUESTED and failure.failure_class is not FailureClass.CANCELLED:
        return TaskFailed(
            FailureClass.CANCELLED,
            f"stopped by request ({failure.message})",
            serial=row.serial,
            task_id=row.id,
        )
    return failure


def _record_failure(row: TaskRow, failure: TaskFailed, job: Job) -> Outcome:
    """Decide retry or final failure; a lost phone costs no attempt (up to three times).

    The worker never waits for a lost phone: the task goes back to the queue at once and the
    dispatcher holds it, without a worker, until the phone is back (DevicePool.waiting_reason)."""
    cls = failure.failure_class
    free: dict[str, Any] = {"count_retry": False}  # back to the queue now, no attempt burnt
    if cls is FailureClass.INTERRUPTED:  # not the task's fault
        how = {**free, "retry_at": datetime.now(UTC), "outcome": "interrupted"}
    elif cls is FailureClass.DEVICE_LOST and row.serial and _free_lost(job, row.id):
        how = {**free, "retry_at": datetime.now(UTC)}
    else:
        how = {"retry_at": retry_time(job.store.get(row.id) or row, cls, datetime.now(UTC))}
    job.store.mark_failed(row.id, failure_class=cls.value, message=failure.message, **how)
    return Outcome(row.id, row.serial or "", False, cls.value, failure.message)


def _free_lost(job: Job, task_id: int, limit: int = 3) -> bool:
    """A phone that keeps dropping eventually costs attempts: at most ``limit`` free ones."""
    lost = [
        a
        for a in job.store.attempts(task_id)
        if a["failure_class"] == FailureClass.DEVICE_LOST.value
    ]
    return len(lost) < limit
