"""The runner's concurrency in plain terms: named worker threads, one stop state per job, the
queue's lock never held over the state file, and inventory settings re-read on apply."""

from __future__ import annotations

import gc
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from runner.campaign import load_repo
from runner.pool import DevicePool
from runner.scheduler import Runner, RunnerOptions
from runner.scheduler.executor import Job, Stop
from runner.scheduler.queue import TaskQueue
from runner.state import Store, TaskRow
from tests.test_scheduler_runner import warmup


@pytest.fixture
def runner_on(tmp_path: Path, adb_server: int) -> Iterator[Callable[[Store], Runner]]:
    made: list[tuple[Runner, DevicePool]] = []

    def make(store: Store) -> Runner:
        pool = DevicePool()
        pool.start()
        runner = Runner(store=store, pool=pool, options=RunnerOptions(device_wait=2.0))
        runner.start()
        made.append((runner, pool))
        return runner

    yield make
    for runner, pool in made:
        runner.shutdown(graceful=False, timeout=10)
        pool.stop()


def test_a_running_task_is_a_named_thread(
    tmp_path: Path, sim_fleet: Callable[..., Any], runner_on: Callable[[Store], Runner]
) -> None:
    serial = sim_fleet(phones=1, accounts=1).phones[0].serial
    runner = runner_on(Store(tmp_path / "state.db"))
    [task_id] = runner.submit([warmup(serial, seconds=3.0)])
    name = f"task-{task_id}@{serial}"
    deadline = time.monotonic() + 20
    while name not in {t.name for t in threading.enumerate()} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert name in {t.name for t in threading.enumerate()}
    runner.stop_task(task_id)
    assert runner.wait_idle(timeout=30)


class _WatchedStore(Store):
    """A real store that records whether the queue's lock was held while it was written."""

    queue: TaskQueue | None = None
    held: list[str]

    def _check(self, what: str) -> None:
        if self.queue is not None and self.queue._lock.locked():
            self.held.append(what)

    def claim_many(self, rows: list[TaskRow]) -> dict[int, int]:
        self._check("claim_many")
        return super().claim_many(rows)

    def defer(self, task_id: int, *, until: datetime, reason: str) -> None:
        self._check("defer")
        super().defer(task_id, until=until, reason=reason)

    def note_waiting(self, serial: str, reason: str) -> None:
        self._check("note_waiting")
        super().note_waiting(serial, reason)


def test_taking_tasks_writes_the_state_file_without_the_queue_lock(tmp_path: Path) -> None:
    store = _WatchedStore(tmp_path / "state.db")
    store.held = []
    now = datetime.now(UTC)
    store.apply(
        [
            warmup("P1", username="anna", key="a1"),
            warmup("P1", username="anna", key="a2"),
            warmup("P2", username="cleo", key="c1"),
        ],
        campaigns=["t"],
    )
    queue = TaskQueue(
        store,
        daily_caps={"account_warmup": 0},
        blocked=lambda serial: ("the phone is offline", False) if serial == "P2" else None,
    )
    store.queue = queue
    assert queue.take(now) == []  # P1 over its cap (deferred), P2 offline (noted)
    assert store.held == []
    assert queue.settled_waiting() == {} and set(queue.waiting) == {"P2"}


def test_the_strongest_stop_reason_wins() -> None:
    job = Job(
        store=None,  # type: ignore[arg-type]
        pool=None,
        artifacts_root=Path("."),
        repo_root=None,
        lease_timeout=1.0,
    )
    assert not job.cancel.is_set() and job.stop_reason is None
    job.stop(Stop.TIMEOUT)
    job.stop(Stop.REQUESTED)
    job.stop(Stop.TIMEOUT)
    assert (job.cancel.is_set(), job.stop_reason) == (True, Stop.REQUESTED)
    job.stop(Stop.INTERRUPTED)
    assert job.stop_reason is Stop.INTERRUPTED


def _repo(root: Path, timezone: str) -> Any:
    (root / "workflows").mkdir(exist_ok=True)
    (root / "inventory.yaml").write_text(
        f"timezone: {timezone}\ndaily_caps:\n  follow: 20\n"
        "devices:\n  - serial: P1\n    accounts: [{username: anna}]\n",
        encoding="utf-8",
    )
    repo = load_repo(root=root)
    assert repo.problems == []
    return repo


def test_apply_rereads_the_daily_caps_and_their_time_zone(tmp_path: Path) -> None:
    runner = Runner(store=Store(tmp_path / "state.db"), pool=None, repo=_repo(tmp_path, "UTC"))
    assert runner.queue.cap_zone == ZoneInfo("UTC")
    runner.apply(_repo(tmp_path, "Asia/Tokyo"))
    assert (runner.queue.cap_zone, runner.queue.daily_caps) == (
        ZoneInfo("Asia/Tokyo"),
        {"follow": 20},
    )


def test_a_runner_keeps_nothing_of_the_tasks_it_ran(
    tmp_path: Path, sim_fleet: Callable[..., Any], runner_on: Callable[[Store], Runner]
) -> None:
    """What a long `serve` must not do: hold an object per task once the task ended
    (bench/serve_soak.py measures the process over thousands of tasks)."""
    from runner.scheduler.executor import Outcome
    from runner.scheduler.queue import Claim

    fleet = sim_fleet(phones=2, accounts=1)
    runner = runner_on(Store(tmp_path / "state.db"))
    specs = [
        warmup(p.serial, seconds=0.05, key=f"{p.serial}-{n}")
        for p in fleet.phones
        for n in range(6)
    ]
    runner.submit(specs)
    assert runner.wait_idle(timeout=60)
    deadline = time.monotonic() + 20  # a worker ends just after it reported its outcome
    while any(t.name.startswith("task-") for t in threading.enumerate()):
        if time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert [t.name for t in threading.enumerate() if t.name.startswith("task-")] == []
    gc.collect()
    assert [o for o in gc.get_objects() if isinstance(o, (Outcome, Job, Claim))] == []
