"""The loopback API answers only its clients: what a web page (or a rebinding DNS name) gets.

Every test sends the request a browser would send, to a real server, and checks both the answer
and that nothing changed in the state file.
"""

from __future__ import annotations

import os
from pathlib import Path

FOLLOW = {
    "serials": ["SIM000001"],
    "script_name": "follow",
    "script_config": {"target_users": ["alice"]},
}
JSON = {"Content-Type": "application/json"}
EVIL = "http://attacker.example"


def _total(api) -> int:
    return api.store.stats()["total"]


def test_a_rebinding_host_name_is_refused_with_40301(api_server):
    api = api_server()
    assert api.call("GET", "/api/v1/task", headers={"Host": "attacker.example"}) == {
        "code": 40301,
        "message": "forbidden: Host 'attacker.example' is not allowed (this server answers to "
        "127.0.0.1, ::1, localhost; add names with --allowed-host)",
        "data": None,
    }


def test_loopback_host_names_are_served(api_server):
    api = api_server()
    for host in ("localhost:50809", "127.0.0.1", "[::1]:50809", "LOCALHOST", "app.localhost"):
        assert api.call("GET", "/api/v1/task/stats", headers={"Host": host})["code"] == 0, host


def test_a_configured_host_name_is_served(api_server):
    api = api_server(allowed_hosts=["127.0.0.1", "phones.lan"])
    assert api.call("GET", "/api/v1/task/stats", headers={"Host": "phones.lan:50809"})["code"] == 0


def test_cross_origin_create_is_refused_and_creates_nothing(api_server):
    api = api_server()
    body = api.call("POST", "/api/v1/task", json=FOLLOW, headers={"Origin": EVIL})
    assert body == {
        "code": 40301,
        "message": "forbidden: cross-origin POST from 'http://attacker.example' "
        "(allow it with --cors-origin)",
        "data": None,
    }
    assert _total(api) == 0


def test_cross_origin_body_less_stop_and_retry_all_are_refused(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    for path in (f"/api/v1/task/{task_id}/stop", "/api/v1/task/retry-all"):
        assert api.call("POST", path, headers={"Origin": EVIL})["code"] == 40301, path
    assert api.call("DELETE", f"/api/v1/task/{task_id}", headers={"Origin": "null"})["code"] == (
        40301
    )
    assert api.store.get(task_id).status == 0


def test_text_plain_body_is_refused_even_without_origin(api_server):
    import json

    api = api_server()
    body = api.call(
        "POST",
        "/api/v1/task",
        content=json.dumps(FOLLOW).encode(),
        headers={"Content-Type": "text/plain;charset=UTF-8"},
    )
    assert body == {
        "code": 40001,
        "message": "request body: Content-Type must be application/json, got 'text/plain'",
        "data": None,
    }
    assert _total(api) == 0


def test_form_typed_body_less_post_is_refused(api_server):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert api.call("POST", f"/api/v1/task/{task_id}/stop", headers=form)["code"] == 40001
    assert api.store.get(task_id).status == 0


def test_body_without_content_type_is_refused(api_server):
    import json

    api = api_server()
    answer = api.call("POST", "/api/v1/task", content=json.dumps(FOLLOW).encode())
    assert answer["message"] == "request body: send it with Content-Type: application/json"
    assert _total(api) == 0


def test_documented_body_less_post_without_content_type_still_works(api_server):
    """TikMatrix's Python example: ``requests.post(f"{BASE_URL}/task/{task_id}/stop")``."""
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    assert api.ok("POST", f"/api/v1/task/{task_id}/stop")["status"] == 3


def test_same_origin_and_allow_listed_origins_may_write(api_server):
    api = api_server(cors_origins=["http://localhost:3000"])
    own = api.url.replace("http://", "")
    for origin in (api.url, "http://localhost:3000"):
        body = api.call(
            "POST", "/api/v1/task", json=FOLLOW, headers={"Origin": origin, "Host": own}
        )
        assert body["code"] == 0, origin


def test_cors_is_off_by_default(api_server):
    api = api_server()
    answer = api.client.get("/api/v1/task/stats", headers={"Origin": "http://localhost:3000"})
    assert "access-control-allow-origin" not in answer.headers


def test_cors_allow_list_answers_preflight_and_marks_answers(api_server):
    api = api_server(cors_origins=["http://localhost:3000"])
    preflight = api.client.options(
        "/api/v1/task",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
    answer = api.client.get("/api/v1/task/stats", headers={"Origin": "http://localhost:3000"})
    assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
    other = api.client.get("/api/v1/task/stats", headers={"Origin": EVIL})
    assert "access-control-allow-origin" not in other.headers


def test_bearer_scheme_is_case_insensitive(api_server):
    api = api_server(token="a-long-enough-secret")
    for scheme in ("bearer", "BEARER", "Bearer"):
        headers = {"Authorization": f"{scheme} a-long-enough-secret"}
        assert api.call("GET", "/api/v1/task/stats", headers=headers)["code"] == 0, scheme
    basic = {"Authorization": "Basic a-long-enough-secret"}
    assert api.call("GET", "/api/v1/task/stats", headers=basic)["code"] == 40301


def test_artifact_listing_skips_symlinks_out_of_the_task_folder(api_server, tmp_path: Path):
    api = api_server()
    [task_id] = api.ok("POST", "/api/v1/task", json=FOLLOW)["task_ids"]
    folder = api.root / ".campaign" / "artifacts" / str(task_id)
    folder.mkdir(parents=True)
    secret_dir = tmp_path / "outside"
    secret_dir.mkdir()
    (secret_dir / "id_rsa").write_text("PRIVATE KEY", encoding="utf-8")
    (folder / "screen.png").write_bytes(b"png")
    os.symlink(secret_dir / "id_rsa", folder / "key.txt")
    os.symlink(secret_dir, folder / "linked")
    os.symlink(folder / "screen.png", folder / "again.png")  # inside: fine
    names = [a["name"] for a in api.ok("GET", f"/api/v1/task/{task_id}/artifacts")]
    assert names == ["again.png", "screen.png"]
    for name in ("key.txt", "linked/id_rsa"):
        answer = api.call("GET", f"/api/v1/task/{task_id}/artifacts/{name}")
        assert answer["code"] == 40401, name


def test_ipv6_loopback_server_answers(api_server):
    api = api_server(host="::1")
    assert api.url.startswith("http://[::1]:")
    assert api.ok("POST", "/api/v1/task/", json=FOLLOW)["created_count"] == 1
