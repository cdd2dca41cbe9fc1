"""The state file's schema as a list of migrations; ``PRAGMA user_version`` counts applied ones.

Never edit a released migration: append a new one. Times are UTC ISO strings with
microseconds (``2026-01-01T09:00:00.000000+00:00``) so they compare correctly as text.
"""

from __future__ import annotations

_V1 = [
    """CREATE TABLE tasks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT UNIQUE,
        spec_hash TEXT,
        campaign TEXT,
        occurrence TEXT,
        serial TEXT,
        username TEXT,
        package TEXT,
        script_name TEXT NOT NULL,
        target TEXT,
        script_config TEXT NOT NULL,
        status INTEGER NOT NULL DEFAULT 0,
        failure_class TEXT,
        remark TEXT NOT NULL DEFAULT '',
        result TEXT,
        start_time TEXT,
        timezone TEXT NOT NULL DEFAULT 'UTC',
        next_run_at TEXT,
        started_at TEXT,
        ended_at TEXT,
        retry_count INTEGER NOT NULL DEFAULT 0,
        retry_max INTEGER NOT NULL DEFAULT 3,
        retry_delay_min REAL NOT NULL DEFAULT 5,
        retry_delay_max REAL NOT NULL DEFAULT 60,
        timeout REAL,
        min_interval REAL NOT NULL DEFAULT 0,
        max_interval REAL NOT NULL DEFAULT 0,
        random_order INTEGER NOT NULL DEFAULT 0,
        on_missed TEXT NOT NULL DEFAULT 'run',
        grace REAL,
        source TEXT NOT NULL DEFAULT 'file',
        origin TEXT,
        stop_requested INTEGER NOT NULL DEFAULT 0,
        deferred INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    "CREATE INDEX tasks_due ON tasks (status, next_run_at)",
    """CREATE TABLE attempts (
        task_id INTEGER NOT NULL,
        n INTEGER NOT NULL,
        serial TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        outcome TEXT,
        failure_class TEXT,
        message TEXT,
        PRIMARY KEY (task_id, n)
    )""",
    """CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        task_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        kind TEXT NOT NULL,
        from_status INTEGER,
        to_status INTEGER,
        message TEXT NOT NULL DEFAULT ''
    )""",
    "CREATE INDEX events_task ON events (task_id)",
    """CREATE TABLE lock (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        pid INTEGER NOT NULL,
        host TEXT NOT NULL,
        token TEXT NOT NULL,
        started TEXT NOT NULL
    )""",
]

# v2: at most once, and the file's identity.
# - commit_marks: a script that publishes (comment, post) writes its mark, committed, right
#   before the tap that cannot be undone; an interrupted attempt finds it and checks the phone
#   for the effect before doing it again. One row per task (the latest attempt's mark).
# - meta.db_id: a random id given when the file is created; the lock's sidecar file records it
#   (with the inode) so a deleted, emptied or replaced state file is noticed, never re-created.
_V2 = [
    """CREATE TABLE commit_marks (
        task_id INTEGER PRIMARY KEY,
        attempt INTEGER NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL,
        marked_at TEXT NOT NULL
    )""",
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "INSERT INTO meta (key, value) VALUES ('db_id', lower(hex(randomblob(16))))",
]
# retired: why a running task of a campaign that left the files (or was disabled) must not be
# queued again when it ends (NULL: an ordinary task)
_V3 = ["ALTER TABLE tasks ADD COLUMN retired TEXT"]

# v4: the phones the pool of this runner has seen (run, serve, worker): one row per adb serial
# with the hardware serial it answered (ro.serialno), first and last time it came online. Lets
# `validate`/`plan` warn about a serial no phone ever had without an adb server at hand.
_V4 = [
    """CREATE TABLE seen_phones (
        adb_serial TEXT PRIMARY KEY,
        hw_serial TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL
    )""",
    "CREATE INDEX seen_phones_hw ON seen_phones (hw_serial)",
]

MIGRATIONS: list[list[str]] = [_V1, _V2, _V3, _V4]
