"""The state file: apply by key, transitions with events and attempts, requests, the lock."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from runner.campaign.model import RetryPolicy, TaskSpec
from runner.errors import LockHeldError, StateError
from runner.state import Store, task_to_api
from runner.state.schema import MIGRATIONS


def spec(key: str, *, campaign: str = "c", target: str = "alice", **over: object) -> TaskSpec:
    base = TaskSpec(
        key=key,
        campaign=campaign,
        occurrence="once",
        script_name="follow",
        script_config={"target_users": [target]},
        serial="SIM1",
        username="u1",
        target=target,
    )
    return replace(base, **over)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path):  # type: ignore[no-untyped-def]
    return Store(tmp_path / ".campaign" / "state.db")


def test_new_file_is_wal_at_the_latest_schema_version(store: Store) -> None:
    conn = sqlite3.connect(store.path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
    conn.close()


def test_newer_schema_version_is_refused_with_advice(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.db"
    Store(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(StateError) as info:
        Store(path)
    assert str(info.value) == (
        f"{path}: state file schema version 99 is newer than this runner understands "
        f"({len(MIGRATIONS)}) "
        "(upgrade campaign-runner, or use another --state file)"
    )


def test_garbage_file_is_a_state_error_naming_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "s.db"
    path.write_bytes(b"not a database at all" * 100)
    with pytest.raises(StateError) as info:
        Store(path)
    assert str(info.value).startswith(f"{path}: not a usable state file: file is not a database")


def test_reapply_same_specs_creates_nothing(store: Store) -> None:
    specs = [spec("a"), spec("b", target="bob")]
    first = store.apply(specs, campaigns=["c"])
    second = store.apply(specs, campaigns=["c"])
    assert (first.new, first.unchanged) == (["a", "b"], [])
    assert (second.new, second.changed, second.unchanged, second.removed) == (
        [],
        [],
        ["a", "b"],
        [],
    )
    assert store.stats() == {
        "total": 2,
        "pending": 2,
        "running": 0,
        "completed": 0,
        "failed": 0,
    }


def test_changed_spec_updates_only_its_pending_task(store: Store) -> None:
    store.apply([spec("a"), spec("b", target="bob")], campaigns=["c"])
    diff = store.apply([spec("a"), spec("b", target="bob", timeout=9.0)], campaigns=["c"])
    assert (diff.changed, diff.unchanged) == (["b"], ["a"])
    rows, _ = store.list(page_size=None)
    assert [(r.key, r.timeout) for r in rows] == [("a", None), ("b", 9.0)]
    assert [e["kind"] for e in store.events(rows[1].id)] == ["created", "changed"]


def test_running_and_finished_tasks_are_never_rewritten_or_removed(
    store: Store,
) -> None:
    store.apply([spec("a"), spec("b", target="bob")], campaigns=["c"])
    store.mark_running(1, serial="SIM1")
    store.mark_running(2, serial="SIM1")
    store.mark_completed(2, result={}, summary="followed @bob")
    diff = store.apply([spec("a", timeout=1.0)], campaigns=["c"])
    assert (diff.changed, diff.unchanged, diff.removed) == ([], ["a"], [])
    assert store.get(1).timeout is None and store.get(2).status == 2  # type: ignore[union-attr]


def test_removed_target_removes_its_pending_task_and_keeps_the_event(
    store: Store,
) -> None:
    store.apply(
        [spec("a"), spec("b", target="bob"), spec("x", campaign="other")],
        campaigns=["c", "other"],
    )
    diff = store.apply([spec("a")], campaigns=["c"])
    assert diff.removed == ["b"]
    assert [r.key for r in store.list(page_size=None)[0]] == ["a", "x"]
    assert [e["kind"] for e in store.events(2)] == ["created", "removed"]


def test_diff_reports_without_writing(store: Store) -> None:
    store.apply([spec("a"), spec("b", target="bob")], campaigns=["c"])
    diff = store.diff([spec("a", timeout=3.0), spec("n", target="neo")], campaigns=["c"])
    assert (diff.new, diff.changed, diff.unchanged, diff.removed) == (
        ["n"],
        ["a"],
        [],
        ["b"],
    )
    assert store.stats()["total"] == 2 and store.get(1).timeout is None  # type: ignore[union-attr]


def test_diff_counts_running_and_finished_tasks_unchanged_like_apply(store: Store) -> None:
    """`plan`'s diff skips hashing history: a running or finished task with new content is
    unchanged there too, and a new key is new."""
    store.apply([spec("a"), spec("b", target="bob"), spec("p", target="pat")], campaigns=["c"])
    store.mark_running(1, serial="SIM1")
    store.mark_running(2, serial="SIM1")
    store.mark_completed(2, result={}, summary="followed @bob")
    edited = [spec("a", timeout=1.0), spec("b", target="bob", timeout=1.0), spec("n", target="n")]
    diff = store.diff([*edited, spec("p", target="pat", timeout=1.0)], campaigns=["c"])
    assert (diff.new, diff.changed, diff.unchanged, diff.removed) == (["n"], ["p"], ["a", "b"], [])


def test_other_occurrences_of_a_recurring_campaign_are_kept(store: Store) -> None:
    store.apply([spec("a1", occurrence="2026-01-01T09:00:00+00:00")], campaigns=["c"])
    diff = store.apply([spec("a2", occurrence="2026-01-02T09:00:00+00:00")], campaigns=["c"])
    assert (diff.new, diff.removed) == (["a2"], [])


def test_insert_always_creates_new_ids(store: Store) -> None:
    api = spec("ignored", source="api")
    assert store.insert([api, api]) == [1, 2]
    assert store.insert([api]) == [3]
    assert [r.key for r in store.list(page_size=None)[0]] == [None, None, None]


def test_failed_attempt_with_retry_goes_back_to_pending_and_counts(
    store: Store,
) -> None:
    store.apply(
        [spec("a", retry=RetryPolicy(max=2, delay_min=0.1, delay_max=0.2))],
        campaigns=["c"],
    )
    assert store.mark_running(1, serial="SIM1") == 1
    later = datetime.now(UTC) + timedelta(seconds=5)
    store.mark_failed(
        1, failure_class="element_not_found", message="no Follow button", retry_at=later
    )
    row = store.get(1)
    assert (row.status, row.retry_count, row.failure_class, row.next_run_at) == (  # type: ignore[union-attr]
        0,
        1,
        "element_not_found",
        later,
    )
    assert store.due(datetime.now(UTC)) == []
    assert store.mark_running(1, serial="SIM1") == 2
    store.mark_failed(
        1, failure_class="element_not_found", message="no Follow button", retry_at=None
    )
    assert [(a["n"], a["outcome"]) for a in store.attempts(1)] == [
        (1, "failed"),
        (2, "failed"),
    ]
    assert store.get(1).status == 3 and store.get(1).remark == "no Follow button"  # type: ignore[union-attr]


def test_claim_is_atomic_and_refuses_non_pending(store: Store) -> None:
    store.apply([spec("a")], campaigns=["c"])
    assert store.claim(1, serial="SIM1") == 1
    assert store.claim(1, serial="SIM2") is None
    with pytest.raises(StateError) as info:
        store.mark_running(1, serial="SIM2")
    assert str(info.value) == "task 1 cannot start on SIM2: it is no longer pending"


def test_completing_a_task_that_is_not_running_is_refused(store: Store) -> None:
    store.apply([spec("a")], campaigns=["c"])
    with pytest.raises(StateError) as info:
        store.mark_completed(1, result={}, summary="x")
    assert str(info.value) == "task 1 cannot be completed: it is pending, not running"


def test_stop_pending_fails_it_cancelled_and_stop_running_sets_the_request(
    store: Store,
) -> None:
    store.apply([spec("a"), spec("b", target="bob")], campaigns=["c"])
    assert store.request_stop(1) is True
    assert (store.get(1).status, store.get(1).failure_class) == (3, "cancelled")  # type: ignore[union-attr]
    store.mark_running(2, serial="SIM1")
    assert store.request_stop(2) is True
    assert store.stop_requested_ids() == [2]
    assert store.request_stop(1) is False


def test_retry_only_failed_tasks(store: Store) -> None:
    store.apply([spec("a"), spec("b", target="bob")], campaigns=["c"])
    store.request_stop(1)
    row = store.retry(1)
    assert (row.status, row.retry_count, row.remark) == (0, 1, "retry requested")
    with pytest.raises(StateError) as info:
        store.retry(2)
    assert str(info.value) == "task 2 is pending, only failed tasks can be retried"
    store.request_stop(1)
    store.request_stop(2)
    assert store.retry_all() == 0  # stopped tasks stay stopped unless asked
    assert store.retry_all(include_cancelled=True) == 2


def test_delete_returns_existing_ids_and_logs(store: Store) -> None:
    store.insert([spec("a", source="api")])
    assert store.delete([1, 7]) == [1]
    assert store.get(1) is None
    assert [e["kind"] for e in store.events(1)] == ["created", "deleted"]


def test_recover_interrupted_requeues_under_retry_policy(store: Store) -> None:
    quick = RetryPolicy(max=1, delay_min=0.0, delay_max=0.0)
    store.apply(
        [
            spec("a", retry=quick),
            spec("b", target="bob", retry=quick),
            spec("d", target="d"),
        ],
        campaigns=["c"],
    )
    for task_id in (1, 2, 3):
        store.mark_running(task_id, serial="SIM1")
    store.mark_completed(3, result={}, summary="done")
    store.mark_failed(2, failure_class="timeout", message="slow", retry_at=datetime.now(UTC))
    store.mark_running(2, serial="SIM1")
    assert store.recover_interrupted() == [1, 2]
    assert [(r.id, r.status, r.failure_class) for r in store.list(page_size=None)[0]] == [
        (1, 0, "interrupted"),
        (2, 3, "interrupted"),
        (3, 2, None),
    ]
    assert store.attempts(1)[0]["outcome"] == "interrupted"


def test_task_to_api_shape(store: Store) -> None:
    store.apply(
        [spec("a", start_time=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))],
        campaigns=["c"],
    )
    api = task_to_api(store.get(1))  # type: ignore[arg-type]
    local = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")
    assert {
        k: api[k]
        for k in (
            "id",
            "serial",
            "username",
            "script_name",
            "script_config",
            "script_args",
            "status",
            "status_text",
            "start_time",
            "end_time",
            "retry_count",
            "remark",
            "source",
            "campaign",
            "failure_class",
        )
    } == {
        "id": 1,
        "serial": "SIM1",
        "username": "u1",
        "script_name": "follow",
        "script_config": {"target_users": ["alice"]},
        "script_args": '{"target_users": ["alice"]}',
        "status": 0,
        "status_text": "pending",
        "start_time": local,
        "end_time": None,
        "retry_count": 0,
        "remark": "",
        "source": "file",
        "campaign": "c",
        "failure_class": None,
    }


def test_second_lock_is_refused_naming_the_holder(store: Store) -> None:
    store.acquire_lock()
    holder = store.lock_holder()
    with pytest.raises(LockHeldError) as info:
        store.acquire_lock()
    assert str(info.value) == (
        f"{store.path} is locked by pid {os.getpid()} on {holder.host} since {holder.started} "  # type: ignore[union-attr]
        "(stop that runner, or pass --force-unlock if it is gone)"
    )
    token, warning = store.acquire_lock(force=True)
    assert warning is not None and "forced unlock" in warning
    assert store.release_lock(token) is True and store.lock_holder() is None


def test_lock_of_a_dead_process_is_taken_over_with_a_warning(store: Store) -> None:
    code = f"from runner.state import Store; Store({str(store.path)!r}).acquire_lock()"
    proc = subprocess.run([sys.executable, "-c", code], check=True)
    assert proc.returncode == 0 and store.lock_holder() is not None
    dead_pid = store.lock_holder().pid  # type: ignore[union-attr]
    _token, warning = store.acquire_lock()
    assert warning is not None and f"pid {dead_pid}" in warning and "taking over" in warning


def test_a_seen_phone_keeps_its_first_sighting_and_moves_its_last(store: Store) -> None:
    store.note_seen_phones([("127.0.0.1:5555", "R58M1")])
    [first] = store.seen_phones()
    store.note_seen_phones([("127.0.0.1:5555", "R58M1")])
    [again] = store.seen_phones()
    assert (again["adb_serial"], again["hw_serial"]) == ("127.0.0.1:5555", "R58M1")
    assert again["first_seen"] == first["first_seen"] <= again["last_seen"]
