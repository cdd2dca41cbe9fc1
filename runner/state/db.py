"""The one place that opens the state file and translates sqlite3 errors.

A short-lived connection per operation (as pre-commit's store does): nothing is held between
calls, so the runner, `campaign status` and the API can share the file from different threads
and processes. WAL lets readers proceed while the runner writes.

``synchronous=FULL``: every committed status change is on disk before the call returns. With
WAL, NORMAL already survives a ``kill -9`` of the runner, but a power cut could lose the last
"completed" marks and a finished post would run again (a duplicate the world can see). The
cost is one fsync per transition; bulk apply is one transaction, so it does not multiply.

Only `migrate` may create the file: every other connection opens it ``mode=rw``, so a state
file deleted under a running runner is an error (StorageError), never a new empty file that
the next run would take for a fresh start.

Storage faults (disk full, I/O error, read-only, missing file) become ``StorageError``: the
runner stops on them instead of retrying every second. Other errors stay ``StateError``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

from runner.errors import StateError, StorageError
from runner.state.schema import MIGRATIONS

BUSY_TIMEOUT = 30.0
RECOVER = "then run again: the next run recovers the tasks that were running"
# sqlite3 error names (Python 3.11+ sets exc.sqlite_errorname) -> what happened, what to do
STORAGE_FAULTS = {
    "SQLITE_FULL": ("the disk is full", f"free some space, {RECOVER}"),
    "SQLITE_IOERR": ("the disk refused a write", f"check the disk and free space, {RECOVER}"),
    "SQLITE_READONLY": ("the state file is read-only", f"make it writable, {RECOVER}"),
    "SQLITE_CANTOPEN": (
        "the state file cannot be opened (deleted, moved, or its directory is not writable)",
        "restore the file or fix the directory's permissions; a deleted state file is not "
        "re-created while its lock file is there",
    ),
}


def storage_fault(path: Path, exc: sqlite3.Error) -> StorageError | None:
    """The StorageError for a disk/file fault, or None for other errors."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    if "no such table" in str(exc):  # every Store migrated its file: it was emptied under us
        return StorageError(
            f"{path}: the state file was emptied or replaced ({exc})",
            hint="restore it from a backup; a runner's lock file beside it records which file it was",
        )
    kind = next((k for k in STORAGE_FAULTS if name == k or name.startswith(k + "_")), None)
    if kind is None:
        return None
    what, hint = STORAGE_FAULTS[kind]
    if not path.exists() or name == "SQLITE_READONLY_DBMOVED":  # whatever SQLite made of it
        what, hint = "the state file was deleted or moved", STORAGE_FAULTS["SQLITE_CANTOPEN"][1]
    return StorageError(f"{path}: {what} ({exc})", hint=hint)


@contextmanager
def translated(path: Path) -> Iterator[None]:
    """Turn sqlite3 errors into StateError naming the file and what to do."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        fault = storage_fault(path, exc)
        if fault is not None:
            raise fault from None
        if not isinstance(exc, sqlite3.OperationalError):
            raise StateError(
                f"{path}: not a usable state file: {exc}",
                hint="move it away (and its .lock file) to start a fresh state; its history "
                "is then lost",
            ) from None
        text = str(exc)
        if "locked" in text or "busy" in text:
            hint = "another process kept the state file busy too long; try again"
        elif "readonly" in text or "unable to open" in text:
            hint = "check that the directory exists and is writable"
        else:
            hint = "check the file, or move it away to start a fresh state"
        raise StateError(f"{path}: state file error: {text}", hint=hint) from None


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.absolute()))}?mode={mode}"


@contextmanager
def connect(path: Path, *, create: bool = False) -> Iterator[sqlite3.Connection]:
    """One connection for one operation; `with conn:` inside is the transaction.

    The file must exist unless ``create`` (only `migrate` creates)."""
    with translated(path):
        conn = sqlite3.connect(
            _uri(path, "rwc" if create else "rw"),
            timeout=BUSY_TIMEOUT,
            isolation_level=None,
            uri=True,
        )
        try:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA foreign_keys=OFF")
            conn.execute("PRAGMA cache_size=-65536")  # 64 MiB: a 100,000-task apply stays in memory
            yield conn
        finally:
            conn.close()


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE: take the write lock up front so read-then-write is atomic."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def write(path: Path) -> Iterator[sqlite3.Connection]:
    """A fresh connection inside BEGIN IMMEDIATE: the unit of every change."""
    with connect(path) as conn, transaction(conn):
        yield conn


def migrate(path: Path) -> None:
    """Create the file or bring it to the current schema version (PRAGMA user_version)."""
    if not path.parent.exists():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StateError(
                f"{path}: cannot create its directory: {exc}",
                hint="choose another --state path",
            ) from None
    with connect(path, create=True) as conn, translated(path):
        conn.execute("PRAGMA journal_mode=WAL")
        with transaction(conn):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StateError(
                    f"{path}: state file schema version {version} is newer than this runner "
                    f"understands ({len(MIGRATIONS)})",
                    hint="upgrade campaign-runner, or use another --state file",
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {number}")
