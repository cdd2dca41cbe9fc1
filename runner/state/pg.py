"""The state on PostgreSQL: the same Store, its SQL spoken to a shared database.

Several hosts share one state, so it cannot be a file. Rather than a second copy of every
query, the Store's SQL (written for SQLite) is translated here, statement by statement, for
the few spellings that differ (placeholders, ``json_each``, ``INSERT OR REPLACE``,
``IS NOT 'x'``, ``lastrowid``); the migrations are translated the same way, so a new column
added for SQLite exists on PostgreSQL too. Every write transaction first takes one advisory
lock: writers are serialised as SQLite's ``BEGIN IMMEDIATE`` serialises them, so
read-then-write steps (apply, retry-all, recovery) keep the meaning they have on one host.
The transitions of one task by its executor (claim, complete, fail, commit mark, daily-cap
deferral, missed) take that lock *shared* instead: they touch one task's rows, each read of its
status locks its row (``FOR UPDATE``), and two of them never wait for each other, while an
apply still waits for all of them and they for it. With the lock exclusive for every write,
~100 script threads per host queued behind one another: measured 72 ms mean wait per write,
30 tasks/s where 200 phones could do 200 (docs/hosts.md, "Figures").

Only imported when a ``postgresql://`` state is given: the base install has no psycopg
(``pip install 'campaign-runner[hosts]'``).
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from runner.errors import StateError, StorageError, UsageError
from runner.state import transitions as tr
from runner.state.location import is_dsn  # noqa: F401 - re-exported for the hosts commands
from runner.state.queries import list_query
from runner.state.rows import RUNNING, TaskRow, iso, utcnow
from runner.state.schema import MIGRATIONS
from runner.state.store import Store

WRITE_LOCK = 0x63616D70  # "camp": the one advisory lock every write transaction takes
SCHEMA_LOCK = WRITE_LOCK + 1
PRIMARY_KEYS = {"commit_marks": "task_id", "lock": "id", "meta": "key"}
HINT_DOWN = (
    "check that the database is up and reachable from this host (`psql URL`); "
    "then run again: the tasks that were running are retried"
)


def redacted(dsn: str) -> str:
    """The URL without its password, for messages and listings."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit(parts._replace(netloc=netloc))


# -- the SQL dialect ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=512)
def translate(sql: str) -> str:
    """One SQLite statement of the Store, spelled for PostgreSQL."""
    out = sql.replace("%", "%%")
    out = re.sub(
        r"\bid IN \(SELECT value FROM json_each\(\?\)\)",
        "id IN (SELECT value::bigint FROM json_array_elements_text(?::json) AS value)",
        out,
    )
    out = out.replace(
        "SELECT value FROM json_each(?)",
        "SELECT value FROM json_array_elements_text(?::json) AS value",
    )
    out = re.sub(r"\bIS NOT ('|\?)", r"IS DISTINCT FROM \1", out)  # SQLite's null-safe (in)equality
    out = re.sub(r"\bIS \?", "IS NOT DISTINCT FROM ?", out)
    out = out.replace(") WHERE rn <= ?", ") AS ranked WHERE rn <= ?")  # PostgreSQL 15 wants a name
    out = out.replace("(? OR ", "(?::int <> 0 OR ")
    replace = re.match(r"\s*INSERT OR REPLACE INTO (\w+) \(([^)]*)\)(.*)$", out, re.S)
    if replace:
        table, cols, rest = replace.groups()
        names = [c.strip() for c in cols.split(",")]
        key = PRIMARY_KEYS[table]
        sets = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c != key)
        out = f"INSERT INTO {table} ({cols}){rest} ON CONFLICT ({key}) DO UPDATE SET {sets}"
    return out.replace("?", "%s")


def translate_ddl(statement: str) -> str:
    """A migration statement of runner/state/schema.py, spelled for PostgreSQL."""
    out = statement.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
    out = re.sub(r"\bREAL\b", "DOUBLE PRECISION", out)
    return out.replace("lower(hex(randomblob(16)))", "md5(random()::text || clock_timestamp())")


class Row(tuple[Any, ...]):
    """A result row readable by index and by column name, like sqlite3.Row.

    The name-to-index map is built once per result, not per row: a page of tasks is read
    column by column (``dict(row)``) on every API list call."""

    names: tuple[str, ...]
    positions: dict[str, int]

    def keys(self) -> tuple[str, ...]:
        return self.names

    def __getitem__(self, item: Any) -> Any:
        if isinstance(item, str):
            return tuple.__getitem__(self, self.positions[item])
        return tuple.__getitem__(self, item)


def _row_factory(cursor: Any) -> Any:
    names = tuple(c.name for c in cursor.description or ())
    positions = {name: n for n, name in enumerate(names)}

    def make(values: Sequence[Any]) -> Row:
        row = Row(values)
        row.names, row.positions = names, positions
        return row

    return make


class _Cursor:
    def __init__(self, cur: Any, lastrowid: int | None = None) -> None:
        self._cur, self.lastrowid = cur, lastrowid

    @property
    def rowcount(self) -> int:
        return int(self._cur.rowcount)

    def fetchone(self) -> Any:
        return self._cur.fetchone()

    def fetchall(self) -> list[Any]:
        return list(self._cur.fetchall())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._cur.fetchall() if self._cur.description else [])


STATUS_READ = "SELECT status FROM tasks WHERE id = %s"  # transitions.status_of, translated


class Connection:
    """The slice of sqlite3.Connection the Store uses, over one psycopg connection.

    ``lock_rows``: inside a write transaction, a task's status is read ``FOR UPDATE``, so a
    check-then-write on one task holds its row until the commit (see the module docstring)."""

    def __init__(self, conn: Any, *, lock_rows: bool = False) -> None:
        self._conn = conn
        self._lock_rows = lock_rows

    def execute(self, sql: str, params: Sequence[Any] = ()) -> _Cursor:
        text = translate(sql)
        if self._lock_rows and text == STATUS_READ:
            text += " FOR UPDATE"
        returning = text.lstrip().startswith("INSERT INTO tasks ") and "RETURNING" not in text
        cur = self._conn.cursor(row_factory=_row_factory)
        cur.execute(text + (" RETURNING id" if returning else ""), list(params))
        if returning:
            return _Cursor(cur, int(cur.fetchone()[0]))
        return _Cursor(cur)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> None:
        rows = [list(p) for p in seq]
        if rows:
            with self._conn.cursor() as cur:
                cur.executemany(translate(sql), rows)


# -- the store ---------------------------------------------------------------------------------
class _OneTask(threading.local):
    active = False


_ONE_TASK = _OneTask()


class PgStore(Store):
    """The Store over a PostgreSQL database shared by every host (``--state postgresql://``).

    ``local_dir`` is where this host keeps its own files (artifacts, simulated phones' state):
    those stay on the host; the database holds what every host must see."""

    def __init__(self, dsn: str, *, local_dir: Path | None = None, pool_size: int = 8) -> None:
        try:
            import psycopg  # noqa: F401
            from psycopg_pool import ConnectionPool
        except ImportError:
            raise UsageError(
                "a postgresql:// state needs the hosts extra",
                hint="pip install 'campaign-runner[hosts]'",
            ) from None
        self.dsn = dsn
        self.path = (local_dir or Path.cwd() / ".campaign") / "postgresql"
        self._held_inode = None
        self._loop_pools: dict[Any, Any] = {}  # event loop -> the task opening its read pool
        self._pool = ConnectionPool(
            dsn,
            min_size=1,
            max_size=pool_size,
            kwargs={"autocommit": True, "connect_timeout": 10},
            open=False,
            name="campaign-state",
            timeout=10.0,  # waiting for a connection: an unreachable database is a fault, soon
        )
        with self._faults():
            self._pool.open(wait=True, timeout=10)
        self._migrate()
        with self._read() as conn:
            self.db_id = str(
                conn.execute("SELECT value FROM meta WHERE key = 'db_id'").fetchone()[0]
            )

    def __str__(self) -> str:
        return redacted(self.dsn)

    def close(self) -> None:
        self._pool.close(timeout=2.0)

    # -- reads on an event loop (the API's task list) ---------------------------------------
    async def list_async(self, **filters: Any) -> tuple[list[TaskRow], int]:
        """``list`` awaited on the API's event loop: the query goes out and its answer comes
        back without handing the request to a thread and back (two wake-ups fewer per request,
        which is what a list waits for on a busy PC)."""
        page = filters.pop("page", 1)
        page_sql, count_sql, args = list_query(filters, page, filters.pop("page_size", 20))
        with self._faults():
            pool = await self._loop_reads()
            async with pool.connection() as conn:
                cur = conn.cursor(row_factory=_row_factory)
                await cur.execute(translate(page_sql), [*args, *args])
                rows = await cur.fetchall()
                if rows:
                    total = rows[0][0]
                else:
                    await cur.execute(translate(count_sql), args)
                    total = (await cur.fetchone())[0]
        return [TaskRow.from_sql(r, skip=1) for r in rows], int(total)

    async def _loop_reads(self) -> Any:
        """The connection pool of the running event loop, opened by its first request."""
        import asyncio

        from psycopg_pool import AsyncConnectionPool

        loop = asyncio.get_running_loop()
        opening = self._loop_pools.get(loop)
        if opening is None:  # no await before it is recorded: one pool per loop
            pool = AsyncConnectionPool(
                self.dsn,
                min_size=1,
                max_size=4,
                kwargs={"autocommit": True, "connect_timeout": 10},
                open=False,
                name="campaign-api-reads",
                timeout=10.0,
            )
            opening = self._loop_pools[loop] = loop.create_task(_opened(pool))
        try:
            return await asyncio.shield(opening)
        except Exception:
            if opening.done() and self._loop_pools.get(loop) is opening:
                del self._loop_pools[loop]  # the next request tries again
            raise

    async def close_loop_reads(self) -> None:
        """Close the running loop's pool (before the loop ends: its connections belong to it)."""
        import asyncio

        opening = self._loop_pools.pop(asyncio.get_running_loop(), None)
        if opening is not None:
            with contextlib.suppress(Exception):  # it never opened: nothing to close
                await (await opening).close()

    @contextmanager
    def _faults(self) -> Iterator[None]:
        import psycopg

        try:
            yield
        except psycopg.OperationalError as exc:
            raise StorageError(
                f"{redacted(self.dsn)}: the state database cannot be reached ({exc})".strip(),
                hint=HINT_DOWN,
            ) from None
        except psycopg.errors.UndefinedTable as exc:
            raise StorageError(
                f"{redacted(self.dsn)}: the state tables are gone ({exc})",
                hint="restore the database from a backup",
            ) from None
        except psycopg.Error as exc:
            raise StateError(
                f"{redacted(self.dsn)}: state database error: {exc}",
                hint="check the database's log; this is likely a bug worth reporting",
            ) from None
        except Exception as exc:  # the pool's own timeout when no connection can be made
            if type(exc).__name__ == "PoolTimeout":
                raise StorageError(
                    f"{redacted(self.dsn)}: no connection to the state database ({exc})",
                    hint=HINT_DOWN,
                ) from None
            raise

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with self._faults(), self._pool.connection() as raw:
            yield Connection(raw)

    @contextmanager
    def _write(self) -> Iterator[Any]:
        """A write transaction: the write lock exclusive, or shared for one task's transition."""
        take = "pg_advisory_xact_lock_shared" if _ONE_TASK.active else "pg_advisory_xact_lock"
        with self._faults(), self._pool.connection() as raw, raw.transaction():
            raw.execute(f"SELECT {take}(%s)", (WRITE_LOCK,))
            yield Connection(raw, lock_rows=True)

    @contextmanager
    def _one_task(self) -> Iterator[None]:
        """The writes inside touch one task only: they take the write lock shared."""
        outer = _ONE_TASK.active
        _ONE_TASK.active = True
        try:
            yield
        finally:
            _ONE_TASK.active = outer

    def claim(self, task_id: int, *, serial: str) -> int | None:
        with self._one_task():
            return super().claim(task_id, serial=serial)

    def claim_on_host(self, task_id: int, *, serial: str, host_id: str) -> int | None:
        """``claim``, and the event naming the host of the attempt, in one transaction."""
        now = iso(utcnow()) or ""
        with self._one_task(), self._write() as conn:
            attempt = tr.claim(conn, task_id, serial, now)
            if attempt is not None:
                note = f"attempt {attempt} on host {host_id}"
                tr.event(conn, task_id, "host", RUNNING, RUNNING, note, now)
            return attempt

    def mark_completed(self, task_id: int, *, result: dict[str, Any], summary: str) -> None:
        with self._one_task():
            super().mark_completed(task_id, result=result, summary=summary)

    def mark_failed(self, task_id: int, **how: Any) -> None:
        with self._one_task():
            super().mark_failed(task_id, **how)

    def mark_missed(self, task_id: int, *, message: str = "missed") -> bool:
        with self._one_task():
            return super().mark_missed(task_id, message=message)

    def defer(self, task_id: int, *, until: datetime, reason: str) -> bool:
        with self._one_task():
            return super().defer(task_id, until=until, reason=reason)

    def mark_commit(self, task_id: int, *, action: str, detail: dict[str, Any]) -> None:
        with self._one_task():
            super().mark_commit(task_id, action=action, detail=detail)

    @contextmanager
    def connection(self) -> Iterator[Any]:
        """A raw psycopg connection (autocommit) from the pool, for the hosts' own tables."""
        with self._faults(), self._pool.connection() as raw:
            yield raw

    def _migrate(self) -> None:
        with self._faults(), self._pool.connection() as raw, raw.transaction():
            raw.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK,))
            raw.execute("CREATE TABLE IF NOT EXISTS campaign_schema (version INTEGER NOT NULL)")
            row = raw.execute("SELECT version FROM campaign_schema").fetchone()
            version = int(row[0]) if row else 0
            if row is None:
                raw.execute("INSERT INTO campaign_schema (version) VALUES (0)")
            if version > len(MIGRATIONS):
                raise StateError(
                    f"{redacted(self.dsn)}: state schema version {version} is newer than this "
                    f"runner understands ({len(MIGRATIONS)})",
                    hint="upgrade campaign-runner on this host to the version the others run",
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in script:
                    raw.execute(translate_ddl(statement))
                raw.execute("UPDATE campaign_schema SET version = %s", (number,))

    # -- no file lock: many hosts share the database, the engine keeps one run per phone ------
    def acquire_lock(self, *, force: bool = False) -> tuple[str, str | None]:
        return "postgresql", None

    def release_lock(self, token: str) -> bool:
        return True

    def lock_holder(self) -> None:
        return None


async def _opened(pool: Any) -> Any:
    try:
        await pool.open(wait=True, timeout=10)
    except BaseException:
        await pool.close()
        raise
    return pool


_STORES: dict[str, PgStore] = {}
_STORES_LOCK = threading.Lock()


def open_store(dsn: str, *, local_dir: Path | None = None) -> PgStore:
    """One store (one connection pool) per database URL in this process."""
    with _STORES_LOCK:
        store = _STORES.get(dsn)
        if store is None:
            store = _STORES[dsn] = PgStore(dsn, local_dir=local_dir)
        return store
