"""One runner per state file: a row with pid, host, start time and a per-holder token.

A holder on this host whose pid is gone (or a zombie) is taken over with a warning, so a
runner killed with ``kill -9`` never needs manual help on the same machine. A holder on
another host cannot be checked: `--force-unlock` is the way out.

The lock also records *which file* it locks, beside it in ``<state>.lock`` (JSON: pid, host,
token, the file's inode and its ``meta.db_id``), because a record inside the file disappears
with the file. While that record is there, a missing, empty or different state file is
refused (`check_identity`), never silently re-created: a deleted state file would otherwise
make the next run start every task again, including the ones that already ran on the phones.
The record is removed with the lock; a runner that died or stopped on a storage fault leaves
it, and the next runner takes it over as it takes over the row.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import LockHeldError, StateError, StorageError
from runner.state.rows import iso, utcnow


@dataclass(frozen=True)
class LockInfo:
    pid: int
    host: str
    token: str
    started: str


def pid_alive(pid: int) -> bool:
    """True when ``pid`` runs on this host and is not a zombie waiting to be reaped."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def holder(conn: sqlite3.Connection) -> LockInfo | None:
    row = conn.execute("SELECT pid, host, token, started FROM lock WHERE id = 1").fetchone()
    return LockInfo(*row) if row else None


def acquire(conn: sqlite3.Connection, path: Path, *, force: bool) -> tuple[str, str | None]:
    """Take the lock inside the caller's transaction; returns (token, warning or None)."""
    current = holder(conn)
    warning = None
    if current is not None:
        here = current.host == socket.gethostname()
        if force:
            warning = f"{path}: forced unlock of pid {current.pid} on {current.host} (since {current.started})"
        elif here and not pid_alive(current.pid):
            warning = (
                f"{path}: the previous runner (pid {current.pid}, since {current.started}) is gone; "
                "taking over its state"
            )
        else:
            raise LockHeldError(
                str(path), pid=current.pid, host=current.host, started=current.started
            )
    token = uuid.uuid4().hex
    conn.execute(
        "INSERT OR REPLACE INTO lock (id, pid, host, token, started) VALUES (1, ?, ?, ?, ?)",
        (os.getpid(), socket.gethostname(), token, iso(utcnow())),
    )
    return token, warning


def release(conn: sqlite3.Connection, token: str) -> bool:
    return conn.execute("DELETE FROM lock WHERE id = 1 AND token = ?", (token,)).rowcount == 1


# -- the file's identity, recorded beside it ------------------------------------------------------
def record_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


def db_id(conn: sqlite3.Connection) -> str:
    row = conn.execute("SELECT value FROM meta WHERE key = 'db_id'").fetchone()
    return str(row[0]) if row else ""


def inode(path: Path) -> int:
    try:
        return os.stat(path).st_ino
    except FileNotFoundError:
        return 0


def write_record(path: Path, token: str, ident: str) -> None:
    """Record pid, token and the file's identity beside it (atomically replaced)."""
    record = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "token": token,
        "db_id": ident,
        "inode": inode(path),
        "started": iso(utcnow()),
    }
    target = record_path(path)
    tmp = target.with_name(target.name + f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(record))
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise StorageError(
            f"{target}: cannot record the lock beside the state file: {exc}",
            hint="free some space or make the directory writable, then run again",
        ) from None


def read_record(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(record_path(path).read_text())
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return {}  # unreadable: still a sign that a runner had a file here
    return data if isinstance(data, dict) else {}


def remove_record(path: Path, token: str) -> None:
    record = read_record(path)
    if record is not None and record.get("token") == token:
        record_path(path).unlink(missing_ok=True)


def refuse_lost(path: Path, record: dict[str, Any], what: str) -> StateError:
    """The error for a state file that is not the one the lock record names."""
    who = f"pid {record.get('pid', '?')} on {record.get('host', '?')}"
    return StateError(
        f"{path}: {what}, but {who} was using a state file here (db id "
        f"{record.get('db_id') or '?'}): it was deleted, emptied or replaced while a runner had it",
        hint=f"restore it from a backup (tasks that already ran on the phones would run again "
        f"from an empty state); to start from an empty state anyway, delete {record_path(path)}",
    )


def check_before_open(path: Path) -> None:
    """Refuse to create a state file where a runner's lock record says one was."""
    record = read_record(path)
    if record is None:
        return
    if not path.exists():
        raise refuse_lost(path, record, "the state file is missing")
    if path.stat().st_size == 0:
        raise refuse_lost(path, record, "the state file is empty")


def check_identity(path: Path, ident: str) -> None:
    """After opening: the file's db id must be the one the lock record names."""
    record = read_record(path)
    if record is None or not record.get("db_id"):
        return
    if record["db_id"] != ident:
        raise refuse_lost(path, record, f"the state file has db id {ident}")
