"""`campaign run` and `campaign worker` never share a PostgreSQL state.

A run executes tasks in its own process, outside procrastinate: a worker's janitor would take
its running tasks for a dead host's, and the run's start-up recovery the workers' tasks for its
own leftovers. So a run is refused while workers heartbeat (exit 2, naming them), a worker
while a run does (exit 2), and a second run like a second runner on one state file (exit 1).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.hosts import testbed
from runner.hosts.testbed import wait_for

SERIAL = "P000001"


@pytest.fixture
def store(pg_dsn: str) -> Iterator[Any]:
    from runner.state.pg import PgStore

    opened = PgStore(pg_dsn, pool_size=2)
    yield opened
    opened.close()


def repo(root: Path, *, enabled: bool = True) -> Path:
    """One warm-up campaign for a phone no test attaches (the run stops before any phone)."""
    testbed.write_inventory(root, [SERIAL])
    (root / "workflows" / "c.yaml").write_text(
        f"name: warm\nscript_name: account_warmup\nscript_config: {{task_duration: 1}}\n"
        f"serials: [{SERIAL}]\nenabled: {str(enabled).lower()}\n",
        encoding="utf-8",
    )
    return root


def campaign(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_run_is_refused_while_a_worker_heartbeats_and_runs_once_the_worker_stopped(
    store: Any, pg_dsn: str, adb_server: int, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-m", "runner", "worker", "--state", pg_dsn, "--host-id", "rack-1"]
            + ["--heartbeat", "1", "--stall", "5"],
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        assert wait_for(lambda: b"campaign worker: host rack-1" in log.read_bytes(), 60), (
            log.read_text()
        )
        root = repo(tmp_path / "repo")
        refused = campaign(root, "run", "--state", pg_dsn)

        assert refused.returncode == 2, refused.stderr
        assert f"worker rack-1 on {socket.gethostname()} pid {worker.pid} (last heartbeat" in (
            refused.stderr
        )
        assert "`campaign apply --state URL`" in refused.stderr
        assert store.list(page_size=None)[0] == []  # refused before the files were applied

        worker.send_signal(signal.SIGTERM)
        assert worker.wait(60) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(10)
    # a worker that stopped cleanly says so: the run need not wait for its stall limit
    repo(root, enabled=False)
    ran = campaign(root, "run", "--state", pg_dsn)
    assert ran.returncode == 0, ran.stderr


def test_a_worker_refuses_to_start_while_a_run_holds_the_database(
    store: Any, pg_dsn: str, adb_server: int, tmp_path: Path
) -> None:
    from runner.hosts import runmark

    with runmark.held(store):
        refused = campaign(tmp_path, "worker", "--state", pg_dsn, "--host-id", "rack-1")

    assert refused.returncode == 2, refused.stderr
    assert f"campaign run on {socket.gethostname()} pid {os.getpid()} (last heartbeat" in (
        refused.stderr
    )
    assert "a worker beside it would take that run's running tasks" in refused.stderr
    with store.connection() as raw:  # the worker wrote nothing; the run's mark says it ended
        rows = raw.execute("SELECT host_id, kind, stopped_at IS NOT NULL FROM hosts").fetchall()
    assert rows == [(runmark.mark_id(), "run", True)]


def test_a_second_run_is_refused_as_on_a_state_file_and_force_unlock_takes_the_database(
    store: Any, pg_dsn: str, adb_server: int, tmp_path: Path
) -> None:
    from runner.hosts import runmark

    root = repo(tmp_path, enabled=False)
    with runmark.held(store):
        second = campaign(root, "run", "--state", pg_dsn)
        forced = campaign(root, "run", "--state", pg_dsn, "--force-unlock")

    assert second.returncode == 1, second.stderr
    assert f"is locked by pid {os.getpid()} on {socket.gethostname()}" in second.stderr
    assert "--force-unlock" in second.stderr
    assert forced.returncode == 0, forced.stderr
