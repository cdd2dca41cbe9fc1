"""login end to end: the account the phone really logged in to (ground truth), with credentials
from the inventory and the environment, and a password that never reaches logs or errors."""

from __future__ import annotations

from pathlib import Path

import pytest

import runner.scripts.context as script_context
from runner.errors import FailureClass, TaskFailed

PASSWORD = "s3cret-Pa55!"


def _setup(sim_fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *, email: str = ""):  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    phone = fleet.phone(fleet.phones[0].serial)
    phone.world.register("newbie", "newbie@example.com", PASSWORD)
    mail = f", email: {email}" if email else ""
    (tmp_path / "inventory.yaml").write_text(
        "devices:\n  - serial: SIM000001\n    accounts:\n      - {username: user001_1}\n"
        f"      - {{username: newbie, password_env: TM_PW_NEWBIE{mail}}}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("TM_PW_NEWBIE", PASSWORD)
    return fleet, phone.display.app("com.zhiliaoapp.musically")


def _logins(fleet) -> dict[str, list]:  # type: ignore[no-untyped-def]
    truth = fleet.ground_truth()[fleet.phones[0].serial]
    return {user: kinds["logins"] for user, kinds in truth.items() if kinds["logins"]}


def test_login_with_email_adds_the_account_and_makes_it_active(
    sim_fleet, run_task, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    fleet, app = _setup(sim_fleet, tmp_path, monkeypatch, email="newbie@example.com")
    result = run_task(fleet, "login", {}, username="newbie")
    assert _logins(fleet) == {"newbie": [{"identifier": "newbie@example.com", "from": "user001_1"}]}
    assert app.current == "newbie" and sorted(app.accounts) == ["newbie", "user001_1"]
    assert result.summary == "logged in @newbie with e-mail"


def test_login_without_email_uses_the_username(sim_fleet, run_task, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fleet, _ = _setup(sim_fleet, tmp_path, monkeypatch)
    run_task(fleet, "login", {}, username="newbie")
    assert _logins(fleet) == {"newbie": [{"identifier": "newbie", "from": "user001_1"}]}


def test_login_of_an_account_already_on_the_phone_logs_nothing_in(
    sim_fleet, run_task, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    fleet, _ = _setup(sim_fleet, tmp_path, monkeypatch)
    (tmp_path / "inventory.yaml").write_text(
        "devices:\n  - serial: SIM000001\n    accounts:\n"
        "      - {username: user001_1, password_env: TM_PW_NEWBIE}\n",
        encoding="utf-8",
    )
    result = run_task(fleet, "login", {}, username="user001_1")
    assert _logins(fleet) == {} and result.summary == "@user001_1 was already logged in"


def test_a_refused_password_fails_verification_and_never_shows_the_password(
    sim_fleet, run_task, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    fleet, app = _setup(sim_fleet, tmp_path, monkeypatch)
    monkeypatch.setenv("TM_PW_NEWBIE", "wrong-" + PASSWORD)
    monkeypatch.setattr(script_context, "WAIT_SCALE", 0.3)
    with pytest.raises(TaskFailed) as caught:
        run_task(fleet, "login", {}, username="newbie", task_id=41)
    failure = caught.value
    assert failure.failure_class is FailureClass.VERIFICATION_FAILED
    assert _logins(fleet) == {} and app.current == "user001_1"
    steps = (tmp_path / "artifacts" / "41" / "steps.log").read_text(encoding="utf-8")
    assert "type a secret of 18 characters" in steps
    assert (
        PASSWORD not in steps
        and PASSWORD not in str(failure)
        and PASSWORD not in str(failure.details)
    )


def test_a_password_missing_from_the_environment_is_a_config_error(
    sim_fleet, run_task, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    fleet, _ = _setup(sim_fleet, tmp_path, monkeypatch)
    monkeypatch.delenv("TM_PW_NEWBIE")
    with pytest.raises(TaskFailed) as caught:
        run_task(fleet, "login", {}, username="newbie")
    assert caught.value.failure_class is FailureClass.CONFIG_ERROR
    assert "TM_PW_NEWBIE" in caught.value.message and _logins(fleet) == {}
