"""The state file under storage faults: never silently re-created, faults named as such."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from runner.errors import StateError, StorageError
from runner.state import Store
from runner.state.db import connect


def test_a_deleted_state_file_is_not_re_created_by_a_read(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    store.path.unlink()
    with pytest.raises(StorageError, match="the state file was deleted or moved"):
        store.stats()
    assert not store.path.exists()


def test_the_lock_records_the_file_beside_it_and_release_removes_the_record(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "state.db")
    token, _ = store.acquire_lock()
    record = (tmp_path / "state.db.lock").read_text()
    assert store.db_id in record and f'"inode": {store.path.stat().st_ino}' in record
    store.release_lock(token)
    assert not (tmp_path / "state.db.lock").exists()


def test_a_state_file_deleted_under_a_runner_is_refused_not_re_created(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    store.acquire_lock()
    store.path.unlink()
    with pytest.raises(StorageError, match="deleted or replaced while this runner had it"):
        store.mark_missed(1)
    with pytest.raises(StateError, match="the state file is missing, but pid") as info:
        Store(tmp_path / "state.db")
    assert "delete " + str(tmp_path / "state.db.lock") in str(info.value.hint)
    assert not store.path.exists()


def test_an_emptied_state_file_is_refused_while_the_lock_record_names_it(tmp_path: Path) -> None:
    store = Store(tmp_path / "state.db")
    store.acquire_lock()
    store.path.write_bytes(b"")
    with pytest.raises(StateError, match="the state file is empty"):
        Store(tmp_path / "state.db")
    assert store.path.stat().st_size == 0


def test_a_replaced_state_file_is_refused_while_the_lock_record_names_another(
    tmp_path: Path,
) -> None:
    store = Store(tmp_path / "state.db")
    store.acquire_lock()
    other = Store(tmp_path / "other.db")
    for suffix in ("", "-wal", "-shm"):
        Path(str(store.path) + suffix).unlink(missing_ok=True)
    other.path.rename(store.path)
    with pytest.raises(StateError, match=f"has db id {other.db_id}"):
        Store(tmp_path / "state.db")


def test_a_full_state_file_is_a_storage_error(tmp_path: Path) -> None:
    """PRAGMA max_page_count gives SQLite's own "database or disk is full" (SQLITE_FULL)."""
    store = Store(tmp_path / "state.db")
    with pytest.raises(StorageError, match="the disk is full") as info, connect(store.path) as conn:
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        conn.execute(f"PRAGMA max_page_count = {pages}")
        conn.execute("INSERT INTO events (task_id, at, kind) VALUES (1, 'x', ?)", ("a" * 10**6,))
    assert "free some space" in str(info.value.hint)


def test_an_old_v1_file_gets_an_identity_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    from runner.state.schema import MIGRATIONS

    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    store = Store(path)
    assert len(store.db_id) == 32 and store.commit_mark(1) is None
