"""The hosts' own tables beside procrastinate's: which host holds which phone, who is alive.

``phones(serial, host, adb_serial, seen_at)``: each worker writes the phones its adb server
shows (by hardware serial) every heartbeat and lets go of the ones it no longer sees; the
janitor lets go of the phones of a host that stopped writing. ``hosts`` records each worker
(for `campaign hosts`) and each `campaign run` on the database (``kind = 'run'``): a run
executes tasks outside procrastinate, so workers' janitors would take its running tasks for a
dead host's; the two refuse to start beside each other (``join``). A row is live while its
heartbeat is younger than its own ``stall`` limit and it has not said it stopped.
procrastinate's schema is applied here too, once, under a lock.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SCHEMA_LOCK = 0x63616D72  # "camr": creating the tables, once per database
JOIN_LOCK = SCHEMA_LOCK + 1  # a run and a worker checking for each other, one at a time
WORKER, RUN = "worker", "run"
DDL = [
    """CREATE TABLE IF NOT EXISTS hosts (
        host_id TEXT PRIMARY KEY,
        hostname TEXT NOT NULL,
        pid INTEGER NOT NULL,
        adb_server TEXT NOT NULL,
        started_at TIMESTAMPTZ NOT NULL,
        seen_at TIMESTAMPTZ NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS phones (
        serial TEXT PRIMARY KEY,
        host TEXT,
        adb_serial TEXT,
        seen_at TIMESTAMPTZ NOT NULL
    )""",
]
# added after the first release: (column, its definition); ALTER only when missing (an ALTER
# locks the table even when the column is there)
COLUMNS = [
    ("kind", "TEXT NOT NULL DEFAULT 'worker'"),
    ("stall", "DOUBLE PRECISION NOT NULL DEFAULT 30"),
    ("stopped_at", "TIMESTAMPTZ"),
]
LIVE = """
SELECT host_id, kind, hostname, pid, started_at, EXTRACT(EPOCH FROM now() - seen_at) FROM hosts
WHERE stopped_at IS NULL AND seen_at > now() - make_interval(secs => stall) AND kind = ANY(%s)
ORDER BY host_id
"""


@dataclass(frozen=True)
class Live:
    """A host row whose heartbeat is within its stall limit."""

    host_id: str
    kind: str
    hostname: str
    pid: int
    started: Any  # datetime
    age: float  # seconds since its last heartbeat

    def __str__(self) -> str:
        what = "campaign run" if self.kind == RUN else f"worker {self.host_id}"
        return f"{what} on {self.hostname} pid {self.pid} (last heartbeat {self.age:.0f} s ago)"


def queue_of(host_id: str) -> str:
    return f"host-{host_id}"


def phone_lock(serial: str) -> str:
    return f"phone:{serial}"


def task_lock(task_id: int) -> str:
    return f"task:{task_id}"


def ensure(raw: Any) -> None:
    """Create procrastinate's schema and ours if missing (a psycopg connection, autocommit)."""
    from procrastinate.schema import SchemaManager

    from runner.hosts import artifacts

    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        exists = raw.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]
        if exists is None:
            raw.execute(SchemaManager.get_schema())
        for statement in [*DDL, artifacts.DDL]:
            raw.execute(statement)
        present = {
            r[0]
            for r in raw.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'hosts' "
                "AND table_schema = current_schema()"
            ).fetchall()
        }
        for column, definition in COLUMNS:
            if column not in present:
                raw.execute(f"ALTER TABLE hosts ADD COLUMN {column} {definition}")


@dataclass(frozen=True)
class Member:
    """A process that uses the database (a worker host or a run): its ``hosts`` row."""

    host_id: str
    kind: str
    stall: float  # its row is live this long after a heartbeat
    adb_server: str = ""
    hostname: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    started: datetime = field(default_factory=lambda: datetime.now(UTC))


def beat(raw: Any, member: Member) -> None:
    m = member
    raw.execute(
        "INSERT INTO hosts (host_id, hostname, pid, adb_server, started_at, seen_at, kind, "
        "stall, stopped_at) VALUES (%s, %s, %s, %s, %s, now(), %s, %s, NULL) "
        "ON CONFLICT (host_id) DO UPDATE SET hostname = EXCLUDED.hostname, pid = EXCLUDED.pid, "
        "adb_server = EXCLUDED.adb_server, started_at = EXCLUDED.started_at, seen_at = now(), "
        "kind = EXCLUDED.kind, stall = EXCLUDED.stall, stopped_at = NULL",
        (m.host_id, m.hostname, m.pid, m.adb_server, m.started, m.kind, m.stall),
    )


def live(raw: Any, kinds: Sequence[str]) -> list[Live]:
    rows = raw.execute(LIVE, (list(kinds),)).fetchall()
    return [Live(r[0], r[1], r[2], int(r[3]), r[4], float(r[5])) for r in rows]


def join(raw: Any, member: Member, *, unless: Sequence[str]) -> list[Live]:
    """Register ``member`` unless a live row of a kind in ``unless`` exists: those rows
    (nothing written), else []. One joiner at a time, so a run and a worker starting together
    cannot both miss the other."""
    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (JOIN_LOCK,))
        blocking = live(raw, unless)
        if not blocking:
            beat(raw, member)
        return blocking


def stopped(raw: Any, member: Member) -> None:
    """``member`` ended cleanly: its row stops counting as live at once, not after its stall
    limit (unless another process took the name since)."""
    raw.execute(
        "UPDATE hosts SET stopped_at = now() WHERE host_id = %s AND pid = %s AND hostname = %s",
        (member.host_id, member.pid, member.hostname),
    )


def hold(raw: Any, host_id: str, attached: Mapping[str, str]) -> None:
    """This host holds exactly ``attached`` (hardware serial -> adb serial) now."""
    with raw.transaction():
        with raw.cursor() as cur:
            cur.executemany(
                "INSERT INTO phones (serial, host, adb_serial, seen_at) VALUES (%s, %s, %s, now()) "
                "ON CONFLICT (serial) DO UPDATE SET host = EXCLUDED.host, "
                "adb_serial = EXCLUDED.adb_serial, seen_at = now()",
                [(serial, host_id, adb) for serial, adb in sorted(attached.items())],
            )
        raw.execute(
            "UPDATE phones SET host = NULL, seen_at = now() WHERE host = %s "
            "AND NOT (serial = ANY(%s))",
            (host_id, sorted(attached)),
        )


def release_stale(raw: Any, stall: float) -> int:
    """Phones of hosts silent for ``stall`` seconds are attached nowhere."""
    cur = raw.execute(
        "UPDATE phones SET host = NULL WHERE host IS NOT NULL "
        "AND seen_at < now() - make_interval(secs => %s)",
        (stall,),
    )
    return int(cur.rowcount)


def host_of(raw: Any, serial: str) -> str | None:
    row = raw.execute("SELECT host FROM phones WHERE serial = %s", (serial,)).fetchone()
    return row[0] if row else None


def identity(raw: Any, serial: str) -> str:
    """The hardware serial of a phone named by its adb serial on some host (else as given)."""
    row = raw.execute(
        "SELECT serial FROM phones WHERE serial = %s OR adb_serial = %s ORDER BY serial = %s DESC "
        "LIMIT 1",
        (serial, serial, serial),
    ).fetchone()
    return row[0] if row else serial
