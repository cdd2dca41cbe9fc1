"""Device actions: one phone over adbutils, as the small vocabulary scripts are written in."""

from __future__ import annotations

from runner.device.adblink import PhoneLink, ShellResult
from runner.device.device import Device
from runner.device.uitree import UiNode, UiTree, parse_dump

__all__ = ["Device", "PhoneLink", "ShellResult", "UiNode", "UiTree", "parse_dump"]
