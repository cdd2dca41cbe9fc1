"""`serve` follows the inventory's adb servers: an edit that adds or removes one is applied to
the pool (watched from then on, or no longer), with real adb servers and simulated phones."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from runner.campaign import load_repo
from runner.pool import DevicePool
from runner.pool.servers import adb_servers
from runner.scheduler import Runner
from runner.sim import SimFleet, adbhost, default_phones
from runner.state import Store


@pytest.fixture
def second_server(adb_server: int) -> Iterator[int]:
    """Another private adb server beside the session's, killed after the test."""
    port = adbhost.free_port()
    adbhost.ensure_server(port)
    yield port
    kill = [adbhost.wheel_adb(), "-P", str(port), "kill-server"]
    subprocess.run(kill, check=False, capture_output=True, timeout=30)


@pytest.fixture
def phone_on(second_server: int) -> Iterator[Callable[[int], SimFleet]]:
    fleets: list[SimFleet] = []

    def make(first: int) -> SimFleet:
        fleet = SimFleet(default_phones(1, 1, first=first))
        fleets.append(fleet)
        fleet.start()
        fleet.connect(server_port=second_server)
        return fleet

    yield make
    for fleet in fleets:
        fleet.stop()


def _repo(root: Path, *ports: int) -> Any:
    servers = "".join(f"  - {{host: 127.0.0.1, port: {port}}}\n" for port in ports)
    (root / "inventory.yaml").write_text(f"adb_servers:\n{servers}devices: []\n", "utf-8")
    repo = load_repo(root=root)
    assert repo.problems == []
    return repo


def _until(check: Callable[[], bool], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.05)
    return check()


def test_apply_makes_the_pool_watch_the_adb_servers_of_the_edited_inventory(
    tmp_path: Path,
    sim_fleet: Callable[..., SimFleet],
    adb_server: int,
    second_server: int,
    phone_on: Callable[[int], SimFleet],
) -> None:
    here = sim_fleet(phones=1, accounts=1).phones[0].serial  # on the first server
    there_fleet = phone_on(90)
    there = there_fleet.phones[0].serial  # on the second server only
    repo = _repo(tmp_path, adb_server)
    pool = DevicePool(
        adb_servers=adb_servers(repo.inventory), inventory=repo.inventory, follow_servers=True
    )
    pool.start()
    runner = Runner(store=Store(tmp_path / "state.db"), pool=pool, repo=repo)
    try:
        assert [pool.waiting_reason(s) for s in (here, there)] == [
            None,
            ("no such phone on the adb server(s)", True),
        ]

        runner.apply(_repo(tmp_path, adb_server, second_server))
        assert pool.servers == [("127.0.0.1", adb_server), ("127.0.0.1", second_server)]
        assert [pool.waiting_reason(s) for s in (here, there)] == [None, None]
        with pool.lease(there, timeout=10) as device:
            assert device.shell("echo hi").text == "hi\n"

        runner.apply(_repo(tmp_path, second_server))
        assert [pool.waiting_reason(s) for s in (here, there)] == [
            (f"its adb server 127.0.0.1:{adb_server} is no longer in the inventory", True),
            None,
        ]
        there_fleet.phone(there).disconnect()  # the second server is followed live
        assert _until(lambda: pool.waiting_reason(there) is not None)
        reason = pool.waiting_reason(there, grace=3600)
        assert reason in {("the phone is offline", False), ("the phone is disconnected", False)}
    finally:
        pool.stop()


def test_a_pool_given_its_servers_keeps_them_when_the_inventory_changes(
    tmp_path: Path, adb_server: int, second_server: int
) -> None:
    pool = DevicePool(adb_servers=[("127.0.0.1", adb_server)])  # e.g. --sim's private server
    pool.use_inventory(_repo(tmp_path, second_server).inventory)
    assert pool.servers == [("127.0.0.1", adb_server)]
