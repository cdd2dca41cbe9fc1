"""adbutils' exceptions become the project's errors in one place (runner/device/adb_errors.py)."""

from __future__ import annotations

import inspect

import adbutils.errors
import pytest

from runner.device.adb_errors import translate, translated
from runner.errors import (
    DeviceError,
    DeviceLostError,
    DeviceTimeoutError,
    DeviceUnavailableError,
)

CASES = [
    (
        adbutils.errors.AdbTimeout("adb read timeout"),
        DeviceTimeoutError,
        "S1: no answer from the phone (adb read timeout) (command: ls); the phone or the adb server is stuck; check `adb devices`",
    ),
    (
        adbutils.errors.AdbConnectionError("connect to adb server failed: refused"),
        DeviceUnavailableError,
        (
            "S1: cannot reach the adb server (connect to adb server failed: refused) (command: ls); "
            "start it with `adb start-server` or check ANDROID_ADB_SERVER_HOST/PORT"
        ),
    ),
    (
        adbutils.errors.AdbInstallError("Failure [INSTALL_FAILED_OLDER_SDK: x]"),
        DeviceError,
        "S1: install failed: INSTALL_FAILED_OLDER_SDK (command: ls)",
    ),
    (
        adbutils.errors.AdbSyncError("src should be a file path"),
        DeviceError,
        "S1: file transfer refused: src should be a file path (command: ls)",
    ),
    (
        adbutils.errors.AdbError("device offline"),
        DeviceLostError,
        "S1: the phone dropped the connection (device offline) (command: ls); it will be retried when the phone is back online",
    ),
    (
        adbutils.errors.AdbError(""),
        DeviceLostError,
        "S1: the phone dropped the connection (AdbError) (command: ls); it will be retried when the phone is back online",
    ),
    (
        adbutils.errors.AdbError(
            "device unauthorized.\nThis adb server's $ADB_VENDOR_KEYS is not set"
        ),
        DeviceUnavailableError,
        "S1: the phone is unauthorized (command: ls); accept the USB debugging prompt on the phone (or check ADB_VENDOR_KEYS), then reconnect",
    ),
    (
        adbutils.errors.AdbError("device '127.0.0.1:1' not found"),
        DeviceLostError,
        (
            "S1: the adb server does not know this phone (device '127.0.0.1:1' not found) (command: ls); "
            "is it plugged in / `adb connect`ed? see `campaign devices`"
        ),
    ),
    (
        adbutils.errors.AdbError("rotation get failed"),
        DeviceError,
        "S1: rotation get failed (command: ls)",
    ),
    (
        EOFError("Expected 5 bytes, got 0"),
        DeviceLostError,
        "S1: the phone dropped the connection (Expected 5 bytes, got 0) (command: ls); it will be retried when the phone is back online",
    ),
    (
        TimeoutError("timed out"),
        DeviceTimeoutError,
        "S1: no answer from the phone (timed out) (command: ls); the phone or the adb server is stuck; check `adb devices`",
    ),
    (
        ConnectionResetError(104, "Connection reset by peer"),
        DeviceLostError,
        (
            "S1: the phone dropped the connection ([Errno 104] Connection reset by peer) (command: ls); "
            "it will be retried when the phone is back online"
        ),
    ),
]


@pytest.mark.parametrize(
    ("exc", "kind", "text"),
    CASES,
    ids=lambda v: type(v).__name__ if isinstance(v, BaseException) else "",
)
def test_each_failure_maps_to_one_project_error(exc, kind, text) -> None:  # type: ignore[no-untyped-def]
    error = translate(exc, serial="S1", command="ls")
    assert (type(error), str(error)) == (kind, text)


def test_every_adbutils_exception_class_is_covered() -> None:
    classes = {
        c
        for _, c in inspect.getmembers(adbutils.errors, inspect.isclass)
        if issubclass(c, Exception)
    }
    covered = {type(exc) for exc, _, _ in CASES}
    assert classes - covered == set()


def test_translated_raises_the_project_error_from_the_original() -> None:
    with pytest.raises(DeviceTimeoutError) as info, translated("S2", "getprop"):
        raise adbutils.errors.AdbTimeout("adb read timeout")
    assert (info.value.serial, info.value.command, type(info.value.__cause__)) == (
        "S2",
        "getprop",
        adbutils.errors.AdbTimeout,
    )
