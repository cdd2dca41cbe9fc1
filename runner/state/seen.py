"""The phones a state has seen, read without opening the Store: `validate` and `plan` only look.

Opening a Store migrates (creates tables, writes the schema version) and checks the lock; a
check of the files must never write or create anything, and must stay fast. So the SQLite file
is opened read-only (``mode=ro``) and PostgreSQL in a read-only transaction. A state that
cannot answer (no such file, an older schema without ``seen_phones``, a database that is down)
has nothing to say: the caller then says nothing either.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from urllib.parse import quote

QUERY = "SELECT adb_serial, hw_serial FROM seen_phones"


def seen_serials(location: Path | str) -> frozenset[str] | None:
    """Every adb and hardware serial the pool of a runner on this state has seen; None when
    the state does not exist, predates the record, or has seen no phone yet."""
    rows = _pg_rows(location) if isinstance(location, str) else _sqlite_rows(location)
    if not rows:
        return None
    return frozenset(serial for row in rows for serial in row if serial)


def _sqlite_rows(path: Path) -> list[tuple[str, str]] | None:
    if not path.is_file():
        return None
    try:
        conn = sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True, timeout=2)
    except sqlite3.Error:
        return None
    try:
        return [(str(a), str(h)) for a, h in conn.execute(QUERY)]
    except sqlite3.Error:  # no seen_phones table yet, a busy or broken file
        return None
    finally:
        conn.close()


def _pg_rows(dsn: str) -> list[tuple[str, str]] | None:
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(dsn, connect_timeout=3) as conn:
            conn.read_only = True
            return [(str(a), str(h)) for a, h in conn.execute(QUERY)]
    except psycopg.Error:
        return None
