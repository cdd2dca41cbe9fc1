"""Writers on PostgreSQL: one task's transitions do not queue behind each other, the rest do.

Every host's ~100 script threads claim and complete their own tasks; those writes take the
state's write lock shared and lock the one task row they check, while an apply or an insert
takes it exclusive (runner/state/pg.py). The waits below are observed in ``pg_locks``, never
timed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from test_state_store import spec

from runner.errors import StateError
from runner.state import transitions as tr
from runner.state.pg import PgStore
from runner.state.rows import COMPLETED, iso, utcnow


@pytest.fixture
def store(pg_dsn: str, tmp_path: Path) -> Iterator[PgStore]:
    opened = PgStore(pg_dsn, local_dir=tmp_path)
    yield opened
    opened.close()


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
