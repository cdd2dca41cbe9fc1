"""`campaign worker` options: --nice N yields the CPU to the API and the database; bad
options are refused before anything starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_worker_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", "worker", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_worker_lowers_its_own_priority_by_the_given_step() -> None:
    code = "from runner.cli.worker import lower_priority; lower_priority(3); import os; print(os.nice(0))"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert int(done.stdout) == min(19, os.nice(0) + 3)


def test_a_step_outside_0_to_19_is_refused_before_anything_starts() -> None:
    done = run_worker_cli("--state", "postgresql://nobody@127.0.0.1:1/none", "--nice", "20")
    assert done.returncode == 2
    assert "--nice 20: expected 0 to 19" in done.stderr


def test_an_adb_server_that_is_not_host_and_port_is_refused_before_anything_starts(
    tmp_path: Path,
) -> None:
    state = str(tmp_path / "state.db")
    done = run_worker_cli("--state", state, "--root", str(tmp_path), "--adb-server", "localhost")
    assert done.returncode == 2
    assert "--adb-server 'localhost': expected HOST:PORT" in done.stderr
    assert not (tmp_path / "state.db").exists()
