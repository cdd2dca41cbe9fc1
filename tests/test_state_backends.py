"""The state's shared behaviour on PostgreSQL: the same tests that run on the SQLite file.

Each test below is imported from the SQLite suite and runs here against a ``postgresql://``
state on a private cluster (tests/fixtures_pg.py). What only a file has (WAL, the lock file,
a garbage file) stays in the SQLite suite.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from test_scheduler_queue import (  # noqa: F401
    test_daily_cap_defers_to_next_day_with_the_reason,
    test_future_tasks_are_not_taken,
    test_global_concurrency_cap,
    test_one_task_per_phone_in_start_time_order,
    test_pause_between_a_phones_tasks,
    test_random_order_shuffles_a_phones_queue,
)
from test_scheduler_runner import (  # noqa: F401
    test_a_phone_runs_its_queue_one_at_a_time_in_order,
    test_config_error_is_never_retried,
    test_failed_task_is_retried_after_the_delay_and_every_attempt_recorded,
    test_task_over_its_timeout_fails_with_class_timeout,
)
from test_state_store import (  # noqa: F401
    spec,
    test_a_seen_phone_keeps_its_first_sighting_and_moves_its_last,
    test_changed_spec_updates_only_its_pending_task,
    test_claim_is_atomic_and_refuses_non_pending,
    test_completing_a_task_that_is_not_running_is_refused,
    test_delete_returns_existing_ids_and_logs,
    test_diff_reports_without_writing,
    test_failed_attempt_with_retry_goes_back_to_pending_and_counts,
    test_insert_always_creates_new_ids,
    test_other_occurrences_of_a_recurring_campaign_are_kept,
    test_reapply_same_specs_creates_nothing,
    test_recover_interrupted_requeues_under_retry_policy,
    test_removed_target_removes_its_pending_task_and_keeps_the_event,
    test_retry_only_failed_tasks,
    test_running_and_finished_tasks_are_never_rewritten_or_removed,
    test_stop_pending_fails_it_cancelled_and_stop_running_sets_the_request,
    test_task_to_api_shape,
)

from runner.errors import StateError
from runner.scheduler import Runner, RunnerOptions
from runner.state import transitions as tr
from runner.state.pg import PgStore, translate
from runner.state.rows import COMPLETED, iso, utcnow


@pytest.fixture
def store(pg_dsn: str, tmp_path: Path) -> Iterator[PgStore]:
    opened = PgStore(pg_dsn, local_dir=tmp_path)
    yield opened
    opened.close()


@pytest.fixture
def make_runner(store: PgStore, adb_server: int) -> Iterator[Callable[..., Runner]]:
    from runner.pool import DevicePool

    made: list[tuple[Runner, Any]] = []

    def make(**options: Any) -> Runner:
        pool = DevicePool()
        pool.start()
        runner = Runner(
            store=store, pool=pool, options=RunnerOptions(**{"device_wait": 2.0, **options})
        )
        made.append((runner, pool))
        runner.start()
        return runner

    yield make
    for runner, pool in made:
        runner.shutdown(graceful=False, timeout=10)
        pool.stop()


def test_two_handles_on_one_database_see_each_others_writes(store: PgStore, pg_dsn: str) -> None:
    from test_state_store import spec

    [task_id] = store.insert([spec("k1")])
    other = PgStore(pg_dsn)
    try:
        assert other.claim(task_id, serial="P1") == 1
        assert store.claim(task_id, serial="P1") is None  # claimed once, whoever asks
        assert other.db_id == store.db_id
    finally:
        other.close()


def test_sqlite_spellings_are_translated_for_postgresql() -> None:
    assert translate("SELECT * FROM tasks WHERE id = ? AND x IS NOT 'a'") == (
        "SELECT * FROM tasks WHERE id = %s AND x IS DISTINCT FROM 'a'"
    )
    assert (
        translate("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)")
        == "INSERT INTO meta (key, value) VALUES (%s, %s) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
    )
    assert "json_array_elements_text(%s::json)" in translate(
        "SELECT id FROM tasks WHERE campaign IN (SELECT value FROM json_each(?))"
    )


# -- writers: one task's transitions do not queue behind each other, the rest do -----------
# Every host's ~100 script threads claim and complete their own tasks; those writes take the
# state's write lock shared and lock the one task row they check, while an apply or an insert
# takes it exclusive (runner/state/pg.py). The waits are observed in pg_locks, never timed.
@pytest.fixture
def in_thread() -> Iterator[Callable[[Callable[[], Any]], Future[Any]]]:
    with ThreadPoolExecutor(2) as pool:
        yield pool.submit


def wait_until_a_lock_is_waited_for(store: PgStore) -> None:
    """Until some transaction waits for a lock (pg_locks: not granted)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with store.connection() as raw:
            if raw.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
                return
        time.sleep(0.05)
    raise AssertionError("no transaction waited for a lock")


def test_a_tasks_transition_does_not_wait_for_another_tasks_and_an_insert_waits_for_both(
    store: PgStore, in_thread: Callable[[Callable[[], Any]], Future[Any]]
) -> None:
    a, b = store.insert([spec("a"), spec("b", target="bob")])
    store.claim(a, serial="P1")
    with store._one_task(), store._write() as conn:  # task a completing, not committed yet
        tr.complete(conn, a, {}, "done", iso(utcnow()) or "")
        assert in_thread(lambda: store.claim(b, serial="P2")).result(timeout=60) == 1
        inserted = in_thread(lambda: store.insert([spec("c", target="carol")]))
        wait_until_a_lock_is_waited_for(store)
        assert not inserted.done()
    assert len(inserted.result(timeout=60)) == 1
    assert store.get(a).status == COMPLETED  # type: ignore[union-attr]


def test_a_tasks_status_check_holds_its_row_so_a_second_ending_sees_the_first(
    store: PgStore, in_thread: Callable[[Callable[[], Any]], Future[Any]]
) -> None:
    """A dead host's janitor and the host itself may end one attempt at once: one wins."""
    [a] = store.insert([spec("a")])
    store.claim(a, serial="P1")
    with store._one_task(), store._write() as conn:
        tr.complete(conn, a, {}, "done", iso(utcnow()) or "")
        failing = in_thread(
            lambda: store.mark_failed(
                a, failure_class="interrupted", message="its host died", retry_at=None
            )
        )
        wait_until_a_lock_is_waited_for(store)
    with pytest.raises(StateError) as info:
        failing.result(timeout=60)
    assert str(info.value) == f"task {a} cannot be failed: it is completed, not running"
    assert [x["outcome"] for x in store.attempts(a)] == ["completed"]


def test_the_phones_seen_are_read_without_a_store_on_postgresql(
    store: PgStore, pg_dsn: str
) -> None:
    from runner.state.seen import seen_serials

    store.note_seen_phones([("10.0.0.7:5555", "R58M7")])
    assert seen_serials(pg_dsn) == frozenset({"10.0.0.7:5555", "R58M7"})


# -- the API's task list over PostgreSQL: read on the server's event loop ---------------------
def test_the_api_lists_tasks_from_postgresql_with_filters_pages_and_totals(
    store: PgStore, api_server: Callable[..., Any]
) -> None:
    ids = store.insert([spec(f"k{n}", target=f"t{n}") for n in range(5)])
    store.claim(ids[1], serial="SIM1")
    api = api_server(store=store)

    first = api.ok("GET", "/api/v1/task", params={"page_size": 2})
    running = api.ok("GET", "/api/v1/task", params={"status": 1})
    past_the_end = api.ok("GET", "/api/v1/task", params={"page": 9, "page_size": 2})

    assert [t["id"] for t in first["tasks"]] == ids[:2] and first["total"] == 5
    assert [t["id"] for t in running["tasks"]] == [ids[1]] and running["total"] == 1
    assert past_the_end == {"tasks": [], "total": 5, "page": 9, "page_size": 2}
    assert first["tasks"][1] == api.ok("GET", f"/api/v1/task/{ids[1]}")
