"""The hosts' own tables beside procrastinate's: which host holds which phone, who is alive.

``phones(serial, host, adb_serial, seen_at)``: each worker writes the phones its adb server
shows (by hardware serial) every heartbeat and lets go of the ones it no longer sees; the
janitor lets go of the phones of a host that stopped writing. ``hosts`` records each worker
(for `campaign hosts`). procrastinate's schema is applied here too, once, under a lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SCHEMA_LOCK = 0x63616D72  # "camr": creating the tables, once per database
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


def queue_of(host_id: str) -> str:
    return f"host-{host_id}"


def phone_lock(serial: str) -> str:
    return f"phone:{serial}"


def task_lock(task_id: int) -> str:
    return f"task:{task_id}"


def ensure(raw: Any) -> None:
    """Create procrastinate's schema and ours if missing (a psycopg connection, autocommit)."""
    from procrastinate.schema import SchemaManager

    with raw.transaction():
        raw.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
        exists = raw.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()[0]
        if exists is None:
            raw.execute(SchemaManager.get_schema())
        for statement in DDL:
            raw.execute(statement)


def beat(raw: Any, host_id: str, hostname: str, pid: int, adb: str, started: Any) -> None:
    raw.execute(
        "INSERT INTO hosts (host_id, hostname, pid, adb_server, started_at, seen_at) "
        "VALUES (%s, %s, %s, %s, %s, now()) ON CONFLICT (host_id) DO UPDATE SET "
        "hostname = EXCLUDED.hostname, pid = EXCLUDED.pid, adb_server = EXCLUDED.adb_server, "
        "started_at = EXCLUDED.started_at, seen_at = now()",
        (host_id, hostname, pid, adb, started),
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
