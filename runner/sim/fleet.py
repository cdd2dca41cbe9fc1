"""A fleet of simulated phones in one process: one asyncio loop, one TCP listener per phone.

The loop runs in a daemon thread so tests and `campaign sim up` stay synchronous; phones are
connected to the real adb server with `adb connect` and disconnected one at a time on stop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
import time
from collections.abc import Coroutine, Sequence
from typing import Any, Self, TypeVar

from runner.errors import CampaignRunnerError
from runner.sim import adbhost
from runner.sim.commands import all_commands
from runner.sim.phone import SimPhone
from runner.sim.spec import PhoneSpec

T = TypeVar("T")
EMULATOR_PORTS = range(5554, 5586)
_USED_PORTS: set[int] = set()  # ports phones of this process have listened on


class SimFleet:
    def __init__(
        self,
        phones: Sequence[PhoneSpec],
        *,
        seed: int = 0,
        realistic: bool = False,
        popup_probability: float = 0.0,
        host: str = "127.0.0.1",
        base_port: int | None = None,
        missing_users: Sequence[str] = (),
        mutual_users: Sequence[str] = (),
    ) -> None:
        serials = [p.serial for p in phones]
        if len(set(serials)) != len(serials):
            raise CampaignRunnerError(
                "two simulated phones have the same serial", hint="give each phone its own serial"
            )
        if base_port is not None and (base_port < 6000 or base_port + len(phones) > 65535):
            raise CampaignRunnerError(
                f"base port {base_port} is not usable",
                hint="use a port of 6000 or more (5555-5585 is adb's emulator range)",
            )
        self.seed, self.realistic, self.host, self.base_port = seed, realistic, host, base_port
        self.popup_probability = popup_probability
        self.missing_users, self.mutual_users = tuple(missing_users), tuple(mutual_users)
        self.specs = list(phones)
        self.phones: list[SimPhone] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._connected: list[tuple[str, int]] = []  # (adb serial, server port)

    # --- lifecycle ---------------------------------------------------------------------
    def start(self) -> list[str]:
        """Start every phone's listener; returns their adb serials (``127.0.0.1:PORT``)."""
        if self._loop is not None:
            return [p.adb_serial for p in self.phones]
        adbhost.raise_nofile_limit()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="sim-fleet", daemon=True
        )
        self._thread.start()
        from runner.sim.ui.tiktok.tiktok_app import make_app
        from runner.sim.ui.tiktok.world import World

        world = World(self.seed, missing_users=self.missing_users, mutual_users=self.mutual_users)
        commands = all_commands()
        self.phones = [
            SimPhone(
                spec,
                commands=commands,
                app_factory=make_app,
                seed=self.seed,
                realistic=self.realistic,
                popup_probability=self.popup_probability,
                world=world,
            )
            for spec in self.specs
        ]
        try:
            self.run(self._listen_all())
        except BaseException:
            self.stop()
            raise
        return [p.adb_serial for p in self.phones]

    async def _listen_all(self) -> None:
        for index, phone in enumerate(self.phones):
            port = self.base_port + index if self.base_port is not None else 0
            try:
                await phone.listen(self.host, port)
            except OSError as exc:
                raise CampaignRunnerError(
                    f"simulated phone {phone.serial} cannot listen on {self.host}:{port}: "
                    f"{os.strerror(exc.errno) if exc.errno else exc}",
                    hint="pick another base port, or free that one",
                ) from None
            for _ in range(50):
                # Never 5554-5585 (the adb server adopts those as emulators), nor a port an
                # earlier phone of this process had: the adb server, or a client still holding
                # that serial, would take the new phone for the old one.
                if phone.port not in EMULATOR_PORTS and (port or phone.port not in _USED_PORTS):
                    break
                await phone.close_listener()
                phone.port = 0
                await phone.listen(self.host, 0)
            _USED_PORTS.add(phone.port)

    def connect(
        self,
        *,
        workers: int = 16,
        server_port: int | None = None,
        phones: Sequence[SimPhone] | None = None,
    ) -> None:
        """`adb connect` phones (default all) via the server on ``server_port`` (default: the one
        ANDROID_ADB_SERVER_PORT names), starting it if needed.

        The adb 36 server aborts ("bit out of range 0 - FD_SETSIZE") once its descriptors pass
        1024, so fleets of ~1000 phones are split over several servers with ``phones=`` chunks.
        """
        port = adbhost.server_port() if server_port is None else server_port
        adbhost.ensure_server(port)
        chosen = list(self.phones if phones is None else phones)
        addresses = [p.adb_serial for p in chosen]
        with concurrent.futures.ThreadPoolExecutor(
            max_workers=max(1, min(workers, len(addresses)))
        ) as pool:
            answers = list(pool.map(lambda address: adbhost.connect(address, port=port), addresses))
        failed = []
        for phone, answer in zip(chosen, answers, strict=False):
            if (
                answer.startswith(("connected to", "already connected to"))
                or phone.faults.unauthorized
            ):
                self._connected.append((phone.adb_serial, port))
            else:
                failed.append(f"{phone.adb_serial}: {answer}")
        if failed:
            raise CampaignRunnerError(
                "adb could not connect simulated phones: " + "; ".join(failed[:5])
            )
        self._wait_ready([p for p in chosen if not p.faults.unauthorized], port)

    def _wait_ready(self, phones: list[SimPhone], port: int, timeout: float = 30.0) -> None:
        """Every phone in `device` state. A port reused from an earlier phone can still be listed
        `offline` (adb answers "already connected" and waits for its 10 s retry): reconnect those.
        The bound is three of those retries, so a loaded machine is not read as a broken fleet."""
        deadline = time.monotonic() + timeout
        retried: set[str] = set()
        while True:
            states = dict(
                line.split("\t", 1)
                for line in adbhost.request("host:devices", port=port).splitlines()
            )
            waiting = [p.adb_serial for p in phones if states.get(p.adb_serial) != "device"]
            if not waiting:
                return
            if time.monotonic() > deadline:
                raise CampaignRunnerError(
                    f"simulated phones not ready after {timeout:g} s: {', '.join(waiting[:5])}",
                    hint="see the adb server log /tmp/adb.<uid>.log",
                )
            for address in waiting:
                if address not in retried and states.get(address) == "offline":
                    retried.add(address)
                    adbhost.disconnect(address, port=port)
                    adbhost.connect(address, port=port)
            time.sleep(0.02)

    def stop(self) -> None:
        """Disconnect phones one at a time (never a bare `adb disconnect`), then close everything."""
        for address, port in self._connected:
            with contextlib.suppress(OSError, CampaignRunnerError):
                adbhost.disconnect(address, port=port)
        self._connected.clear()
        if self._loop is None:
            return
        self.run(self._close_all())
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._loop.close()
        self._loop = None

    async def _close_all(self) -> None:
        for phone in self.phones:
            phone.stopped = True
            await phone.close_listener()
        current = asyncio.current_task()
        pending = [t for t in asyncio.all_tasks() if t is not current]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def __enter__(self) -> Self:
        self.start()
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # --- access ------------------------------------------------------------------------
    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = 120) -> T:
        """Run a coroutine on the fleet's loop from any other thread and wait for it."""
        if self._loop is None:
            coro.close()
            raise CampaignRunnerError(
                "the simulated fleet is not running", hint="call start() first"
            )
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def phone(self, serial: str) -> SimPhone:
        """A phone by hardware serial (SIM000001) or adb serial (127.0.0.1:PORT)."""
        for phone in self.phones:
            if serial in (phone.serial, phone.adb_serial):
                return phone
        raise KeyError(f"no simulated phone {serial!r}")

    def adb_serial(self, hw_serial: str) -> str:
        return self.phone(hw_serial).adb_serial

    def serials(self) -> dict[str, str]:
        """Hardware serial -> adb serial, in fleet order."""
        return {p.serial: p.adb_serial for p in self.phones}

    def ground_truth(self) -> dict[str, dict[str, dict[str, list[Any]]]]:
        """Phones by hardware serial -> accounts by username -> follows, likes, comments, ..."""
        result = {}
        for phone in self.phones:
            with phone.lock:
                phone.flush()
                truth = phone.truth.snapshot()
                for app in phone.display.apps.values():
                    ongoing = app.ongoing_watch()
                    if ongoing is not None and ongoing[0] in truth:
                        truth[ongoing[0]]["watched"].append(ongoing[1])
            result[phone.serial] = truth
        return result
