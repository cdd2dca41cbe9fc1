"""A phone whose app is logged out: scripts fail at once, saying how to log it in; match_accounts
reports no account."""

from __future__ import annotations

import pytest

from runner.errors import FailureClass, TaskFailed
from runner.scheduler.executor import NEVER_RETRIED


def _fail(run_task, fleet, script: str, config: dict, **kw) -> TaskFailed:  # type: ignore[no-untyped-def]
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, script, config, **kw)
    return info.value


def test_follow_on_a_logged_out_phone_is_a_config_error_saying_to_log_in(
    sim_fleet, run_task
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=0)
    failure = _fail(run_task, fleet, "follow", {"access_method": "direct"}, target="alice")
    assert failure.failure_class is FailureClass.CONFIG_ERROR
    assert failure.failure_class in NEVER_RETRIED
    assert failure.message == (
        "com.zhiliaoapp.musically on SIM000001 is not logged in to any account "
        "(its profile tab offers to log in); screen: com.zhiliaoapp.musically showing "
        "'Log in to TikTok', 'Home', 'Friends', 'Create', 'Inbox', 'Profile'"
    )
    assert failure.hint == (
        "run the login script for the phone's inventory accounts (username, email, "
        "password_env) or log in by hand on the phone, then run match_accounts"
    )


def test_switching_to_an_inventory_account_on_a_logged_out_phone_fails_the_same_way(
    sim_fleet, run_task
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=0)
    failure = _fail(run_task, fleet, "follow", {}, target="alice", username="user001_1")
    assert failure.failure_class is FailureClass.CONFIG_ERROR
    assert "is not logged in to any account" in failure.message


def test_match_accounts_on_a_logged_out_phone_reports_zero_accounts(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=0)
    result = run_task(fleet, "match_accounts", {})
    assert result.details == {"accounts": [], "active": None}
    assert result.summary == "0 account(s) logged in"
