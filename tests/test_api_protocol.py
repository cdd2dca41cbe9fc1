"""The envelope contract on every kind of answer: errors, auth, body limit, routing, docs."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import httpx

from runner.api.middleware import MAX_BODY_BYTES

JSON = {"Content-Type": "application/json"}
FOLLOW = {
    "serials": ["SIM000001"],
    "script_name": "follow",
    "script_config": {"target_users": ["alice"]},
}


def test_unknown_path_answers_40401_envelope_with_http_200(api_server):
    api = api_server()
    assert api.call("GET", "/api/v1/nothing-here") == {
        "code": 40401,
        "message": "not found: GET /api/v1/nothing-here",
        "data": None,
    }


def test_wrong_method_on_known_path_answers_40001_naming_allowed_methods(api_server):
    api = api_server()
    assert api.call("PUT", "/api/v1/task/1") == {
        "code": 40001,
        "message": "method PUT not allowed on /api/v1/task/1 (allowed: DELETE, GET, HEAD)",
        "data": None,
    }


def test_malformed_json_answers_40001(api_server):
    api = api_server()
    body = api.call(
        "POST",
        "/api/v1/task",
        content=b'{"serials": [',
        headers={"Content-Type": "application/json"},
    )
    assert body["code"] == 40001
    assert body["message"].startswith("request body: malformed JSON (")


def test_body_that_is_not_an_object_answers_40001(api_server):
    api = api_server()
    assert (
        api.call("POST", "/api/v1/task", json=["follow"])["message"]
        == "request body: expected object, got array"
    )


def test_empty_create_body_answers_40001(api_server):
    api = api_server()
    assert (
        api.call("POST", "/api/v1/task")["message"]
        == "request body: expected a JSON object, got an empty body"
    )


def test_missing_script_name_answers_40002(api_server):
    api = api_server()
    assert api.call("POST", "/api/v1/task", json={"serials": ["SIM000001"]})["code"] == 40002


def test_coming_soon_script_answers_40003_naming_it(api_server):
    api = api_server()
    body = api.call("POST", "/api/v1/task", json={"serials": ["SIM000001"], "script_name": "like"})
    assert body["code"] == 40003
    assert body["message"].startswith("script_name: script 'like' is not supported yet")


def test_invalid_field_answers_40001_with_field_path(api_server):
    api = api_server()
    bad = {**FOLLOW, "script_config": {"target_users": "alice"}}
    body = api.call("POST", "/api/v1/task", json=bad)
    assert body["code"] == 40001
    assert body["message"].startswith("script_config.target_users: ")
    assert api.ok("GET", "/api/v1/task/stats")["total"] == 0


def test_unknown_task_answers_40401(api_server):
    api = api_server()
    for method, path in [
        ("GET", "/api/v1/task/77"),
        ("DELETE", "/api/v1/task/77"),
        ("POST", "/api/v1/task/77/stop"),
        ("POST", "/api/v1/task/77/retry"),
        ("GET", "/api/v1/task/77/events"),
        ("GET", "/api/v1/task/77/artifacts"),
    ]:
        assert api.call(method, path) == {
            "code": 40401,
            "message": "task 77 not found",
            "data": None,
        }, path


def test_task_id_that_is_not_an_integer_answers_40001(api_server):
    api = api_server()
    assert api.call("GET", "/api/v1/task/abc")["message"] == "task_id: expected integer, got 'abc'"


def test_task_id_beyond_sqlite_range_answers_40401(api_server):
    api = api_server()
    assert api.call("GET", "/api/v1/task/99999999999999999999")["code"] == 40401


def test_body_over_one_mib_by_content_length_is_refused_before_reading(api_server):
    api = api_server()
    host, port = api.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        head = (
            f"POST /api/v1/task HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {50 * MAX_BODY_BYTES}\r\n\r\n"
        )
        sock.sendall(head.encode())  # announce 50 MiB, send none of it
        answer = _read_response(sock)
    assert answer.startswith("HTTP/1.1 200 OK\r\n")
    assert answer.endswith(
        '{"code":40001,"message":"request body too large (limit 1 MiB)","data":null}'
    )


def _read_response(sock: socket.socket) -> str:
    data = b""
    while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    return data.decode()


def _length(data: bytes) -> int:
    for line in data.partition(b"\r\n\r\n")[0].split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


def test_chunked_body_over_one_mib_is_refused_while_streaming(api_server):
    api = api_server()

    def chunks():
        for _ in range(40):
            yield b" " * 65536  # 2.5 MiB of whitespace, no Content-Length

    body = api.call("POST", "/api/v1/task", content=chunks(), headers=JSON)
    assert body == {"code": 40001, "message": "request body too large (limit 1 MiB)", "data": None}


def test_body_just_under_the_limit_is_read(api_server):
    api = api_server()
    padded = json.dumps(FOLLOW).encode()
    padded += b" " * (MAX_BODY_BYTES - len(padded))
    assert len(padded) == MAX_BODY_BYTES
    assert api.ok("POST", "/api/v1/task", content=padded, headers=JSON)["created_count"] == 1


def test_token_required_when_configured(api_server):
    api = api_server(token="s3cret")
    assert api.call("GET", "/api/v1/task/stats") == {
        "code": 40301,
        "message": "forbidden: missing API token (send Authorization: Bearer <token>)",
        "data": None,
    }
    wrong = api.call("GET", "/api/v1/task/stats", headers={"Authorization": "Bearer nope"})
    assert wrong["code"] == 40301 and wrong["message"].startswith("forbidden: wrong API token")
    good = api.call("GET", "/api/v1/task/stats", headers={"Authorization": "Bearer s3cret"})
    assert good["code"] == 0


def test_token_checked_before_the_body_limit(api_server):
    api = api_server(token="s3cret")
    assert api.call("POST", "/api/v1/task", content=b"x" * (MAX_BODY_BYTES + 1))["code"] == 40301


def test_license_check_reports_open_plan_without_phones(api_server):
    api = api_server()
    assert api.ok("GET", "/api/v1/license/check") == {
        "plan_name": "Open",
        "api_enabled": True,
        "device_limit": 0,
        "message": "API access enabled",
    }


def test_media_path_outside_media_roots_answers_40001(api_server, tmp_path: Path):
    api = api_server()
    body = {
        "serials": ["SIM000001"],
        "script_name": "post",
        "script_config": {"material_list": ["/etc/passwd"]},
    }
    answer = api.call("POST", "/api/v1/task", json=body)
    assert answer["code"] == 40001
    assert answer["message"] == (
        f"script_config.material_list[0]: '/etc/passwd' is outside the media roots "
        f"({api.root.resolve()})"
    )


def test_media_path_escaping_with_dotdot_is_refused(api_server):
    api = api_server()
    body = {
        "serials": ["SIM000001"],
        "script_name": "comment",
        "script_config": {
            "target_post_url": "https://vm.tiktok.com/abc/",
            "comment_content": "hi",
            "comment_image_path": "../../etc/hosts",
        },
    }
    assert api.call("POST", "/api/v1/task", json=body)["message"].startswith(
        "script_config.comment_image_path: '../../etc/hosts' is outside the media roots"
    )


def test_broken_state_file_answers_50001(api_server):
    api = api_server()
    api.ok("GET", "/api/v1/task/stats")
    state = api.root / ".campaign" / "state.db"
    for path in state.parent.glob("state.db*"):
        path.write_bytes(b"this is not a database" * 100)
    body = api.call("GET", "/api/v1/task/stats")
    assert body["code"] == 50001
    assert body["message"].startswith("internal server error (")


def test_openapi_document_embeds_the_project_schemas(api_server):
    api = api_server()
    response = api.client.get("/openapi.json")
    doc = response.json()
    assert doc["openapi"] == "3.1.0"
    schemas = doc["components"]["schemas"]
    assert schemas["FollowConfig"]["properties"]["target_users"]["type"] == "array"
    assert schemas["CommentConfig"]["properties"]["target_post_urls"]["items"] == {
        "$ref": "#/components/schemas/CommentConfig_post_url"
    }
    branches = {
        b["properties"]["script_name"]["const"]: b for b in schemas["CreateTaskBody"]["anyOf"]
    }
    assert sorted(branches) == [
        "account_warmup",
        "comment",
        "follow",
        "login",
        "match_accounts",
        "post",
        "profile",
        "unfollow",
    ]
    assert (
        branches["post"]["properties"]["script_config"]["$ref"] == "#/components/schemas/PostConfig"
    )
    assert all("schedule" not in b["properties"] for b in branches.values())
    assert set(doc["paths"]) >= {
        "/api/v1/task",
        "/api/v1/task/{task_id}",
        "/api/v1/task/batch",
        "/api/v1/task/stats",
        "/api/v1/task/retry-all",
        "/api/v1/license/check",
    }


def test_docs_page_is_self_contained_html(api_server):
    api = api_server()
    response = api.client.get("/docs")
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "<code>/api/v1/task/{task_id}/stop</code>" in response.text
    assert "src=" not in response.text and "<link" not in response.text


def test_every_answer_is_http_200_for_http_clients_that_throw_on_errors(api_server):
    api = api_server()
    with httpx.Client(base_url=api.url) as client:
        statuses = {
            client.request(m, p).status_code
            for m, p in [
                ("GET", "/x"),
                ("PATCH", "/api/v1/task"),
                ("GET", "/api/v1/task/0"),
                ("POST", "/api/v1/task"),
            ]
        }
    assert statuses == {200}
