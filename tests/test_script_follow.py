"""follow / unfollow end to end against simulated phones: what the phone records."""

from __future__ import annotations

import pytest

from runner.errors import FailureClass, TaskFailed
from runner.sim import AccountSpec, PhoneSpec


def _truth(fleet, user: str) -> dict:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]


def test_follow_direct_follows_the_user(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(fleet, "follow", {"access_method": "direct"}, target="alice")
    assert (result.summary, _truth(fleet, "user001_1")["follows"]) == ("followed @alice", ["alice"])
    assert (result.details["before"], result.details["after"], result.details["changed"]) == (
        "Follow",
        "Following",
        True,
    )


def test_follow_by_search_picks_the_exact_user(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(fleet, "follow", {"access_method": "search"}, target="@bob")
    assert (result.summary, _truth(fleet, "user001_1")["follows"]) == ("followed @bob", ["bob"])


def test_follow_already_following_is_success_with_a_note(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    spec = PhoneSpec("SIMF00001", accounts=(AccountSpec("anna", following=("carol",)),))
    fleet = sim_fleet(specs=[spec])
    result = run_task(fleet, "follow", {}, target="carol")
    assert (result.summary, result.details["changed"], _truth(fleet, "anna")["follows"]) == (
        "already following @carol",
        False,
        [],
    )


def test_unfollow_confirms_the_dialog(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    spec = PhoneSpec("SIMF00002", accounts=(AccountSpec("anna", following=("carol",)),))
    fleet = sim_fleet(specs=[spec])
    result = run_task(fleet, "unfollow", {"access_method": "direct"}, target="carol")
    assert (result.summary, _truth(fleet, "anna")["unfollows"]) == ("unfollowed @carol", ["carol"])


def test_unfollow_not_following_is_success_with_a_note(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    result = run_task(fleet, "unfollow", {}, target="dave")
    assert (result.summary, _truth(fleet, "user001_1")["unfollows"]) == ("not following @dave", [])


def test_follow_friends_button_counts_as_following(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, mutual_users=("erin",))
    result = run_task(fleet, "follow", {}, target="erin")
    assert (result.details["after"], _truth(fleet, "user001_1")["follows"]) == ("Friends", ["erin"])


def test_follow_missing_account_is_a_config_error(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, missing_users=("ghost",))
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, "follow", {}, target="ghost")
    assert info.value.failure_class is FailureClass.CONFIG_ERROR
    assert (
        info.value.message
        == 'account @ghost does not exist (the app says "Couldn\'t find this account")'
    )


def test_follow_with_username_switches_account_first(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    run_task(fleet, "follow", {}, target="frank", username="user001_2")
    truth = fleet.ground_truth()[fleet.phones[0].serial]
    assert (
        truth["user001_2"]["follows"],
        truth["user001_1"]["follows"],
        truth["user001_2"]["switches"],
    ) == (["frank"], [], [{"from": "user001_1", "to": "user001_2"}])


def test_tasks_in_a_row_start_from_wherever_the_last_one_left_the_app(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    run_task(fleet, "follow", {}, target="mia", username="user001_1")
    run_task(fleet, "follow", {"access_method": "search"}, target="noah", username="user001_2")
    run_task(fleet, "follow", {}, target="olga", username="user001_1")
    truth = fleet.ground_truth()[fleet.phones[0].serial]
    assert (truth["user001_1"]["follows"], truth["user001_2"]["follows"]) == (
        ["mia", "olga"],
        ["noah"],
    )


def test_search_field_left_filled_by_an_earlier_search_is_emptied_first(
    sim_fleet, run_task
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    run_task(fleet, "follow", {"access_method": "search"}, target="pia")
    run_task(fleet, "unfollow", {"access_method": "search"}, target="pia")
    truth = fleet.ground_truth()[fleet.phones[0].serial]["user001_1"]
    assert (truth["follows"], truth["unfollows"]) == (["pia"], ["pia"])
