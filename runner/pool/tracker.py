"""Live phone states from one adb server (`host:track-devices`), on adbutils' connection.

adbutils' `track_devices()` hides its socket, so it cannot be stopped from another thread;
this reads the same stream on a `FastConnection` that `stop()` can shut down. Each update is
the server's full device list; `on_update(server, {serial: state})` receives it.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable
from typing import Literal, cast, get_args

import adbutils

from runner.device.adblink import FastConnection

log = logging.getLogger(__name__)
Server = tuple[str, int]
# What the adb server says of a phone (adb's ConnectionState names), plus "gone": the pool's word
# for a phone the server no longer lists. Anything else the server sends is "unknown".
PhoneState = Literal[
    "device",
    "offline",
    "unauthorized",
    "authorizing",
    "connecting",
    "bootloader",
    "recovery",
    "rescue",
    "sideload",
    "host",
    "no permissions",
    "unknown",
    "gone",
]
_ADB_STATES: frozenset[str] = frozenset(get_args(PhoneState)) - {"gone"}
Update = Callable[[Server, dict[str, PhoneState]], None]


def phone_state(text: str) -> PhoneState:
    """adb's state word; "no permissions" comes with a hint after it (udev rules)."""
    word = "no permissions" if text.startswith("no permissions") else text
    return cast(PhoneState, word) if word in _ADB_STATES else "unknown"


def parse_devices(text: str) -> dict[str, PhoneState]:
    """``serial\\tstate`` lines into a dict (what host:devices and track-devices send)."""
    states: dict[str, PhoneState] = {}
    for line in text.splitlines():
        parts = line.strip().split("\t", 1)
        if len(parts) == 2:
            states[parts[0]] = phone_state(parts[1].strip())
    return states


def list_devices(server: Server, *, timeout: float = 5.0) -> dict[str, PhoneState]:
    """One snapshot of a server's phones (starting the local server if none runs)."""
    conn = FastConnection(*server)
    try:
        conn.conn.settimeout(timeout)
        conn.send_command("host:devices")
        conn.check_okay()
        return parse_devices(conn.read_string_block())
    finally:
        conn.close()


class Tracker:
    """One thread per adb server following `host:track-devices` until `stop()`."""

    def __init__(self, server: Server, on_update: Update, *, retry_every: float = 1.0) -> None:
        self.server = server
        self.on_update = on_update
        self.retry_every = retry_every
        self._stop = threading.Event()
        self._conn: FastConnection | None = None
        self._thread = threading.Thread(
            target=self._loop, name=f"track-{server[0]}:{server[1]}", daemon=True
        )

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        conn = self._conn
        if conn is not None:
            with contextlib.suppress(OSError, adbutils.AdbError):
                conn.conn.shutdown(socket.SHUT_RDWR)
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self._follow()
            except (adbutils.AdbError, OSError, EOFError, ValueError) as exc:
                if self._stop.is_set():
                    return
                log.warning(
                    "adb server %s:%s: device tracking interrupted (%s); retrying",
                    *self.server,
                    exc,
                )
                self.on_update(self.server, {})
                time.sleep(self.retry_every)

    def _follow(self) -> None:
        conn = FastConnection(*self.server)
        self._conn = conn
        try:
            conn.send_command("host:track-devices")
            conn.check_okay()
            while not self._stop.is_set():
                length = conn.read_exact(4)
                body = (
                    conn.read_exact(int(length, 16)).decode("utf-8", "replace")
                    if int(length, 16)
                    else ""
                )
                self.on_update(self.server, parse_devices(body))
        finally:
            self._conn = None
            conn.close()
