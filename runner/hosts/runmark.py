"""`campaign run` on a shared PostgreSQL state: a live row in ``hosts`` (``kind = 'run'``).

A run executes its tasks in its own process, outside procrastinate: the janitor of any
`campaign worker` on the same database would take the run's running tasks for a dead host's
(no procrastinate job is ``doing`` them) and queue them again while the run still drives the
phones, and the run's start-up recovery would likewise take the workers' running tasks for
its own leftovers. So the two never share a database: the run refuses while a worker
heartbeats (exit 2, naming them), a worker refuses while a run does (runner/hosts/worker.py),
and the check and the registration happen under one lock (``tables.join``). Two runs on one
database are refused the same way, as a second runner on one state file is.

The mark heartbeats every ``HEARTBEAT`` seconds and counts as live for ``STALL`` seconds: a
run killed with ``kill -9`` keeps workers out for at most that long; a run that ends says so.
"""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from runner.errors import LockHeldError, UsageError
from runner.hosts import tables

log = logging.getLogger("runner.hosts")
HEARTBEAT = 2.0
STALL = 15.0


def mark_id() -> str:
    """``run@<host name>``: '@' is not allowed in a worker's --host-id, so never a worker's."""
    return f"run@{socket.gethostname()}"


@contextmanager
def held(store: Any, *, force: bool = False) -> Iterator[None]:
    """Hold the database for this run; raises UsageError while workers are live and
    LockHeldError while another run is (``force``: take it from a run known to be gone)."""
    from runner.state.pg import redacted

    me = tables.Member(mark_id(), tables.RUN, STALL)
    unless = [tables.WORKER] if force else [tables.WORKER, tables.RUN]
    with store.connection() as raw:
        tables.ensure(raw)
        blocking = tables.join(raw, me, unless=unless)
    workers = [b for b in blocking if b.kind == tables.WORKER]
    if workers:
        raise UsageError(
            f"{redacted(store.dsn)}: {len(workers)} worker host(s) run the tasks of this "
            f"database: {'; '.join(map(str, workers))}; `campaign run` beside them would have "
            "their janitor take its running tasks for a dead host's",
            hint="write the tasks with `campaign apply --state URL` and let the workers run "
            "them, or stop the workers (`systemctl stop campaign-worker`) and run again "
            "(`campaign hosts` shows who is live)",
        )
    if blocking:
        other = blocking[0]
        raise LockHeldError(
            f"{redacted(store.dsn)} (another campaign run, last heartbeat {other.age:.0f} s ago)",
            pid=other.pid,
            host=other.hostname,
            started=other.started.isoformat(timespec="seconds"),
        )
    stop = threading.Event()
    beating = threading.Thread(target=_beat, args=(store, me, stop), name="run-mark", daemon=True)
    beating.start()
    try:
        yield
    finally:
        stop.set()
        beating.join(10)
        try:
            with store.connection() as raw:
                tables.stopped(raw, me)
        except Exception as exc:  # noqa: BLE001 - the mark goes stale by itself
            log.warning("could not clear this run's mark in the database: %s", exc)


def _beat(store: Any, me: tables.Member, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT):
        try:
            with store.connection() as raw:
                tables.beat(raw, me)
        except Exception as exc:  # noqa: BLE001 - the run's own store calls report the fault
            log.warning("this run's heartbeat to the database failed: %s", exc)
