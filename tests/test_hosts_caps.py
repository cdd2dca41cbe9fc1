"""A host's daily-cap check before it claims (runner/hosts/engine.py): the caps `campaign apply`
wrote and their time zone are read with the phone's host in one round trip, and a task whose account reached its
cap today waits for tomorrow with the reason as its remark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_state_store import spec

pytest.importorskip("procrastinate", reason="the hosts extra is not installed")

from runner.hosts import engine, tables  # noqa: E402
from runner.state.pg import PgStore  # noqa: E402


def test_a_task_over_its_accounts_daily_cap_waits_for_tomorrow_with_the_reason(
    pg_dsn: str, tmp_path: Path
) -> None:
    store = PgStore(pg_dsn, local_dir=tmp_path)
    try:
        done, over = store.insert([spec("a"), spec("b", target="bob")])
        store.claim(done, serial="SIM1")
        store.mark_completed(done, result={}, summary="followed alice")
        with store.connection() as raw:
            tables.ensure(raw)
            tables.hold(raw, "rack-1", {"SIM1": "SIM1"})
            raw.execute(
                "INSERT INTO meta (key, value) VALUES ('daily_caps', %s), ('cap_zone', 'UTC')",
                ('{"follow": 1}',),
            )
            where, caps, zone = raw.execute(engine.HOST_AND_CAPS, ("SIM1",)).fetchone()
        host: Any = engine.Host("rack-1", store, None, engine.Settings(), tmp_path)

        assert (where, caps, zone) == ("rack-1", '{"follow": 1}', "UTC")
        assert engine._over_cap(host, store.get(over), caps, zone) is True
        row = store.get(over)
        assert row is not None and row.status == 0 and row.deferred
        assert row.remark.startswith(
            "daily cap reached: 1 of 1 follow tasks for @u1 today; deferred to "
        )
        assert engine._over_cap(host, row, '{"post": 1}', zone) is False  # no cap on follow
    finally:
        store.close()
