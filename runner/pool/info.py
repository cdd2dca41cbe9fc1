"""What `campaign devices` shows about a phone: pool state, inventory data and live facts."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from runner.errors import DeviceError

if TYPE_CHECKING:
    from runner.campaign import InventoryDevice
    from runner.pool.pool import DevicePool, Phone
    from runner.pool.tracker import PhoneState

DEFAULT_PACKAGE = "com.zhiliaoapp.musically"


@dataclass(frozen=True)
class DeviceInfo:
    serial: str
    hw_serial: str | None
    state: PhoneState
    name: str = ""
    groups: tuple[str, ...] = ()
    model: str | None = None
    android: str | None = None
    battery: int | None = None
    screen_on: bool | None = None
    app_package: str | None = None
    app_installed: bool | None = None
    app_version: str | None = None
    accounts: tuple[str, ...] = ()
    quarantined: str | None = None
    server: str = ""
    error: str | None = None
    reader: str | None = None  # "uiautomator2", "dump" or "auto" (not started yet)
    reader_note: str | None = None  # why the dump is used, the server's state


def _inventory_entry(pool: DevicePool, phone: Phone) -> InventoryDevice | None:
    inventory = pool.inventory
    if inventory is None:
        return None
    return inventory.device(phone.serial) or (
        inventory.device(phone.hw_serial) if phone.hw_serial else None
    )


def describe(pool: DevicePool, phone: Phone, *, details: bool = True) -> DeviceInfo:
    entry = _inventory_entry(pool, phone)
    accounts = tuple(a.username for a in entry.accounts) if entry is not None else ()
    package = entry.accounts[0].package if entry is not None and entry.accounts else DEFAULT_PACKAGE
    base = DeviceInfo(
        serial=phone.serial,
        hw_serial=phone.hw_serial,
        state=phone.state,
        name=entry.name if entry is not None else "",
        groups=tuple(entry.groups) if entry is not None else (),
        accounts=accounts,
        quarantined=phone.quarantine,
        server=f"{phone.server[0]}:{phone.server[1]}",
        app_package=package,
    )
    reader = pool.reader(phone.serial, create=False)
    if reader is not None:
        name, note = reader.describe()
        base = replace(base, reader=name, reader_note=note)
    if not details or phone.state != "device":
        return base
    try:
        live = _live(pool, phone, package)
        if reader is None:
            live["reader"], live["reader_note"] = _reader_probe(pool, phone)
        return replace(base, **live)
    except DeviceError as exc:
        return replace(base, error=str(exc))


def _reader_probe(pool: DevicePool, phone: Phone) -> tuple[str, str | None]:
    """Outside the process that reads the phone: is a uiautomator2 server answering on it?"""
    from runner.device.readers.u2 import U2Reader

    link = pool._device(phone).link.with_timeout(3.0)
    if U2Reader().alive(link):
        return "uiautomator2", "server answering"
    if pool.screen_reader == "auto":
        return "auto", "no server running: uiautomator2 when it starts, else uiautomator dump"
    return pool.screen_reader, "not started yet"


def _live(pool: DevicePool, phone: Phone, package: str) -> dict[str, Any]:
    """One shell round trip for everything (props, battery, screen, package)."""
    device = pool._device(phone)
    marker = "@@@"
    out = device.run(
        f"getprop ro.product.model; echo {marker}; getprop ro.build.version.release; echo {marker}; "
        f"dumpsys battery; echo {marker}; dumpsys power; echo {marker}; dumpsys package {package}"
    )
    model, android, battery, power, pkg = (
        part.strip() for part in (out.split(marker) + [""] * 5)[:5]
    )
    level = re.search(r"level: (\d+)", battery)
    screen = re.search(r"Display Power: state=(\w+)|mWakefulness=(\w+)", power)
    version = re.search(r"versionName=(\S+)", pkg)
    screen_on = None
    if screen:
        screen_on = (screen.group(1) or screen.group(2)) in ("ON", "Awake")
    return {
        "model": model or None,
        "android": android or None,
        "battery": int(level.group(1)) if level else None,
        "screen_on": screen_on,
        "app_installed": bool(pkg),
        "app_version": version.group(1) if version else None,
    }
