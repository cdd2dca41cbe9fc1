"""Recurring campaigns and missed starts on PostgreSQL, where no `run`/`serve` process keeps a
scheduler: `campaign apply` stores a recurring campaign once and the dispatcher (the control
queue's job, one run per tick) fires its later occurrences and marks late starts missed, with
the same ``on_missed``/``grace`` as the SQLite runner. The dispatcher's steps are called here
with chosen clock times, on a real database, instead of waiting for the clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runner.hosts import testbed

SERIAL = "P000001"


@pytest.fixture
def store(pg_store: Any) -> Any:
    return pg_store


def apply(root: Path, dsn: str, text: str) -> None:
    testbed.write_inventory(root, [SERIAL])
    (root / "workflows" / "c.yaml").write_text(
        "script_name: account_warmup\nscript_config: {task_duration: 1}\n"
        f"serials: [{SERIAL}]\ntimezone: UTC\n{text}",
        encoding="utf-8",
    )
    testbed.campaign("apply", "--state", dsn, cwd=root, env=dict(os.environ))


def rows(store: Any) -> list[tuple[str, int, str | None]]:
    listed = store.list(page_size=None)[0]
    return sorted((r.occurrence, r.status, r.failure_class) for r in listed)


def test_a_recurring_campaign_applied_once_keeps_firing_its_later_occurrences(
    store: Any, pg_dsn: str, tmp_path: Path
) -> None:
    from runner.hosts import recurring

    apply(
        tmp_path,
        pg_dsn,
        "name: every-10-min\nschedule: '*/10 * * * *'\non_missed: run\ngrace: 30\n",
    )
    [(first, _, _)] = rows(store)  # the current occurrence (missed if over 30 s ago)
    o0 = datetime.fromisoformat(first)
    assert o0.minute % 10 == 0

    o1 = o0 + timedelta(minutes=10)
    assert recurring.fire(store, o1 + timedelta(seconds=5), skip_grace=60) == ["every-10-min"]
    assert recurring.fire(store, o1 + timedelta(seconds=6), skip_grace=60) == []  # fired once
    # two occurrences pass unseen: they coalesce into the latest, 45 s late (grace 30): missed
    o3 = o0 + timedelta(minutes=30)
    assert recurring.fire(store, o3 + timedelta(seconds=45), skip_grace=60) == ["every-10-min"]

    assert rows(store)[1:] == [
        (o1.isoformat(), 0, None),
        (o3.isoformat(), 3, "missed"),
    ]


def test_the_dispatcher_marks_a_start_missed_past_its_grace_instead_of_deferring_it(
    store: Any, pg_dsn: str, tmp_path: Path
) -> None:
    from runner.hosts import engine

    start = (datetime.now(UTC) + timedelta(minutes=5)).replace(microsecond=0)
    apply(tmp_path, pg_dsn, f"name: later\nstart_time: '{start.isoformat()}'\ngrace: 30\n")
    [(_, status, _)] = rows(store)
    assert status == 0

    assert engine._due(store, int((start + timedelta(seconds=10)).timestamp())) != []
    assert engine._due(store, int((start + timedelta(seconds=31)).timestamp())) == []
    [(_, status, failure)] = rows(store)
    assert (status, failure) == (3, "missed")
