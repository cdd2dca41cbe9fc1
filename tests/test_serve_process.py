"""`campaign serve` as a real subprocess: bind policy, start, create over HTTP, file watching, SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml
from fixtures_api import write_inventory

ROOT = Path(__file__).resolve().parent.parent
LISTENING = re.compile(r"listening on (http://(?:127\.0\.0\.1|\[::1\]):\d+)/api/v1")


def serve(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "runner", "serve", *args],
        cwd=cwd,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})},
    )


def base_url(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    seen = []
    assert proc.stdout is not None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
        if match := LISTENING.search(line):
            return match.group(1)
    proc.kill()
    raise AssertionError("serve did not start:\n" + "".join(seen))


def wait_for(check, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.25)
    raise AssertionError("timed out")


def test_serve_refuses_a_non_loopback_bind_without_token(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if k != "CAMPAIGN_API_TOKEN"}
    proc = subprocess.run(
        [sys.executable, "-m", "runner", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == (
        "campaign serve: error: refusing to serve on 0.0.0.0 without a token: anyone who can "
        "reach it could drive the phones (pass --token or set CAMPAIGN_API_TOKEN, or bind to "
        "127.0.0.1)\n"
    )


def test_serve_refuses_a_short_token_on_an_open_bind(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "runner", "serve", "--host", "0.0.0.0", "--port", "0"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CAMPAIGN_API_TOKEN": "a"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "campaign serve: error: refusing to serve on 0.0.0.0 with a 1-character token: off "
        "loopback it must have at least 16 characters"
    )


def test_serve_on_a_busy_port_fails_before_it_applies_anything(tmp_path: Path):
    import socket

    (tmp_path / "workflows").mkdir()
    (tmp_path / "workflows" / "f.yaml").write_text(
        "name: f\nscript_name: follow\nserials: [SIM000001]\n"
        "script_config: {target_users: [alice]}\n"
    )
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "runner", "serve", "--port", str(port)],
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert proc.returncode == 2
    assert proc.stderr.endswith(
        f"campaign serve: error: cannot listen on 127.0.0.1:{port}: Address already in use "
        "(pick another --port)\n"
    )
    assert not (tmp_path / ".campaign" / "state.db").exists()


def test_serve_refuses_a_port_out_of_range_as_usage(tmp_path: Path):
    proc = subprocess.run(
        [sys.executable, "-m", "runner", "serve", "--port", "99999"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.endswith(
        "campaign serve: error: argument --port: a port is 0-65535, got 99999\n"
    )


def test_serve_on_ipv6_loopback(tmp_path: Path, adb_server):
    root = tmp_path / "repo"
    (root / "workflows").mkdir(parents=True)
    proc = serve(root, "--host", "[::1]", "--port", "0", "--state", str(tmp_path / "s.db"))
    try:
        url = base_url(proc)
        assert url.startswith("http://[::1]:")
        assert httpx.get(f"{url}/api/v1/task/stats").json()["code"] == 0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 130


def test_serve_runs_api_and_campaign_files_and_stops_gracefully_on_sigterm(
    tmp_path: Path, sim_fleet
):
    from runner.state import Store

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
    proc = serve(
        root, "--port", "0", "--state", str(tmp_path / "state.db"), "--log-level", "warning"
    )
    try:
        url = base_url(proc)
        with httpx.Client(base_url=url, timeout=30) as client:

            def stats():
                return client.get("/api/v1/task/stats").json()["data"]

            wait_for(lambda: stats()["completed"] == 1)
            created = client.post(
                "/api/v1/task",
                json={
                    "serials": ["SIM000001"],
                    "script_name": "follow",
                    "script_config": {"target_user": "posted"},
                },
            ).json()
            assert created["code"] == 0 and created["data"]["created_count"] == 1
            wait_for(lambda: stats()["completed"] == 2)
            campaign["script_config"]["target_users"] = ["filed", "edited"]
            (root / "workflows" / "follow.yaml").write_text(
                yaml.safe_dump(campaign), encoding="utf-8"
            )
            wait_for(lambda: stats()["completed"] == 3)
            warmup = client.post(
                "/api/v1/task",
                json={
                    "serials": ["SIM000001"],
                    "script_name": "account_warmup",
                    "retry": {"max": 0},
                    "script_config": {"task_duration": 120, "min_duration": 3, "max_duration": 5},
                },
            ).json()
            [warm_id] = warmup["data"]["task_ids"]
            wait_for(lambda: client.get(f"/api/v1/task/{warm_id}").json()["data"]["status"] == 1)
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
        assert time.monotonic() - began < 30, output
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert "campaign serve: stopped" in output
    store = Store(tmp_path / "state.db")
    rows, total = store.list(page_size=100)
    assert total == 4
    by_target = {row.target: row for row in rows if row.script_name == "follow"}
    assert {t: (r.status, r.source) for t, r in by_target.items()} == {
        "filed": (2, "file"),
        "edited": (2, "file"),
        "posted": (2, "api"),
    }
    warm = store.get(warm_id)
    assert warm is not None  # a stopped task is recorded, not left running
    assert (warm.status, warm.failure_class) == (
        0,
        "interrupted",
    )  # re-queued: runs again at the next start
    assert sorted(fleet.ground_truth()["SIM000001"]["user001_1"]["follows"]) == [
        "edited",
        "filed",
        "posted",
    ]


@pytest.mark.parametrize("header, code", [(None, 40301), ("Bearer t0ken", 0)])
def test_serve_with_token_checks_bearer(tmp_path: Path, adb_server, header, code):
    root = tmp_path / "repo"
    (root / "workflows").mkdir(parents=True)
    proc = serve(
        root,
        "--port",
        "0",
        "--token",
        "t0ken",
        "--state",
        str(tmp_path / "s.db"),
        "--log-level",
        "warning",
    )
    try:
        url = base_url(proc)
        headers = {"Authorization": header} if header else {}
        assert httpx.get(f"{url}/api/v1/task/stats", headers=headers).json()["code"] == code
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)
    assert proc.returncode == 130


def test_serve_holds_unknown_phones_tasks_waiting_stops_them_at_once_and_shuts_down_quickly(
    tmp_path: Path, sim_fleet
):
    from runner.state import Store

    fleet = sim_fleet(phones=1, accounts=1)
    root = tmp_path / "repo"
    (root / "workflows").mkdir(parents=True)
    write_inventory(root, fleet)
    campaign = {
        "name": "typo",
        "script_name": "account_warmup",
        "serials": ["SIMTYPO98", "SIMTYPO99"],
        "script_config": {"task_duration": 1, "min_duration": 0.3, "max_duration": 0.5},
    }
    (root / "workflows" / "typo.yaml").write_text(yaml.safe_dump(campaign), encoding="utf-8")
    state = tmp_path / "state.db"
    proc = serve(root, "--port", "0", "--state", str(state), "--log-level", "warning")
    try:
        url = base_url(proc)
        store = Store(state)

        def remarks() -> list[str]:
            return [r.remark for r in store.list(page_size=None)[0]]

        wait_for(lambda: all(r.startswith("waiting for phone SIMTYPO") for r in remarks()))
        with httpx.Client(base_url=url, timeout=30) as client:
            [first, second] = store.list(page_size=None)[0]
            stopped = client.post(f"/api/v1/task/{first.id}/stop").json()
            assert stopped["code"] == 0, stopped
            refused = client.post(
                "/api/v1/task",
                json={
                    "serials": ["device_serial_1"],
                    "script_name": "account_warmup",
                    "script_config": {"task_duration": 1},
                },
            ).json()
        assert refused["code"] == 40001
        assert "no phone device_serial_1 on the adb server(s)" in refused["message"]
        assert (store.get(first.id).status, store.get(first.id).failure_class) == (  # type: ignore[union-attr]
            3,
            "cancelled",
        )
        began = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        output, _ = proc.communicate(timeout=60)
        assert time.monotonic() - began < 20, output  # generous: waiting tasks hold no worker
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output
    assert store.get(second.id).status == 0  # type: ignore[union-attr]
    kinds = [e["kind"] for i in (first.id, second.id) for e in store.events(i)]
    assert "started" not in kinds
