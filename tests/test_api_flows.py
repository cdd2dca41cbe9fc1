"""Every documented client flow against a real server with simulated phones behind the real adb server.

Each test checks what the API says *and* what really happened on the phones (ground truth).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any

TIME_FORMAT = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")
TASK_KEYS = {
    "id",
    "serial",
    "username",
    "script_name",
    "script_config",
    "script_args",
    "status",
    "status_text",
    "start_time",
    "end_time",
    "retry_count",
    "remark",
    "source",
    "campaign",
}
NO_RETRY = {"max": 0}


def wait_for(check: Callable[[], Any], *, timeout: float = 60.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def wait_finished(api, ids: list[int], timeout: float = 90.0) -> list[dict[str, Any]]:
    def done() -> list[dict[str, Any]] | None:
        tasks = [api.ok("GET", f"/api/v1/task/{i}") for i in ids]
        return tasks if all(t["status"] in (2, 3) for t in tasks) else None

    return wait_for(done, timeout=timeout, what=f"tasks {ids} to finish")


def follows(fleet, serial: str) -> dict[str, list[str]]:
    return {user: record["follows"] for user, record in fleet.ground_truth()[serial].items()}


def test_create_for_serials_runs_one_task_per_target_per_phone(api_stack):
    api = api_stack(phones=2, accounts=1)
    body = {
        "serials": ["SIM000001", "SIM000002"],
        "script_name": "follow",
        "script_config": {"target_users": ["alice", "bob"]},
        "retry": NO_RETRY,
    }
    created = api.ok("POST", "/api/v1/task", json=body)
    assert created["created_count"] == 4 and len(created["task_ids"]) == 4
    tasks = wait_finished(api, created["task_ids"])
    assert [(t["serial"], t["status"], t["status_text"]) for t in tasks] == [
        ("SIM000001", 2, "completed"),
        ("SIM000001", 2, "completed"),
        ("SIM000002", 2, "completed"),
        ("SIM000002", 2, "completed"),
    ]
    assert sorted(follows(api.fleet, "SIM000001")["user001_1"]) == ["alice", "bob"]
    assert sorted(follows(api.fleet, "SIM000002")["user002_1"]) == ["alice", "bob"]


def test_task_object_has_the_documented_shape(api_stack):
    api = api_stack(phones=1, accounts=1)
    [task_id] = api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001"],
            "script_name": "follow",
            "script_config": {"target_user": "carol"},
        },
    )["task_ids"]
    [task] = wait_finished(api, [task_id])
    assert set(task) >= TASK_KEYS
    assert task["id"] == task_id and task["source"] == "api" and task["script_name"] == "follow"
    assert task["script_config"]["target_user"] == "carol"
    assert json.loads(task["script_args"]) == task["script_config"]
    assert TIME_FORMAT.match(task["start_time"]) and TIME_FORMAT.match(task["end_time"])
    assert task["retry_count"] == 0 and task["remark"]


def test_create_for_usernames_runs_on_the_accounts_phone(api_stack):
    api = api_stack(phones=2, accounts=2)
    body = {
        "usernames": ["user002_2"],
        "script_name": "follow",
        "script_config": {"target_users": ["dave"]},
    }
    [task_id] = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    [task] = wait_finished(api, [task_id])
    assert (task["serial"], task["username"], task["status"]) == ("SIM000002", "user002_2", 2)
    assert follows(api.fleet, "SIM000002") == {"user002_1": [], "user002_2": ["dave"]}
    assert follows(api.fleet, "SIM000001") == {"user001_1": [], "user001_2": []}


def test_multi_account_creates_one_task_per_logged_in_account(api_stack):
    api = api_stack(phones=1, accounts=2)
    body = {
        "serials": ["SIM000001"],
        "enable_multi_account": True,
        "script_name": "follow",
        "retry": NO_RETRY,
        "script_config": {"target_users": ["erin"]},
    }
    ids = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    tasks = wait_finished(api, ids)
    assert [(t["username"], t["status"], t["remark"]) for t in tasks] == [
        ("user001_1", 2, "followed @erin"),
        ("user001_2", 2, "followed @erin"),
    ]
    assert follows(api.fleet, "SIM000001") == {"user001_1": ["erin"], "user001_2": ["erin"]}


def test_list_filters_and_paging(api_stack):
    api = api_stack(phones=2, accounts=1)
    later = {"start_time": "2099-01-01T00:00:00+00:00"}  # stay pending: the listing is stable
    api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001", "SIM000002"],
            "script_name": "follow",
            "script_config": {"target_users": ["a", "b", "c"]},
            **later,
        },
    )
    api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000002"],
            "script_name": "unfollow",
            "script_config": {"target_user": "a"},
            **later,
        },
    )
    every = api.ok("GET", "/api/v1/task", params={"page_size": 500})
    assert (every["total"], every["page"], every["page_size"], len(every["tasks"])) == (
        7,
        1,
        100,
        7,
    )
    by = lambda **q: api.ok("GET", "/api/v1/task", params=q)  # noqa: E731
    assert by(serial="SIM000002")["total"] == 4
    assert by(script_name="unfollow")["total"] == 1
    assert by(status=0)["total"] == 7 and by(status=2)["total"] == 0
    assert by(source="api")["total"] == 7 and by(source="file")["total"] == 0
    first, second, third = by(page=1, page_size=3), by(page=2, page_size=3), by(page=3, page_size=3)
    assert [len(p["tasks"]) for p in (first, second, third)] == [3, 3, 1]
    ids = [t["id"] for p in (first, second, third) for t in p["tasks"]]
    assert sorted(ids) == sorted(t["id"] for t in every["tasks"]) and len(set(ids)) == 7
    assert (
        api.call("GET", "/api/v1/task", params={"status": 9})["message"]
        == "status: must be between 0 and 3, got 9"
    )
    assert api.call("GET", "/api/v1/task", params={"source": "robot"})["code"] == 40001
    assert (
        api.call("GET", "/api/v1/task", params={"page": "x"})["message"]
        == "page: expected integer, got 'x'"
    )


def test_stop_a_running_task(api_stack):
    api = api_stack(phones=1, accounts=1)
    body = {
        "serials": ["SIM000001"],
        "script_name": "account_warmup",
        "retry": NO_RETRY,
        "script_config": {"task_duration": 60, "min_duration": 3, "max_duration": 5},
    }
    [task_id] = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    wait_for(
        lambda: api.ok("GET", f"/api/v1/task/{task_id}")["status"] == 1, what="the task to run"
    )
    began = time.monotonic()
    api.ok("POST", f"/api/v1/task/{task_id}/stop")
    [task] = wait_finished(api, [task_id], timeout=30)
    assert time.monotonic() - began < 30
    assert (task["status"], task["failure_class"], task["remark"]) == (
        3,
        "cancelled",
        "stopped by request",
    )
    again = api.call("POST", f"/api/v1/task/{task_id}/stop")
    assert (
        again["code"] == 40001
        and again["message"] == f"task {task_id} is not running or pending (status: failed)"
    )
    kinds = [e["kind"] for e in api.ok("GET", f"/api/v1/task/{task_id}/events")]
    assert kinds[0] == "created" and "stop_requested" in kinds and kinds[-1] == "failed"


def test_retry_and_retry_all_rerun_failed_tasks(api_stack):
    api = api_stack(phones=1, accounts=1, missing_users=["ghost1", "ghost2"])
    body = {
        "serials": ["SIM000001"],
        "script_name": "follow",
        "retry": NO_RETRY,
        "script_config": {"target_users": ["ghost1", "ghost2"]},
    }
    ids = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    assert [t["status"] for t in wait_finished(api, ids)] == [3, 3]
    assert api.ok("GET", "/api/v1/task/stats") == {
        "total": 2,
        "pending": 0,
        "running": 0,
        "completed": 0,
        "failed": 2,
    }
    retried = api.ok("POST", f"/api/v1/task/{ids[0]}/retry")
    assert retried["id"] == ids[0] and retried["status"] in (0, 1)
    [task] = wait_finished(api, [ids[0]])
    assert task["status"] == 3 and task["retry_count"] == 1
    assert api.ok("POST", "/api/v1/task/retry-all") == {
        "retried_count": 2,
        "skipped_count": 0,
        "cancelled_count": 0,
    }
    tasks = wait_finished(api, ids)
    assert [t["retry_count"] for t in tasks] == [2, 1]
    assert follows(api.fleet, "SIM000001") == {"user001_1": []}


def test_retry_of_a_task_that_did_not_fail_answers_40001(api_stack):
    api = api_stack(phones=1, accounts=1)
    [task_id] = api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001"],
            "script_name": "follow",
            "script_config": {"target_user": "frank"},
        },
    )["task_ids"]
    wait_finished(api, [task_id])
    answer = api.call("POST", f"/api/v1/task/{task_id}/retry")
    assert answer["code"] == 40001 and answer["message"].startswith(
        f"task {task_id} cannot be retried: "
    )


def test_batch_delete_removes_existing_tasks_and_skips_unknown_ids(api_stack):
    api = api_stack(phones=1, accounts=1)
    ids = api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001"],
            "script_name": "follow",
            "start_time": "2099-01-01T00:00:00+00:00",
            "script_config": {"target_users": ["a", "b", "c"]},
        },
    )["task_ids"]
    answer = api.ok("DELETE", "/api/v1/task/batch", json={"task_ids": [ids[0], ids[2], 999]})
    assert answer == {"deleted_ids": [ids[0], ids[2]], "deleted_count": 2}
    assert [t["id"] for t in api.ok("GET", "/api/v1/task")["tasks"]] == [ids[1]]
    assert api.ok("DELETE", f"/api/v1/task/{ids[1]}") == {
        "deleted_ids": [ids[1]],
        "deleted_count": 1,
    }
    assert api.ok("GET", "/api/v1/task/stats")["total"] == 0
    bad = api.call("DELETE", "/api/v1/task/batch", json={"task_ids": "1,2"})
    assert bad == {
        "code": 40001,
        "message": "task_ids: expected array of integers, got string",
        "data": None,
    }


def test_delete_of_a_running_task_stops_it_first(api_stack):
    api = api_stack(phones=1, accounts=1)
    [task_id] = api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001"],
            "script_name": "account_warmup",
            "retry": NO_RETRY,
            "script_config": {"task_duration": 60, "min_duration": 3, "max_duration": 5},
        },
    )["task_ids"]
    wait_for(
        lambda: api.ok("GET", f"/api/v1/task/{task_id}")["status"] == 1, what="the task to run"
    )
    assert api.ok("DELETE", f"/api/v1/task/{task_id}") == {
        "deleted_ids": [task_id],
        "deleted_count": 1,
    }
    assert api.call("GET", f"/api/v1/task/{task_id}")["code"] == 40401
    # the phone is free again: a new task runs to completion
    [next_id] = api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001"],
            "script_name": "follow",
            "script_config": {"target_user": "gina"},
        },
    )["task_ids"]
    assert wait_finished(api, [next_id], timeout=60)[0]["status"] == 2


def test_stats_count_tasks_by_status(api_stack):
    api = api_stack(phones=1, accounts=1, missing_users=["ghost"])
    api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001"],
            "script_name": "follow",
            "retry": NO_RETRY,
            "script_config": {"target_users": ["henry", "ghost"]},
        },
    )
    api.ok(
        "POST",
        "/api/v1/task",
        json={
            "serials": ["SIM000001"],
            "script_name": "follow",
            "start_time": "2099-01-01T00:00:00+00:00",
            "script_config": {"target_users": ["ivan"]},
        },
    )
    wait_for(
        lambda: (
            api.ok("GET", "/api/v1/task/stats")["completed"]
            + api.ok("GET", "/api/v1/task/stats")["failed"]
            == 2
        ),
        what="two tasks to finish",
    )
    assert api.ok("GET", "/api/v1/task/stats") == {
        "total": 3,
        "pending": 1,
        "running": 0,
        "completed": 1,
        "failed": 1,
    }


def test_devices_and_license_report_the_pool(api_stack):
    api = api_stack(phones=3, accounts=1)
    license_ = api.ok("GET", "/api/v1/license/check")
    assert license_ == {
        "plan_name": "Open",
        "api_enabled": True,
        "device_limit": 3,
        "message": "API access enabled",
    }
    devices = api.ok("GET", "/api/v1/devices")
    assert len(devices) == 3 and all(isinstance(d, dict) for d in devices)


def test_campaigns_apply_reads_the_files_and_refuses_a_broken_repository(api_stack):
    api = api_stack(phones=1, accounts=1)
    workflow = api.root / "workflows" / "later.yaml"
    workflow.write_text(
        "name: later\nscript_name: follow\nserials: [SIM000001]\nstart_time: '2099-01-01T00:00:00+00:00'\n"
        "script_config: {target_users: [jay, kim]}\n",
        encoding="utf-8",
    )
    applied = api.ok("POST", "/api/v1/campaigns/apply")
    assert applied == {
        "applied": True,
        "campaigns": ["later"],
        "new": 2,
        "changed": 0,
        "unchanged": 0,
        "removed": 0,
    }
    assert [
        t["source"] for t in api.ok("GET", "/api/v1/task", params={"campaign": "later"})["tasks"]
    ] == ["file", "file"]
    assert api.ok("POST", "/api/v1/campaigns/apply")["unchanged"] == 2
    workflow.write_text(
        "name: later\nscript_name: follow\nserials: [SIM000001]\nscript_config: {target_users: 7}\n",
        encoding="utf-8",
    )
    broken = api.call("POST", "/api/v1/campaigns/apply")
    assert broken["code"] == 40001 and broken["message"].startswith("campaign files not applied: ")
    assert (
        broken["data"]["applied"] is False
        and broken["data"]["problems"][0]["field"] == "script_config.target_users"
    )
    assert api.ok("GET", "/api/v1/task/stats")["total"] == 2


def test_a_phone_given_by_adb_serial_and_hardware_serial_is_one_queue_by_either_name(api_stack):
    api = api_stack(phones=1, accounts=1)
    phone = api.fleet.phones[0]
    later = {"start_time": "23:59"}
    for name in (phone.adb_serial, phone.serial):
        body = {"serials": [name], "script_name": "follow", "script_config": {"target_user": "a"}}
        api.ok("POST", "/api/v1/task", json={**body, **later})
    by = lambda serial: api.ok("GET", "/api/v1/task", params={"serial": serial})  # noqa: E731
    assert [t["serial"] for t in by(phone.adb_serial)["tasks"]] == [phone.serial] * 2
    assert by(phone.serial)["total"] == 2
