"""The Runner on simulated phones behind the real adb server: timing, order, pauses, retries,
timeouts, stop, and a second runner refused."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runner.campaign.model import RetryPolicy, TaskSpec
from runner.errors import LockHeldError
from runner.scheduler import Runner, RunnerOptions
from runner.state import Store

QUICK = RetryPolicy(max=0, delay_min=0.1, delay_max=0.1)


def warmup(
    serial: str, *, seconds: float = 0.5, at: datetime | None = None, **over: Any
) -> TaskSpec:
    base = TaskSpec(
        key="",
        campaign="t",
        occurrence="once",
        script_name="account_warmup",
        script_config={
            "task_duration": seconds,
            "min_duration": 0.2,
            "max_duration": 0.3,
        },
        serial=serial,
        start_time=at,
        retry=QUICK,
        source="api",
    )
    return replace(base, **over)


def follow(serial: str, username: str, target: str, **over: Any) -> TaskSpec:
    base = TaskSpec(
        key="",
        campaign="t",
        occurrence="once",
        script_name="follow",
        script_config={
            "target_users": [target],
            "target_user": target,
            "access_method": "direct",
        },
        serial=serial,
        username=username,
        target=target,
        retry=QUICK,
        source="api",
    )
    return replace(base, **over)


@pytest.fixture
def make_runner(tmp_path: Path, adb_server: int) -> Iterator[Callable[..., Runner]]:
    from runner.pool import DevicePool

    made: list[Runner] = []
    pools: list[Any] = []

    def make(**options: Any) -> Runner:
        pool = DevicePool()
        pool.start()
        pools.append(pool)  # stopped even when the runner below refuses to start
        runner = Runner(
            store=Store(tmp_path / "state.db"),
            pool=pool,
            repo=None,
            options=RunnerOptions(**{"device_wait": 2.0, **options}),
        )
        runner.start()
        made.append(runner)
        return runner

    yield make
    for runner in made:
        runner.shutdown(graceful=False, timeout=10)
    for pool in pools:
        pool.stop()


def test_tasks_due_in_two_seconds_start_on_time(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=2, accounts=1)
    runner = make_runner()
    due = datetime.now(UTC) + timedelta(seconds=2)
    ids = runner.submit([warmup(p.serial, at=due, seconds=0.3) for p in fleet.phones])
    assert runner.store.due(datetime.now(UTC)) == []
    assert runner.wait_idle(timeout=30, include_future=True)
    for task_id in ids:
        row = runner.store.get(task_id)
        assert row.status == 2, row.remark  # type: ignore[union-attr]
        lag = (row.started_at - due).total_seconds()  # type: ignore[union-attr,operator]
        assert 0 <= lag < 1.0


def test_a_phone_runs_its_queue_one_at_a_time_in_order(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    serial = fleet.phones[0].serial
    runner = make_runner()
    now = datetime.now(UTC)
    ids = runner.submit(
        [
            warmup(serial, seconds=0.3, at=now - timedelta(seconds=s), target=f"t{s}")
            for s in (1, 3, 2)
        ]
    )
    assert runner.wait_idle(timeout=30)
    rows = [runner.store.get(i) for i in ids]
    starts = sorted(rows, key=lambda r: r.started_at)  # type: ignore[union-attr,arg-type,return-value]
    assert [r.target for r in starts] == ["t3", "t2", "t1"]  # type: ignore[union-attr]
    for before, after in itertools.pairwise(starts):
        assert before.ended_at <= after.started_at  # type: ignore[union-attr,operator]


def test_pause_between_a_phones_tasks_is_within_the_interval(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    runner = make_runner()
    ids = runner.submit(
        [warmup(fleet.phones[0].serial, seconds=0.2, min_interval=1.0, max_interval=1.5)] * 2
    )
    assert runner.wait_idle(timeout=30)
    first, second = (runner.store.get(i) for i in ids)
    gap = (second.started_at - first.ended_at).total_seconds()  # type: ignore[union-attr,operator]
    assert 1.0 <= gap < 2.0


def test_failed_task_is_retried_after_the_delay_and_every_attempt_recorded(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    runner = make_runner()
    policy = RetryPolicy(max=2, delay_min=0.2, delay_max=0.4)
    [task_id] = runner.submit(
        [warmup(fleet.phones[0].serial, seconds=30, timeout=0.5, retry=policy)]
    )
    assert runner.wait_idle(timeout=60)
    row = runner.store.get(task_id)
    attempts = runner.store.attempts(task_id)
    assert (row.status, row.retry_count, row.failure_class) == (3, 2, "timeout"), row.remark  # type: ignore[union-attr]
    assert [(a["n"], a["outcome"], a["failure_class"]) for a in attempts] == [
        (1, "failed", "timeout"),
        (2, "failed", "timeout"),
        (3, "failed", "timeout"),
    ]
    for before, after in itertools.pairwise(attempts):
        gap = (
            datetime.fromisoformat(after["started_at"]) - datetime.fromisoformat(before["ended_at"])
        ).total_seconds()
        assert 0.2 <= gap < 1.5


def test_config_error_is_never_retried(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1, missing_users=["ghost"])
    phone = fleet.phones[0]
    runner = make_runner()
    policy = RetryPolicy(max=3, delay_min=0.1, delay_max=0.1)
    [task_id] = runner.submit(
        [follow(phone.serial, phone.spec.accounts[0].username, "ghost", retry=policy)]
    )
    assert runner.wait_idle(timeout=60)
    row = runner.store.get(task_id)
    assert (row.status, row.failure_class, row.retry_count) == (3, "config_error", 0)  # type: ignore[union-attr]
    assert len(runner.store.attempts(task_id)) == 1


def test_task_over_its_timeout_fails_with_class_timeout(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    runner = make_runner()
    [task_id] = runner.submit([warmup(fleet.phones[0].serial, seconds=30, timeout=1.0)])
    started = time.monotonic()
    assert runner.wait_idle(timeout=30)
    row = runner.store.get(task_id)
    assert (row.status, row.failure_class, row.remark) == (
        3,
        "timeout",
        "took longer than its timeout of 1 s",
    )  # type: ignore[union-attr]
    assert time.monotonic() - started < 10


def test_stop_cancels_a_running_task_and_leaves_the_phone_home(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    runner = make_runner()
    [task_id] = runner.submit([warmup(fleet.phones[0].serial, seconds=30)])
    deadline = time.monotonic() + 15
    while runner.store.get(task_id).status != 1 and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.05)
    time.sleep(0.5)
    Store(runner.store.path).request_stop(task_id)  # as `campaign stop` from another process would
    assert runner.wait_idle(timeout=20)
    row = runner.store.get(task_id)
    assert (row.status, row.failure_class) == (3, "cancelled")  # type: ignore[union-attr]
    assert fleet.phones[0].foreground()[0] == "com.android.launcher3"  # the home screen


def test_second_runner_on_the_same_state_is_refused(
    make_runner: Callable[..., Runner], tmp_path: Path
) -> None:
    first = make_runner()
    with pytest.raises(LockHeldError) as info:
        make_runner()
    holder = first.store.lock_holder()
    assert str(info.value).startswith(f"{tmp_path / 'state.db'} is locked by pid {holder.pid}")  # type: ignore[union-attr]


def test_lost_phone_that_comes_back_costs_no_attempt(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    phone = fleet.phones[0]
    runner = make_runner(device_wait=20.0)
    [task_id] = runner.submit([warmup(phone.serial, seconds=2, retry=RetryPolicy(max=0))])
    deadline = time.monotonic() + 15
    while runner.store.get(task_id).status != 1 and time.monotonic() < deadline:  # type: ignore[union-attr]
        time.sleep(0.05)
    time.sleep(0.5)
    phone.go_offline(2.0)
    phone.disconnect()
    assert runner.wait_idle(timeout=60)
    row = runner.store.get(task_id)
    attempts = runner.store.attempts(task_id)
    assert (row.status, row.retry_count) == (2, 0), row.remark  # type: ignore[union-attr]
    assert [(a["outcome"], a["failure_class"]) for a in attempts] == [
        ("failed", "device_lost"),
        ("completed", None),
    ]


def test_missed_start_follows_on_missed_and_grace(
    tmp_path: Path, sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    serial = fleet.phones[0].serial
    past = datetime.now(UTC) - timedelta(seconds=120)
    Store(tmp_path / "state.db").insert(
        [
            warmup(serial, seconds=0.2, at=past, on_missed="skip"),
            warmup(serial, seconds=0.2, at=past, on_missed="run", grace=60.0),
            warmup(serial, seconds=0.2, at=past, on_missed="run"),
            warmup(serial, seconds=0.2, at=past, on_missed="skip", grace=300.0),
        ]
    )
    runner = make_runner()
    assert runner.wait_idle(timeout=30)
    rows = runner.store.list(page_size=None)[0]
    assert [(r.status, r.failure_class) for r in rows] == [
        (3, "missed"),
        (3, "missed"),
        (2, None),
        (2, None),
    ]
    assert rows[0].remark == "missed: due 120 s ago while no runner was up"


def test_recurring_campaign_expands_its_latest_occurrence_and_schedules_the_next(
    tmp_path: Path, sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    from runner.campaign import load_repo

    fleet = sim_fleet(phones=1, accounts=1)
    serial = fleet.phones[0].spec.serial
    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "cron.yaml").write_text(
        f"name: every-minute\nscript_name: account_warmup\nserials: [{serial}]\nschedule: '* * * * *'\n"
        "timezone: UTC\nscript_config: {task_duration: 0.2, min_duration: 0.1, max_duration: 0.1}\n"
    )
    repo = load_repo([str(tmp_path / "workflows")], root=tmp_path)
    assert repo.problems == []
    runner = make_runner()
    runner.apply(repo)
    assert runner.wait_idle(timeout=30)
    [row] = runner.store.list(page_size=None)[0]
    minute = datetime.now(UTC).replace(second=0, microsecond=0)
    assert row.status == 2 and row.occurrence in {
        minute.isoformat(),
        (minute - timedelta(minutes=1)).isoformat(),
    }
    job = runner.scheduler.get_job("campaign-cron:every-minute")
    assert job.next_run_time > datetime.now(UTC) and job.next_run_time.second == 0
    assert (
        runner.apply(repo).unchanged == []
    )  # the occurrence's task is kept, not removed or re-added
    assert len(runner.store.list(page_size=None)[0]) == 1


def test_graceful_shutdown_waits_then_requeues_what_still_runs(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=2, accounts=1)
    runner = make_runner()
    quick, slow = runner.submit(
        [
            warmup(fleet.phones[0].serial, seconds=0.5),
            warmup(fleet.phones[1].serial, seconds=30),
        ]
    )
    deadline = time.monotonic() + 15
    while runner.store.stats()["running"] < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    runner.shutdown(graceful=True, timeout=3.0)
    assert runner.store.get(quick).status == 2  # type: ignore[union-attr]
    row = runner.store.get(slow)
    assert (row.status, row.retry_count, row.failure_class) == (0, 0, "interrupted")  # type: ignore[union-attr]
    assert [a["outcome"] for a in runner.store.attempts(slow)] == ["interrupted"]
    assert runner.store.lock_holder() is None


def test_one_phone_under_two_names_is_one_queue_running_one_task_at_a_time(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    phone = fleet.phones[0]
    runner = make_runner()
    ids = runner.submit([warmup(phone.adb_serial, seconds=0.5), warmup(phone.serial, seconds=0.5)])
    assert runner.wait_idle(timeout=60)
    rows = [runner.store.get(i) for i in ids]
    assert [(r.serial, r.status) for r in rows] == [(phone.serial, 2)] * 2  # type: ignore[union-attr]
    assert runner.store.stats(serial=phone.serial)["total"] == 2
    first, second = sorted(rows, key=lambda r: r.started_at)  # type: ignore[union-attr,arg-type,return-value]
    assert second.started_at >= first.ended_at  # type: ignore[union-attr,operator]


def unknown_phone_task(runner: Runner, serial: str = "SIMNOPE1") -> int:
    """A file task for a phone no adb server has shown (the API door refuses those)."""
    runner.store.apply([warmup(serial, key=f"k-{serial}", source="file")], campaigns=["t"])
    [row] = runner.store.list(serial=serial)[0]
    runner._wake.set()
    return row.id


def test_a_task_for_an_unknown_phone_waits_without_running_and_stops_at_once(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    sim_fleet(phones=1, accounts=1)
    runner = make_runner()
    task_id = unknown_phone_task(runner)
    assert runner.wait_idle(timeout=30)  # a bounded wait does not wait for it
    assert runner.waiting_phones() == {"SIMNOPE1": "no such phone on the adb server(s)"}
    row = runner.store.get(task_id)
    assert (row.status, row.remark) == (  # type: ignore[union-attr]
        0,
        "waiting for phone SIMNOPE1: no such phone on the adb server(s)",
    )
    assert runner.stop_task(task_id)
    row = runner.store.get(task_id)
    assert (row.status, row.failure_class) == (3, "cancelled")  # type: ignore[union-attr]
    assert runner.store.attempts(task_id) == []
    assert [e["kind"] for e in runner.store.events(task_id)] == ["created", "waiting", "failed"]


def test_a_dead_phones_tasks_wait_without_a_worker_and_a_bounded_run_ends(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    fleet = sim_fleet(phones=2, accounts=1)
    alive, dead = fleet.phones
    runner = make_runner(device_wait=1.0)
    dead.go_offline(600)
    ids = runner.submit([warmup(alive.serial, seconds=0.3)] * 3 + [warmup(dead.serial)] * 3)
    assert runner.wait_idle(timeout=60)
    assert [runner.store.get(i).status for i in ids] == [2, 2, 2, 0, 0, 0]  # type: ignore[union-attr]
    assert dead.serial in runner.waiting_phones()
    assert runner.queue.running() == 0
    assert sum(len(runner.store.attempts(i)) for i in ids[3:]) <= 1


def test_the_api_door_refuses_a_phone_no_adb_server_has_shown(
    sim_fleet: Callable[..., Any], make_runner: Callable[..., Runner]
) -> None:
    from runner.errors import CampaignError

    sim_fleet(phones=1, accounts=1)
    runner = make_runner()
    with pytest.raises(CampaignError) as info:
        runner.submit([warmup("device_serial_1")])
    assert str(info.value) == (
        "<request body>: serials: no phone device_serial_1 on the adb server(s) "
        "(check the serial with `campaign devices` (adb or hardware serial))"
    )
    assert runner.store.stats()["total"] == 0
