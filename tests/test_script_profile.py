"""profile end to end: the fields the phone saved (ground truth) are the ones the task chose."""

from __future__ import annotations

import pytest

from runner.errors import FailureClass, TaskFailed


def _saved(fleet, user: str = "user001_1") -> list[dict]:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]["profile"]


def _app(fleet):  # type: ignore[no-untyped-def]
    return fleet.phone(fleet.phones[0].serial).display.app("com.zhiliaoapp.musically")


def test_profile_sets_name_bio_and_link_on_the_phone(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    config = {
        "nicknames": "MyBrand Official",
        "bios": "Official account\\nFollow for updates!",
        "link_url": "https://example.com",
    }
    result = run_task(fleet, "profile", config)
    assert _saved(fleet) == [
        {"field": "name", "value": "MyBrand Official"},
        {"field": "bio", "value": "Official account\nFollow for updates!"},
        {"field": "link", "value": "https://example.com"},
    ]
    assert result.details["changed"] == {
        "name": "MyBrand Official",
        "bio": "Official account\nFollow for updates!",
        "link": "https://example.com",
    }


def test_profile_sequential_gives_consecutive_tasks_different_lines(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    config = {"nicknames": "User One\nUser Two", "profile_order": "sequential"}
    run_task(fleet, "profile", config, username="user001_1", task_id=10)
    run_task(fleet, "profile", config, username="user001_2", task_id=11)
    names = {
        user: [entry["value"] for entry in kinds["profile"]]
        for user, kinds in fleet.ground_truth()[fleet.phones[0].serial].items()
    }
    assert names == {"user001_1": ["User One"], "user001_2": ["User Two"]}


def test_profile_username_change_renames_the_account_on_the_phone(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(fleet, "profile", {"usernames": "@brand_new.name"})
    assert _saved(fleet) == [{"field": "username", "value": "brand_new.name"}]
    assert _app(fleet).current == "brand_new.name"
    assert result.details["changed"] == {"username": "brand_new.name"}


def test_profile_a_second_run_with_the_same_values_saves_nothing(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    run_task(fleet, "profile", {"nicknames": "Same Name"})
    again = run_task(fleet, "profile", {"nicknames": "Same Name"})
    assert _saved(fleet) == [{"field": "name", "value": "Same Name"}]
    assert again.details == {"changed": {}, "unchanged": ["name"]}


def test_profile_with_a_username_taken_on_the_phone_fails_verification(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    with pytest.raises(TaskFailed) as caught:
        run_task(fleet, "profile", {"usernames": "user001_2"}, username="user001_1")
    assert caught.value.failure_class is FailureClass.VERIFICATION_FAILED
    assert _saved(fleet) == [] and _app(fleet).current == "user001_1"


def test_profile_avatars_fail_as_config_error_before_the_phone_is_touched(
    sim_fleet, run_task
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    with pytest.raises(TaskFailed) as caught:
        run_task(fleet, "profile", {"nicknames": "X", "avatars_path": "/tmp/avatars"})
    assert caught.value.failure_class is FailureClass.CONFIG_ERROR
    assert "avatars_path" in caught.value.message and _saved(fleet) == []
