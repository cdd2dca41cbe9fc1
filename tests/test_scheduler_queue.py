"""The per-phone queue over a real state file: order, random order, pauses, caps, claims."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from runner.campaign.model import TaskSpec
from runner.scheduler.queue import TaskQueue
from runner.state import Store


def spec(key: str, serial: str = "P1", *, at: float | None = -1.0, **over: object) -> TaskSpec:
    base = TaskSpec(
        key=key,
        campaign="c",
        occurrence="once",
        script_name="follow",
        script_config={},
        serial=serial,
        username=f"{serial}_u",
        target=key,
        start_time=None if at is None else datetime.now(UTC) + timedelta(seconds=at),
    )
    return replace(base, **over)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    return Store(tmp_path / "state.db")


def drain(queue: TaskQueue, serial: str = "P1") -> list[str]:
    order = []
    while claims := queue.take(datetime.now(UTC)):
        order += [c.row.target for c in claims]  # type: ignore[misc]
        for claim in claims:
            queue.store.mark_completed(claim.row.id, result={}, summary="ok")
            queue.done(claim.row.serial or "", pause=0)
    return order


def test_one_task_per_phone_in_start_time_order(store: Store) -> None:
    store.apply(
        [spec("late", at=-1), spec("early", at=-5), spec("other", "P2", at=-3)],
        campaigns=["c"],
    )
    queue = TaskQueue(store)
    first = queue.take(datetime.now(UTC))
    assert sorted((c.row.serial, c.row.target, c.attempt) for c in first) == [
        ("P1", "early", 1),
        ("P2", "other", 1),
    ]
    assert queue.take(datetime.now(UTC)) == []  # both phones busy
    queue.store.mark_completed(first[0].row.id, result={}, summary="ok")
    queue.done(first[0].row.serial or "", pause=0)
    assert [c.row.target for c in queue.take(datetime.now(UTC))] == ["late"]


def test_future_tasks_are_not_taken(store: Store) -> None:
    store.apply([spec("soon", at=30)], campaigns=["c"])
    queue = TaskQueue(store)
    assert queue.take(datetime.now(UTC)) == []
    assert queue.next_wake(datetime.now(UTC)) == store.get(1).start_time  # type: ignore[union-attr]


def test_random_order_shuffles_a_phones_queue(store: Store) -> None:
    names = [f"t{i}" for i in range(8)]
    store.apply([spec(n, at=None, random_order=True) for n in names], campaigns=["c"])
    order = drain(TaskQueue(store, rng=random.Random(4)))
    assert sorted(order) == names and order != names


def test_pause_between_a_phones_tasks(store: Store) -> None:
    store.apply([spec("a", at=None), spec("b", at=None)], campaigns=["c"])
    queue = TaskQueue(store)
    [claim] = queue.take(datetime.now(UTC))
    store.mark_completed(claim.row.id, result={}, summary="ok")
    queue.done("P1", pause=30)
    now = datetime.now(UTC)
    assert queue.take(now) == []
    assert [c.row.target for c in queue.take(now + timedelta(seconds=31))] == ["b"]


def test_global_concurrency_cap(store: Store) -> None:
    store.apply([spec(f"t{i}", f"P{i}", at=None) for i in range(5)], campaigns=["c"])
    queue = TaskQueue(store, concurrency=2)
    assert len(queue.take(datetime.now(UTC))) == 2
    assert queue.take(datetime.now(UTC)) == [] and queue.running() == 2


def test_daily_cap_defers_to_next_day_with_the_reason(store: Store) -> None:
    store.apply([spec(f"t{i}", at=None) for i in range(3)], campaigns=["c"])
    store.insert([spec("api", at=None, source="api")])
    queue = TaskQueue(store, daily_caps={"follow": 2})
    assert drain(queue) == ["t0", "t1"]
    midnight = datetime.combine(
        datetime.now(UTC).date() + timedelta(days=1), datetime.min.time(), tzinfo=UTC
    )
    for task_id in (3, 4):
        row = store.get(task_id)
        assert (row.status, row.next_run_at, row.deferred) == (0, midnight, True)  # type: ignore[union-attr]
        assert row.remark == (  # type: ignore[union-attr]
            f"daily cap reached: 2 of 2 follow tasks for @P1_u today; deferred to {midnight.isoformat()}"
        )


def test_a_task_claimed_elsewhere_is_not_started_twice(store: Store) -> None:
    store.apply([spec("a", at=None)], campaigns=["c"])
    other = TaskQueue(Store(store.path))
    assert len(other.take(datetime.now(UTC))) == 1
    assert TaskQueue(store).take(datetime.now(UTC)) == []
    assert store.claim_many([(1, "P1")]) == {}  # a claim racing with the first one loses
