"""The device pool: phones from the adb server(s), tracked live, leased one task at a time."""

from __future__ import annotations

from runner.pool.info import DeviceInfo
from runner.pool.pool import DevicePool

__all__ = ["DeviceInfo", "DevicePool"]
