"""One runner per state file: a row with pid, host, start time and a per-holder token.

A holder on this host whose pid is gone (or a zombie) is taken over with a warning, so a
runner killed with ``kill -9`` never needs manual help on the same machine. A holder on
another host cannot be checked: `--force-unlock` is the way out.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

from runner.errors import LockHeldError
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
