"""The attacks of issue 11 on POST /api/v1/task: each gets a 40001 that says why, and no task.

Through a real server on a real state file; bodies are sent as raw JSON text where Python's
encoder would refuse them (NaN, Infinity, a lone surrogate), as an attacker's client would.
"""

from __future__ import annotations

from pathlib import Path

PHONE = "SIM000001"


def _refused(api, body: dict | str) -> str:  # type: ignore[no-untyped-def]
    """The message of a 40001 answer; asserts that no task was created."""
    if isinstance(body, str):
        kwargs = {"content": body, "headers": {"Content-Type": "application/json"}}
    else:
        kwargs = {"json": body}
    answer = api.call("POST", "/api/v1/task", **kwargs)
    assert answer["code"] == 40001, answer
    assert api.ok("GET", "/api/v1/task/stats")["total"] == 0
    return answer["message"]


def test_a_template_cannot_point_material_list_outside_the_media_roots(api_server):
    api = api_server()
    body = {
        "serials": [PHONE],
        "vars": {"p": "/etc/passwd"},
        "script_name": "post",
        "script_config": {"material_list": ["{{ vars.p }}"]},
    }
    assert _refused(api, body) == (
        f"script_config.material_list[0]: '/etc/passwd' is outside the media roots"
        f" ({api.root.resolve()})"
    )


def test_a_template_where_the_script_renders_none_is_refused(api_server):
    api = api_server()
    body = {
        "serials": [PHONE],
        "script_name": "follow",
        "script_config": {"target_user": "{{ vars.who }}"},
    }
    assert _refused(api, body) == (
        "script_config.target_user: templates are not rendered in this field (follow: in none)"
    )


def test_a_template_cannot_build_a_path_outside_the_media_roots(api_server):
    api = api_server()
    body = {
        "serials": [PHONE],
        "script_name": "comment",
        "script_config": {
            "target_post_url": "https://vm.tiktok.com/abc/",
            "comment_content": "hi",
            "comment_image_path": "{{ '/etc' }}/passwd",
        },
    }
    assert _refused(api, body) == (
        f"script_config.comment_image_path: '/etc/passwd' is outside the media roots"
        f" ({api.root.resolve()})"
    )


def test_a_templated_media_path_to_a_missing_file_is_refused_before_a_phone(api_server):
    api = api_server()
    body = {
        "serials": [PHONE],
        "vars": {"p": "clips/launch.mp4"},
        "script_name": "post",
        "script_config": {"material_list": ["{{ vars.p }}"]},
    }
    assert _refused(api, body) == (
        "script_config.material_list[0]: no such file: clips/launch.mp4 (rendered from a"
        f" template; looked at {api.root.resolve() / 'clips' / 'launch.mp4'})"
    )


def test_a_templated_media_path_to_a_file_that_exists_is_accepted(api_server):
    api = api_server()
    (api.root / "launch.mp4").write_bytes(b"\x00\x00\x00\x18ftypmp42")
    body = {
        "serials": [PHONE],
        "vars": {"p": "launch.mp4"},
        "script_name": "post",
        "script_config": {"material_list": ["{{ vars.p }}"]},
    }
    answer = api.call("POST", "/api/v1/task", json=body)
    assert answer["code"] == 0, answer


def test_a_symlink_inside_the_root_to_a_file_outside_is_refused(api_server):
    api = api_server()
    (api.root / "clip.mp4").symlink_to("/etc/passwd")
    body = {
        "serials": [PHONE],
        "script_name": "post",
        "script_config": {"material_list": ["clip.mp4"]},
    }
    assert _refused(api, body).startswith(
        "script_config.material_list[0]: 'clip.mp4' is outside the media roots"
    )


def test_a_huge_power_is_refused_at_once(api_server):
    api = api_server()
    body = {
        "serials": [PHONE],
        "script_name": "account_warmup",
        "script_config": {"comment": "{{ 9**(9**9) }}"},
    }
    assert _refused(api, body) == (
        "script_config.comment: template over a limit: an integer of about 1,162,261,467 bits"
        " is over the limit of 256 bits (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_INT_BITS, see docs/limits.md)"
    )


def test_a_100_mb_comment_is_refused(api_server):
    api = api_server()
    body = {
        "serials": [PHONE],
        "script_name": "comment",
        "script_config": {
            "target_post_url": "https://vm.tiktok.com/abc/",
            "comment_content": "{{ 'a' * 10**8 }}",
        },
    }
    assert _refused(api, body) == (
        "script_config.comment_content: template over a limit: a result of 100,000,000 characters"
        " or items is over the limit of 100,000 (CAMPAIGN_RUNNER_LIMIT_TEMPLATE_CHARS, see docs/limits.md)"
    )


def test_a_small_body_cannot_create_90000_tasks(api_server):
    api = api_server()
    body = {
        "serials": [f"SIM{i:06d}" for i in range(300)],
        "script_name": "follow",
        "script_config": {"target_users": [f"u{i}" for i in range(300)]},
    }
    assert _refused(api, body) == (
        "too many tasks (phones or accounts × targets): 90,000 is over the limit of 10,000"
        " (CAMPAIGN_RUNNER_LIMIT_TASKS_PER_REQUEST, see docs/limits.md)"
    )


def test_non_finite_numbers_and_lone_surrogates_are_schema_errors(api_server):
    api = api_server()
    head = '{"serials": ["SIM000001"], "script_name": "account_warmup", '
    assert _refused(api, head + '"min_interval": NaN}') == (
        "min_interval: expected a finite number, found NaN"
    )
    assert _refused(api, head + '"max_interval": Infinity}') == (
        "max_interval: expected a finite number, found Infinity"
    )
    assert _refused(api, head + '"max_interval": 1e308}') == (
        "max_interval: expected a number between -2**53 and 2**53, found 1e+308"
    )
    assert _refused(api, head + '"max_interval": 1e9}') == (  # minutes in a body
        "max_interval: at most a day (24h), found '1000000000.0m'"
    )
    assert _refused(api, head + '"name": "x\\ud800"}') == (
        "name: not valid Unicode text (a lone surrogate at character 2)"
    )


def test_media_in_a_root_given_to_the_server_is_still_accepted(api_server, tmp_path: Path):
    media = tmp_path / "media"
    media.mkdir()
    (media / "clip.mp4").write_bytes(b"\x00")
    api = api_server(media_roots=[media])
    body = {
        "serials": [PHONE],
        "vars": {"clip": "clip.mp4"},
        "script_name": "post",
        "script_config": {"material_list": ["{{ vars.clip }}"]},
    }
    assert api.ok("POST", "/api/v1/task", json=body)["created_count"] == 1
