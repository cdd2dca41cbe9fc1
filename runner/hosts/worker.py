"""`campaign worker`: one host's process: its adb server's phones, jobs of its queue, heartbeats.

Besides procrastinate's worker (queues ``host-<id>`` and ``control``), two threads run:
- the phone tracker: every heartbeat, writes the phones this adb server shows (by hardware
  serial) into ``phones`` and the host into ``hosts``. When the database cannot be reached for
  ``stall`` seconds the worker stops (a host cut off from the database must stop claiming: its
  work is retried elsewhere once its heartbeat is stale);
- the stop watcher: `campaign stop` / the API write a stop request, the task running here is
  cancelled at its next step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import signal
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from math import ceil
from pathlib import Path
from typing import Any

import psycopg
from procrastinate.exceptions import ConnectorException

from runner.errors import StorageError, UsageError
from runner.hosts import engine, tables
from runner.scheduler.executor import Stop
from runner.state.pg import HINT_DOWN

log = logging.getLogger("runner.hosts")
HOST_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
JOBS_APPLICATION = "campaign-worker-jobs"  # procrastinate's connections, in pg_stat_activity


@dataclass
class WorkerOptions:
    dsn: str
    host_id: str
    settings: engine.Settings
    concurrency: int = 200
    repo_root: Path | None = None
    local_dir: Path = Path(".campaign")
    connect_timeout: float = 30.0  # the job pool must open within it; and each connection


def default_host_id() -> str:
    """The host name, lower-cased, restricted to ``[a-z0-9-]``."""
    name = re.sub(r"[^a-z0-9-]+", "-", socket.gethostname().lower()).strip("-")
    return name[:63] or "host"


def check_host_id(host_id: str) -> str:
    if not HOST_ID.match(host_id):
        raise UsageError(
            f"--host-id {host_id!r} is not a usable host name",
            hint="use lower-case letters, digits and '-' (at most 63), e.g. --host-id rack-2",
        )
    return host_id


def run(options: WorkerOptions) -> int:
    """Run until SIGTERM/SIGINT or until the database is unreachable for the stall limit."""
    from runner.pool import DevicePool
    from runner.pool.pool import default_server
    from runner.state.pg import PgStore

    store = PgStore(options.dsn, local_dir=options.local_dir, pool_size=16)
    host, port = default_server()
    server = f"{host}:{port}"
    me = tables.Member(options.host_id, tables.WORKER, options.settings.stall, server)
    try:
        _join(options, store, me)
    except BaseException:
        store.close()
        raise
    pool = DevicePool()
    pool.start()
    pool.watch_seen(store.note_seen_phones)  # the phones this state has seen (validate reads it)
    engine.HOST = engine.Host(
        host_id=options.host_id,
        store=store,
        pool=pool,
        settings=options.settings,
        artifacts_root=options.local_dir / "artifacts",
        repo_root=options.repo_root,
    )
    stopping, cut = threading.Event(), threading.Event()
    tracker = threading.Thread(
        target=_track, args=(options, store, pool, me, stopping, cut), daemon=True
    )
    tracker.start()
    threading.Thread(target=_watch_stops, args=(store, stopping), daemon=True).start()
    print(
        f"campaign worker: host {options.host_id}, adb server {server}, "
        f"{len(pool.devices(details=False))} phone(s), queues {tables.queue_of(options.host_id)}"
        f" and {engine.CONTROL}",
        flush=True,
    )
    try:
        asyncio.run(_work(options, stopping, cut))
    # procrastinate lost the database (heartbeat, fetch), or its pool never opened (PoolTimeout
    # is an OperationalError): either way the database stopped answering this host
    except (ConnectorException, psycopg.OperationalError) as exc:
        raise StorageError(
            f"host {options.host_id}: the state database stopped answering ({exc.__cause__ or exc}); "
            "this host stopped claiming work",
            hint=HINT_DOWN,
        ) from None
    finally:
        stopping.set()
        with engine.HOST.lock:
            for job in engine.HOST.running.values():
                job.stop(Stop.INTERRUPTED)
        pool.stop()
        if not cut.is_set():  # `campaign run` may use the database at once, not after --stall
            with contextlib.suppress(Exception), store.connection() as raw:
                tables.stopped(raw, me)
        store.close()
    if cut.is_set():
        raise StorageError(
            f"host {options.host_id}: no heartbeat reached the state database for "
            f"{options.settings.stall:g} s; this host stopped claiming work",
            hint=HINT_DOWN,
        )
    return 0


async def _work(options: WorkerOptions, stopping: threading.Event, cut: threading.Event) -> None:
    """procrastinate's pool opened, then its worker until a signal; ``cut`` is set when it
    ended for another reason (the database went away: procrastinate stops itself when its
    heartbeat fails)."""
    from procrastinate import PsycopgConnector

    loop = asyncio.get_running_loop()
    # sync jobs (one per busy phone) run in the loop's default executor: size it for them
    loop.set_default_executor(ThreadPoolExecutor(max_workers=options.concurrency + 8))
    app = engine.app
    jobs = jobs_pool(options.dsn, options.connect_timeout)
    try:
        # a database that stops answering before the pool opened is a host cut off, as later:
        # PoolTimeout after --connect-timeout, caught in run()
        await jobs.open(wait=True, timeout=options.connect_timeout)
        with app.replace_connector(PsycopgConnector()):
            async with app.open_async(pool=jobs):
                await _serve_jobs(app, options, stopping, cut)
    finally:
        await jobs.close(timeout=5.0)


def jobs_pool(dsn: str, connect_timeout: float) -> Any:
    """procrastinate's connection pool, as its connector would make it, named for
    ``pg_stat_activity`` (``JOBS_APPLICATION``), opened by the caller with its own timeout.

    A connection attempt gives up after ``connect_timeout`` too (libpq's minimum is 2 s): one
    that hangs would otherwise hold up the pool's close by psycopg_pool's 5 s, with a warning."""
    from psycopg_pool import AsyncConnectionPool

    return AsyncConnectionPool(
        dsn,
        open=False,
        name="campaign-jobs",
        # a lost database must end the worker in seconds, not after psycopg_pool's 30 s waits
        timeout=5.0,
        reconnect_timeout=10.0,
        kwargs={
            "application_name": JOBS_APPLICATION,
            "connect_timeout": max(2, ceil(connect_timeout)),
        },
        check=AsyncConnectionPool.check_connection,
    )


async def _serve_jobs(
    app: Any, options: WorkerOptions, stopping: threading.Event, cut: threading.Event
) -> None:
    """procrastinate's worker until a signal, or until it stops by itself (its database
    calls failed: ``cut``) or the tracker finds the database gone (``stopping``)."""
    settings = options.settings
    loop = asyncio.get_running_loop()
    worker = asyncio.create_task(
        phone_worker(
            app,
            queues=[tables.queue_of(options.host_id), engine.CONTROL],
            name=options.host_id,
            concurrency=options.concurrency,
            fetch_job_polling_interval=settings.polling,
            abort_job_polling_interval=settings.polling,
            update_heartbeat_interval=settings.heartbeat,
            stalled_worker_timeout=settings.stall,
            delete_jobs="successful",
            install_signal_handlers=False,  # ours interrupt the scripts first
            shutdown_graceful_timeout=10.0,
        ).run()
    )
    asked = threading.Event()

    def on_signal() -> None:
        asked.set()
        _stop(worker)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    cut_off = asyncio.create_task(asyncio.to_thread(stopping.wait))
    done, _ = await asyncio.wait({worker, cut_off}, return_when=asyncio.FIRST_COMPLETED)
    if cut_off in done and not worker.done():
        log.error("the database could not be reached: this host stops claiming work")
        _stop(worker)
    elif worker in done and not asked.is_set():
        cut.set()  # procrastinate stopped on its own: its database calls failed
    stopping.set()  # ends the tracker, the stop watcher and the cut-off wait
    with contextlib.suppress(asyncio.CancelledError):
        await worker


def phone_worker(app: Any, **options: Any) -> Any:
    """procrastinate's worker, which fetches again as soon as a job holding a phone lock ends.

    procrastinate wakes its fetch loop on a new job (LISTEN/NOTIFY) but not when a lock frees,
    so a phone's next job waited for the next poll (``--polling``): measured 0.45 s median
    between two tasks of one phone on two hosts, 0.19 s on one. procrastinate has no hook for
    "a job ended" other than its worker's own methods (3.10, pinned in pyproject.toml)."""
    from procrastinate.worker import Worker

    class PhoneWorker(Worker):
        freed = False

        async def _process_job(self, context: Any) -> None:
            try:
                await super()._process_job(context)  # the job's status is written when it returns
            finally:
                if context.job.lock is not None:
                    self.freed = True
                    self._new_job_event.set()  # wakes the loop when it waits for a poll

        async def _fetch_and_process_jobs(self) -> None:
            # a lock freed while the loop was fetching: its last "nothing to fetch" may predate
            # it (and the loop clears the wake-up), so fetch once more
            while True:
                self.freed = False
                await super()._fetch_and_process_jobs()  # type: ignore[no-untyped-call]
                if not self.freed or self._stop_event.is_set():
                    return

    return PhoneWorker(app=app, **{**app.worker_defaults, **options})


def _stop(worker: asyncio.Task[None]) -> None:
    """Stop now, as `serve` does: running scripts are cancelled at their next step and their
    tasks queued again as interrupted (no attempt burnt); then procrastinate stops."""
    host = engine._host()
    with host.lock:
        for job in host.running.values():
            job.stop(Stop.INTERRUPTED)
    worker.cancel()


def _join(options: WorkerOptions, store: Any, me: tables.Member) -> None:
    """Register this host, unless a `campaign run` holds the database (runner/hosts/runmark.py):
    its running tasks have no procrastinate job, and this host's janitor would re-queue them."""
    from runner.state.pg import redacted

    with store.connection() as raw:
        tables.ensure(raw)
        runs = tables.join(raw, me, unless=[tables.RUN])
    if runs:
        raise UsageError(
            f"host {options.host_id}: {runs[0]} executes tasks on {redacted(options.dsn)}; "
            "a worker beside it would take that run's running tasks for a dead host's",
            hint="wait until the run ends (under systemd the worker retries by itself), or "
            "stop it; use `campaign apply` and workers instead of `campaign run` on a shared "
            "database",
        )


def _track(
    options: WorkerOptions,
    store: Any,
    pool: Any,
    me: tables.Member,
    stopping: threading.Event,
    cut: threading.Event,
) -> None:
    """Keep ``phones`` and ``hosts`` current; stop the worker when the database is gone."""
    last_ok = time.monotonic()
    while not stopping.is_set():
        attached = {
            d.hw_serial or d.serial: d.serial
            for d in pool.devices(details=False)
            if d.state == "device" and not d.quarantined
        }
        try:
            with store.connection() as raw:
                tables.beat(raw, me)
                tables.hold(raw, options.host_id, attached)
            last_ok = time.monotonic()
        except Exception as exc:  # noqa: BLE001 - any failure to write is "cut off"
            log.warning("heartbeat to the database failed: %s", exc)
            if time.monotonic() - last_ok >= options.settings.stall:
                cut.set()
                stopping.set()
                return
        stopping.wait(options.settings.heartbeat)


def _watch_stops(store: Any, stopping: threading.Event) -> None:
    """Stop requests written by `campaign stop` or the API on any host."""
    host = engine._host()
    while not stopping.wait(0.5):
        with host.lock:
            mine = dict(host.running)
        if not mine:
            continue
        try:
            requested = set(store.stop_requested_ids())
        except Exception:  # noqa: BLE001 - the tracker decides about a lost database
            continue
        for task_id, job in mine.items():
            if task_id in requested and job.stop_reason is None:
                job.stop(Stop.REQUESTED)
