"""Shared fixtures for anything that talks to phones: a private adb server and simulated fleets.

``adb_server`` (session): the adb binary from the adbutils wheel on a free port, named in
ANDROID_ADB_SERVER_PORT for the whole session and killed at the end; never port 5037.
``sim_fleet`` (factory): ``sim_fleet(phones=2, accounts=2, **options) -> SimFleet`` started and
connected; disconnected one by one and stopped after the test. ``options`` go to the phone specs
(``faults=``, ``adb_keyboard=``, ``packages=``...) or to SimFleet (``seed``, ``realistic``,
``popup_probability``, ``missing_users``, ``mutual_users``); ``specs=[PhoneSpec...]`` overrides.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

FLEET_OPTIONS = {
    "seed",
    "realistic",
    "popup_probability",
    "missing_users",
    "mutual_users",
    "base_port",
}


def _writable_home() -> str | None:
    home = os.environ.get("HOME", "")
    try:
        Path(home, ".android").mkdir(parents=True, exist_ok=True)
        probe = Path(home, ".android", ".write-probe")
        probe.write_text("")
        probe.unlink()
        return None
    except OSError:
        return tempfile.mkdtemp(prefix="adb-home-")


@pytest.fixture(scope="session")
def adb_server() -> Iterator[int]:
    """A private adb server for the test session; yields its port."""
    from runner.sim import adbhost

    port = adbhost.free_port()
    saved = {k: os.environ.get(k) for k in ("ANDROID_ADB_SERVER_PORT", "HOME")}
    os.environ["ANDROID_ADB_SERVER_PORT"] = str(port)
    if (home := _writable_home()) is not None:
        os.environ["HOME"] = home
    adbhost.raise_nofile_limit()
    adb = adbhost.wheel_adb()
    subprocess.run(
        [adb, "-P", str(port), "start-server"], check=True, capture_output=True, timeout=60
    )
    import adbutils

    default_client = adbutils.adb
    adbutils.adb = adbutils.AdbClient(
        port=port
    )  # the module-level client was bound to 5037 at import
    try:
        yield port
    finally:
        adbutils.adb = default_client
        subprocess.run(
            [adb, "-P", str(port), "kill-server"], check=False, capture_output=True, timeout=30
        )
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture
def sim_fleet(adb_server: int) -> Iterator[Callable[..., Any]]:
    """Factory for started + connected simulated fleets, all stopped after the test."""
    from runner.sim import SimFleet, default_phones

    fleets: list[SimFleet] = []

    def make(
        phones: int = 2, accounts: int = 2, *, specs: list[Any] | None = None, **options: Any
    ) -> SimFleet:
        fleet_kw = {k: options.pop(k) for k in list(options) if k in FLEET_OPTIONS}
        first = 1 + sum(len(f.phones) for f in fleets)
        phone_specs = (
            specs if specs is not None else default_phones(phones, accounts, first=first, **options)
        )
        fleet = SimFleet(phone_specs, **fleet_kw)
        fleets.append(fleet)
        fleet.start()
        fleet.connect()
        return fleet

    yield make
    for fleet in reversed(fleets):
        fleet.stop()


# --- helpers for tests that look at a simulated screen through adbutils ----------------------
def ui_nodes(device: Any) -> list[dict[str, str]]:
    """Every node of a fresh `uiautomator dump --compressed` (via /dev/tty) as attribute dicts.

    Compressed, because a plain dump fails on screens that never go idle (the feed's video).
    """
    import xml.etree.ElementTree as ET

    raw = device.shell("uiautomator dump --compressed /dev/tty")
    xml = raw[: raw.rindex("</hierarchy>") + len("</hierarchy>")]
    return [dict(node.attrib) for node in ET.fromstring(xml).iter("node")]


def ui_find(device: Any, **attrs: str) -> dict[str, str]:
    """The first node whose attributes equal ``attrs`` (use content_desc / resource_id for dashes)."""
    wanted = {k.replace("_", "-"): v for k, v in attrs.items()}
    for node in ui_nodes(device):
        if all(node.get(k) == v for k, v in wanted.items()):
            return node
    raise AssertionError(f"no node with {wanted} on screen")


def ui_tap(device: Any, **attrs: str) -> None:
    """Tap the centre of the first node matching ``attrs``."""
    import re

    bounds = ui_find(device, **attrs)["bounds"]
    left, top, right, bottom = map(int, re.findall(r"-?\d+", bounds))
    device.shell(f"input tap {(left + right) // 2} {(top + bottom) // 2}")
