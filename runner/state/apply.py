"""Writing campaign-file tasks by stable key: new / changed / unchanged / removed.

A spec's content hash decides "changed" without reading every column back, so applying
100,000 specs is one SELECT of (key, hash, status), then executemany in one transaction.
Only pending tasks are ever rewritten or removed: running and finished ones are history.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runner.campaign.model import TaskSpec
from runner.state.rows import PENDING, RUNNING, iso

SPEC_COLUMNS = (
    "key", "spec_hash", "campaign", "occurrence", "serial", "username", "package", "script_name",
    "target", "script_config", "start_time", "timezone", "next_run_at", "retry_max",
    "retry_delay_min", "retry_delay_max", "timeout", "min_interval", "max_interval",
    "random_order", "on_missed", "grace", "source", "origin",
)  # fmt: skip


# one encoder, not one per call: json.dumps with options builds a new encoder every time
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class ApplyDiff:
    """What applying did (or, from `diff`, would do), as lists of task keys.

    ``retired``: running tasks of a campaign that left the files (or was disabled): they
    finish, but are never queued again. ``reasons``: campaign name -> why its tasks go."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)
    reasons: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.new or self.changed or self.removed)

    def summary(self) -> str:
        return (
            f"{len(self.new)} new, {len(self.changed)} changed, "
            f"{len(self.unchanged)} unchanged, {len(self.removed)} removed"
        )


def spec_values(spec: TaskSpec, *, key: str | None) -> tuple[object, ...]:
    """One row's values in SPEC_COLUMNS order (``key`` None for API tasks)."""
    config = _ENCODER.encode(spec.script_config)
    start = iso(spec.start_time)
    values = (
        spec.campaign, spec.occurrence, spec.serial, spec.username, spec.package, spec.script_name,
        spec.target, config, start, spec.timezone, start, spec.retry.max, spec.retry.delay_min,
        spec.retry.delay_max, spec.timeout, spec.min_interval, spec.max_interval,
        int(spec.random_order), spec.on_missed, spec.grace, spec.source,
        str(spec.origin) if spec.origin else None,
    )  # fmt: skip
    digest = hashlib.blake2b("\x1f".join(map(str, values[:-1])).encode(), digest_size=8).hexdigest()
    return (key, digest, *values)


@dataclass
class _Work:
    diff: ApplyDiff
    inserts: list[tuple[object, ...]]
    updates: list[tuple[object, ...]]
    removed: list[tuple[int, str]]  # (task id, why)
    retired: list[tuple[int, str]]


SERIAL = SPEC_COLUMNS.index("serial")


def plan_apply(
    conn: sqlite3.Connection,
    specs: Iterable[TaskSpec],
    campaigns: Iterable[str],
    gone: Mapping[str, str] | None = None,
    identity: Callable[[str], str] | None = None,
) -> _Work:
    """Compare specs with the file's tasks; pure reading, so `diff` and `apply` share it
    (`Comparison` holds the rules)."""
    comparison = Comparison(existing_tasks(conn), campaigns, gone, identity)
    for spec in specs:
        comparison.add(spec)
    return comparison.finish()


def existing_tasks(conn: sqlite3.Connection) -> dict[str, tuple[Any, ...]]:
    """The file's tasks by key: (id, spec_hash, status, campaign, occurrence, serial, retired)."""
    return {
        row[0]: row[1:]
        for row in conn.execute(
            "SELECT key, id, spec_hash, status, campaign, occurrence, serial, retired FROM tasks "
            "WHERE key IS NOT NULL"
        )
    }


class Comparison:
    """Specs compared one by one with the file's tasks (read before, as ``existing``), so the
    specs can be made and used elsewhere as they are compared: `plan` writes each task out
    while the diff is found, and never holds them.

    ``campaigns``: the campaigns whose pending tasks follow the specs. ``gone``: campaigns that
    left the files or were disabled, with the reason: every pending task of theirs goes, running
    ones are retired. ``identity`` maps a spec's serial to the phone's one identity before it is
    written; the content hash is of the spec as written in the files, so `plan` (no phones)
    and `run` agree on what changed. ``keep_rows`` False (a diff only, nothing to write) keeps
    no row values: `plan` compares 100,000 specs without holding their encoded configs."""

    def __init__(
        self,
        existing: dict[str, tuple[Any, ...]],
        campaigns: Iterable[str],
        gone: Mapping[str, str] | None = None,
        identity: Callable[[str], str] | None = None,
        *,
        keep_rows: bool = True,
    ) -> None:
        self.existing, self.campaigns, self.gone = existing, set(campaigns), dict(gone or {})
        self.identity, self.keep_rows = identity, keep_rows
        self.diff = ApplyDiff()
        self.inserts: list[tuple[object, ...]] = []
        self.updates: list[tuple[object, ...]] = []
        self.seen: set[str] = set()
        self.occurrences: dict[str, set[str]] = {}

    def add(self, spec: TaskSpec) -> None:
        key, identity, diff = spec.key, self.identity, self.diff
        self.seen.add(key)
        occurrences = self.occurrences.get(spec.campaign)
        if occurrences is None:
            occurrences = self.occurrences[spec.campaign] = set()
        occurrences.add(spec.occurrence)
        old = self.existing.get(key)
        if not self.keep_rows and (old is None or old[2] != PENDING):
            # a diff only: new, or history whatever its content (the hash is not needed)
            (diff.new if old is None else diff.unchanged).append(key)
            return
        values = spec_values(spec, key=key)
        if identity is not None and spec.serial:
            values = (*values[:SERIAL], identity(spec.serial), *values[SERIAL + 1 :])
        moved = identity is not None and old is not None and old[5] != values[SERIAL]
        if old is None:
            diff.new.append(key)
            self.inserts.append(values)
        elif (old[1] != values[1] or moved) and old[2] == PENDING:
            diff.changed.append(key)
            if self.keep_rows:
                self.updates.append((*values[1:], old[0]))
        else:
            diff.unchanged.append(key)

    def passing(self, specs: Iterable[TaskSpec]) -> Iterator[TaskSpec]:
        """The specs, passed on, each compared as it goes by."""
        for spec in specs:
            self.add(spec)
            yield spec

    def finish(self) -> _Work:
        """The comparison of every spec added (and the removals that follow from them)."""
        removed, retired = _removals(
            self.existing, self.seen, self.campaigns, self.gone, self.occurrences, self.diff
        )
        return _Work(self.diff, self.inserts, self.updates, removed, retired)


def _removals(
    existing: dict[str, tuple[Any, ...]],
    seen: set[str],
    campaigns: set[str],
    gone: dict[str, str],
    occurrences: dict[str, set[str]],
    diff: ApplyDiff,
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """Pending tasks no longer produced by the files, and running ones of campaigns that left.

    A recurring campaign's other occurrences are left alone while it is in the files: each
    fire time owns its tasks. A campaign that left (or was disabled) loses all of them."""
    removed: list[tuple[int, str]] = []
    retired: list[tuple[int, str]] = []
    for key, (
        task_id,
        _hash,
        status,
        campaign,
        occurrence,
        _serial,
        was_retired,
    ) in existing.items():
        if campaign in gone:
            if status in (PENDING, RUNNING) and not was_retired:
                diff.reasons[campaign] = gone[campaign]
            if status == PENDING:
                diff.removed.append(key)
                removed.append((task_id, gone[campaign]))
            elif status == RUNNING and not was_retired:
                diff.retired.append(key)
                retired.append((task_id, gone[campaign]))
            continue
        if key in seen or status != PENDING or campaign not in campaigns:
            continue
        if occurrence != "once" and occurrence not in occurrences.get(campaign, set()):
            continue
        diff.removed.append(key)
        removed.append((task_id, f"campaign {campaign} no longer produces this task"))
    return removed, retired


def write_apply(conn: sqlite3.Connection, work: _Work, now: str) -> None:
    """Execute a planned apply inside the caller's transaction, with event rows."""
    cols = ", ".join(SPEC_COLUMNS)
    marks = ", ".join("?" for _ in SPEC_COLUMNS)
    conn.executemany(
        f"INSERT INTO tasks ({cols}, created_at, updated_at) VALUES ({marks}, ?, ?)",
        [(*v, now, now) for v in work.inserts],
    )
    sets = ", ".join(f"{c} = ?" for c in SPEC_COLUMNS[1:])
    conn.executemany(
        f"UPDATE tasks SET {sets}, deferred = 0, updated_at = '{now}' WHERE id = ?",
        work.updates,
    )
    ids = [u[-1] for u in work.updates]
    conn.executemany(
        "INSERT INTO events (task_id, at, kind, from_status, to_status, message) VALUES (?, ?, 'changed', 0, 0, ?)",
        [(i, now, "campaign file changed") for i in ids],
    )
    conn.executemany(
        "INSERT INTO events (task_id, at, kind, from_status, to_status, message) VALUES (?, ?, 'removed', 0, NULL, ?)",
        [(i, now, why) for i, why in work.removed],
    )
    conn.executemany("DELETE FROM tasks WHERE id = ?", [(i,) for i, _ in work.removed])
    conn.executemany(
        f"UPDATE tasks SET retired = ?, updated_at = '{now}' WHERE id = ? AND status = 1",
        [(why, i) for i, why in work.retired],
    )
    conn.executemany(
        "INSERT INTO events (task_id, at, kind, from_status, to_status, message) VALUES (?, ?, 'retired', 1, 1, ?)",
        [(i, now, f"{why}: finishes, never queued again") for i, why in work.retired],
    )
    _created_events(conn, len(work.inserts), now)


def _created_events(conn: sqlite3.Connection, count: int, now: str) -> None:
    """One 'created' event per new row: the last `count` ids are this transaction's."""
    if count:
        conn.execute(
            "INSERT INTO events (task_id, at, kind, from_status, to_status, message) "
            "SELECT id, ?, 'created', NULL, 0, 'created from ' || source FROM tasks ORDER BY id DESC LIMIT ?",
            (now, count),
        )


def insert_specs(conn: sqlite3.Connection, specs: Sequence[TaskSpec], now: str) -> list[int]:
    """The API door: always new rows (no key), ids in spec order."""
    cols = ", ".join(SPEC_COLUMNS)
    marks = ", ".join("?" for _ in SPEC_COLUMNS)
    ids = []
    for spec in specs:
        cur = conn.execute(
            f"INSERT INTO tasks ({cols}, created_at, updated_at) VALUES ({marks}, ?, ?)",
            (*spec_values(spec, key=None), now, now),
        )
        ids.append(int(cur.lastrowid or 0))
    _created_events(conn, len(ids), now)
    return ids
