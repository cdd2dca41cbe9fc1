"""`campaign worker --nice N`: the scripts' process yields the CPU to the API and the database."""

from __future__ import annotations

import os
import subprocess
import sys


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
