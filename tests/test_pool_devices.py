"""The device pool over simulated phones: inventory, states, leases, quarantine."""

from __future__ import annotations

import threading
import time

import pytest

from runner.campaign.records import Account, Inventory, InventoryDevice
from runner.errors import DeviceLostError, DeviceUnavailableError
from runner.pool import DevicePool
from runner.sim import FaultSpec, PhoneSpec


def _wait(predicate, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False


def test_devices_lists_inventory_and_live_facts(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1, accounts=2)
    inventory = Inventory(
        devices=(
            InventoryDevice(
                "SIM000001",
                name="desk-1",
                groups=("eu",),
                accounts=(Account("user001_1"), Account("user001_2")),
            ),
        ),
        present=True,
    )
    pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)], inventory=inventory)
    pool.start()
    try:
        [info] = [d for d in pool.devices() if d.hw_serial == "SIM000001"]
    finally:
        pool.stop()
    assert (info.serial, info.state, info.name, info.groups, info.accounts) == (
        fleet.phones[0].adb_serial,
        "device",
        "desk-1",
        ("eu",),
        ("user001_1", "user001_2"),
    )
    assert (
        info.model,
        info.android,
        info.battery,
        info.screen_on,
        info.app_installed,
        info.app_version,
    ) == ("SimPhone", "12", 87, True, True, "47.0.3")


def test_resolve_maps_hardware_and_adb_serials(sim_fleet, pool) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=2)
    adb = fleet.phones[1].adb_serial
    assert (pool.resolve("SIM000002"), pool.resolve(adb), pool.resolve("NOPE")) == (adb, adb, None)


def test_lease_is_exclusive_per_phone_and_returned_on_exceptions(sim_fleet, pool) -> None:  # type: ignore[no-untyped-def]
    sim_fleet(phones=1)
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pool.lease("SIM000001"):
            held.set()
            release.wait(5)

    thread = threading.Thread(target=hold)
    thread.start()
    held.wait(5)
    with pytest.raises(DeviceUnavailableError) as info, pool.lease("SIM000001", timeout=0.1):
        pass
    release.set()
    thread.join()
    assert (
        str(info.value)
        == "SIM000001: busy with another task for over 0.1 s; a phone runs one task at a time"
    )
    with pytest.raises(RuntimeError), pool.lease("SIM000001", timeout=1):
        raise RuntimeError("script bug")
    with pool.lease("SIM000001", timeout=0.1) as device:
        assert device.run("echo free") == "free\n"


def test_repeated_device_lost_quarantines_until_reconnect(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1)
    pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)], quarantine_after=2)
    pool.start()
    try:
        for _ in range(2):
            with pytest.raises(DeviceLostError), pool.lease("SIM000001", timeout=1):
                raise DeviceLostError("dropped", serial="SIM000001")
        with pytest.raises(DeviceUnavailableError) as info, pool.lease("SIM000001", timeout=1):
            pass
        assert info.value.message == (
            "quarantined: 2 infrastructure failures in a row, last: SIM000001: dropped"
        )
        assert [d.quarantined for d in pool.devices(details=False)] == [
            info.value.message.removeprefix("quarantined: ")
        ]
        assert pool.wait_online("SIM000001", 0.1) is False
        fleet.phone("SIM000001").disconnect()
        assert _wait(lambda: pool.devices(details=False)[0].quarantined is None)
        with pool.lease("SIM000001", timeout=1) as device:
            assert device.run("echo back") == "back\n"
    finally:
        pool.stop()


def test_wait_online_follows_a_reconnect(sim_fleet, pool) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(phones=1)
    pool.resolve("SIM000001")
    fleet.phone("SIM000001").disconnect()
    started = time.monotonic()
    assert pool.wait_online("SIM000001", 5) is True
    assert time.monotonic() - started < 2


def test_unauthorized_phone_is_listed_and_not_leased(sim_fleet, pool) -> None:  # type: ignore[no-untyped-def]
    fleet = sim_fleet(specs=[PhoneSpec("SIMU00001", faults=FaultSpec(unauthorized=True))])
    adb = fleet.phones[0].adb_serial
    assert _wait(lambda: pool.resolve(adb) is not None)
    assert [d.state for d in pool.devices() if d.serial == adb] == ["unauthorized"]
    with pytest.raises(DeviceUnavailableError) as info, pool.lease(adb, timeout=1):
        pass
    assert str(info.value) == f"{adb}: the phone is unauthorized; accept the USB debugging prompt"
    assert pool.wait_online(adb, 0.2) is False


def test_one_phone_seen_twice_runs_one_task_at_a_time(sim_fleet, pool) -> None:  # type: ignore[no-untyped-def]
    usb = sim_fleet(specs=[PhoneSpec("SIMDUP001")])
    tcp = sim_fleet(specs=[PhoneSpec("SIMDUP001")])
    first, second = usb.phones[0].adb_serial, tcp.phones[0].adb_serial

    def both_seen_as_one() -> bool:  # the pool learns each serial's hardware serial on its own time
        twins = {d.serial for d in pool.devices(details=False) if d.hw_serial == "SIMDUP001"}
        return twins == {first, second}

    assert _wait(both_seen_as_one, 15.0)
    with (
        pool.lease(first, timeout=1),
        pytest.raises(DeviceUnavailableError) as info,
        pool.lease(second, timeout=0.1),
    ):
        pass
    assert info.value.message == "busy with another task for over 0.1 s"


def test_a_hung_phone_is_quarantined_after_one_timeout_and_its_lease_fails_fast(
    sim_fleet, adb_server
) -> None:  # type: ignore[no-untyped-def]
    from runner.errors import DeviceTimeoutError

    fleet = sim_fleet(phones=1, accounts=1)
    phone = fleet.phones[0]
    pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)], command_timeout=1.0)
    pool.start()
    try:
        phone.hang_on("")  # no command answers from here on, `echo` included
        with pytest.raises(DeviceTimeoutError) as second, pool.lease(phone.serial) as device:
            with pytest.raises(DeviceTimeoutError):
                device.shell("getprop ro.build.version.release")
            device.shell("input tap 1 1")
        assert second.value.message.startswith("not sent: the phone is hung: ")
        assert pool.waiting_reason(phone.serial)[0] == (  # type: ignore[index]
            "quarantined: hung: `getprop ro.build.version.release` timed out and `echo` got "
            "no answer in 3 s"
        )
    finally:
        phone.hang_on(None)
        pool.stop()


def test_a_slow_command_on_a_phone_that_answers_is_no_quarantine(sim_fleet, adb_server) -> None:  # type: ignore[no-untyped-def]
    from runner.errors import DeviceTimeoutError

    fleet = sim_fleet(phones=1, accounts=1)
    phone = fleet.phones[0]
    pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)], command_timeout=1.0)
    pool.start()
    try:
        phone.hang_on("sleep-forever")
        with pool.lease(phone.serial) as device:
            with pytest.raises(DeviceTimeoutError):
                device.shell("sleep-forever")
            assert device.shell("echo ok").text.strip() == "ok"
        assert pool.waiting_reason(phone.serial) is None
    finally:
        phone.hang_on(None)
        pool.stop()
