"""Each fault gives the runner what a real phone would give it."""

from __future__ import annotations

import subprocess
import time

import adbutils
import pytest
from fixtures_sim import ui_find, ui_nodes, ui_tap

from runner.sim import FaultSpec, adbhost

TIKTOK = "com.zhiliaoapp.musically"


def _state(serial: str) -> str:
    for line in adbhost.request("host:devices").splitlines():
        name, _, state = line.partition("\t")
        if name == serial:
            return state
    return "absent"


def _wait_state(serial: str, wanted: str, timeout: float = 5.0) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if _state(serial) == wanted:
            return time.monotonic() - start
        time.sleep(0.02)
    raise AssertionError(f"{serial} never became {wanted} (now {_state(serial)})")


def _one(sim_fleet, **options):  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=1, **options)
    return fleet, fleet.phones[0], adbutils.AdbClient().device(fleet.phones[0].adb_serial)


def test_drop_mid_command_fails_shell2_then_phone_comes_back(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, device = _one(sim_fleet)
    phone.disconnect_on("echo hi")
    with pytest.raises(adbutils.AdbError, match="shell output invalid"):
        device.shell2("echo hi")
    _wait_state(phone.adb_serial, "device")
    assert device.shell("echo back") == "back"


def test_drop_mid_command_under_shell_v2_raises_eoferror(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, device = _one(sim_fleet)
    device.shell2("true", v2=True)  # features are fetched once per device object
    phone.disconnect_on("echo hi")
    with pytest.raises(EOFError):
        device.shell2("echo hi", v2=True)


def test_disconnect_shows_offline_then_device_again(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, _ = _one(sim_fleet)
    phone.disconnect()
    _wait_state(phone.adb_serial, "offline", timeout=2)
    assert _wait_state(phone.adb_serial, "device", timeout=3) < 3


def test_offline_listener_comes_back_on_the_servers_redial(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, device = _one(sim_fleet)
    phone.go_offline(0.1)
    _wait_state(phone.adb_serial, "offline", timeout=2)
    _wait_state(phone.adb_serial, "device", timeout=5)
    assert device.shell("getprop ro.serialno") == phone.serial


def test_disconnect_at_a_time_drops_the_connection(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, _ = _one(sim_fleet, faults=FaultSpec(disconnect_at=0.3))
    _wait_state(phone.adb_serial, "offline", timeout=3)
    assert _wait_state(phone.adb_serial, "device", timeout=3) < 3


def test_unauthorized_phone_is_listed_unauthorized_and_refuses_commands(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, _ = _one(sim_fleet, faults=FaultSpec(unauthorized=True))
    proc = subprocess.run(
        [adbhost.wheel_adb(), "-s", phone.adb_serial, "shell", "echo hi"],
        check=False,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert (
        _state(phone.adb_serial),
        proc.returncode,
        proc.stderr.startswith("adb: device unauthorized."),
    ) == ("unauthorized", 1, True)


def test_hung_command_times_out_and_phone_stays_usable(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, device = _one(sim_fleet, faults=FaultSpec(hang_on="uiautomator"))
    with pytest.raises(adbutils.AdbTimeout):
        device.shell("uiautomator dump /dev/tty", timeout=0.5)
    assert (_state(phone.adb_serial), device.shell("echo ok")) == ("device", "ok")


def test_latency_is_added_to_every_command(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, device = _one(sim_fleet)
    phone.set_latency(0.3)
    start = time.monotonic()
    device.shell("echo slow")
    assert time.monotonic() - start >= 0.3


def test_app_crash_on_a_tap_returns_to_the_launcher_with_a_crash_dialog(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, _, device = _one(sim_fleet, faults=FaultSpec(crash_after_taps=1))
    device.app_start(TIKTOK)
    ui_tap(device, content_desc="Home")
    ui_tap(device, text="Close app")
    assert device.app_current().package == "com.android.launcher3"


def test_disconnect_after_n_commands_drops_the_nth(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, _ = _one(sim_fleet, faults=FaultSpec(disconnect_after=3))
    phone.faults.commands = 0
    outcomes = [
        phone_result is not None for phone_result in (fleet_run(phone, "true") for _ in range(4))
    ]
    assert outcomes == [True, True, False, True], list(phone.faults.recent)


def fleet_run(phone, command: str):  # type: ignore[no-untyped-def]
    import asyncio

    assert phone.loop is not None
    return asyncio.run_coroutine_threadsafe(phone.execute(command), phone.loop).result(10)


def test_unexpected_dialog_covers_the_app_after_n_commands(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, device = _one(sim_fleet)
    device.app_start(TIKTOK)
    phone.faults.dialog_after = phone.faults.commands + 1
    device.shell("echo tick")
    assert (
        ui_find(device, text="Let's do a quick security checkup")["class"]
        == "android.widget.TextView"
    )


def test_set_layout_is_an_app_update_to_other_ids_and_version(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, phone, device = _one(sim_fleet)
    device.app_start(TIKTOK)
    before = ui_find(device, content_desc="Home")["resource-id"]
    phone.set_layout("43.1.4")
    after = ui_find(device, content_desc="Home")["resource-id"]
    version = device.shell(f"dumpsys package {TIKTOK} | grep versionName").strip()
    assert (before, after, version) == (
        f"{TIKTOK}:id/omq",
        f"{TIKTOK}:id/mkq",
        "versionName=43.1.4",
    )


def test_layout_variant_renames_ids_the_shipped_data_knows(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, _, device = _one(sim_fleet, faults=FaultSpec(layout="variant"))
    device.shell(
        ["am", "start", "-a", "android.intent.action.VIEW", "-d", "https://www.tiktok.com/@al"]
    )
    ids = {n["resource-id"].rsplit("/", 1)[-1] for n in ui_nodes(device) if n["text"] == "Follow"}
    version = device.shell(f"dumpsys package {TIKTOK} | grep versionName").strip()
    assert (ids, version) == ({"variant_follow"}, "versionName=99.0.0")


def test_hidden_element_is_not_rendered(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, _, device = _one(sim_fleet, faults=FaultSpec(hide=("video_follow",)))
    device.app_start(TIKTOK)
    descs = [n["content-desc"] for n in ui_nodes(device)]
    assert (
        any(d.startswith("Follow ") for d in descs),
        any(d.startswith("Like video. ") for d in descs),
    ) == (False, True)


def test_app_missing_phone_cannot_launch_tiktok(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    _, _, device = _one(sim_fleet, faults=FaultSpec(app_missing=True))
    result = device.shell2(f"monkey -p {TIKTOK} -c android.intent.category.LAUNCHER 1")
    assert (TIKTOK in device.list_packages(), result.returncode) == (False, 252)


def test_new_phone_on_a_port_still_listed_offline_is_reconnected(sim_fleet) -> None:  # type: ignore[no-untyped-def]
    from runner.sim import PhoneSpec

    _, old, _ = _one(sim_fleet)
    old.go_offline(60)
    _wait_state(old.adb_serial, "offline", timeout=2)
    fleet = sim_fleet(specs=[PhoneSpec("SIMREUSE1")], base_port=old.port)
    device = adbutils.AdbClient().device(fleet.phones[0].adb_serial)
    assert (fleet.phones[0].adb_serial, device.shell("getprop ro.serialno")) == (
        old.adb_serial,
        "SIMREUSE1",
    )
