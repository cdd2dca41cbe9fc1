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


def test_a_recurring_campaign_enabled_under_serve_is_fired_by_the_child_on_its_next_occurrence(
    tmp_path: Path, sim_fleet: Any
) -> None:
    """The API process applies the edited files (POST /campaigns/apply); the child, which runs
    the scripts, follows that apply and fires the campaign's next occurrence itself (the
    parent's scheduler is never started). Waits for the next minute: cron has minutes only."""
    from datetime import UTC, datetime

    from runner.hosts.testbed import POST
    from runner.state import Store
    from runner.state.rows import TaskStatus

    fleet = sim_fleet(phones=1, accounts=1)
    root = tmp_path / "repo"
    (root / "workflows").mkdir(parents=True)
    write_inventory(root, fleet)
    campaign = {
        "name": "every-minute",
        "script_name": "comment",
        "serials": ["SIM000001"],
        "schedule": "* * * * *",
        "script_config": {"target_post_urls": [POST], "comment_content": "tick"},
        "enabled": False,
    }
    path = root / "workflows" / "tick.yaml"
    path.write_text(yaml.safe_dump(campaign), encoding="utf-8")
    state = tmp_path / "state.db"
    proc = serve(root, "--port", "0", "--state", str(state), "--executor", "child")
    try:
        url = base_url(proc)
        # the child read the files (disabled) and applied them as it started: the API
        # process's apply was the first, the child's the second
        wait_for(lambda: Store(state).applied_generation() == 2)
        path.write_text(yaml.safe_dump({**campaign, "enabled": True}), encoding="utf-8")
        with httpx.Client(base_url=url, timeout=30) as client:
            applied = client.post("/api/v1/campaigns/apply").json()
        assert applied["code"] == 0, applied
        applied_at = datetime.now(UTC)

        def fired_after_apply() -> list[Any]:
            rows = Store(state).list(page_size=None)[0]
            later = [r for r in rows if datetime.fromisoformat(r.occurrence) > applied_at]
            return [r for r in later if r.status == TaskStatus.COMPLETED]

        [fired] = wait_for(fired_after_apply, 150)
    finally:
        proc.terminate()
        proc.wait(60)
        if proc.stdout is not None:
            proc.stdout.close()
    account = fleet.phones[0].spec.accounts[0].username
    comments = fleet.ground_truth()["SIM000001"][account]["comments"]
    done = [r for r in Store(state).list(page_size=None)[0] if r.status == TaskStatus.COMPLETED]
    assert fired in done and len(comments) == len(done)  # one comment per completed occurrence


def test_with_sim_the_child_drives_the_simulated_phones_not_the_inventorys_adb_servers(
    tmp_path: Path,
) -> None:
    """The inventory names an adb server nobody listens on; `serve --sim` simulates its phones
    behind a server of its own, and the child must run the tasks there."""
    from runner.sim.adbhost import free_port

    root = tmp_path / "repo"
    (root / "workflows").mkdir(parents=True)
    inventory = {
        "devices": [{"serial": "CHS000001", "accounts": [{"username": "chs_alice"}]}],
        "adb_servers": [{"host": "127.0.0.1", "port": free_port()}],
    }
    (root / "inventory.yaml").write_text(yaml.safe_dump(inventory), encoding="utf-8")
    state = tmp_path / "state.db"
    proc = serve(root, "--port", "0", "--state", str(state), "--executor", "child", "--sim")
    try:
        url = base_url(proc)
        with httpx.Client(base_url=url, timeout=30) as client:
            created = client.post(
                "/api/v1/task",
                json={
                    "serials": ["CHS000001"],
                    "script_name": "follow",
                    "script_config": {"target_user": "someone"},
                },
            ).json()
            assert created["code"] == 0, created
            wait_for(lambda: client.get("/api/v1/task/stats").json()["data"]["completed"] == 1)
    finally:
        proc.terminate()
        proc.wait(60)
        if proc.stdout is not None:
            proc.stdout.close()
    truth = yaml.safe_load((tmp_path / "sim" / "ground_truth.json").read_text())
    assert truth["CHS000001"]["chs_alice"]["follows"] == ["someone"]
