"""The phone side of ADB, exercised through adbutils and the real adb server."""

from __future__ import annotations

import os
import subprocess

import adbutils
import pytest

from runner.sim import adbhost


@pytest.fixture
def device(sim_fleet):  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1)
    return adbutils.AdbClient().device(fleet.phones[0].adb_serial)


def test_devices_lists_every_phone_in_device_state(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=3)
    listed = {d.serial: d.state for d in adbutils.AdbClient().list()}
    assert {s: listed.get(s) for s in fleet.serials().values()} == {
        s: "device" for s in fleet.serials().values()
    }


def test_getprop_answers_the_hardware_serial(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=2)
    d = adbutils.AdbClient().device(fleet.adb_serial("SIM000002"))
    assert d.shell("getprop ro.serialno") == "SIM000002"


def test_shell2_reports_exit_code_through_dollar_question(device) -> None:  # type: ignore[no-untyped-def]
    result = device.shell2("ls /nonexistent")
    assert (result.returncode, result.output) == (
        1,
        "ls: /nonexistent: No such file or directory\n",
    )


def test_shell_v2_separates_stdout_stderr_and_exit_code(device) -> None:  # type: ignore[no-untyped-def]
    result = device.shell2("echo out; cat /missing; exit 42", v2=True)
    assert (result.stdout, result.stderr, result.returncode) == (
        "out\n",
        "cat: /missing: No such file or directory\n",
        42,
    )


def test_unknown_command_answers_like_system_sh(device) -> None:  # type: ignore[no-untyped-def]
    result = device.shell2("frobnicate --now", v2=True)
    assert (result.stderr, result.returncode) == (
        "/system/bin/sh: frobnicate: inaccessible or not found\n",
        127,
    )


def test_and_or_chains_follow_exit_status(device) -> None:  # type: ignore[no-untyped-def]
    assert device.shell("false && echo no || echo yes; true && echo 'a b'") == "yes\na b"


def test_adb_cli_shell_propagates_remote_exit_code(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1)
    port = os.environ["ANDROID_ADB_SERVER_PORT"]
    proc = subprocess.run(
        [
            adbhost.wheel_adb(),
            "-P",
            port,
            "-s",
            fleet.phones[0].adb_serial,
            "shell",
            "echo hi; exit 7",
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (proc.returncode, proc.stdout) == (7, "hi\n")


def test_push_then_pull_10_mib_is_byte_exact(device, tmp_path) -> None:  # type: ignore[no-untyped-def]
    payload = os.urandom(10 * 1024 * 1024 + 17)
    device.sync.push(payload, "/sdcard/Download/big.bin")
    assert device.sync.read_bytes("/sdcard/Download/big.bin") == payload


def test_push_into_directory_appends_the_file_name(device, tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = tmp_path / "clip.mp4"
    src.write_bytes(b"video")
    device.sync.push(str(src), "/sdcard/DCIM/")
    assert device.shell("ls /sdcard/DCIM") == "Camera\nclip.mp4"


def test_adb_cli_push_and_pull_round_trip(sim_fleet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1)
    adb = [
        adbhost.wheel_adb(),
        "-P",
        os.environ["ANDROID_ADB_SERVER_PORT"],
        "-s",
        fleet.phones[0].adb_serial,
    ]
    src, back = tmp_path / "in.bin", tmp_path / "out.bin"
    src.write_bytes(os.urandom(300_000))
    subprocess.run(
        [*adb, "push", str(src), "/data/local/tmp/"], check=True, capture_output=True, timeout=30
    )
    subprocess.run(
        [*adb, "pull", "/data/local/tmp/in.bin", str(back)],
        check=True,
        capture_output=True,
        timeout=30,
    )
    assert back.read_bytes() == src.read_bytes()


def test_stat_of_missing_file_is_all_zero(device) -> None:  # type: ignore[no-untyped-def]
    info = device.sync.stat("/sdcard/nope.txt")
    assert (info.mode, info.size) == (0, 0)


def test_read_of_missing_file_raises_open_failed(device) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(adbutils.AdbError, match="open failed: No such file or directory"):
        device.sync.read_bytes("/sdcard/nope.txt")


def test_sync_list_shows_pushed_files(device) -> None:  # type: ignore[no-untyped-def]
    device.sync.push(b"abc", "/data/local/tmp/x.txt")
    names = {entry.path: entry.size for entry in device.sync.list("/data/local/tmp")}
    assert names == {"x.txt": 3}


def test_window_size_and_current_app(device) -> None:  # type: ignore[no-untyped-def]
    assert (tuple(device.window_size()), device.app_current().package) == (
        (1080, 2400),
        "com.android.launcher3",
    )


def test_screencap_is_a_png(device) -> None:  # type: ignore[no-untyped-def]
    data = device.shell("screencap -p", encoding=None)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"


def test_adb_cli_pulls_a_directory_through_list_v2(sim_fleet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1)
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    device.sync.push(b"one", "/sdcard/Movies/a.txt")
    device.sync.push(b"two", "/sdcard/Movies/b.txt")
    adb = [
        adbhost.wheel_adb(),
        "-P",
        os.environ["ANDROID_ADB_SERVER_PORT"],
        "-s",
        fleet.phones[0].adb_serial,
    ]
    subprocess.run(
        [*adb, "pull", "/sdcard/Movies", str(tmp_path)], check=True, capture_output=True, timeout=30
    )
    assert sorted(p.read_text() for p in (tmp_path / "Movies").iterdir()) == ["one", "two"]


def test_long_command_crosses_packets_intact(device) -> None:  # type: ignore[no-untyped-def]
    word = "x" * 60_000  # a smart-socket request is capped at 0xffff bytes
    result = device.shell2(f"echo {word}", v2=True)
    assert (result.stdout == word + "\n", result.returncode) == (True, 0)


def test_large_output_arrives_whole_over_many_wrtes(device) -> None:  # type: ignore[no-untyped-def]
    payload = os.urandom(700_000)
    device.sync.push(payload, "/data/local/tmp/blob")
    assert device.shell("cat /data/local/tmp/blob", encoding=None) == payload
