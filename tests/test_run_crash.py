"""kill -9 of a real `campaign run` mid-run, then a restart: nothing lost, nothing run twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from runner.state import Store

CAMPAIGN = """\
name: crash-warmup-{n}
script_name: account_warmup
serials: [{serials}]
script_config:
  task_duration: 3
  min_duration: 1
  max_duration: 1.5
retry: {{max: 2, delay_min: 0.1, delay_max: 0.2}}
timeout: 60
"""


def write_inventory(root: Path, fleet: Any) -> None:
    """inventory.yaml listing the fleet's phones and their accounts."""
    lines = ["devices:"]
    for phone in fleet.phones:
        lines += [f"  - serial: {phone.serial}", "    accounts:"]
        lines += [
            f"      - {{username: {a.username}, package: {a.package}}}" for a in phone.spec.accounts
        ]
    (root / "inventory.yaml").write_text("\n".join(lines) + "\n")


def write_repo(root: Path, fleet: Any) -> None:
    write_inventory(root, fleet)
    (root / "workflows").mkdir()
    serials = ", ".join(p.serial for p in fleet.phones)
    for n in (1, 2):  # two campaigns: two tasks queued per phone
        (root / "workflows" / f"warmup{n}.yaml").write_text(CAMPAIGN.format(n=n, serials=serials))


def start_run(root: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "runner", "run", "--state", str(root / "state.db")],
            cwd=root,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )


def wait_for(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_kill_9_mid_run_then_restart_runs_every_task_exactly_once(
    tmp_path: Path, sim_fleet: Callable[..., Any]
) -> None:
    fleet = sim_fleet(phones=2, accounts=2)
    write_repo(tmp_path, fleet)
    log = tmp_path / "run.log"
    first = start_run(tmp_path, log)
    try:
        wait_for((tmp_path / "state.db").exists, 30)
        store = Store(tmp_path / "state.db")
        wait_for(
            lambda: store.stats()["completed"] >= 1 and store.stats()["running"] >= 1,
            60,
        )
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        print(log.read_text())
    at_kill = {r.id: r.status for r in store.list(page_size=None)[0]}
    interrupted = [i for i, s in at_kill.items() if s == 1]
    done_before = [i for i, s in at_kill.items() if s == 2]
    assert interrupted and done_before and store.lock_holder().pid == first.pid  # type: ignore[union-attr]

    second = start_run(tmp_path, log)
    try:
        assert second.wait(120) == 0, log.read_text()
    finally:
        second.kill()
        second.wait()
    output = log.read_text()
    assert f"the previous runner (pid {first.pid}" in output and "taking over its state" in output

    rows = store.list(page_size=None)[0]
    assert [r.status for r in rows] == [2, 2, 2, 2]
    for row in rows:
        outcomes = [a["outcome"] for a in store.attempts(row.id)]
        if row.id in done_before:
            assert outcomes == ["completed"]
        elif row.id in interrupted:
            assert outcomes == ["interrupted", "completed"]
        else:
            assert outcomes == ["completed"]
    truth = fleet.ground_truth()
    for phone in fleet.phones:  # device mode: the warm-ups ran on the account the phone showed
        assert truth[phone.serial][phone.spec.accounts[0].username]["watched"], phone.serial


def test_sigterm_requeues_running_tasks_and_releases_the_lock(
    tmp_path: Path, sim_fleet: Callable[..., Any]
) -> None:
    fleet = sim_fleet(phones=2, accounts=1)
    write_repo(tmp_path, fleet)
    log = tmp_path / "run.log"
    proc = start_run(tmp_path, log)
    try:
        wait_for((tmp_path / "state.db").exists, 30)
        store = Store(tmp_path / "state.db")
        wait_for(lambda: store.stats()["running"] == 2, 60)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 130, log.read_text()
    finally:
        proc.kill()
        proc.wait()
    assert store.lock_holder() is None
    assert store.stats() == {
        "total": 4,
        "pending": 4,
        "running": 0,
        "completed": 0,
        "failed": 0,
    }
    interrupted = [a for a in store.attempts() if a["outcome"] == "interrupted"]
    assert [(a["n"], a["failure_class"]) for a in interrupted] == [
        (1, "interrupted"),
        (1, "interrupted"),
    ]
    assert [r.retry_count for r in store.list(page_size=None)[0]] == [0, 0, 0, 0]
