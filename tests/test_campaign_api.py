"""The API door: same schemas and expansion as files, TikMatrix codes on errors."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from runner.campaign import Inventory, tasks_from_api_body, validate_api_body
from runner.campaign.records import Account, InventoryDevice
from runner.errors import CampaignError

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
INVENTORY = Inventory(
    devices=(
        InventoryDevice("P1", accounts=(Account("anna"),)),
        InventoryDevice("P2", accounts=(Account("cleo"),)),
    ),
    timezone="UTC",
    present=True,
)


def _error(body: Any) -> CampaignError:
    with pytest.raises(CampaignError) as caught:
        tasks_from_api_body(body, INVENTORY, now=NOW)
    return caught.value


def test_documented_follow_body_makes_one_task_per_target_per_device() -> None:
    body = {
        "serials": ["P1", "P2"],
        "script_name": "follow",
        "script_config": {"target_users": ["a", "b", "c"], "access_method": "search"},
    }
    tasks = tasks_from_api_body(body, INVENTORY, now=NOW)
    assert [(t.serial, t.target) for t in tasks] == [
        ("P1", "a"),
        ("P1", "b"),
        ("P1", "c"),
        ("P2", "a"),
        ("P2", "b"),
        ("P2", "c"),
    ]
    assert {t.source for t in tasks} == {"api"} and {t.campaign for t in tasks} == {"api"}


def test_two_identical_requests_create_two_sets_of_tasks() -> None:
    body = {"serials": ["P1"], "script_name": "account_warmup"}
    first = tasks_from_api_body(body, INVENTORY, now=NOW)
    second = tasks_from_api_body(body, INVENTORY, now=NOW)
    assert first[0].key != second[0].key and first[0].occurrence != second[0].occurrence


def test_start_time_hh_mm_and_username_mode() -> None:
    body = {
        "usernames": ["cleo"],
        "script_name": "account_warmup",
        "start_time": "18:15",
        "name": "evening",
    }
    (task,) = tasks_from_api_body(body, INVENTORY, now=NOW)
    assert (task.serial, task.username, task.campaign) == ("P2", "cleo", "evening")
    assert task.start_time.isoformat() == "2026-11-28T18:15:00+00:00"


def test_missing_script_name_is_40002() -> None:
    err = _error({"serials": ["P1"]})
    assert (err.api_code, err.field, err.reason) == (
        40002,
        "script_name",
        "missing; expected one of account_warmup, comment, follow, login, match_accounts, post, profile, unfollow",
    )


def test_coming_soon_script_is_40003() -> None:
    err = _error({"serials": ["P1"], "script_name": "super_marketing"})
    assert err.api_code == 40003
    assert str(err) == (
        "<request body>: script_name: script 'super_marketing' is not supported yet "
        "(coming soon in the original); supported: account_warmup, comment, follow, login, match_accounts, post, profile, unfollow"
    )


def test_invalid_config_is_40001_with_the_json_path() -> None:
    err = _error(
        {
            "serials": ["P1"],
            "script_name": "comment",
            "script_config": {"target_post_url": "https://vm.tiktok.com/x/"},
        }
    )
    assert (err.api_code, err.field, err.reason) == (
        40001,
        "script_config",
        "comment_content is required",
    )


def test_wrong_type_names_the_field() -> None:
    err = _error(
        {"serials": ["P1"], "script_name": "post", "script_config": {"content_type": "video"}}
    )
    assert (err.api_code, err.field, err.reason) == (
        40001,
        "script_config.content_type",
        "expected integer, found string 'video'",
    )


def test_schedule_is_refused_through_the_api() -> None:
    err = _error({"serials": ["P1"], "script_name": "account_warmup", "schedule": "0 9 * * *"})
    assert (err.api_code, err.field) == (40001, "schedule")


def test_unknown_username_is_40001() -> None:
    err = _error({"usernames": ["zed"], "script_name": "account_warmup"})
    assert (err.api_code, str(err)) == (
        40001,
        "<request body>: usernames[0]: unknown username 'zed': not in inventory.yaml",
    )


def test_legacy_target_username_is_accepted_as_target_user() -> None:
    tasks = tasks_from_api_body(
        {
            "serials": ["P1"],
            "script_name": "unfollow",
            "script_config": {"target_username": "x\ny"},
        },
        INVENTORY,
        now=NOW,
    )
    assert [t.target for t in tasks] == ["x", "y"]
    assert "target_username" not in tasks[0].script_config


def test_validate_api_body_lists_every_problem() -> None:
    problems = validate_api_body(
        {"script_name": "post", "serials": "P1", "script_config": {"captoins": "x"}}, INVENTORY
    )
    assert [str(p) for p in problems] == [
        "<request body>: script_config.captoins: unknown key 'captoins' (did you mean 'captions'?)",
        "<request body>: serials: expected list, found string 'P1'",
    ]
