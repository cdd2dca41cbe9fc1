"""`serve --executor child`: the API's process runs no script; a `campaign worker` child does,
on the same state file, and stops with it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import yaml
from test_serve_process import base_url, serve, wait_for, write_inventory


def _children(pid: int) -> list[str]:
    """Command lines of the processes whose parent is ``pid``."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if f"\nPPid:\t{pid}\n" in status:
            out.append(cmdline)
    return out


def test_the_api_process_runs_no_script_and_its_child_runs_the_tasks(
    tmp_path: Path, sim_fleet: Any
) -> None:
    fleet = sim_fleet(phones=1, accounts=1)
    root = tmp_path / "repo"
    (root / "workflows").mkdir(parents=True)
    write_inventory(root, fleet)
    campaign = {
        "name": "from-file",
        "script_name": "follow",
        "serials": ["SIM000001"],
        "script_config": {"target_users": ["filed"]},
    }
    (root / "workflows" / "follow.yaml").write_text(yaml.safe_dump(campaign), encoding="utf-8")
    state = tmp_path / "state.db"
    proc = serve(root, "--port", "0", "--state", str(state), "--executor", "child")
    try:
        url = base_url(proc)
        [child] = [c for c in _children(proc.pid) if " worker " in c]
        assert f"--state {state}" in child
        with httpx.Client(base_url=url, timeout=30) as client:
            created = client.post(
                "/api/v1/task",
                json={
                    "serials": ["SIM000001"],
                    "script_name": "follow",
                    "script_config": {"target_user": "posted"},
                },
            ).json()
            assert created["code"] == 0, created
            wait_for(lambda: client.get("/api/v1/task/stats").json()["data"]["completed"] == 2)
        follows = fleet.ground_truth()["SIM000001"][fleet.phones[0].spec.accounts[0].username]
        assert sorted(follows["follows"]) == ["filed", "posted"]
    finally:
        proc.terminate()
        proc.wait(60)
        if proc.stdout is not None:
            proc.stdout.close()
    assert _children(proc.pid) == []
