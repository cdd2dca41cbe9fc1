"""Device actions against a simulated phone behind the real adb server."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import adbutils
import pytest

from runner.device import Device, PhoneLink
from runner.errors import (
    DeviceError,
    DeviceLostError,
    DeviceTimeoutError,
    FailureClass,
    TaskFailed,
)
from runner.sim import FaultSpec

TIKTOK = "com.zhiliaoapp.musically"


def _device(fleet, adb_server: int) -> Device:  # type: ignore[no-untyped-def]
    return Device(
        PhoneLink(adbutils.AdbClient(port=adb_server), fleet.phones[0].adb_serial), timeout=5
    )


def test_shell_returns_stdout_stderr_and_exit_code(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1), adb_server)
    result = device.shell("echo out; ls /nope; exit 42")
    assert (result.text, result.stderr, result.exit_code) == (
        "out\n",
        b"ls: /nope: No such file or directory\n",
        42,
    )


def test_failed_command_raises_with_command_exit_code_and_output(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1)
    device = _device(fleet, adb_server)
    with pytest.raises(DeviceError) as info:
        device.run("ls /nope")
    assert str(info.value) == (
        f"{fleet.phones[0].adb_serial}: command failed: ls: /nope: No such file or directory "
        "(command: ls /nope, exit 1)"
    )


def test_drop_mid_command_is_device_lost_not_partial_success(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, faults=FaultSpec(disconnect_after=2))
    device = _device(fleet, adb_server)
    assert device.run("echo one") == "one\n"
    with pytest.raises(DeviceLostError) as info:
        device.run("echo two")
    assert (info.value.message, info.value.command) == (
        "the phone closed the command before it finished",
        "echo two",
    )


def test_hung_command_times_out(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, faults=FaultSpec(hang_on="__hang"))
    device = _device(fleet, adb_server)
    started = time.monotonic()
    with pytest.raises(DeviceTimeoutError):
        device.shell("echo __hang", timeout=0.5)
    assert 0.5 <= time.monotonic() - started < 2


def test_dump_find_and_tap_like(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    device = _device(fleet, adb_server)
    device.app_start(TIKTOK)
    device.tap(device.dump().find({"desc-contains": "Like video"}))
    # as on the real app: the Button stays unselected, its heart image is selected
    heart = device.dump().find({"xpath": "//node[starts-with(@content-desc,'Like video')]/node"})
    assert heart.attrs["selected"] == "true"
    assert len(fleet.ground_truth()[fleet.phones[0].serial]["user001_1"]["likes"]) == 1


def test_push_media_lands_in_the_camera_folder_and_is_indexed(
    sim_fleet, adb_server, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1), adb_server)
    local = tmp_path / "clip.mp4"
    local.write_bytes(b"x" * 3000)
    started = time.perf_counter()
    remote = device.push_media(local)
    elapsed = time.perf_counter() - started
    assert (remote, device.run(f"md5sum {remote}").split()[0]) == (
        "/sdcard/DCIM/Camera/clip.mp4",
        hashlib.md5(local.read_bytes()).hexdigest(),
    )
    assert "_data=/storage/emulated/0/DCIM/Camera/clip.mp4" in device.run(
        "content query --uri content://media/external/file"
    )
    assert elapsed < 0.2  # no 40 ms Nagle stall per push, no 10 ms close sleeps


def test_unicode_typing_activates_the_adb_keyboard(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1), adb_server)
    device.app_start(TIKTOK)
    device.tap(device.dump().find({"content-desc": "Search"}))
    device.type_text("café ☕")
    assert (
        device.run("settings get secure default_input_method").strip()
        == "com.android.adbkeyboard/.AdbIME"
    )
    assert device.dump().find({"class": "android.widget.EditText"}).text == "café ☕"


def test_unicode_without_keyboard_fails_before_typing_anything(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1, adb_keyboard=False), adb_server)
    with pytest.raises(TaskFailed) as info:
        device.type_text("ünïcode")
    assert info.value.failure_class is FailureClass.CONFIG_ERROR
    assert (
        info.value.message
        == "cannot type 'ünïcode': `input text` only types ASCII and no ADB keyboard is installed"
    )


def test_screenshot_is_a_png_and_facts_are_read(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1), adb_server)
    assert device.screenshot()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (device.getprop("ro.serialno"), device.app_version(TIKTOK), device.window_size()) == (
        "SIM000001",
        "47.0.3",
        (1080, 2400),
    )
    device.open_url("https://www.tiktok.com/@zoe", TIKTOK)
    assert device.current_app() == TIKTOK and device.dump().find({"text": "@zoe"}) is not None


def test_typing_with_verify_and_no_focused_field_is_a_verification_failure(
    sim_fleet, adb_server
) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1), adb_server)
    device.app_start(TIKTOK)
    with pytest.raises(TaskFailed) as info:
        device.type_text("hello", verify=True)
    assert (info.value.failure_class, info.value.message) == (
        FailureClass.VERIFICATION_FAILED,
        "typed 'hello' but the field shows 'no focused text field'",
    )


def test_wait_for_dismisses_a_popup_then_finds_the_element(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    from runner.device.appdata import load_app

    fleet = sim_fleet(phones=1)
    device = _device(fleet, adb_server)
    device.app_start(TIKTOK)
    fleet.phone("SIM000001").show_dialog("Choose your interests", ["Skip", "Next"])
    node = device.wait_for(
        [{"desc-contains": "Like video"}],
        name="video.like",
        timeout=3,
        popups=load_app("tiktok", TIKTOK).popups,
    )
    assert node.desc.startswith(
        "Like video. "
    ) and "dismissed dialog 'Choose your interests' (tap 'Skip')" in "\n".join(device.log)
    assert device.find([{"text": "Skip"}]) is None


def test_large_output_is_read_in_linear_time(sim_fleet, adb_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    device = _device(sim_fleet(phones=1), adb_server)
    blob = tmp_path / "blob.bin"
    blob.write_bytes(b"0123456789abcdef" * (4 * 65536))  # 4 MiB
    device.push(blob, "/data/local/tmp/blob.bin")
    started = time.perf_counter()
    result = device.shell("cat /data/local/tmp/blob.bin")
    assert (len(result.stdout), result.exit_code) == (4 * 1024 * 1024, 0)
    assert time.perf_counter() - started < 2.0
