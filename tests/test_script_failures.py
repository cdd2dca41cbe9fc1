"""Failures that explain themselves: classes, messages and the artifacts each failure leaves."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from runner.errors import FailureClass, TaskFailed
from runner.sim import FaultSpec


def _follows(fleet, user: str = "user001_1") -> list:  # type: ignore[no-untyped-def]
    return fleet.ground_truth()[fleet.phones[0].serial][user]["follows"]


def _fail(run_task, fleet, script="follow", config=None, **kw) -> TaskFailed:  # type: ignore[no-untyped-def]
    with pytest.raises(TaskFailed) as info:
        run_task(fleet, script, config or {}, **kw)
    return info.value


def test_hidden_follow_button_is_element_not_found_with_artifacts(
    sim_fleet, run_task, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("runner.scripts.context.WAIT_SCALE", 0.1)
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(hide=("profile_follow_text",)))
    failure = _fail(run_task, fleet, target="alice", task_id=7)
    assert failure.failure_class is FailureClass.ELEMENT_NOT_FOUND
    assert failure.message.startswith("profile.follow_button or profile.missing not found on ")
    assert "(tried {xpath=\"//node[@resource-id='com.zhiliaoapp.musically:id/fmp'" in (
        failure.message
    )
    assert (
        "screen: com.zhiliaoapp.musically showing 'Back', 'Alice', '@alice', '35', 'Following'"
        in failure.message
    )
    folder = tmp_path / "artifacts" / "7"
    assert sorted(p.name for p in folder.iterdir()) == ["screenshot.png", "steps.log", "ui.xml"]
    assert failure.details["artifacts"]["ui_dump"] == str(folder / "ui.xml")
    assert (
        "@alice" in (folder / "ui.xml").read_text()
        and (folder / "screenshot.png").read_bytes()[:4] == b"\x89PNG"
    )
    assert "step: open profile @alice" in (folder / "steps.log").read_text()


def test_variant_layout_with_a_renamed_follow_id_still_works_through_its_words(
    sim_fleet, run_task
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(layout="variant"))
    run_task(fleet, "follow", {}, target="hank")
    assert _follows(fleet) == ["hank"]


def test_stop_during_a_long_wait_cancels_at_once_instead_of_timing_out(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(hide=("profile_follow_text",)))
    cancel = threading.Event()
    threading.Timer(
        1.0, cancel.set
    ).start()  # the script is by then waiting (10 s) for a hidden button
    failure = _fail(run_task, fleet, target="alice", cancel=cancel)
    assert (
        failure.failure_class,
        failure.message,
        fleet.phone(fleet.phones[0].serial).foreground()[0],
    ) == (FailureClass.CANCELLED, "stopped by request", "com.android.launcher3")


def test_popup_in_the_middle_is_dismissed(sim_fleet, run_task, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # the 6th command opens the profile (the same with either screen reader): the dialog covers it
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(dialog_after=6))
    run_task(fleet, "follow", {}, target="ivy")
    assert _follows(fleet) == ["ivy"]


def test_random_popups_from_the_catalogue_are_dismissed(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, popup_probability=1.0, seed=3)
    run_task(
        fleet,
        "comment",
        {"comment_content": "nice"},
        target="https://www.tiktok.com/@a.b/video/7300000000000000002",
    )
    assert [
        c["text"] for c in fleet.ground_truth()[fleet.phones[0].serial]["user001_1"]["comments"]
    ] == ["nice"]


def test_phone_dropping_mid_task_is_device_lost_never_success(
    sim_fleet, run_task, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(disconnect_after=5))
    failure = _fail(run_task, fleet, target="jack", task_id=9)
    assert failure.failure_class is FailureClass.DEVICE_LOST
    assert (tmp_path / "artifacts" / "9" / "steps.log").is_file()


def test_app_missing_is_app_not_installed(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(app_missing=True))
    failure = _fail(run_task, fleet, target="kim")
    assert (failure.failure_class, failure.message) == (
        FailureClass.APP_NOT_INSTALLED,
        f"com.zhiliaoapp.musically is not installed on {fleet.phones[0].adb_serial}",
    )


def test_cancel_stops_between_steps_and_goes_home(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    cancel = threading.Event()
    timer = threading.Timer(0.5, cancel.set)
    timer.start()
    failure = _fail(
        run_task,
        fleet,
        "account_warmup",
        {"task_duration": 30, "min_duration": 5, "max_duration": 5},
        cancel=cancel,
    )
    timer.cancel()
    assert (failure.failure_class, fleet.phone(fleet.phones[0].serial).foreground()[0]) == (
        FailureClass.CANCELLED,
        "com.android.launcher3",
    )


def test_unknown_account_is_a_config_error(sim_fleet, run_task) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    failure = _fail(run_task, fleet, target="lee", username="nobody")
    assert (failure.failure_class, failure.message) == (
        FailureClass.CONFIG_ERROR,
        f"account 'nobody' is not logged in in com.zhiliaoapp.musically on "
        f"{fleet.phones[0].adb_serial} (the switcher lists 'user001_1')",
    )


def test_hung_phone_is_a_timeout_with_the_log_kept(sim_fleet, adb_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from runner.pool import DevicePool
    from runner.scripts import ScriptTask, run_script

    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(hang_on="input tap"))
    pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)], command_timeout=1.0)
    task = ScriptTask(3, "follow", {}, "SIM000001", None, "com.zhiliaoapp.musically", "quinn", "t")
    try:
        with pytest.raises(TaskFailed) as info, pool.lease("SIM000001", timeout=5) as device:
            run_script(device, task, cancel=threading.Event(), artifacts_dir=tmp_path / "3")
    finally:
        pool.stop()
    assert info.value.failure_class is FailureClass.TIMEOUT
    assert (info.value.message, info.value.hint) == (
        "no answer from the phone (timed out) (command: input tap 108 2325)",  # the Home tab
        "the phone or the adb server is stuck; check `adb devices`",
    )
    assert sorted(p.name for p in (tmp_path / "3").iterdir()) == ["steps.log", "ui.xml"]
    assert _follows(fleet) == []


def test_app_crash_after_the_tap_says_the_app_is_not_in_front(
    sim_fleet, run_task, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("runner.scripts.context.WAIT_SCALE", 0.1)
    fleet = sim_fleet(
        phones=1, accounts=1, faults=FaultSpec(crash_after_taps=3)
    )  # Home, Profile, Follow
    failure = _fail(run_task, fleet, target="rita")
    assert (failure.failure_class, failure.message) == (
        FailureClass.VERIFICATION_FAILED,
        (
            "pressed 'Follow' for @rita but the control shows 'nothing'; screen: com.android.launcher3 showing 'TikTok' "
            "(com.zhiliaoapp.musically is not in front: it may have crashed or been closed)"
        ),
    )
