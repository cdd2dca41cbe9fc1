"""Screen readers: how a phone's UI hierarchy is read. Scripts never know which one is used.

Every reader has one job, ``read(device) -> UiTree``, and raises `ScreenUnreadableError`
(naming the reason) when the screen cannot be read; it never returns an error text, an empty
hierarchy or a previous screen as if it were the screen now.

- `DumpReader`: ``uiautomator dump``; recognises every failure text, retries with
  ``--compressed`` (screens that never go idle) and a bounded back-off.
- `U2Reader`: uiautomator2's on-device server (its ``u2.jar``), started once per phone and run,
  health-checked and restarted when it dies; a fraction of a dump's cost per read.
- `AutoReader` (the pool's default): the server when it starts, the dump otherwise.

The pool keeps one reader per phone for the whole run (`make_reader`), so the server started
for the first task serves every later one.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Protocol

from runner.device.readers.dump import DumpReader
from runner.device.readers.u2 import U2Reader, U2Unavailable

if TYPE_CHECKING:
    from runner.device.device import Device
    from runner.device.uitree import UiTree

READER_KINDS = ("auto", "uiautomator2", "dump")
RETRY_SERVER_AFTER = 300.0  # seconds on the dump before trying to start the server again


class ScreenReader(Protocol):
    def read(self, device: Device) -> UiTree: ...
    def describe(self) -> tuple[str, str | None]: ...
    def close(self) -> None: ...


class AutoReader:
    """uiautomator2's server while it runs; ``uiautomator dump`` when it cannot start.

    A server that fails to start (or to restart) is left alone for `RETRY_SERVER_AFTER`
    seconds; meanwhile the dump reads the screen, and the reason shows in `describe`.
    """

    name = "auto"

    def __init__(self, *, u2: U2Reader | None = None, dump: DumpReader | None = None) -> None:
        self.u2 = u2 or U2Reader()
        self.dump = dump or DumpReader()
        self.fallback_reason: str | None = None
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def read(self, device: Device) -> UiTree:
        with self._lock:
            if time.monotonic() >= self._retry_at:
                try:
                    tree = self.u2.read(device)
                except U2Unavailable as exc:
                    device.note(f"screen reader: uiautomator dump ({exc.message})")
                    self.fallback_reason = exc.message
                    self._retry_at = time.monotonic() + RETRY_SERVER_AFTER
                    self.u2.close()  # one UiAutomation at a time: the dump needs it
                else:
                    self.fallback_reason = None
                    return tree
        return self.dump.read(device)

    def describe(self) -> tuple[str, str | None]:
        """(reader in use, note): "uiautomator2", or "dump" with the reason the server is not used."""
        if self.fallback_reason is not None:
            return "dump", f"uiautomator2 unavailable: {self.fallback_reason}"
        return self.u2.describe() if self.u2.started else ("auto", "not started yet")

    def close(self) -> None:
        self.u2.close()


def make_reader(kind: str = "auto") -> ScreenReader:
    """A new reader of ``kind`` (one of READER_KINDS) for one phone."""
    if kind == "auto":
        return AutoReader()
    if kind == "uiautomator2":
        return U2Reader()
    if kind == "dump":
        return DumpReader()
    raise ValueError(f"unknown screen reader {kind!r}: one of {', '.join(READER_KINDS)}")


__all__ = [
    "READER_KINDS",
    "AutoReader",
    "DumpReader",
    "ScreenReader",
    "U2Reader",
    "U2Unavailable",
    "make_reader",
]
