"""Screen reads as on real phones: videos that never go idle, and the two readers that cope.

A plain `uiautomator dump` on a playing video prints the idle error and exits 0 without a
screen; the dump reader retries with `--compressed`; uiautomator2's on-device server (its jar,
its client protocol, through the real adb server) reads every screen, survives being killed and
gives way to the dump when it cannot start.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import adbutils
import pytest

from runner.device import Device, PhoneLink
from runner.device.adblink import ShellResult
from runner.device.readers import AutoReader, DumpReader, U2Reader
from runner.device.readers.dump import DUMP_FILE, file_command, interpret
from runner.device.textinput import as_dumped
from runner.device.uitree import parse_dump
from runner.errors import FailureClass, ScreenUnreadableError, TaskFailed
from runner.pool import DevicePool
from runner.scripts import ScriptTask, run_script
from runner.sim import FaultSpec

TIKTOK = "com.zhiliaoapp.musically"
URL = "https://www.tiktok.com/@chef.marco/video/7300000000000000001"
WARMUP = {
    "task_duration": 2,
    "min_duration": 0.2,
    "max_duration": 0.3,
    "like_probable": 100,
    "floow_probable": 100,
    "comment_probable": 100,
    "comment": "nice",
}


def _device(fleet: Any, reader: Any = None) -> Device:
    link = PhoneLink(adbutils.AdbClient(), fleet.phones[0].adb_serial)
    return Device(link, reader=reader)


def _on_feed(device: Device) -> Device:
    device.app_start(TIKTOK)
    return device


@pytest.fixture
def reader_pool(adb_server: int) -> Iterator[Any]:
    """``reader_pool(kind)``: a started DevicePool with that screen reader (stopped after)."""
    pools: list[DevicePool] = []

    def make(kind: str) -> DevicePool:
        pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)], screen_reader=kind)
        pool.start()
        pools.append(pool)
        return pool

    yield make
    for pool in pools:
        pool.stop()


def _run(pool: DevicePool, fleet: Any, script: str, config: dict, tmp_path: Path, **kw: Any):  # type: ignore[no-untyped-def]
    phone = fleet.phones[0]
    task = ScriptTask(
        task_id=kw.pop("task_id", 1),
        script_name=script,
        script_config=config,
        serial=phone.serial,
        username=None,
        package=TIKTOK,
        target=kw.pop("target", None),
        campaign="t",
    )
    with pool.lease(phone.serial, timeout=10) as device:
        if (hook := kw.pop("on_command", None)) is not None:
            device.on_command = hook
        return run_script(
            device, task, cancel=threading.Event(), artifacts_dir=tmp_path / str(task.task_id)
        )


def _truth(fleet: Any) -> dict:
    return fleet.ground_truth()[fleet.phones[0].serial]["user001_1"]


# --- the simulated phone ---------------------------------------------------------------------
def test_plain_dump_of_the_playing_feed_prints_the_idle_error_exits_0_and_writes_nothing(
    sim_fleet,
) -> None:  # type: ignore[no-untyped-def]
    device = _on_feed(_device(sim_fleet(phones=1, accounts=1)))
    result = device.shell("uiautomator dump /sdcard/feed.xml; echo rc=$?; ls /sdcard/feed.xml")
    assert result.text == "ERROR: could not get idle state.\nrc=0\n"


def test_compressed_dump_reads_the_playing_feed(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    device = _on_feed(_device(sim_fleet(phones=1, accounts=1)))
    tree = parse_dump(device.run("uiautomator dump --compressed /dev/tty"))
    assert tree.find({"desc-contains": "Like"}) is not None


def test_compressed_dump_can_fail_too_when_the_phone_says_so(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(compressed_idle_failure=1.0))
    device = _on_feed(_device(fleet))
    assert device.run("uiautomator dump --compressed /dev/tty") == (
        "ERROR: could not get idle state.\n"
    )


def test_uiautomator2s_own_client_starts_reads_and_stops_the_simulated_server(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    from uiautomator2.core import BasicUiautomatorServer

    fleet = sim_fleet(phones=1, accounts=1)
    phone = fleet.phones[0]
    device = adbutils.AdbClient().device(phone.adb_serial)
    device.app_start(TIKTOK)
    server = BasicUiautomatorServer(device)  # pushes u2.jar, runs app_process, waits for pong
    xml = server.jsonrpc_call("dumpWindowHierarchy", [False, 50])
    server.stop_uiautomator()
    assert ("Read or add comments" in xml, phone.u2.starts, phone.u2.running) == (True, 1, False)


def test_a_dump_fails_while_the_server_holds_the_uiautomation_service(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    reader = U2Reader()
    device = _device(sim_fleet(phones=1, accounts=1), reader)
    device.dump()
    try:
        result = device.shell("uiautomator dump /dev/tty")
    finally:
        reader.close()
    assert (result.exit_code, "already registered" in result.stderr.decode()) == (1, True)


def test_screen_read_faults_from_the_command_line() -> None:
    from runner.sim import default_phones
    from runner.sim.faults import apply_faults, parse_fault

    [phone] = apply_faults(
        default_phones(1, 1), [parse_fault("no-u2"), parse_fault("compressed-idle=0.3")]
    )
    assert (phone.faults.u2_unavailable, phone.faults.compressed_idle_failure) == (True, 0.3)  # type: ignore[union-attr]


# --- what counts as a screen -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("output", "exit_code", "reason"),
    [
        ("ERROR: could not get idle state.\n", 0, "ERROR: could not get idle state."),
        (
            "ERROR: null root node returned by UiTestAutomationBridge.\n",
            1,
            "ERROR: null root node returned by UiTestAutomationBridge.",
        ),
        (
            "cat: /data/local/tmp/runner_dump.xml: No such file or directory\n",
            1,
            "cat: /data/local/tmp/runner_dump.xml: No such file or directory",
        ),
        ("Killed\n", 137, "Killed"),
        ("", 0, "no hierarchy in the output (nothing printed)"),
        ('<?xml version="1.0"?><hierarchy rotation="0"><node', 0, "no hierarchy"),
    ],
)
def test_uiautomator_failure_texts_are_failed_reads_never_screens(
    output: str, exit_code: int, reason: str
) -> None:
    attempt = interpret(ShellResult(output.encode(), b"", exit_code), "uiautomator dump")
    assert attempt.tree is None
    assert attempt.reason is not None and attempt.reason.startswith(reason)


def test_a_caption_saying_error_is_still_a_screen() -> None:
    xml = '<?xml version="1.0"?><hierarchy rotation="0"><node text="ERROR: could not get idle state." bounds="[0,0][1,1]"/></hierarchy>'
    attempt = interpret(
        ShellResult(xml.encode() + b"UI hierchary dumped to: /dev/tty\n", b"", 0), "d"
    )
    assert attempt.reason is None and attempt.tree is not None


def test_file_fallback_never_returns_the_previous_screen(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1, accounts=1))
    device.run(f"uiautomator dump {DUMP_FILE}")  # the launcher, left behind
    _on_feed(device)
    command = file_command(compressed=False)
    result = device.shell(command)
    attempt = interpret(result, command)
    assert (attempt.tree, attempt.reason) == (None, "ERROR: could not get idle state.")
    assert result.exit_code == 1 and b"No such file" in result.stdout + result.stderr


def test_the_app_in_front_is_the_apps_window_not_the_status_bar_first() -> None:
    xml = (
        '<?xml version="1.0"?><hierarchy rotation="0">'
        '<node package="com.android.systemui" class="android.widget.FrameLayout" bounds="[0,0][1080,80]"/>'
        f'<node package="{TIKTOK}" class="android.widget.FrameLayout" bounds="[0,0][1080,2400]"/>'
        "</hierarchy>"
    )
    assert parse_dump(xml).package == TIKTOK


def test_four_byte_emoji_read_back_as_two_dots_like_real_dumps() -> None:
    assert as_dumped("nice 🔥 café") == "nice .. café"


# --- the dump reader ---------------------------------------------------------------------------
def test_dump_reader_gets_the_feed_with_compressed_after_the_idle_error(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    reader = DumpReader()
    device = _on_feed(_device(sim_fleet(phones=1, accounts=1), reader))
    tree = device.dump()
    device.dump()
    assert (tree.package, reader.attempts, reader.failures, reader.prefer_compressed) == (
        TIKTOK,
        3,  # plain (idle error), compressed (screen), then compressed first
        1,
        True,
    )


def test_a_screen_no_dump_can_read_is_screen_unreadable_naming_the_reason(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(compressed_idle_failure=1.0))
    device = _on_feed(_device(fleet, DumpReader()))
    with pytest.raises(ScreenUnreadableError) as info:
        device.dump()
    assert str(info.value.message) == (
        "cannot read the screen: ERROR: could not get idle state. (4 failed dumps)"
    )
    assert "on-device reader" in (info.value.hint or "")


def test_a_step_that_cannot_read_the_screen_fails_screen_unreadable_with_a_screenshot(
    sim_fleet, reader_pool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(compressed_idle_failure=1.0))
    with pytest.raises(TaskFailed) as info:
        _run(reader_pool("dump"), fleet, "comment", {"comment_content": "hi"}, tmp_path, target=URL)
    failure = info.value
    assert failure.failure_class is FailureClass.SCREEN_UNREADABLE
    assert "could not get idle state" in failure.message
    assert sorted(failure.details["artifacts"]) == ["screenshot", "step_log"]


@pytest.mark.parametrize("kind", ["dump", "auto"])
def test_warmup_likes_comments_and_follows_on_videos_that_never_go_idle(
    kind: str, sim_fleet, reader_pool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    stats = _run(reader_pool(kind), fleet, "account_warmup", WARMUP, tmp_path).details
    truth = _truth(fleet)
    assert min(stats["videos"], stats["likes"], stats["follows"], stats["comments"]) >= 1
    assert (len(truth["likes"]), len(truth["follows"]), len(truth["comments"])) == (
        stats["likes"],
        stats["follows"],
        stats["comments"],
    )


def test_comment_on_a_playing_video_with_the_dump_reader(
    sim_fleet, reader_pool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    _run(reader_pool("dump"), fleet, "comment", {"comment_content": "great"}, tmp_path, target=URL)
    assert [c["text"] for c in _truth(fleet)["comments"]] == ["great"]


# --- the on-device reader ----------------------------------------------------------------------
def test_server_is_started_once_and_reused_across_tasks(
    sim_fleet, reader_pool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    pool = reader_pool("auto")
    _run(pool, fleet, "follow", {}, tmp_path, target="alice", task_id=1)
    _run(pool, fleet, "follow", {}, tmp_path, target="bob", task_id=2)
    info = next(i for i in pool.devices() if i.serial == fleet.phones[0].adb_serial)
    assert (_truth(fleet)["follows"], fleet.phones[0].u2.starts, info.reader) == (
        ["alice", "bob"],
        1,
        "uiautomator2",
    )


def test_server_killed_mid_task_is_restarted_and_the_task_completes(
    sim_fleet, reader_pool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    phone = fleet.phones[0]
    taps = []

    def kill_on_first_tap(command: str) -> None:
        if command.startswith("input tap") and not taps:
            taps.append(command)
            phone.kill_u2()

    pool = reader_pool("uiautomator2")
    _run(
        pool,
        fleet,
        "comment",
        {"comment_content": "still here"},
        tmp_path,
        target=URL,
        on_command=kill_on_first_tap,
    )
    reader = pool.reader(phone.serial)
    assert ([c["text"] for c in _truth(fleet)["comments"]], phone.u2.starts, reader.restarts) == (
        ["still here"],
        2,
        1,
    )


def test_a_phone_that_drops_mid_read_is_not_taken_for_a_server_that_cannot_run(
    sim_fleet, reader_pool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(disconnect_on="u2 POST /jsonrpc"))
    pool = reader_pool("auto")
    try:
        _run(pool, fleet, "follow", {}, tmp_path, target="alice")
    except TaskFailed as exc:  # back in time for the restart, or not: either is fine
        assert exc.failure_class is FailureClass.DEVICE_LOST
    assert pool.reader(fleet.phones[0].serial).fallback_reason is None


def test_phone_whose_server_cannot_start_is_read_with_the_dump(
    sim_fleet, reader_pool, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, faults=FaultSpec(u2_unavailable=True))
    pool = reader_pool("auto")
    _run(pool, fleet, "follow", {}, tmp_path, target="alice")
    info = next(i for i in pool.devices() if i.serial == fleet.phones[0].adb_serial)
    assert (_truth(fleet)["follows"], info.reader, info.reader_note) == (
        ["alice"],
        "dump",
        "uiautomator2 unavailable: another UiAutomation holds the service (already registered)",
    )


def test_unknown_screen_reader_in_the_environment_is_a_usage_error_naming_the_choices(
    monkeypatch,
) -> None:  # type: ignore[no-untyped-def]
    from runner.errors import UsageError

    monkeypatch.setenv("CAMPAIGN_SCREEN_READER", "fast")
    with pytest.raises(UsageError) as info:
        DevicePool(adb_servers=[("127.0.0.1", 1)])
    assert (info.value.message, info.value.hint) == (
        "unknown screen reader 'fast' (from CAMPAIGN_SCREEN_READER or the caller)",
        "one of auto, uiautomator2, dump",
    )


def test_auto_reader_reads_the_playing_feed_in_one_call(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    reader = AutoReader()
    device = _on_feed(_device(fleet, reader))
    try:
        tree = device.dump()
    finally:
        reader.close()
    assert (tree.package, reader.dump.attempts, fleet.phones[0].u2.running) == (TIKTOK, 0, False)
