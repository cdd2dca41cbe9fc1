"""The Runner: one per state file; owns the scheduler, the queue and the worker threads.

A dispatcher thread takes due tasks from the queue and starts a worker per claimed task (so
one per busy phone). It wakes on APScheduler jobs at start times, on every task end, on
submits, and at least every ``poll_interval`` to notice stop requests and retries written by
other processes (`campaign stop`, `campaign retry`).

A storage fault (StorageError: disk full, the state file deleted, replaced or read-only) stops
the runner instead of being retried: nothing more is dispatched, running tasks are cancelled
and record what the file still takes, and `fault` holds the one error that `wait_idle` raises
(`campaign run` exits 3 with it). The next run recovers what was running; the commit marks
keep it from publishing a comment or post twice.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.campaign import Repo, expand_campaign
from runner.campaign.model import TaskSpec
from runner.errors import CampaignError, FailureClass, StateError, StorageError
from runner.scheduler import jobs
from runner.scheduler.executor import Job, Outcome, Stop, execute
from runner.scheduler.options import RunnerOptions
from runner.scheduler.queue import Claim, TaskQueue
from runner.state import RUNNING, ApplyDiff, Store
from runner.state.rows import utcnow

if TYPE_CHECKING:
    from runner.scheduler.phones import PhonePool

log = logging.getLogger(__name__)
CATCH_UP = timedelta(days=1)
LAUNCHERS = 8  # threads that start worker threads (see Runner._launcher)


class Runner:
    def __init__(
        self,
        *,
        store: Store,
        pool: PhonePool | None,
        repo: Repo | None = None,
        options: RunnerOptions | None = None,
    ) -> None:
        self.store, self.pool, self.repo = store, pool, repo
        self.options = options or RunnerOptions()
        self.queue = TaskQueue(
            store,
            concurrency=self.options.concurrency,
            blocked=self._blocked,
            scope=self.options.scope,
            **_caps(repo),
        )
        self.applied: ApplyDiff | None = None  # what start() applied of ``repo``
        self.scheduler = jobs.new_scheduler()
        self.warnings: list[str] = []
        self.on_outcome: Callable[[Outcome], None] | None = None
        self.fault: StorageError | None = None  # set once: the runner stopped on it
        self.on_fault: Callable[[StorageError], None] | None = None  # e.g. serve stops its server
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._running: dict[int, Job] = {}
        self._workers: dict[int, threading.Thread] = {}
        self._lock = threading.Lock()
        self._token: str | None = None
        self._dispatcher: threading.Thread | None = None
        # A worker thread per running task, named for it ("task-12@SERIAL"). ``Thread.start``
        # waits until the new thread has run, which under hundreds of busy workers takes
        # milliseconds each: started one after another, a wave of 1,000 phones began its last
        # task 2.8 s late. A few launcher threads start them side by side instead.
        self._launcher = ThreadPoolExecutor(max_workers=LAUNCHERS, thread_name_prefix="launcher")

    # -- life cycle ----------------------------------------------------------------------------
    def acquire(self) -> None:
        """Take the state file's lock (before any phone is touched); raises LockHeldError."""
        if self._token is None:
            self._token, warning = self.store.acquire_lock(force=self.options.force_unlock)
            if warning:
                log.warning("%s", warning)
                self.warnings.append(warning)

    def start(self) -> None:
        """Lock the state, recover from a crash, apply the repo, apply missed rules, then start
        dispatching: nothing is claimed before the files are applied, so an edited task never
        runs with the config it had before (``applied`` says what the apply did)."""
        self.acquire()
        if self.pool is not None:  # the state remembers every phone this runner has seen
            self.pool.watch_seen(self.store.note_seen_phones)
        recovered = self.store.recover_interrupted()
        if recovered:
            self.warnings.append(
                f"{len(recovered)} task(s) were running when the last runner stopped; "
                "recorded as interrupted and queued again under their retry policy"
            )
        if self.repo is not None:
            self.applied = self.apply(self.repo)
        self._apply_missed(self.store.never_started_before(utcnow()))
        self.scheduler.start()
        self._dispatcher = threading.Thread(
            target=self._dispatch_loop, name="dispatcher", daemon=True
        )
        self._dispatcher.start()

    def shutdown(self, *, graceful: bool = True, timeout: float = 10.0) -> None:
        """Stop dispatching. graceful: running tasks get ``timeout`` seconds to finish; then
        (or at once when not graceful) they are cancelled as interrupted and re-queued without
        burning a retry. Their outcome is recorded before the lock is given back."""
        self._stopping.set()
        self._wake.set()
        if self._dispatcher is not None:
            self._dispatcher.join(30)
        self._launcher.shutdown(wait=True)  # every claimed task's thread has started
        if graceful:
            self._join_workers(timeout)
        with self._lock:
            for job in self._running.values():
                job.stop(Stop.INTERRUPTED)
        self._join_workers(60)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        try:
            self.release()
        except StorageError:
            if self.fault is None:
                raise
            self._token = None  # the lock record stays beside the file: the next run checks it

    def _join_workers(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        with self._lock:
            workers = list(self._workers.values())
        for worker in workers:
            worker.join(max(0.0, deadline - time.monotonic()))

    def release(self) -> None:
        """Give the state file's lock back (idempotent)."""
        if self._token is not None:
            self.store.release_lock(self._token)
            self._token = None

    # -- campaign files and the API door ------------------------------------------------------
    def apply(self, repo: Repo) -> ApplyDiff:
        """Write the files' one-shot tasks, schedule the recurring ones; re-callable on change."""
        self._take_up(repo)
        now = utcnow()
        specs: list[TaskSpec] = []
        for campaign in repo.campaigns:
            if campaign.enabled and not campaign.schedule:
                specs += expand_campaign(campaign, repo.inventory, now=now)
        diff = self.store.apply(
            specs,
            campaigns=[c.name for c in repo.campaigns],
            gone=self.store.gone_campaigns(repo),
            identity=self._identities(),
        )
        if diff.retired and self.options.stop_removed:
            retired = set(diff.retired)
            for row in self.store.list(status=RUNNING, page_size=None)[0]:
                if row.key in retired:
                    self.stop_task(row.id)
        jobs.schedule_starts(self.scheduler, specs, self._wake.set, now)
        self._schedule(repo, now)
        self._apply_missed_of(set(diff.new) | set(diff.changed), now)
        self.store.note_applied()
        self._wake.set()
        return diff

    def follow(self, repo: Repo) -> None:
        """Take up ``repo`` as another process applied it (`serve --executor child`: the API
        process writes the tasks, this runner runs them): its caps, phones and recurring
        campaigns. Writes only the occurrences that came due (by key, as `apply` does), never
        the files' tasks: a slower reader must not write an older version over a newer one."""
        self._take_up(repo)
        self._schedule(repo, utcnow())
        self._wake.set()

    def _take_up(self, repo: Repo) -> None:
        self.repo = repo
        self.queue.set_caps(**_caps(repo))  # the caps and the zone whose midnight resets them
        if self.pool is not None:
            self.pool.use_inventory(repo.inventory)

    def _schedule(self, repo: Repo, now: datetime) -> None:
        self.queue.forget_waiting()
        jobs.schedule_campaigns(self.scheduler, repo.campaigns, self._fire)
        for campaign in repo.campaigns:
            if campaign.enabled and campaign.schedule:
                self._catch_up(campaign.name, now)

    def submit(self, specs: Sequence[TaskSpec]) -> list[int]:
        """The API door: refuses phones no adb server has shown and no pool of this runner has
        ever seen by the state's memory (CampaignError, 40001), writes the others under their
        one identity (a remembered phone offline now waits for it)."""
        from runner.pool.identity import refuse_unknown_phones

        if self.pool is not None:
            phones = _Identities(self.pool, self.store)
            refuse_unknown_phones(specs, phones)
            specs = [replace(s, serial=phones(s.serial)) if s.serial else s for s in specs]
        ids = self.store.insert(specs)
        jobs.schedule_starts(self.scheduler, specs, self._wake.set, utcnow())
        self._wake.set()
        return ids

    def stop_task(self, task_id: int) -> bool:
        """Pending: failed as cancelled now. Running here: cancelled at the script's next step."""
        done = self.store.request_stop(task_id)
        with self._lock:
            job = self._running.get(task_id)
        if done and job is not None:
            job.stop(Stop.REQUESTED)
        return done

    def wait_idle(self, timeout: float | None = None, *, include_future: bool = False) -> bool:
        """True once every due task (with --wait: every task) has ended; False on timeout."""
        deadline = None if timeout is None else utcnow() + timedelta(seconds=timeout)
        while self._workers or self._outstanding(include_future):
            if deadline is not None and utcnow() >= deadline:
                return False
            self._stopping.wait(0.1)
            if self.fault is not None:
                raise self.fault
            if self._stopping.is_set():
                return False
        return True

    def waiting_phones(self) -> dict[str, str]:
        """Phones whose tasks wait and will not start on their own (unknown, quarantined, gone
        too long), and why: what a bounded run reports instead of waiting for them."""
        return self.queue.settled_waiting()

    def _outstanding(self, include_future: bool) -> bool:
        """Tasks left to wait for; raises the runner's storage fault once it stopped on one."""
        if self.fault is not None:
            raise self.fault
        try:
            return bool(
                self.store.outstanding(
                    utcnow(),
                    include_future=include_future,
                    campaigns=self.options.scope,
                    waiting=self.queue.settled_waiting(),
                )
            )
        except StorageError as exc:
            self._storage_fault(exc)
            raise self.fault or exc from None

    def _storage_fault(self, exc: StorageError) -> None:
        """Stop on a storage fault: no more dispatching; running tasks are cancelled (their
        outcome is recorded if the file still takes it, else the next run recovers them)."""
        with self._lock:
            if self.fault is not None:
                return
            running = sorted(self._running)
            message = f"{exc.message}; the runner stopped dispatching"
            if running:
                ids = ", ".join(map(str, running))
                message += f" and interrupted the {len(running)} running task(s) ({ids})"
            self.fault = StorageError(message, hint=exc.hint)
            for job in self._running.values():
                job.stop(Stop.INTERRUPTED)
        log.debug("storage fault: %s", exc)
        self._stopping.set()
        self._wake.set()
        if self.on_fault is not None:
            self.on_fault(self.fault)

    # -- inside ---------------------------------------------------------------------------------
    def _identities(self) -> Callable[[str], str]:
        """A serial's phone identity for one apply (see _Identities)."""
        if self.pool is None:
            return lambda serial: serial
        return _Identities(self.pool, self.store)

    def _blocked(self, serial: str) -> tuple[str, bool] | None:
        """Why ``serial``'s next task cannot start now (None: it can); see DevicePool."""
        if self.pool is None or not serial:
            return None
        reason: tuple[str, bool] | None = self.pool.waiting_reason(
            serial, grace=self.options.device_wait
        )
        return reason

    def _fire(self, campaign_name: str) -> None:
        """A recurring campaign's occurrence: expand its tasks (idempotent by key)."""
        try:
            self._catch_up(campaign_name, utcnow(), lookback=timedelta(minutes=2))
        except StorageError as exc:
            self._storage_fault(exc)

    def _catch_up(self, name: str, now: datetime, lookback: timedelta = CATCH_UP) -> None:
        campaign = next(
            (c for c in (self.repo.campaigns if self.repo else []) if c.name == name),
            None,
        )
        if campaign is None or self.repo is None:
            return
        occurrence = jobs.latest_occurrence(campaign, now, lookback)
        if occurrence is None:
            return
        try:
            specs = expand_campaign(campaign, self.repo.inventory, occurrence=occurrence, now=now)
        except CampaignError as exc:
            log.error("campaign %s, occurrence %s: %s", name, occurrence.isoformat(), exc)
            return
        diff = self.store.apply(specs, campaigns=[])
        self._apply_missed_of(set(diff.new), now)
        self._wake.set()

    def _apply_missed(self, rows: Sequence[Any]) -> None:
        jobs.mark_missed(self.store, rows, utcnow(), skip_grace=self.options.missed_skip_grace)

    def _apply_missed_of(self, keys: set[str], now: datetime) -> None:
        """on_missed for the tasks just written (by key); none written, nothing to read."""
        if keys:
            self._apply_missed([r for r in self.store.never_started_before(now) if r.key in keys])

    def _dispatch_loop(self) -> None:
        """Take tasks when something happened (a wake: a task ended, a submit, an apply, a
        start time), when a pause or retry time passed, or every ``rescan_interval`` for
        changes other processes wrote; between those, only stop requests are polled."""
        last_take, woken = 0.0, True
        while not self._stopping.is_set():
            now = utcnow()
            wake_at = None
            rescan = time.monotonic() - last_take >= self.options.rescan_interval
            try:
                wake_at = self.queue.next_wake(now)
                self._cancel_requested()
                if woken or rescan:
                    last_take = time.monotonic()
                    self._start_workers(self.queue.take(now))
            except StorageError as exc:  # disk full, file gone or read-only: stop, not retry
                self._storage_fault(exc)
                return
            except Exception:  # keep dispatching; the state file may be briefly busy
                log.exception("dispatching failed; retrying")
            wait = self.options.poll_interval
            if wake_at is not None:
                wait = max(0.0, min(wait, (wake_at - utcnow()).total_seconds()))
            woken = self._wake.wait(wait) or (wake_at is not None and utcnow() >= wake_at)
            self._wake.clear()

    def _cancel_requested(self) -> None:
        """Stop requests written by `campaign stop` or the API of another process."""
        for task_id in self.store.stop_requested_ids():
            with self._lock:
                job = self._running.get(task_id)
            if job is not None and job.stop_reason is None:
                job.stop(Stop.REQUESTED)

    def _start_workers(self, claims: list[Claim]) -> None:
        """(A function of its own: the loop's last claim is not kept alive by the dispatcher.)"""
        for claim in claims:
            self._start_worker(claim)

    def _start_worker(self, claim: Claim) -> None:
        job = Job(
            store=self.store,
            pool=self.pool,
            artifacts_root=self._artifacts_root(),
            repo_root=self.options.repo_root or (self.repo.root if self.repo else None),
            lease_timeout=self.options.lease_timeout,
        )
        name = f"task-{claim.row.id}@{claim.row.serial or '-'}"
        worker = threading.Thread(target=self._work, args=(claim, job), name=name, daemon=True)
        with self._lock:
            self._running[claim.row.id] = job
            self._workers[claim.row.id] = worker
        self._launcher.submit(worker.start)

    def _work(self, claim: Claim, job: Job) -> None:
        """A worker thread's whole life: run the task, free the phone, report; never raises."""
        row = claim.row
        try:
            outcome = execute(claim, job)
        except StorageError as exc:  # the outcome could not be recorded: stop the runner
            self._storage_fault(exc)
            outcome = Outcome(
                row.id, row.serial or "", False, FailureClass.INTERNAL.value, str(exc)
            )
        except StateError as exc:  # deleted while running (API DELETE)
            log.warning("task %s: outcome not recorded: %s", row.id, exc)
            outcome = Outcome(
                row.id, row.serial or "", False, FailureClass.INTERNAL.value, str(exc)
            )
        except Exception as exc:  # the state file failed under us: the row stays for recovery
            log.exception("task %s: recording its outcome failed", row.id)
            outcome = Outcome(
                row.id, row.serial or "", False, FailureClass.INTERNAL.value, str(exc)
            )
        finally:
            with self._lock:
                self._running.pop(row.id, None)
            low = row.min_interval
            self.queue.done(row.serial or "", pause=random.uniform(low, max(low, row.max_interval)))
            self._wake.set()
        try:  # outcomes are reported, never kept: a long-running serve holds nothing per task
            if self.on_outcome is not None and self.fault is None:
                try:
                    self.on_outcome(outcome)
                except StorageError as exc:  # the display reads the state file too
                    self._storage_fault(exc)
                except Exception:  # a display problem must not look like a task problem
                    log.exception("reporting the outcome of task %s failed", row.id)
        finally:  # reported before wait_idle may answer, so the summary comes after it
            with self._lock:
                self._workers.pop(row.id, None)

    def _artifacts_root(self) -> Path:
        return (self.options.state_dir or self.store.path.parent) / "artifacts"


def _caps(repo: Repo | None) -> dict[str, Any]:
    """Daily caps and the zone whose midnight resets them (the inventory's time zone)."""
    from zoneinfo import ZoneInfo

    inventory = repo.inventory if repo is not None else None
    caps = dict(getattr(inventory, "daily_caps", {}) or {})
    name = getattr(inventory, "timezone", None) or "UTC"
    try:
        zone: Any = ZoneInfo(name)
    except Exception:  # noqa: BLE001 - validated upstream; fall back rather than refuse to run
        zone = UTC
    return {"daily_caps": caps, "cap_zone": zone}


class _Identities:
    """The phones one apply or request names: each serial's identity (the pool's: the hardware
    serial of a phone online; else the state's memory of the phones this runner has seen, so a
    phone offline now keeps its one queue) and whether it is known at all (the API door
    refuses the others, 40001; `validate` warns about the same ones)."""

    def __init__(self, pool: PhonePool, store: Store) -> None:
        self.pool, self.store = pool, store
        self._seen: dict[str, str] | None = None
        # serial -> identity, asked once per phone: an apply asks per task (100,000 tasks on
        # 1,000 phones), and each answer costs a scan of the pool or, for the hosts' directory,
        # two database round trips
        self._answers: dict[str, str] = {}

    def _memory(self) -> dict[str, str]:
        if self._seen is None:  # read once per apply or request, only if a phone is not live
            self._seen = self.store.seen_identities()
        return self._seen

    def __call__(self, serial: str) -> str:
        answer = self._answers.get(serial)
        if answer is None:
            answer = self._answers[serial] = self._identity(serial)
        return answer

    def _identity(self, serial: str) -> str:
        found = self.pool.identity(serial)
        if found != serial or self.pool.known(serial):
            return found
        return self._memory().get(serial, serial)

    def known(self, serial: str) -> bool:
        return self.pool.known(serial) or serial in self._memory()
