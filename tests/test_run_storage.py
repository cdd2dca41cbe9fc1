"""`campaign run` when the state file fails under it: stop, one message, exit 3, recover next.

The faults are real and local to the runner's process:
- disk full: ``prlimit`` lowers the running runner's RLIMIT_FSIZE to 1 byte, so every write
  that grows a file fails as on a full disk (SQLite answers SQLITE_FULL for a short write,
  a disk I/O error for one past the limit); nothing else on the machine is touched;
- read-only: the state file is chmod 444 and the runner runs without CAP_DAC_OVERRIDE
  (``setpriv``), since root ignores file modes;
- deleted: ``unlink`` of the state file, as `rm` would.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from test_at_most_once import assert_each_published_once, write_repo
from test_run_crash import wait_for

from runner.state import Store

# root ignores file modes: drop the capabilities that let it, so chmod 444 means read-only
AS_USER = (
    ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"] if os.geteuid() == 0 else []
)


def start(root: Path, prefix: list[str] | None = None) -> subprocess.Popen[str]:
    """`campaign run` with its output on pipes (a full disk must not eat the message)."""
    return subprocess.Popen(
        [*(prefix or []), sys.executable, "-m", "runner", "run", "--state", str(root / "state.db")],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def stop_after_some_tasks(root: Path, fault: Callable[[subprocess.Popen[str]], None], **kw: Any):  # type: ignore[no-untyped-def]
    """Run until 3 tasks completed, apply ``fault``, return (exit code, stdout, stderr, store)."""
    proc = start(root, **kw)
    try:
        wait_for((root / "state.db").exists, 30)
        store = Store(root / "state.db")
        wait_for(lambda: store.stats()["completed"] >= 3 or proc.poll() is not None, 60)
        fault(proc)
        out, err = proc.communicate(timeout=90)
    finally:
        proc.kill()
        proc.wait()
    return proc.returncode, out, err, store


def finish(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner", "run", "--state", str(root / "state.db")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def one_error(err: str) -> str:
    """The runner's stderr holds one error line and no traceback."""
    lines = [line for line in err.splitlines() if "error" in line.lower()]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_full_disk_stops_the_run_with_one_message_and_the_next_run_recovers(
    tmp_path: Path, sim_fleet: Callable[..., Any]
) -> None:
    fleet = sim_fleet(phones=2, accounts=1)
    tasks = write_repo(tmp_path, fleet)

    def fill_the_disk(proc: subprocess.Popen[str]) -> None:
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (1, 1))

    code, _, err, store = stop_after_some_tasks(tmp_path, fill_the_disk)
    line = one_error(err)
    assert code == 3, err
    assert line.startswith("campaign run: error: ") and "the runner stopped dispatching" in line
    assert "the disk is full" in line or "the disk refused a write" in line
    assert "the next run recovers the tasks that were running" in line
    assert store.stats()["completed"] < tasks

    again = finish(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert store.stats()["completed"] == tasks
    assert_each_published_once(fleet, tasks)


def test_read_only_state_file_stops_the_run_and_the_next_run_recovers(
    tmp_path: Path, sim_fleet: Callable[..., Any]
) -> None:
    fleet = sim_fleet(phones=2, accounts=1)
    tasks = write_repo(tmp_path, fleet)
    state = tmp_path / "state.db"

    def make_read_only(proc: subprocess.Popen[str]) -> None:
        state.chmod(0o444)

    code, _, err, store = stop_after_some_tasks(tmp_path, make_read_only, prefix=AS_USER)
    line = one_error(err)
    assert code == 3 and "the state file is read-only" in line, err
    assert "make it writable" in line

    state.chmod(0o644)
    again = finish(tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
    assert store.stats() == {
        "total": tasks,
        "pending": 0,
        "running": 0,
        "completed": tasks,
        "failed": 0,
    }
    assert_each_published_once(fleet, tasks)


def test_deleted_state_file_stops_the_run_and_is_never_re_created(
    tmp_path: Path, sim_fleet: Callable[..., Any]
) -> None:
    fleet = sim_fleet(phones=2, accounts=1)
    write_repo(tmp_path, fleet)
    state = tmp_path / "state.db"

    def delete(proc: subprocess.Popen[str]) -> None:
        state.unlink()

    code, _, err, _ = stop_after_some_tasks(tmp_path, delete)
    line = one_error(err)
    assert code == 3 and not state.exists(), err
    assert "was deleted or" in line or "cannot be opened" in line

    again = finish(tmp_path)
    assert again.returncode == 1 and not state.exists()
    assert "the state file is missing, but pid" in one_error(again.stderr)
    assert f"delete {tmp_path / 'state.db.lock'}" in again.stderr


def test_serve_stops_with_one_message_when_its_state_file_is_deleted(
    tmp_path: Path, adb_server: int
) -> None:
    from test_serve_process import base_url, serve

    root = tmp_path / "repo"
    (root / "workflows").mkdir(parents=True)
    state = tmp_path / "s.db"
    proc = serve(root, "--port", "0", "--state", str(state))
    try:
        base_url(proc)
        state.unlink()
        out, _ = proc.communicate(timeout=60)
    finally:
        proc.kill()
        proc.wait()
    assert proc.returncode == 3, out
    assert "campaign serve: error: " in out and "the state file was deleted or moved" in out
    assert "Traceback" not in out and not state.exists()
