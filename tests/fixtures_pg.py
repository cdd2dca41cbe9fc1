"""A private PostgreSQL cluster for the tests of the hosts backend: started once per session.

Skipped with the reason only when PostgreSQL is not installed (`.ci/run` installs it, so CI
never skips) or when the hosts extra (psycopg, procrastinate) is missing.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import pytest

_COUNT = itertools.count(1)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[object]:
    from runner.hosts import cluster
    from runner.sim.adbhost import free_port

    if cluster.binaries() is None:
        pytest.skip("PostgreSQL is not installed (no initdb): apt-get install postgresql")
    pytest.importorskip("psycopg", reason="the hosts extra is not installed")
    pytest.importorskip("procrastinate", reason="the hosts extra is not installed")
    started = cluster.start(free_port())
    yield started
    started.stop()


@pytest.fixture
def pg_dsn(pg_cluster: object) -> str:
    """A fresh, empty database on the session's cluster: its URL."""
    return pg_cluster.createdb(f"t{next(_COUNT)}")  # type: ignore[attr-defined]


@pytest.fixture
def pg_store(pg_dsn: str) -> Iterator[Any]:
    """A PgStore on a fresh database, with the hosts' tables (a worker's start creates them)."""
    from runner.hosts import tables
    from runner.state.pg import PgStore

    opened = PgStore(pg_dsn, pool_size=2)
    with opened.connection() as raw:
        tables.ensure(raw)
    yield opened
    opened.close()
