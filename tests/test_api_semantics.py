"""TikMatrix's documented semantics where this API used to differ (docs/api.md lists each choice)."""

from __future__ import annotations

import time

FOLLOW = {
    "serials": ["SIM000001"],
    "script_name": "follow",
    "script_config": {"target_users": ["alice"]},
}


def test_interval_numbers_in_a_body_are_minutes(api_server):
    api = api_server()
    body = {**FOLLOW, "min_interval": 2, "max_interval": 2.5}
    [task_id] = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    row = api.store.get(task_id)
    assert (row.min_interval, row.max_interval) == (120.0, 150.0)


def test_intervals_in_a_body_may_say_their_unit(api_server):
    api = api_server()
    body = {**FOLLOW, "min_interval": "90s", "max_interval": "1h"}
    [task_id] = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    row = api.store.get(task_id)
    assert (row.min_interval, row.max_interval) == (90.0, 3600.0)


def test_interval_minimum_over_maximum_names_the_client_values(api_server):
    api = api_server()
    body = {**FOLLOW, "min_interval": 5, "max_interval": 2}
    assert api.call("POST", "/api/v1/task", json=body) == {
        "code": 40001,
        "message": "max_interval: must be >= min_interval (5m), found 2m",
        "data": None,
    }


def test_trailing_slash_is_the_same_path_without_a_redirect(api_server):
    api = api_server()
    created = api.client.post("/api/v1/task/", json=FOLLOW)
    assert created.status_code == 200 and created.json()["data"]["created_count"] == 1
    listed = api.client.get("/api/v1/task/")
    assert listed.status_code == 200 and listed.json()["data"]["total"] == 1
    assert api.ok("GET", "/api/v1/task/1/")["id"] == 1


def test_null_optional_fields_mean_not_given(api_server):
    api = api_server()
    body = {
        **FOLLOW,
        "usernames": None,
        "start_time": None,
        "min_interval": None,
        "enable_multi_account": None,
        "script_config": {"target_users": ["alice"], "target_user": None, "access_method": None},
    }
    [task_id] = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    assert api.ok("GET", f"/api/v1/task/{task_id}")["script_config"]["access_method"] == "direct"


def test_null_script_config_is_not_given(api_server):
    api = api_server()
    body = {"serials": ["SIM000001"], "script_name": "follow", "script_config": None}
    answer = api.call("POST", "/api/v1/task", json=body)
    assert answer["code"] == 40001
    assert answer["message"] == "script_config: one of target_users or target_user is required"


def test_empty_or_null_script_name_is_missing_40002(api_server):
    api = api_server()
    for name in ("", "  ", None):
        answer = api.call("POST", "/api/v1/task", json={**FOLLOW, "script_name": name})
        assert answer["code"] == 40002, name
        assert answer["message"].startswith("script_name: missing; expected one of")


def test_unknown_body_key_is_named_with_a_suggestion(api_server):
    api = api_server()
    body = {"serials": ["SIM000001"], "script_name": "follow", "script_confg": {"target_users": []}}
    assert api.call("POST", "/api/v1/task", json=body) == {
        "code": 40001,
        "message": "script_confg: unknown key 'script_confg' (did you mean 'script_config'?)",
        "data": None,
    }


def test_stopping_a_pending_task_marks_it_cancelled_with_consistent_times(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json={**FOLLOW, "start_time": "2099-01-01T10:00Z"})[
        "task_ids"
    ]
    stopped = api.ok("POST", f"/api/v1/task/{task_id}/stop")
    assert (stopped["status"], stopped["failure_class"], stopped["remark"]) == (
        3,
        "cancelled",
        "stopped by request",
    )
    assert stopped["start_time"] is None and stopped["end_time"] is not None
    assert stopped["scheduled_time"].startswith("2099-01-01")


def test_a_retried_task_shows_the_start_it_is_due_at_not_its_first_schedule(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json={**FOLLOW, "start_time": "2099-01-01T10:00Z"})[
        "task_ids"
    ]
    api.ok("POST", f"/api/v1/task/{task_id}/stop")
    retried = api.ok("POST", f"/api/v1/task/{task_id}/retry")
    assert retried["status"] == 0
    assert not retried["start_time"].startswith("2099"), "a retry is due now"
    assert retried["scheduled_time"].startswith("2099-01-01")


def test_retry_all_skips_stopped_tasks_unless_asked(api_server):
    api = api_server()
    body = {**FOLLOW, "script_config": {"target_users": ["a", "b"]}}
    stopped_id, failed_id = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    api.ok("POST", f"/api/v1/task/{stopped_id}/stop")
    api.store.mark_running(failed_id, serial="SIM000001")  # the executor's side of a failure
    api.store.mark_failed(failed_id, failure_class="timeout", message="too slow", retry_at=None)
    assert api.ok("POST", "/api/v1/task/retry-all") == {
        "retried_count": 1,
        "skipped_count": 1,
        "cancelled_count": 1,
    }
    assert api.store.get(stopped_id).status == 3 and api.store.get(failed_id).status == 0
    asked = api.ok("POST", "/api/v1/task/retry-all", json={"include_cancelled": True})
    assert asked == {"retried_count": 1, "skipped_count": 0, "cancelled_count": 0}
    assert api.store.get(stopped_id).status == 0


def test_retry_all_names_an_unknown_option(api_server):
    api = api_server()
    answer = api.call("POST", "/api/v1/task/retry-all", json={"include_canceled": True})
    assert answer == {
        "code": 40001,
        "message": "include_canceled: unknown key (did you mean 'include_cancelled'?)",
        "data": None,
    }


def test_stop_of_a_running_task_answers_the_stopped_status(api_stack):
    api = api_stack(phones=1, accounts=1)
    body = {
        "serials": ["SIM000001"],
        "script_name": "account_warmup",
        "retry": {"max": 0},
        "script_config": {"task_duration": 120, "min_duration": 3, "max_duration": 5},
    }
    [task_id] = api.ok("POST", "/api/v1/task", json=body)["task_ids"]
    deadline = time.monotonic() + 60
    while api.ok("GET", f"/api/v1/task/{task_id}")["status"] != 1:
        assert time.monotonic() < deadline, "the warm-up never started"
        time.sleep(0.1)
    stopped = api.ok("POST", f"/api/v1/task/{task_id}/stop")
    assert (stopped["status"], stopped["failure_class"]) == (3, "cancelled")
    assert stopped["remark"].startswith("stopped by request")
    assert stopped["start_time"] <= stopped["end_time"]


def test_material_list_makes_source_and_path_irrelevant(api_server):
    api = api_server()
    (api.root / "clip.mp4").write_bytes(b"\x00")
    body = {
        "serials": ["SIM000001"],
        "script_name": "post",
        "script_config": {
            "material_list": ["clip.mp4"],
            "material_source": "localFolder",
            "material_path": "/etc",
        },
    }
    assert api.ok("POST", "/api/v1/task", json=body)["created_count"] == 1
    without_list = {**body, "script_config": {"material_source": "localFolder"}}
    answer = api.call("POST", "/api/v1/task", json=without_list)
    assert answer["message"] == (
        "script_config: material_path is required when material_source is localFolder "
        "and material_list is empty"
    )


def test_paging_bounds_are_human(api_server):
    api = api_server()
    assert api.call("GET", "/api/v1/task?page=0")["message"] == "page: must be ≥ 1, got 0"
    assert api.call("GET", "/api/v1/task?page_size=-5")["message"] == (
        "page_size: must be ≥ 1, got -5"
    )
    assert api.call("GET", "/api/v1/task?page=10000000000000000000")["message"] == (
        "page: too large, got 10000000000000000000"
    )
