"""Beyond the original: artifacts, events over a bare state file; media roots configuration."""

from __future__ import annotations

from pathlib import Path

FOLLOW = {
    "serials": ["SIM000001"],
    "script_name": "follow",
    "script_config": {"target_users": ["alice"]},
}


def test_artifacts_are_listed_and_downloaded(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    assert api.ok("GET", f"/api/v1/task/{task_id}/artifacts") == []
    folder = api.root / ".campaign" / "artifacts" / str(task_id)
    (folder / "dumps").mkdir(parents=True)
    (folder / "screen.png").write_bytes(b"\x89PNG fake")
    (folder / "dumps" / "ui.xml").write_text("<hierarchy/>", encoding="utf-8")
    assert api.ok("GET", f"/api/v1/task/{task_id}/artifacts") == [
        {
            "name": "dumps/ui.xml",
            "size": 12,
            "url": f"/api/v1/task/{task_id}/artifacts/dumps/ui.xml",
        },
        {"name": "screen.png", "size": 9, "url": f"/api/v1/task/{task_id}/artifacts/screen.png"},
    ]
    png = api.client.get(f"/api/v1/task/{task_id}/artifacts/screen.png")
    assert (png.status_code, png.headers["content-type"], png.content) == (
        200,
        "image/png",
        b"\x89PNG fake",
    )
    assert api.client.get(f"/api/v1/task/{task_id}/artifacts/dumps/ui.xml").text == "<hierarchy/>"


def test_artifact_download_cannot_leave_the_task_folder(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    (api.root / ".campaign" / "artifacts" / str(task_id)).mkdir(parents=True)
    (api.root / "secret.txt").write_text("no", encoding="utf-8")
    for name in ("..%2F..%2F..%2Fsecret.txt", "%2E%2E/%2E%2E/%2E%2E/secret.txt", "missing.png"):
        answer = api.call("GET", f"/api/v1/task/{task_id}/artifacts/{name}")
        assert answer["code"] == 40401, name
        assert answer["message"].startswith(f"task {task_id} has no artifact "), name


def test_media_inside_a_configured_root_is_accepted(api_server, tmp_path: Path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "clip.mp4").write_bytes(b"\x00")
    api = api_server(media_roots=[media])
    body = {
        "serials": ["SIM000001"],
        "script_name": "post",
        "script_config": {"material_list": [str(media / "clip.mp4")], "captions": "hi"},
    }
    assert api.ok("POST", "/api/v1/task", json=body)["created_count"] == 1
    relative = {**body, "script_config": {"material_list": ["clip.mp4"]}}
    assert api.ok("POST", "/api/v1/task", json=relative)["created_count"] == 1
    outside = {**body, "script_config": {"material_list": [str(api.root / "x.mp4")]}}
    assert api.call("POST", "/api/v1/task", json=outside)["code"] == 40001


def test_campaigns_apply_without_a_scheduler_answers_40001(api_server):
    api = api_server()
    assert api.call("POST", "/api/v1/campaigns/apply") == {
        "code": 40001,
        "message": "this server runs without a scheduler; campaign files cannot be applied",
        "data": None,
    }


def _fail(store, task_id: int) -> None:
    """The executor's side of a failed attempt, through the store's own transitions."""
    store.mark_running(task_id, serial="SIM000001")
    store.mark_failed(
        task_id, failure_class="element_not_found", message="no follow button", retry_at=None
    )


def test_retry_refuses_a_task_at_the_retry_limit_and_retry_all_skips_it(api_server):
    api = api_server()
    first, second = api.ok(
        "POST", "/api/v1/task", json={**FOLLOW, "script_config": {"target_users": ["a", "b"]}}
    )["task_ids"]
    for _ in range(10):
        _fail(api.store, first)
        assert api.ok("POST", f"/api/v1/task/{first}/retry")["status"] == 0
    _fail(api.store, first)
    _fail(api.store, second)
    assert api.call("POST", f"/api/v1/task/{first}/retry") == {
        "code": 40001,
        "message": f"task {first} cannot be retried: it reached the retry limit (10 of 10 retries)",
        "data": None,
    }
    assert api.ok("POST", "/api/v1/task/retry-all") == {
        "retried_count": 1,
        "skipped_count": 1,
        "cancelled_count": 0,
    }
    assert [api.ok("GET", f"/api/v1/task/{i}")["status"] for i in (first, second)] == [3, 0]


def test_retry_of_a_pending_task_answers_40001(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    assert api.call("POST", f"/api/v1/task/{task_id}/retry") == {
        "code": 40001,
        "message": f"task {task_id} cannot be retried: task {task_id} is pending, only failed tasks can be retried",
        "data": None,
    }


def test_stop_of_a_pending_task_without_runner_cancels_it(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    stopped = api.ok("POST", f"/api/v1/task/{task_id}/stop")
    assert (stopped["status"], stopped["status_text"], stopped["remark"]) == (
        3,
        "failed",
        "stopped by request",
    )
    events = api.ok("GET", f"/api/v1/task/{task_id}/events")
    assert [(e["kind"], e["from_status"], e["to_status"], e["message"]) for e in events] == [
        ("created", None, 0, "created from api"),
        ("failed", 0, 3, "cancelled: stopped by request"),
    ]
