"""uiautomator2's on-device hierarchy server, started from the jar the `uiautomator2` wheel ships.

The protocol is uiautomator2's own (read from its 3.7 client, shared/reference/screen-readers.md):
push ``u2.jar`` unless ``toybox md5sum`` shows it is there; start it with a shell stream running
``app_process`` and keep that stream open (its close stops the server); wait for ``GET /ping`` to
answer ``pong``; read the screen with the JSON-RPC call ``dumpWindowHierarchy`` over an adb
``tcp:9008`` stream. The HTTP and JSON-RPC requests go through uiautomator2's own client
functions (`uiautomator2.core`), on our `PhoneLink` (adbutils device) with a short timeout.

What this module adds is the life cycle: one server per phone per run, reused by every task,
checked before use, restarted once when a call fails (killed, crashed, "UiAutomation not
connected"); `U2Unavailable` when it cannot start, so the caller falls back to the dump.
uiautomator2's exceptions are translated here and nowhere else.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import importlib.resources
import socket
import threading
import time
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from adbutils.errors import AdbError
from uiautomator2.core import _http_request, _jsonrpc_call
from uiautomator2.exceptions import BaseException as U2Error

from runner.device.adb_errors import translated
from runner.device.uitree import UiTree, parse_dump
from runner.errors import (
    DeviceError,
    DeviceLostError,
    DeviceTimeoutError,
    DeviceUnavailableError,
    ScreenUnreadableError,
)

if TYPE_CHECKING:
    from adbutils._adb import AdbConnection

    from runner.device.adblink import PhoneLink
    from runner.device.device import Device

JAR_REMOTE = "/data/local/tmp/u2.jar"
PORT = 9008
LAUNCH = f"CLASSPATH={JAR_REMOTE} app_process / com.wetest.uia2.Main -p {PORT}"
EMPTY = '<hierarchy rotation="0" />'
MAX_DEPTH = 50  # the client's default
# what a call can raise: uiautomator2's errors, adbutils' (opening tcp:9008), and the socket
# and http.client ones its client lets through (a server killed mid-answer)
INFRASTRUCTURE = (DeviceLostError, DeviceTimeoutError, DeviceUnavailableError)
_ERRORS = (U2Error, AdbError, OSError, http.client.HTTPException, ValueError)


class U2Unavailable(ScreenUnreadableError):
    """The server cannot be started (or restarted) on this phone; the reason is the message."""


@cache
def jar_path() -> Path:
    """The ``u2.jar`` inside the installed uiautomator2 wheel."""
    return Path(str(importlib.resources.files("uiautomator2") / "assets" / "u2.jar"))


@cache
def jar_md5() -> str:
    return hashlib.md5(jar_path().read_bytes()).hexdigest()


class U2Reader:
    """One phone's server: started on first read, reused, health-checked, restarted when dead."""

    name = "uiautomator2"

    def __init__(
        self,
        *,
        start_timeout: float = 30.0,
        request_timeout: float = 10.0,
        ping_interval: float = 0.25,
    ) -> None:
        self.start_timeout = start_timeout
        self.request_timeout = request_timeout
        self.ping_interval = ping_interval
        self.started = False
        self.starts = self.restarts = self.reads = 0
        self._stream: AdbConnection | None = None
        self._link: PhoneLink | None = None
        self._output = bytearray()
        self._ended = threading.Event()
        self._lock = threading.RLock()

    def describe(self) -> tuple[str, str | None]:
        if not self.started:
            return "uiautomator2", "not started yet"
        state = "running" if self.running else "stopped"
        return "uiautomator2", f"{state}, {self.restarts} restart{'s' * (self.restarts != 1)}"

    @property
    def running(self) -> bool:
        return self._stream is not None and not self._ended.is_set()

    # --- reading -------------------------------------------------------------------------
    def read(self, device: Device) -> UiTree:
        """The screen now. A failed call restarts the server once; then U2Unavailable."""
        with self._lock:
            self.reads += 1
            link = device.link.with_timeout(self.request_timeout)
            if not self.running or not self.alive(link):
                self._start(device, restart=self.started)
            try:
                return self._hierarchy(link)
            except ScreenUnreadableError:
                raise  # the server answered: the screen itself shows nothing (off, locked)
            except DeviceError as first:
                device.note(f"uiautomator2: {first.message}; restarting it")
                self._start(device, restart=True)
                try:
                    return self._hierarchy(link)
                except DeviceError as exc:
                    raise U2Unavailable(
                        f"the server fails after a restart: {exc.message}", serial=device.serial
                    ) from exc

    def alive(self, link: PhoneLink) -> bool:
        """The health check: ``/ping`` answers ``pong``."""
        try:
            return bool(_http_request(link, PORT, "GET", "/ping", timeout=2.0).content == b"pong")
        except _ERRORS:
            return False

    def _hierarchy(self, link: PhoneLink) -> UiTree:
        """``dumpWindowHierarchy``; an empty hierarchy is asked again (3 tries, like the client)."""
        content = ""
        for attempt in range(3):
            try:
                content = _jsonrpc_call(
                    link,
                    PORT,
                    "dumpWindowHierarchy",
                    [False, MAX_DEPTH],
                    self.request_timeout,
                    False,
                )
            except _ERRORS as exc:
                raise DeviceError(
                    f"dumpWindowHierarchy failed: {type(exc).__name__}: {str(exc)[:200]}",
                    serial=link.serial or "",
                    command="POST /jsonrpc/0 dumpWindowHierarchy",
                ) from exc
            if isinstance(content, str) and content and EMPTY not in content:
                try:
                    return parse_dump(content)
                except (ValueError, ET.ParseError) as exc:
                    raise DeviceError(
                        f"malformed hierarchy from uiautomator2 ({exc})", serial=link.serial or ""
                    ) from exc
            if attempt < 2:
                time.sleep(0.5)
        raise ScreenUnreadableError(
            "uiautomator2 returned an empty hierarchy three times",
            serial=link.serial or "",
            command="dumpWindowHierarchy",
            output=str(content)[:200],
            hint="is the screen on and unlocked?",
        )

    # --- life cycle ----------------------------------------------------------------------
    def _start(self, device: Device, *, restart: bool) -> None:
        """Push the jar if needed, start the server on a stream kept open, wait for /ping."""
        self.close()
        if restart:
            self.restarts += 1
        self.started = True
        try:
            self._install_jar(device)
            self._launch(device)
            self._wait_ready(device)
        except DeviceError as exc:
            self.close()
            # a phone that dropped or stopped answering is that, not a server that cannot run
            if isinstance(exc, (U2Unavailable, *INFRASTRUCTURE)):
                raise
            raise U2Unavailable(
                f"cannot start the server: {exc.message}", serial=device.serial
            ) from exc
        self.starts += 1
        device.note(f"uiautomator2 server {'restarted' if restart else 'started'}")

    def _install_jar(self, device: Device) -> None:
        found = device.shell(f"toybox md5sum {JAR_REMOTE}").text
        if jar_md5() not in found:
            device.push(jar_path(), JAR_REMOTE)

    def _launch(self, device: Device) -> None:
        self._output = bytearray()
        self._ended = threading.Event()
        with translated(device.serial, LAUNCH):
            conn = device.link.open_transport(timeout=self.request_timeout)
            try:
                conn.send_command(f"shell:{LAUNCH}")
                conn.check_okay()
            except BaseException:
                conn.close()
                raise
        conn.conn.settimeout(None)  # the stream lives as long as the server
        self._stream, self._link = conn, device.link.with_timeout(2.0)
        threading.Thread(
            target=self._watch,
            args=(conn, self._output, self._ended),
            name=f"u2-{device.serial}",
            daemon=True,
        ).start()

    @staticmethod
    def _watch(conn: AdbConnection, output: bytearray, ended: threading.Event) -> None:
        """Collect the server's output until its stream ends (the server stopped)."""
        try:
            while chunk := conn.conn.recv(4096):
                output.extend(chunk)
        except OSError:
            pass
        ended.set()

    def _wait_ready(self, device: Device) -> None:
        link = device.link.with_timeout(self.request_timeout)
        deadline = time.monotonic() + self.start_timeout
        while True:
            text = self._output.decode("utf-8", "replace")
            if "already registered" in text:
                raise U2Unavailable(
                    "another UiAutomation holds the service (already registered)",
                    serial=device.serial,
                    output=text[-500:],
                )
            if self._ended.is_set():
                raise U2Unavailable(
                    f"the server quit: {text.strip()[-200:] or 'no output'}",
                    serial=device.serial,
                    output=text[-500:],
                )
            if self.alive(link):
                return
            if time.monotonic() >= deadline:
                raise U2Unavailable(
                    f"no pong within {self.start_timeout:g} s", serial=device.serial
                )
            time.sleep(self.ping_interval)

    def close(self) -> None:
        """Stop the server: closing its shell stream ends it; wait until /ping stops answering
        (the dump cannot have the UiAutomation service before that)."""
        with self._lock:
            stream, self._stream = self._stream, None
            if stream is None:
                return
            with contextlib.suppress(OSError, AdbError):
                # shutdown first: a bare close leaves the watcher's recv (and the TCP
                # connection) alive, and the server with it
                stream.conn.shutdown(socket.SHUT_RDWR)
                stream.close()
            self._ended.wait(2.0)
            deadline = time.monotonic() + 5.0
            while self._link is not None and time.monotonic() < deadline:
                if not self.alive(self._link):
                    break
                time.sleep(0.05)
