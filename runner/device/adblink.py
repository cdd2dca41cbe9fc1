"""Fast phone round trips, built on adbutils' own connection and device objects.

adbutils 2.12 spends ~21 ms per `device.shell()`: a `host:version` request on an extra
connection before every operation of a serial-addressed device, and a 10 ms sleep in every
`AdbConnection.close()`; small writes also stall on Nagle. Here the same objects are used
with those three costs removed: `FastConnection` (TCP_NODELAY, close without the sleep) and
`PhoneLink` (an `AdbDevice` that switches to the phone with `host:tport:serial:` directly, so
adbutils' sync, screenshot and friends inherit the speed). `shell_v2` speaks `shell,v2,raw:`
to get exit codes and treats a stream that ends without an exit frame as a lost phone.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import subprocess
from dataclasses import dataclass

import adbutils
from adbutils._adb import AdbConnection
from adbutils.errors import AdbConnectionError, AdbTimeout

from runner.device.adb_errors import translated
from runner.errors import DeviceLostError

STDOUT, STDERR, EXIT = 1, 2, 3
FRAME_HEADER = struct.Struct("<BI")


LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class FastConnection(AdbConnection):
    """An adbutils connection with TCP_NODELAY and a close that does not sleep.

    Also fixes two things of adbutils 2.12's connect: a failed connect leaked its socket, and
    any failure started a *local* server on the default port even for a remote host. Here only
    a local server is started, on the port asked for, with the adb binary adbutils would use.

    The one private adbutils method still overridden is ``_safe_connect``: adbutils has no
    public way to give a connection its socket. ``AdbConnection.__init__`` (adbutils 2.12.0,
    ``adbutils/_adb.py`` line 47: ``self.__conn = self._safe_connect()``) stores what it returns
    in a name-mangled attribute, and ``AdbClient.make_connection`` only builds a plain
    ``AdbConnection``; ``_create_socket`` is private too, and subclassing it would keep the leak
    and the default-port start. So the override is one line into ``adb_socket`` below, and
    tests/test_device_adblink.py fails loudly if adbutils stops calling it.
    """

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)
        super().__init__(host, port)

    def _safe_connect(self) -> socket.socket:  # adbutils' hook: see the class docstring
        return adb_socket(self._address)

    def close(self) -> None:
        with contextlib.suppress(adbutils.AdbError):  # already closed
            self.conn.close()

    def read_all(self) -> bytes:
        """Everything until the peer closes, joined once (adbutils' `+=` is quadratic)."""
        chunks = []
        while chunk := self.conn.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)


def adb_socket(address: tuple[str, int]) -> socket.socket:
    """A connected socket to the adb server at ``address``; a local server that does not
    answer is started on that port (adb's own ``-P``), never on the default one."""
    host, port = address
    try:
        return _connect(address)
    except (AdbTimeout, AdbConnectionError):
        if host not in LOCAL_HOSTS:
            raise
    subprocess.run(
        [adbutils.adb_path(), "-P", str(port), "start-server"],
        timeout=20.0,
        capture_output=True,
        check=False,
    )  # the connect below reports a failure with its reason
    return _connect(address)


def _connect(address: tuple[str, int]) -> socket.socket:
    try:
        sock = socket.create_connection(address, timeout=3)
    except TimeoutError as exc:
        raise AdbTimeout("connect to adb server timeout") from exc
    except OSError as exc:
        raise AdbConnectionError(f"connect to adb server failed: {exc}") from exc
    sock.settimeout(None)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    return sock


class PhoneLink(adbutils.AdbDevice):
    """An adbutils device whose transports open in one round trip on a `FastConnection`.

    A transport asked for without a timeout (adbutils' sync does that) gets ``io_timeout``,
    so a wedged phone cannot block a push or pull forever.
    """

    io_timeout: float = 60.0

    def with_timeout(self, seconds: float) -> PhoneLink:
        """The same phone, with transports bounded by ``seconds`` (for short HTTP calls)."""
        link = PhoneLink(self._client, self.serial)
        link.io_timeout = seconds
        return link

    def open_transport(
        self, command: str | None = None, timeout: float | None = None
    ) -> AdbConnection:
        client = self._client
        conn = FastConnection(client.host, client.port)
        conn.conn.settimeout(timeout or self.io_timeout)
        try:
            if command:
                conn.send_command(f"host-serial:{self._serial}:{command}")
                conn.check_okay()
            else:
                conn.send_command(f"host:tport:serial:{self._serial}")
                conn.check_okay()
                conn.read_exact(8)  # transport id
        except BaseException:
            conn.close()
            raise
        return conn


@dataclass(frozen=True)
class ShellResult:
    """What a command printed and how it exited."""

    stdout: bytes
    stderr: bytes
    exit_code: int

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")


def parse_v2(data: bytes) -> tuple[bytes, bytes, int | None]:
    """Split a shell-v2 byte stream into stdout, stderr and the exit code (None if missing)."""
    out, err, code, pos = [], [], None, 0
    while pos + FRAME_HEADER.size <= len(data):
        kind, length = FRAME_HEADER.unpack_from(data, pos)
        payload = data[pos + FRAME_HEADER.size : pos + FRAME_HEADER.size + length]
        if len(payload) < length:
            break
        pos += FRAME_HEADER.size + length
        if kind == STDOUT:
            out.append(payload)
        elif kind == STDERR:
            err.append(payload)
        elif kind == EXIT and payload:
            code = payload[0]
    return b"".join(out), b"".join(err), code


def shell_v2(link: PhoneLink, command: str, *, timeout: float) -> ShellResult:
    """Run ``command`` on the phone; raises DeviceLostError if it ends without an exit code."""
    serial = link.serial or "?"
    with translated(serial, command):
        conn = link.open_transport(timeout=timeout)
        try:
            conn.send_command(f"shell,v2,raw:{command}")
            conn.check_okay()
            data = conn.read_all()
        finally:
            conn.close()
    stdout, stderr, code = parse_v2(data)
    if code is None:
        raise DeviceLostError(
            "the phone closed the command before it finished",
            serial=serial,
            command=command,
            output=stdout.decode("utf-8", "replace"),
            hint="the phone dropped or adbd restarted; it is retried once the phone is back",
        )
    return ShellResult(stdout, stderr, code)


def link_to(serial: str, server: tuple[str, int]) -> PhoneLink:
    """A link to ``serial`` through the adb server at ``server`` (host, port)."""
    host, port = server
    return PhoneLink(adbutils.AdbClient(host=host, port=port), serial)
