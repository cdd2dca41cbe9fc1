"""Failure artifacts in the shared database, so `serve` on any machine can serve them.

A failed attempt leaves its artifacts (the UI dump, a screenshot, the step log:
runner/scripts/artifacts.py) in the task's folder on the host that ran it. With a PostgreSQL
state the worker then copies that folder into ``artifacts`` (one row per file, the last failed
attempt's), and the API's artifact endpoints read them from there (runner/api/extras.py).
Bounded, as a database is no file store: ``ARTIFACT_BYTES`` per artifact and
``TASK_ARTIFACT_BYTES`` per task (runner/campaign/limits.py, docs/limits.md); a file past them
stays only on its host's disk (the worker logs which).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

log = logging.getLogger("runner.hosts")
DDL = """CREATE TABLE IF NOT EXISTS artifacts (
    task_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BYTEA NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (task_id, name)
)"""


def keep(store: Any, task_id: int, folder: Path) -> list[str]:
    """The task's artifact files, copied into the database in place of the ones kept before
    (smallest first, so the step log and the dump fit before a screenshot); returns the names
    kept (relative, '/'-separated). Symlinks are never followed."""
    from runner.campaign.limits import env_name, limits

    each, per_task = limits().artifact_bytes, limits().task_artifact_bytes
    rows: list[tuple[int, str, int, bytes]] = []
    total = 0
    for size, name, path in sorted((p.stat().st_size, n, p) for n, p in _files(folder)):
        if size > each or total + size > per_task:
            log.warning(
                "task %s: artifact %s (%d bytes) stays on this host only: over %d bytes per "
                "artifact or %d per task (%s, %s)",
                task_id, name, size, each, per_task,
                env_name("artifact_bytes"), env_name("task_artifact_bytes"),
            )  # fmt: skip
            continue
        rows.append((task_id, name, size, path.read_bytes()))
        total += size
    with store.connection() as raw, raw.transaction():
        raw.execute("DELETE FROM artifacts WHERE task_id = %s", (task_id,))
        with raw.cursor() as cur:
            cur.executemany(
                "INSERT INTO artifacts (task_id, name, size, data) VALUES (%s, %s, %s, %s)", rows
            )
    return sorted(r[1] for r in rows)


def listing(store: Any, task_id: int) -> list[tuple[str, int]]:
    """(name, size) of the task's artifacts in the database, by name."""
    with store.connection() as raw:
        rows = raw.execute(
            "SELECT name, size FROM artifacts WHERE task_id = %s ORDER BY name", (task_id,)
        ).fetchall()
    return [(str(name), int(size)) for name, size in rows]


def read(store: Any, task_id: int, name: str) -> bytes | None:
    with store.connection() as raw:
        row = raw.execute(
            "SELECT data FROM artifacts WHERE task_id = %s AND name = %s", (task_id, name)
        ).fetchone()
    return bytes(row[0]) if row else None


def _files(folder: Path) -> list[tuple[str, Path]]:
    """Regular files under ``folder``, never through a symlink, by relative name."""
    if not folder.is_dir() or folder.is_symlink():
        return []
    found = []
    for base, _dirs, names in os.walk(folder, followlinks=False):
        for name in names:
            path = Path(base) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(folder).as_posix(), path))
    return found
