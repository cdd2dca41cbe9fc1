"""Failure artifacts: the last UI dump, a screenshot and the step log, under the task's folder."""

from __future__ import annotations

from pathlib import Path

from runner.device import Device
from runner.errors import DeviceError


def save_artifacts(
    device: Device, folder: Path, *, failure: str, live: bool = True, fresh_dump: bool = True
) -> dict[str, str]:
    """Write what is there to see; a phone that is gone (``live`` False) leaves the last dump and the log.

    ``fresh_dump`` False keeps the last dump (and still takes a screenshot): for a screen that
    could not be read, the screenshot is the only view of it.
    """
    folder.mkdir(parents=True, exist_ok=True)
    saved: dict[str, str] = {}
    tree = device.last_dump
    try:
        tree = device.dump() if live and fresh_dump else tree
    except DeviceError as exc:
        live = False
        device.note(f"artifacts: no fresh dump ({exc.message})")
    if tree is not None:
        (folder / "ui.xml").write_text(tree.xml, encoding="utf-8")
        saved["ui_dump"] = str(folder / "ui.xml")
    try:
        png = device.screenshot() if live else b""
        if png.startswith(b"\x89PNG"):
            (folder / "screenshot.png").write_bytes(png)
            saved["screenshot"] = str(folder / "screenshot.png")
    except DeviceError as exc:
        device.note(f"artifacts: no screenshot ({exc.message})")
    device.note(f"failed: {failure}")
    (folder / "steps.log").write_text("\n".join(device.log) + "\n", encoding="utf-8")
    saved["step_log"] = str(folder / "steps.log")
    return saved
