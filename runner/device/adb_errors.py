"""The one place where adbutils' (and the socket layer's) exceptions become the project's.

adbutils raises `AdbError` for everything from "device offline" to a FAIL reply, `AdbTimeout`
for read timeouts, `AdbConnectionError` when the server is unreachable, a bare `EOFError` from
`read_exact` when a stream ends early, and plain `OSError`s leak through from sockets. Callers
wrap every phone operation in `translated(serial, command)` and see only `DeviceError`s.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager

from adbutils.errors import (
    AdbConnectionError,
    AdbError,
    AdbInstallError,
    AdbSyncError,
    AdbTimeout,
)

from runner.errors import (
    DeviceError,
    DeviceLostError,
    DeviceTimeoutError,
    DeviceUnavailableError,
)

LOST_MARKERS = (
    "offline",
    "closed",
    "connection reset",
    "broken pipe",
    "not found",
    "no devices",
    "eof",
)
UNAUTHORIZED_HINT = (
    "accept the USB debugging prompt on the phone (or check ADB_VENDOR_KEYS), then reconnect"
)


def translate(exc: BaseException, *, serial: str, command: str = "") -> DeviceError:
    """The project error for an adbutils/socket exception raised while running ``command``."""
    text = str(exc).strip()
    lower = text.lower()
    if isinstance(exc, DeviceError):
        return exc
    if isinstance(exc, (AdbTimeout, socket.timeout, TimeoutError)):
        return DeviceTimeoutError(
            f"no answer from the phone ({text or 'timed out'})",
            serial=serial,
            command=command,
            hint="the phone or the adb server is stuck; check `adb devices`",
        )
    if isinstance(exc, AdbConnectionError):
        return DeviceUnavailableError(
            f"cannot reach the adb server ({text})",
            serial=serial,
            command=command,
            hint="start it with `adb start-server` or check ANDROID_ADB_SERVER_HOST/PORT",
        )
    if isinstance(exc, AdbInstallError):
        return DeviceError(
            f"install failed: {exc.reason}", serial=serial, command=command, output=text
        )
    if isinstance(exc, AdbSyncError):
        return DeviceError(
            f"file transfer refused: {text}", serial=serial, command=command, output=text
        )
    if isinstance(exc, AdbError) and "unauthorized" in lower:
        return DeviceUnavailableError(
            "the phone is unauthorized", serial=serial, command=command, hint=UNAUTHORIZED_HINT
        )
    if isinstance(exc, AdbError) and "not found" in lower:
        return DeviceLostError(
            f"the adb server does not know this phone ({text})",
            serial=serial,
            command=command,
            hint="is it plugged in / `adb connect`ed? see `campaign devices`",
        )
    if isinstance(exc, (EOFError, ConnectionError)) or (
        isinstance(exc, AdbError) and (not text or any(m in lower for m in LOST_MARKERS))
    ):
        return DeviceLostError(
            f"the phone dropped the connection ({text or type(exc).__name__})",
            serial=serial,
            command=command,
            hint="it will be retried when the phone is back online",
        )
    if isinstance(exc, AdbError):
        return DeviceError(text or "adb error", serial=serial, command=command)
    if isinstance(exc, OSError):
        return DeviceLostError(
            f"socket error talking to the phone ({text})", serial=serial, command=command
        )
    raise TypeError(f"not an adb error: {exc!r}")


ADB_EXCEPTIONS = (AdbError, EOFError, OSError)


@contextmanager
def translated(serial: str, command: str = "") -> Iterator[None]:
    """Run a block; any adbutils/socket failure leaves it as a `DeviceError` subclass."""
    try:
        yield
    except DeviceError:
        raise
    except ADB_EXCEPTIONS as exc:
        raise translate(exc, serial=serial, command=command) from exc
