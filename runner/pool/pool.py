"""The device pool: which phones exist, whether they are healthy, and one task per phone.

Phones are tracked live per adb server (tracker.py) and keyed by adb serial *and* hardware
serial (`ro.serialno`, fetched concurrently), so a phone that moves from USB to TCP is the
same phone and inventory serials may be either. `lease()` hands out a `Device` under the
phone's lock and takes it back also when the task raises; repeated infrastructure failures
(lost phone, timeouts) quarantine the phone until it reconnects and answers again.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import adbutils

from runner.device import Device, PhoneLink
from runner.device.adb_errors import translated
from runner.device.readers import READER_KINDS, ScreenReader, make_reader
from runner.errors import (
    DeviceError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    FailureClass,
    UsageError,
    failure_class_of,
)
from runner.pool.servers import LOCAL_DEFAULT, adb_servers
from runner.pool.tracker import PhoneState, Server, Tracker, list_devices

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from runner.campaign import Inventory
    from runner.pool.info import DeviceInfo

READER_ENV = "CAMPAIGN_SCREEN_READER"
INFRA_FAILURES = (FailureClass.DEVICE_LOST, FailureClass.TIMEOUT)
PROBE_TIMEOUT = 3.0  # seconds a phone has to answer `echo` after a timeout before it counts as hung
QUARANTINE_SETTLE = 2.0  # seconds a quarantine holds before a bounded run stops waiting on it


def _server_list(adb_servers: Sequence[tuple[str, int]] | None) -> list[Server]:
    """The servers to watch; the inventory's default entry means "the local server", which
    ANDROID_ADB_SERVER_* may move."""
    servers = [(h, int(p)) for h, p in adb_servers or ()]
    return servers if servers and servers != [LOCAL_DEFAULT] else [default_server()]


def default_server() -> Server:
    return (
        os.environ.get("ANDROID_ADB_SERVER_HOST", "127.0.0.1"),
        int(os.environ.get("ANDROID_ADB_SERVER_PORT", "5037")),
    )


@dataclass
class Phone:
    """The pool's mutable record of one phone (guarded by the pool's condition)."""

    serial: str
    server: Server
    state: PhoneState
    hw_serial: str | None = None
    failures: int = 0
    quarantine: str | None = None
    reconnected: bool = False
    since: float = field(default_factory=time.monotonic)  # when `state` last changed
    quarantined_at: float = 0.0


class DevicePool:
    def __init__(
        self,
        *,
        adb_servers: Sequence[tuple[str, int]] | None = None,
        inventory: Inventory | None = None,
        quarantine_after: int = 3,
        command_timeout: float = 20.0,
        screen_reader: str | None = None,
        follow_servers: bool = False,
    ) -> None:
        """``screen_reader``: "auto" (uiautomator2's server, the dump when it cannot start),
        "uiautomator2" or "dump"; default $CAMPAIGN_SCREEN_READER, else "auto". One reader per
        phone for the pool's life (`stop` ends them). ``follow_servers``: the servers watched
        are the inventory's ``adb_servers``, again at every ``use_inventory`` (`serve` on the
        inventory's phones); otherwise those given stay (``--sim``, a worker)."""
        self.servers: list[Server] = _server_list(adb_servers)
        self.follow_servers = follow_servers
        self.inventory = inventory
        self.quarantine_after = quarantine_after
        self.command_timeout = command_timeout
        self.clients = {s: adbutils.AdbClient(host=s[0], port=s[1]) for s in self.servers}
        self._phones: dict[str, Phone] = {}
        self._cond = threading.Condition()
        self._trackers: list[Tracker] = []
        self._started = False
        self._fetcher = ThreadPoolExecutor(max_workers=16, thread_name_prefix="hwserial")
        self._stopped = False
        self._locks: dict[
            str, threading.Lock
        ] = {}  # by hardware serial: one phone on USB and TCP is one phone
        self.server_errors: dict[str, str] = {}
        # called (adb serial, hardware serial) each time a phone comes online: the state
        # remembers the phones this runner has seen (watch_seen)
        self._on_seen: Callable[[Sequence[tuple[str, str]]], None] | None = None
        screen_reader = screen_reader or os.environ.get(READER_ENV) or "auto"
        if screen_reader not in READER_KINDS:  # here, not at the first task
            raise UsageError(
                f"unknown screen reader {screen_reader!r} (from {READER_ENV} or the caller)",
                hint=f"one of {', '.join(READER_KINDS)}",
            )
        self.screen_reader = screen_reader
        self._readers: dict[str, ScreenReader] = {}  # by hardware serial, like the locks

    def use_inventory(self, inventory: Inventory | None) -> None:
        """The inventory as just applied (`serve` re-reads edited files): names, groups and
        accounts of the phones, and with ``follow_servers`` the adb servers to watch."""
        with self._cond:
            self.inventory = inventory
        if self.follow_servers and inventory is not None:
            self.watch(adb_servers(inventory))

    # --- tracking --------------------------------------------------------------------------
    def start(self) -> None:
        """Take a first snapshot of every server, then follow changes live."""
        self.refresh()
        self._started = True
        for server in list(self.servers):
            self._track(server)

    def _track(self, server: Server) -> None:
        tracker = Tracker(server, self._update)
        self._trackers.append(tracker)
        tracker.start()

    def watch(self, adb_servers: Sequence[tuple[str, int]] | None) -> None:
        """Watch exactly these servers from now on (None: the default one): a new server is
        read at once and followed; a removed one is no longer followed, and its phones are
        gone (their tasks wait: "its adb server ... is no longer in the inventory") unless another
        server shows them."""
        wanted = _server_list(adb_servers)
        with self._cond:
            added = [s for s in wanted if s not in self.servers]
            removed = [s for s in self.servers if s not in wanted]
            if not added and not removed:
                return
            self.servers = wanted
            for server in added:
                self.clients.setdefault(server, adbutils.AdbClient(host=server[0], port=server[1]))
        for tracker in [t for t in self._trackers if t.server in removed]:
            tracker.stop()
            self._trackers.remove(tracker)
        for server in removed:
            self.server_errors.pop(f"{server[0]}:{server[1]}", None)
            self._update(server, {})
        for server in added:
            self._poll(server)
        self._fetch_hw_serials(
            [p for p in self._snapshot() if p.state == "device" and p.hw_serial is None]
        )
        if self._started and not self._stopped:
            for server in added:
                self._track(server)

    def stop(self) -> None:
        for tracker in self._trackers:
            tracker.stop()
        self._trackers.clear()
        self._stopped = True
        with self._cond:
            readers, self._readers = list(self._readers.values()), {}
        for reader in readers:
            reader.close()  # stops uiautomator2 servers started for this run
        self._fetcher.shutdown(wait=True, cancel_futures=True)

    def refresh(self) -> None:
        """Poll every server once (used without live tracking, e.g. `campaign devices`).

        An unreachable server is remembered in `server_errors` (its phones show as gone);
        the other servers' phones stay usable.
        """
        for server in list(self.servers):
            self._poll(server)
        self._fetch_hw_serials(
            [p for p in self._snapshot() if p.state == "device" and p.hw_serial is None]
        )

    def _poll(self, server: Server) -> None:
        name = f"{server[0]}:{server[1]}"
        try:
            with translated(name, "host:devices"):
                states = list_devices(server)
        except DeviceError as exc:
            self.server_errors[name] = str(exc)
            states = {}
        else:
            self.server_errors.pop(name, None)
        self._update(server, states)

    def _update(self, server: Server, states: dict[str, PhoneState]) -> None:
        fetch = []
        with self._cond:
            if server not in self.servers:
                states = {}  # a late word from a server no longer watched: its phones are gone
            for serial, phone in list(self._phones.items()):
                if phone.server == server and serial not in states and phone.state != "gone":
                    phone.state, phone.since = "gone", time.monotonic()
                    phone.reconnected = False
            for serial, state in states.items():
                phone = self._phones.setdefault(serial, Phone(serial, server, state))
                if state == "device" and phone.state != "device":
                    phone.reconnected = True
                    fetch.append(phone)
                if phone.state != state:
                    phone.since = time.monotonic()
                phone.state, phone.server = state, server
            self._cond.notify_all()
        if fetch and not self._stopped:
            for phone in fetch:
                self._fetcher.submit(self._after_reconnect, phone)

    def _after_reconnect(self, phone: Phone) -> None:
        """Learn the hardware serial; a quarantined phone that answers again is released."""
        try:
            device = self._device(phone)
            hw = device.getprop("ro.serialno") or phone.serial
        except DeviceError:
            return
        with self._cond:
            phone.hw_serial = hw
            if phone.quarantine and phone.reconnected:
                phone.quarantine, phone.failures = None, 0
            self._cond.notify_all()
        self._tell_seen([(phone.serial, hw)])

    def watch_seen(self, on_seen: Callable[[Sequence[tuple[str, str]]], None]) -> None:
        """Call ``on_seen([(adb serial, hardware serial), ...])`` once for every phone online
        now and then each time one comes online (`run`, `serve` and `worker` keep them in the
        state, so `validate` can tell a serial no phone ever had)."""
        self._on_seen = on_seen
        self._tell_seen(
            [
                (p.serial, p.hw_serial)
                for p in self._snapshot()
                if p.state == "device" and p.hw_serial
            ]
        )

    def _tell_seen(self, phones: Sequence[tuple[str, str]]) -> None:
        if self._on_seen is None or not phones:
            return
        try:
            self._on_seen(phones)
        except Exception as exc:  # noqa: BLE001 - a record lost is no reason to lose the phone
            names = ", ".join(f"{serial} ({hw})" for serial, hw in phones)
            log.warning("could not record phone(s) %s as seen: %s", names, exc)

    def _fetch_hw_serials(self, phones: list[Phone]) -> None:
        if phones:
            list(self._fetcher.map(self._after_reconnect, phones))

    def _snapshot(self) -> list[Phone]:
        with self._cond:
            return list(self._phones.values())

    # --- lookups ---------------------------------------------------------------------------------
    def resolve(self, serial: str) -> str | None:
        """adb serial for an adb serial, hardware serial or inventory serial; None if unknown."""
        found = self._lookup(serial)
        if found is None or found.state == "gone":
            self.refresh()  # tracking may lag a phone that was connected a moment ago
            found = self._lookup(serial)
        return found.serial if found else None

    def _lookup(self, serial: str) -> Phone | None:
        with self._cond:
            phone = self._phones.get(serial)
            if phone is not None and phone.state != "gone":
                return phone
            candidates = [p for p in self._phones.values() if p.hw_serial == serial]
            candidates.sort(key=lambda p: p.state != "device")
            return candidates[0] if candidates else phone

    def phone(self, serial: str) -> Phone | None:
        return self._lookup(serial)

    def identity(self, serial: str) -> str:
        """The one name of the phone behind an adb serial or hardware serial: its hardware
        serial when the pool knows the phone, else ``serial`` as given. Tasks are written under
        this name, so one phone reached as `127.0.0.1:5555` and as `R58M...` has one queue."""
        with self._cond:
            phone = self._phones.get(serial)
            if phone is not None and phone.hw_serial:
                return phone.hw_serial
        return serial

    def known(self, serial: str) -> bool:
        """Has any adb server ever shown this phone (by adb or hardware serial)?"""
        with self._cond:
            return serial in self._phones or any(
                p.hw_serial == serial for p in self._phones.values()
            )

    def waiting_reason(self, serial: str, *, grace: float = 0.0) -> tuple[str, bool] | None:
        """Why a task for ``serial`` cannot start now (None: the phone is usable), and whether
        that is settled: never seen, quarantined, unauthorized, or gone for over ``grace``
        seconds. A bounded run ends when only settled waits remain; unsettled ones (a phone
        that dropped a moment ago) keep it alive a little, but never hold a worker."""
        with self._cond:
            phone = self._lookup_locked(serial)
            now = time.monotonic()
            if phone is None:
                return "no such phone on the adb server(s)", True
            if phone.state == "unauthorized":
                return "unauthorized: accept the USB debugging prompt", True
            if phone.state == "gone" and phone.server not in self.servers:
                host, port = phone.server
                return f"its adb server {host}:{port} is no longer in the inventory", True
            if phone.state != "device":
                gone = "disconnected" if phone.state == "gone" else phone.state
                return f"the phone is {gone}", now - phone.since >= grace
            if phone.quarantine:  # settled once a reconnect in flight had time to release it
                settled = now - phone.quarantined_at >= QUARANTINE_SETTLE
                return f"quarantined: {phone.quarantine}", settled
            return None

    def _device(self, phone: Phone, *, reader: ScreenReader | None = None) -> Device:
        return Device(
            PhoneLink(self.clients[phone.server], phone.serial),
            hw_serial=phone.hw_serial,
            timeout=self.command_timeout,
            reader=reader,
        )

    def reader(self, serial: str, *, create: bool = True) -> ScreenReader | None:
        """The screen reader of a phone (by adb or hardware serial), kept across its tasks."""
        phone = self._lookup(serial)
        key = (phone.hw_serial or phone.serial) if phone is not None else serial
        with self._cond:
            if key not in self._readers and create:
                self._readers[key] = make_reader(self.screen_reader)
            return self._readers.get(key)

    def devices(self, *, details: bool = True) -> list[DeviceInfo]:
        """Every phone the servers know, with inventory data and (``details``) live facts."""
        from runner.pool.info import describe

        phones = sorted(self._snapshot(), key=lambda p: p.serial)
        return list(self._fetcher.map(lambda p: describe(self, p, details=details), phones))

    # --- leases ------------------------------------------------------------------------------------
    def wait_online(self, serial: str, timeout: float) -> bool:
        """True once the phone is usable: `device` state and not quarantined (within ``timeout`` s).

        A quarantined phone is not "back": the scheduler must count the attempt, not loop.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                phone = self._lookup_locked(serial)
                if phone is not None and phone.state == "device" and not phone.quarantine:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.5))

    def _lookup_locked(self, serial: str) -> Phone | None:
        phone = self._phones.get(serial)
        if phone is not None and phone.state == "device":
            return phone
        same = [p for p in self._phones.values() if p.hw_serial == serial]
        return next((p for p in same if p.state == "device"), phone or (same[0] if same else None))

    @contextmanager
    def lease(self, serial: str, *, timeout: float | None = None) -> Iterator[Device]:
        """The phone for one task; waits up to ``timeout`` for a running task to end."""
        phone = self._available(serial)
        lock = self._lock_for(phone)
        if not lock.acquire(timeout=-1 if timeout is None else timeout):
            raise DeviceUnavailableError(
                f"busy with another task for over {timeout:g} s",
                serial=serial,
                hint="a phone runs one task at a time",
            )
        leased_at = time.monotonic()
        try:
            device = self._device(phone, reader=self.reader(phone.serial))
            hung: list[str] = []  # set once the phone stops answering: later commands fail fast
            device.on_timeout = lambda command: self._check_hung(phone, command, hung)
            device.on_command = lambda command: self._refuse_if_hung(phone, command, hung)
            try:
                yield device
            except BaseException as exc:
                self._record(phone, exc, leased_at)
                raise
            self._record(phone, None, leased_at)
        finally:
            lock.release()

    def _lock_for(self, phone: Phone) -> threading.Lock:
        if phone.hw_serial is None:
            self._fetch_hw_serials([phone])
        with self._cond:
            return self._locks.setdefault(phone.hw_serial or phone.serial, threading.Lock())

    def _available(self, serial: str) -> Phone:
        adb_serial = self.resolve(serial)
        phone = self._lookup(adb_serial) if adb_serial else None
        if phone is None or phone.state == "gone":
            raise DeviceUnavailableError(
                "no such phone on the adb server(s)",
                serial=serial,
                hint="check the cable / `adb connect`, and `campaign devices`",
            )
        if phone.quarantine:
            raise DeviceUnavailableError(
                f"quarantined: {phone.quarantine}",
                serial=serial,
                hint="it is released when it reconnects healthy (replug or `adb reconnect`)",
            )
        if phone.state != "device":
            hint = (
                "accept the USB debugging prompt"
                if phone.state == "unauthorized"
                else "wait for it to reconnect"
            )
            raise DeviceUnavailableError(f"the phone is {phone.state}", serial=serial, hint=hint)
        return phone

    def _check_hung(self, phone: Phone, command: str, hung: list[str]) -> None:
        """A command timed out: does the phone still answer `echo` quickly? A slow command on
        a healthy phone leaves it alone; a hung phone is quarantined at once, and the rest of
        this lease fails fast, instead of every later command and task waiting a full timeout."""
        if hung or phone.state != "device":
            return  # already known, or a drop: reconnecting decides
        try:
            self._device(phone).shell("echo ok", timeout=PROBE_TIMEOUT)
        except DeviceError:
            reason = (
                f"hung: `{command[:60]}` timed out and `echo` got no answer in {PROBE_TIMEOUT:g} s"
            )
            hung.append(reason)
            with self._cond:
                phone.quarantine, phone.quarantined_at = reason, time.monotonic()
                phone.reconnected = False
                self._cond.notify_all()

    def _refuse_if_hung(self, phone: Phone, command: str, hung: list[str]) -> None:
        if hung:
            raise DeviceTimeoutError(
                f"not sent: the phone is {hung[0]}",
                serial=phone.serial,
                command=command,
                hint="it is released when it reconnects healthy (replug or `adb reconnect`)",
            )

    def _record(self, phone: Phone, exc: BaseException | None, leased_at: float) -> None:
        infra = exc is not None and failure_class_of(exc) in INFRA_FAILURES
        with self._cond:
            if not infra:
                phone.failures = 0
                return
            phone.failures += 1
            back = phone.state == "device" and phone.since > leased_at
            if phone.quarantine:  # found hung during the lease (_check_hung)
                return
            if phone.failures >= self.quarantine_after and not back:
                # a phone that already dropped and came back answering is what releases a
                # quarantine: setting one now would keep a healthy phone out for good
                phone.quarantine = f"{phone.failures} infrastructure failures in a row, last: {exc}"
                phone.quarantined_at = time.monotonic()
                phone.reconnected = False
